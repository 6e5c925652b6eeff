"""The figures a narrative names, against the tables: 「共收到政府信息公开申请5件」 while 三 says 4.

A narrative is read clause by clause (split at ，。；！？ and line breaks). In a clause, a figure — a
number with a unit (「5件」「0件次」「两件」「1.25万元」) — belongs to the topic words before it
(申请、许可、处罚、强制、复议、诉讼、上年结转、结转下年度、办结、信息处理费) since the previous figure;
several topics with 共/合计 before the figure are a sum (「被申请行政复议、提起行政诉讼共2件」), with 均/都
each has that figure. A negation (未/没有/无 + 收到/发生/作出/收取 …, or 无 + topic) says "none" for the
topics after it in its clause (「未发生因政府信息公开引起的行政复议、行政诉讼」).

Reading errs towards silence: a figure is skipped when its clause names a part or a change rather than
the year's total (其中、同比、增加、较上年、约、余、尚未审结 …) or another year, and the row labels of table 三
(「无正当理由大量反复申请」) are not claims. 「受理N件」 may count 一 or 一 + 二; both are accepted.

Every reading is cached by text: the interview runs the checks after every answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Callable

from . import labels
from ..text import say
from .findings import Finding
from .model import Report, format_amount
from .rulebase import CITATION, NARRATIVES, Narrative, finding, years_named

# ---- topics ----------------------------------------------------------------------------------------

# Order matters where words overlap: the first alternative that matches at a position wins.
_TOPIC_WORDS: tuple[tuple[str, str], ...] = (
    ("fee", r"(?:信息(?:公开)?)?处理费"),
    ("review", r"(?:行政)?复议"),
    ("litigation", r"(?:行政)?诉讼"),
    ("licensing", r"(?:行政)?许可"),
    ("penalties", r"(?:行政)?处罚"),
    ("enforcement", r"行政强制"),  # 强制 alone is too common (强制性、强制执行 …)
    ("carried_over", r"上年度?结转"),
    ("carried_forward", r"结转(?:至|到)?下一?年度?"),
    ("concluded", r"办结"),
    # 申请 of the disclosure kind only: not 申请人/申请书, not 许可申请/复议申请, not 被申请行政复议, not 依申请公开.
    ("applications", r"(?<!被)(?<!许可)(?<!复议)(?<!诉讼)(?<!处罚)申请"
                     r"(?!人|书|表|公开|渠道|方式|途径|流程|程序|条件|材料|指南|期限|行政复议|复议|行政诉讼|诉讼)"),
)
_TOPIC = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in _TOPIC_WORDS))

# Arabic digits with any counting unit; Chinese numerals only with 件/宗/元 (「一起」「一次性」「一项」 are words).
_NUMBER = re.compile(
    r"(?<![第0-9０-９.．])(?:"
    r"(?P<number>[0-9０-９][0-9０-９,]*(?:[.．][0-9０-９]+)?)\s*(?P<wan>万)?\s*"
    r"(?P<unit>件次|人次|件|宗|起|个(?!工作日|月|小时|百分点)|份|项|次|条|笔|万元|元)"
    r"|(?P<chinese>[零〇一二两三四五六七八九十百千万]+)(?P<chinese_unit>件次|件|宗|万元|元)"
    r")(?P<about>余|多|左右)?"
)
# A negation, then a verb of receiving/happening or the topic itself.
_NEGATION = re.compile(
    r"(?:未|没有|无(?!法|论|纸|正当|偿))(?:曾|再|有|被)?"
    r"(?=收到|接到|受理|发生|产生|收取|作出|做出|出现|涉及|办理|提起|存在|开展|实施|形成|因|任何|一起|一件|一例)"
    # 「无政府信息公开申请」: 无/没有 and, a few characters on, the topic itself
    r"|(?:没有|无(?!法|论|纸|正当|偿))(?=[^，。；;、]{0,8}?(?:" + "|".join(p for _, p in _TOPIC_WORDS[:-1]) + r"|申请))"
    r"|免收|免予收取|不收取|不予收取"
)
_SUM = re.compile(r"共计?|合计|总计|总共|累计")
_EACH = re.compile(r"均为?|都是?|各")
# A clause that names a part, a change, an estimate or another year's figure: its figures are skipped.
_QUALIFIED = re.compile(
    r"其中|同比|较上年|比上年|上年(?!度?结转)|去年|上一年|增长|增加|减少|下降|上升|平均|占|超过|以上|以下|不足|"
    r"约|近|逾|予以公开|部分公开|不予|无法提供|其他处理|重复申请|信访|尚未审结|审结|维持|纠正|撤销|驳回|"
    r"败诉|胜诉|终止|每"
)
_STAGES = ("carried_over", "carried_forward", "concluded")  # rows of table 三 besides 一
_CLAUSE_END = re.compile(r"[，。；;！!？?\n\r]|,(?!\d)")
_SENTENCE_END = re.compile(r"[。；;！!？?\n\r]")
_ACCEPTING = re.compile(r"受理|办理|处理(?!费)")  # 「受理申请N件」: 一 or 一 + 二 (or, for 办理, the concluded)

# Row labels of table 三 name kinds of applications, not counts of them; 「一件事一次办」 is a policy's name.
_NOT_CLAIMS = tuple(sorted({re.sub(r"^\d+\.", "", row.label) for row in labels.OUTCOME_ROWS}
                           | {labels.NEW_LABEL[2:], labels.CARRIED_OVER_LABEL[2:],
                              labels.CARRIED_FORWARD_LABEL[2:], "一件事"}, key=len, reverse=True))

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                   "七": 7, "八": 8, "九": 9}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}


def _chinese(text: str) -> int | None:
    """「十二」 12, 「一百零五」 105, 「两千三百」 2300, 「一万二千」 12000; None if not a plain numeral."""
    if not any(ch in _CHINESE_DIGITS for ch in text) and not text.startswith("十"):
        return None  # 「上万件」「千件」: not a figure
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CHINESE_DIGITS:
            if digit is not None and digit != 0:
                return None  # 「三三」: not a numeral a report writes
            digit = _CHINESE_DIGITS[ch]
        elif ch in _CHINESE_UNITS:
            section += (1 if digit is None else digit) * _CHINESE_UNITS[ch]
            digit = None
        elif ch == "万":
            total = (total + section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _unit(match: re.Match[str]) -> str:
    return match.group("unit") or match.group("chinese_unit")


def _value(match: re.Match[str]) -> Decimal | None:
    if match.group("number") is not None:
        raw = match.group("number").translate(str.maketrans("０１２３４５６７８９．", "0123456789.")).replace(",", "")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return None
    else:
        chinese = _chinese(match.group("chinese"))
        if chinese is None:
            return None
        number = Decimal(chinese)
    if match.group("wan") or _unit(match) == "万元":
        number *= 10_000
    return number


# ---- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What a clause says: the topics, and a figure (None: "none") counted in 件 or in 元."""

    topics: tuple[str, ...]
    value: Decimal | None
    amount: bool = False       # 元, not 件
    accepting: bool = False    # 「受理/办理」: 一 or 一 + 二 (or the concluded) are accepted


