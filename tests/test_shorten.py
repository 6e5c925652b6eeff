"""Labels shortened at a word, never mid-word, by one function (nianbao.shorten) — buttons, the
preview, the /drafts list."""

from __future__ import annotations

import re

import pytest

from botkit import answer, running_bot
from nianbao.shorten import boundaries, shorten
from nianbao.text import TEMPLATES, say

TITLES = [
    "一、本年新收政府信息公开申请数量", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开 8.属于行政查询事项", "（四）无法提供 1.本机关不掌握相关政府信息",
    "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "行政诉讼 未经复议直接起诉", "（四）政府信息公开平台建设",
]
ORGANS = ["托里县哈图镇人民政府", "天津市滨海新区寨上街道办事处", "兴化市大营镇", "沛县龙固镇人民政府",
          "广西壮族自治区百色市田林县八渡瑶族乡人民政府", "托里县市场监督管理局"]
PROSE = ["哈图镇人民政府以贯彻落实信息公开为契机，以建设法治服务型政府为目标",
         "2024年，哈图镇人民政府未收到依申请和处理政府信息情况。", "我镇高度重视，通过强化领导，将政务信息管理"]


@pytest.mark.parametrize("text, limit, front, expected", [
    ("托里县哈图镇人民政府", 20, False, "托里县哈图镇人民政府"),       # fits: whole
    ("托里县哈图镇人民政府", 9, True, "…哈图镇人民政府"),             # not 「里县哈图镇…」
    ("托里县哈图镇人民政府", 8, False, "托里县哈图镇…"),
    ("天津市滨海新区寨上街道办事处", 9, True, "…寨上街道办事处"),
    ("广西壮族自治区百色市田林县八渡瑶族乡人民政府", 12, True, "…八渡瑶族乡人民政府"),
    ("托里县市场监督管理局", 6, False, "托里县…"),                    # not 「托里县市…」: 市场 is one word
    ("托里县人民政府", 6, True, "托里县人民政府"),                     # 「…人民政府」 would name no one
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 16, False, "（二）部分公开…"),  # brackets closed
    ("（三）不予公开 8.属于行政查询事项", 12, False, "（三）不予公开…"),  # no dangling 「8.」
    ("一、本年新收政府信息公开申请数量", 8, False, "一、本年新收…"),
    ("哈图镇人民政府以贯彻落实信息公开为契机，以建设法治服务型政府为目标", 14, False, "哈图镇人民政府以贯彻落实…"),
    ("我镇高度重视，通过强化领导，将政务信息管理", 14, False, "我镇高度重视，通过强化领导…"),
    ("收费1.5万元，已上缴", 6, False, "收费1.5万元…"),  # never inside 「1.5」: longer, not cut mid-word
    ("无法断开的一长串文字没有任何边界", 8, False, "无法断开的一长串文字没有任何边界"),  # no word edge: whole
])
def test_shorten(text, limit, front, expected):
    assert shorten(text, limit, front=front) == expected


@pytest.mark.parametrize("text", [*TITLES, *ORGANS, *PROSE])
@pytest.mark.parametrize("limit", [6, 8, 10, 12, 14, 16])
@pytest.mark.parametrize("front", [False, True])
def test_never_cut_mid_word(text, limit, front):
    got = shorten(text, limit, front=front)
    if got == text:
        return
    assert got.count("…") == 1 and got.startswith("…") == front and got.endswith("…") != front
    kept = got.strip("…")
    assert len(got) < len(text)
    if front:
        start = text.rindex(kept)
        assert start in boundaries(text) or text[start - 1] in " ，、。.；：）"  # starts where a word starts
        assert start > 0 and text.endswith(kept)  # the first character is never what is cut off alone
    else:
        assert text.startswith(kept)
        end = len(kept)
        assert end in boundaries(text) or text[end] in " ，、。.；：（"  # ends where a word ends


def test_templates_shorten_only_through_the_filter():
    # a text cut by hand: {{ value[:17] }}…, …{{ title[-14:] }} (a list's options[:2] is no label)
    sliced = re.compile(r"\[\s*-?\d*\s*:\s*-?\d*\s*\]\s*}}\s*…|…\s*{{[^}]*\[\s*-?\d*\s*:\s*-?\d*\s*\]")
    for path in (TEMPLATES / "text").iterdir():
        assert not sliced.search(path.read_text(encoding="utf-8")), path.name
    for path in (TEMPLATES / "prompts").iterdir():
        assert not sliced.search(path.read_text(encoding="utf-8")), path.name


def test_buttons_use_it():
    assert say("interview.button_edit", title="（三）不予公开 8.属于行政查询事项") == "改（三）不予公开…"
    assert say("interview.button_edit", title="（一）予以公开") == "改（一）予以公开"
    long_organ = "广西壮族自治区百色市田林县八渡瑶族乡人民政府"
    assert say("interview.button_default", value=long_organ) == "广西壮族自治区百色市田林县…"
    assert say("interview.button_default", value="3 0 0 0 0 1") == "3 0 0 0 0 1"


@pytest.mark.parametrize("organ, year, label", [
    ("托里县哈图镇人民政府", 2024, "…哈图镇人民政府2024年"),
    ("沛县龙固镇人民政府", 2024, "沛县龙固镇人民政府2024年"),   # fits: nothing left out
    ("天津市滨海新区寨上街道办事处", 2023, "…寨上街道办事处2023年"),
])
def test_draft_buttons_shorten_the_front_of_the_organ_only_and_keep_the_year(organ, year, label):
    assert say("bot.draft_button", organ=organ, year=year) == label


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path) as running:
        yield running


async def test_the_drafts_list_on_the_phone(bot, fake_tg):
    user = await bot.official(1101)
    await answer(user, "/new 2023")
    got = await answer(user, "/drafts")
    labels = [label for item in got for row in item.buttons for label, _ in row]
    assert sorted(labels) == ["…哈图镇人民政府2023年", "…哈图镇人民政府2024年"]
