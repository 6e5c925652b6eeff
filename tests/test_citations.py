"""Every 《条例》 citation the shipped templates print names an article, item and paragraph that exist.

ARTICLES is derived from shared/reference/regulation-articles.md (the 2019 regulation, 国务院令第711号):
the articles a report may cite, with the items （一）… and paragraphs (款) that reference lists. A
citation of anything else — an article not listed, 第三十六条第（八）项 (article 36 has seven items), a
third paragraph of article 39 — fails here, naming the file and the text.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from nianbao.dialogs.numerals import chinese_to_int
from nianbao.dialogs.prompts import Prompts
from nianbao.text import TEMPLATES

ITEM, PARAGRAPH = "项", "款"

# article → {"项": the items listed, "款": the paragraphs listed}; no entry: cited as a whole only.
ARTICLES: dict[int, dict[str, frozenset[int]]] = {
    14: {}, 15: {},
    16: {PARAGRAPH: frozenset({1, 2})},
    20: {ITEM: frozenset({1, 5, 6, 8})},
    27: {}, 30: {}, 33: {}, 35: {},
    36: {ITEM: frozenset(range(1, 8))},  # seven items, no （八）
    37: {}, 38: {},
    39: {PARAGRAPH: frozenset({1, 2})},
    42: {}, 47: {},
    49: {},
    50: {ITEM: frozenset(range(1, 6))},
}
# What article 50's items cover (words one of them must appear near the citation).
ARTICLE_50_TOPICS = {1: ("主动公开",), 2: ("申请",), 3: ("复议", "诉讼"), 4: ("考核", "评议", "责任追究"),
                     5: ("其他",)}

_NUM = r"[一二三四五六七八九十百零〇0-9]+"
_PART = rf"第(?:（{_NUM}）)+项|第{_NUM}项|第{_NUM}款"
_ARTICLE = rf"第{_NUM}条(?:{_PART})?(?:、(?:{_PART}))*"
# A chain after the regulation's name: 条例第十四条、第十五条、第三十六条第（三）项 … ; or an article
# with an item or paragraph anywhere (第二十条第（一）项 is a citation even without the name).
_CHAIN = re.compile(rf"(?:条例》?)(?P<chain>{_ARTICLE}(?:、{_ARTICLE})*)|(?P<bare>第{_NUM}条(?:{_PART})(?:、(?:{_PART}))*)")
_ONE_ARTICLE = re.compile(rf"第(?P<article>{_NUM})条(?P<parts>(?:(?:、)?(?:{_PART}))*)")
_ONE_PART = re.compile(rf"第(?P<items>(?:（{_NUM}）)+)项|第(?P<item>{_NUM})项|第(?P<paragraph>{_NUM})款")


def _int(numeral: str) -> int:
    return int(numeral) if numeral.isdigit() else chinese_to_int(numeral)


def citations(text: str) -> list[tuple[int, str | None, int | None, str]]:
    """(article, "项"/"款"/None, number, the citation's text) for every citation in ``text``."""
    found = []
    for chain in _CHAIN.finditer(text):
        source = chain["chain"] or chain["bare"]
        for article in _ONE_ARTICLE.finditer(source):
            number = _int(article["article"])
            parts = list(_ONE_PART.finditer(article["parts"]))
            if not parts:
                found.append((number, None, None, source))
            for part in parts:
                if part["items"]:
                    found += [(number, ITEM, _int(n), source) for n in re.findall(rf"（({_NUM})）", part["items"])]
                elif part["item"]:
                    found.append((number, ITEM, _int(part["item"]), source))
                else:
                    found.append((number, PARAGRAPH, _int(part["paragraph"]), source))
    return found


_COMMENT = re.compile(r"{#.*?#}", re.S)


def _shipped_texts() -> list[tuple[str, str]]:
    """(where, text) for every shipped template: each TOML string value, each .j2 file."""
    out = []
    for path in sorted(_walk(TEMPLATES)):
        relative = path.relative_to(TEMPLATES) if hasattr(path, "relative_to") else path.name
        if path.name.endswith(".toml"):
            for key, value in _strings(tomllib.loads(path.read_text(encoding="utf-8"))):
                out.append((f"{relative}:{key}", value))
        elif path.name.endswith(".j2"):  # what is printed: jinja comments left out
            out.append((str(relative), _COMMENT.sub("", path.read_text(encoding="utf-8"))))
    return out


def _walk(folder):
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _walk(entry)
        else:
            yield entry


def _strings(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _strings(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value


def problems(text: str) -> list[str]:
    out = []
    for article, kind, number, source in citations(text):
        listed = ARTICLES.get(article)
        if listed is None:
            out.append(f"第{article}条 is not an article the report cites ({source})")
        elif kind is not None and number not in listed.get(kind, frozenset()):
            out.append(f"第{article}条 has no {kind} {number} in the reference ({source})")
    return out


def test_the_parser_reads_the_citation_forms_in_use():
    assert citations("（条例第十四条、第十五条、第十六条、第三十六条第（三）项）") == [
        (14, None, None, "第十四条、第十五条、第十六条、第三十六条第（三）项"),
        (15, None, None, "第十四条、第十五条、第十六条、第三十六条第（三）项"),
        (16, None, None, "第十四条、第十五条、第十六条、第三十六条第（三）项"),
        (36, ITEM, 3, "第十四条、第十五条、第十六条、第三十六条第（三）项"),
    ]
    assert [c[:3] for c in citations("条例第三十六条第（四）（五）项")] == [(36, ITEM, 4), (36, ITEM, 5)]
    assert [c[:3] for c in citations("《条例》第三十九条第二款")] == [(39, PARAGRAPH, 2)]
    assert [c[:3] for c in citations("第二十条第（八）项")] == [(20, ITEM, 8)]
    assert [c[:3] for c in citations("条例第五十条第四项")] == [(50, ITEM, 4)]
    assert citations("有 3 条提示，第一条：…") == []  # 「第一条」 of a list is no citation


def test_the_check_catches_the_old_mistakes():
    assert problems("（条例第三十六条第（八）项）")  # article 36 has seven items
    assert problems("（条例第五十一条）")  # not an article a report cites
    assert problems("（条例第三十九条第三款）")
    assert not problems("（条例第三十六条第（七）项）")


def test_every_citation_in_the_shipped_templates_exists():
    texts = _shipped_texts()
    assert any(where.startswith("prompts/help.toml") for where, _ in texts)
    assert sum(len(citations(text)) for _, text in texts) > 30  # the help texts cite the regulation
    found = [f"{where}: {p}" for where, text in texts for p in problems(text)]
    assert found == []


def test_article_50_is_cited_by_item_and_for_what_that_item_covers():
    for where, text in _shipped_texts():
        for article, kind, number, _ in citations(text):
            if article != 50:
                continue
            assert kind == ITEM, f"{where}: 第五十条 cited without its item"
            assert any(word in text for word in ARTICLE_50_TOPICS[number]), where


def test_article_49_is_cited_for_deadlines_only():
    for where, text in _shipped_texts():
        if any(article == 49 for article, *_ in citations(text)):
            assert "1月31日" in text or "3月31日" in text, where


HELP = tomllib.loads((TEMPLATES / "prompts" / "help.toml").read_text(encoding="utf-8"))


def cited(key: str) -> set[tuple[int, str | None, int | None]]:
    return {c[:3] for c in citations(HELP[key])}


def test_help_for_the_withholding_and_unable_rows_cites_the_right_items():
    assert cited("withheld_query_matters") == {(36, ITEM, 7)}
    assert {(36, ITEM, 4), (36, ITEM, 5)} <= cited("unable_not_held")  # 不属于本机关负责公开 too
    assert "不属于本机关" in HELP["unable_not_held"]
    assert cited("not_processed_publications") == {(39, PARAGRAPH, 2)}
    assert cited("not_processed_petition") == {(39, PARAGRAPH, 1)}


def test_help_for_reconfirm_cites_no_article():
    assert cited("not_processed_reconfirm") == set()
    assert "第三十九条" not in HELP["not_processed_reconfirm"]


@pytest.mark.parametrize("key", ["appeals_review", "appeals_litigation_direct", "appeals_litigation_after_review"])
def test_help_for_table_four_defines_the_results(key):
    text = Prompts().render(f"help.{key}", None)
    for label in ("结果维持", "结果纠正", "其他结果", "尚未审结"):
        assert f"{label}：" in text
    corrected = text.split("结果纠正：", 1)[1].split("；", 1)[0]
    assert all(word in corrected for word in ("撤销", "变更", "确认违法", "责令履行"))
    other = text.split("其他结果：", 1)[1].split("；", 1)[0]
    assert all(word in other for word in ("驳回", "终止", "撤回", "调解"))


@pytest.mark.parametrize("key", ["licensing", "penalties", "enforcement"])
def test_help_for_decisions_says_made_not_published(key):
    assert "作出" in HELP[key] and "本年处理决定数量" in HELP[key]
    assert not re.search(r"公开(?:了)?(?:的)?行政(?:许可|处罚|强制)", HELP[key])