def _plain(text: str) -> str:
    text = CITATION.sub("", text)
    for name in _NOT_CLAIMS:
        text = text.replace(name, "")
    return text


@lru_cache(maxsize=512)
def claims(text: str, year: int | None = None) -> tuple[Claim, ...]:
    """Every figure and every "none" the text states, in order (see module docstring)."""
    out: list[Claim] = []
    for sentence in _SENTENCE_END.split(_plain(text)):
        fee_seen = False  # 「收取信息处理费3件，共150元」: an amount later in the sentence is the fee's
        for clause in _CLAUSE_END.split(sentence):
            topics = [(m.start(), m.end(), m.lastgroup) for m in _TOPIC.finditer(clause)]
            has_fee = any(kind == "fee" for _, _, kind in topics)
            if not (year is not None and years_named(clause) - {year}):  # another year's figures: skipped
                out += _clause_claims(clause, topics, has_fee, fee_seen)
            fee_seen = fee_seen or has_fee
    return tuple(out)


def _clause_claims(clause: str, topics: list[tuple[int, int, str]], has_fee: bool,
                   fee_seen: bool) -> list[Claim]:
    numbers = list(_NUMBER.finditer(clause))
    out: list[Claim] = []
    previous_end = 0
    used: set[int] = set()
    for number in numbers:
        start = number.start()
        before = [(s, kind) for s, e, kind in topics if previous_end <= s and e <= start]
        prefix = clause[:start]
        value = _value(number)
        amount = _unit(number) in ("元", "万元")
        previous_end = number.end()
        if value is None or number.group("about"):
            continue
        if has_fee and not before and prefix.endswith("对") and not amount:
            # 「对3件政府信息公开申请收取信息处理费」: the cases charged
            out.append(Claim(("fee",), value))
            used |= {s for s, _, kind in topics if kind == "fee"}
            continue
        if not before:
            if amount and (fee_seen or has_fee):
                out.append(Claim(("fee",), value, amount=True))  # 「…收取信息处理费3件，共150元」
            continue
        kinds = tuple(dict.fromkeys(kind for _, kind in before))
        if amount:  # 元: only the fee has an amount, and only when the fee was named last
            if kinds[-1] == "fee":
                out.append(Claim(("fee",), value, amount=True))
                used |= {s for s, _ in before}
            continue
        if _QUALIFIED.search(prefix) and kinds != ("fee",):
            continue
        stages = tuple(k for k in kinds if k != "applications")
        if len(stages) == 1 and stages[0] in _STAGES:
            kinds = stages  # 「办结申请3件」「上年结转的申请1件」: the stage names the row
        between = clause[before[-1][0]:start]
        if len(kinds) > 1 and _SUM.search(between):
            out.append(Claim(kinds, value))
        elif len(kinds) > 1 and _EACH.search(between):
            out += [Claim((kind,), value) for kind in kinds]
        elif len(kinds) == 1:
            out.append(Claim(kinds, value, amount=amount, accepting=bool(_ACCEPTING.search(prefix))))
        used |= {s for s, _ in before}
    for negation in _NEGATION.finditer(clause):
        after = [(s, kind) for s, _, kind in topics if s >= negation.end() and s not in used]
        for kind in dict.fromkeys(kind for _, kind in after):
            out.append(Claim((kind,), None))
    return out


# ---- the tables' figures ----------------------------------------------------------------------


def _row_sum(report: Report, path: str) -> int | None:
    row = report.get(path)
    return None if row is None else sum(row)


def _concluded(report: Report) -> int | None:
    total = report.applications.outcomes_total if report.applications else None
    return None if total is None else sum(total)


def _appeal(report: Report, *keys: str) -> int | None:
    rows = [report.get(f"appeals.{key}") for key in keys]
    return None if any(r is None for r in rows) else sum(map(sum, rows))  # type: ignore[arg-type]


# topic → (table figure, report paths behind it)
TABLE: dict[str, tuple[Callable[[Report], int | Decimal | None], tuple[str, ...]]] = {
    "applications": (lambda r: _row_sum(r, "applications.new"), ("applications.new",)),
    "carried_over": (lambda r: _row_sum(r, "applications.carried_over"), ("applications.carried_over",)),
    "carried_forward": (lambda r: _row_sum(r, "applications.carried_forward"), ("applications.carried_forward",)),
    "concluded": (_concluded, tuple(f"applications.{g.key}" for g in labels.OUTCOME_GROUPS)),
    "licensing": (lambda r: r.get("proactive.licensing"), ("proactive.licensing",)),
    "penalties": (lambda r: r.get("proactive.penalties"), ("proactive.penalties",)),
    "enforcement": (lambda r: r.get("proactive.enforcement"), ("proactive.enforcement",)),
    "review": (lambda r: _appeal(r, "review"), ("appeals.review",)),
    "litigation": (lambda r: _appeal(r, "litigation_direct", "litigation_after_review"),
                   ("appeals.litigation_direct", "appeals.litigation_after_review")),
    "fee": (lambda r: r.get("processing_fee.cases"), ("processing_fee.cases",)),
    "fee_amount": (lambda r: r.get("processing_fee.amount_yuan"), ("processing_fee.amount_yuan",)),
}


def _number(value: Decimal | int) -> int | str:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else format_amount(value)
    return value


def _check_claim(report: Report, item: Narrative, claim: Claim) -> Finding | None:
    if claim.value is None:  # "none": every figure behind the topic is 0
        keys = ("fee", "fee_amount") if claim.topics == ("fee",) else claim.topics
        for key in keys:
            actual = TABLE[key][0](report)
            if actual:  # None (unanswered) or 0: nothing to say
                return _finding(item, claim, key, None, actual)
        return None
    key = "fee_amount" if claim.amount else None
    if key is not None:
        actual = TABLE[key][0](report)
        if actual is None or Decimal(actual) == claim.value:
            return None
        return _finding(item, claim, key, claim.value, actual)
    figures = [TABLE[t][0](report) for t in claim.topics]
    if any(f is None for f in figures):
        return None
    actual = sum(figures)  # type: ignore[arg-type]
    accepted = {actual}
    alternative = None
    if claim.topics == ("applications",) and claim.accepting:
        over, done = _row_sum(report, "applications.carried_over"), _concluded(report)
        if over is not None:
            alternative = actual + over
            accepted |= {alternative}
        if done is not None:
            accepted.add(done)
    if claim.value in accepted:
        return None
    return _finding(item, claim, claim.topics[0] if len(claim.topics) == 1 else None, claim.value, actual,
                    alternative)


def _finding(item: Narrative, claim: Claim, key: str | None, claimed: Decimal | None,
             actual: int | Decimal, alternative: int | None = None) -> Finding:
    topics = claim.topics
    rule = "narrative_" + ("fee" if topics == ("fee",) else "_".join(topics))
    tables = [key] if key else list(topics)
    paths = (item.path, *(p for t in tables for p in TABLE[t][1]),
             *(("applications.carried_over",) if alternative is not None else ()))
    numbers: dict[str, int | str] = {"claimed": _number(claimed) if claimed is not None else 0,
                                     "table": _number(actual)}
    if alternative is not None:
        numbers["alternative"] = alternative
    return finding(rule, item.section, severity="warning", label=item.label, paths=paths, numbers=numbers,
                   template="narrative_figures", says_none=claimed is None, amount=key == "fee_amount",
                   names=[say(f"rules.topic_{t}") for t in topics],
                   tables=[say(f"rules.table_{t}") for t in tables])


def narrative_figure_findings(report: Report) -> list[Finding]:
    """One warning per narrative and topic whose figure (or "none") disagrees with the tables."""
    findings = []
    for item in NARRATIVES:
        text: str | None = report.get(item.path)
        if not text:
            continue
        seen: set[str] = set()
        for claim in claims(text, report.year):
            found = _check_claim(report, item, claim)
            if found is not None and found.rule not in seen:
                seen.add(found.rule)
                findings.append(found)
    return findings
