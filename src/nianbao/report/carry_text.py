"""Last year's paragraph with this year's figures: what the interview offers beside the default.

Truth first — a sentence is kept only when every figure in it can be said of this year:
  * a figure the tables give (「全年共收到政府信息公开申请5件」, read by narrative_figures.claims) is kept
    only when it agreed with last year's tables — then we know which figure it is — and is replaced by
    this year's (「…申请3件」);
  * a "none" (「未发生行政复议」) is kept only when this year's figure is 0 as well;
  * a sentence with any other figure (「开展培训3次」「发布信息1200余条」「同比增加2件」), or naming any
    year but last year's, is about last year: it is left out. Last year's own year becomes this year's.
What stays is last year's wording without its year-bound figures. Recomposed after every answer (the
tables may change), so it agrees with them as the default paragraph does.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .model import Report, format_amount
from .narrative_figures import _NUMBER, TABLE, Claim, claims
from .rulebase import CITATION, years_named

_TAIL = re.compile(r"[，,；;](?=其中|同比|较上年|比上年|与上年|较去年|比去年)")
_SENTENCE = re.compile(r"(?<=[。；;！!？?\n])")
# Figures that belong to no year: the 12345 hotline, telephone numbers, web addresses.
_TIMELESS = re.compile(r"12345|\d{3,4}-\d{7,8}|1\d{10}|(?:https?://|www\.)[\w./-]+")
_YEAR = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?")
# A count in Chinese numerals (「开展培训三次」「两名」): last year's, whatever it was.
_CHINESE_COUNT = re.compile(r"[一二两三四五六七八九十百千万]+(?:次|场|期|个|名|人|条|篇|项|件|份|批|家|户|场次|人次)")
_ORDINAL = re.compile(r"[一二三四五六七八九十]+(?:是|要|在|项工作|方面)|一(?:步|致|律|体|直|定|起|同|般|并|切|些|线)|统一|唯一|第[一二三四五六七八九十百]+")


def carried(text: str | None, last: Report, this: Report) -> str:
    """``text`` (last year's paragraph) as far as it is true of ``this`` year (module docstring)."""
    if not text or last.year is None or this.year is None:
        return ""
    kept = [s for s in (_carry(part, last, this) for part in _SENTENCE.split(text)) if s]
    return "".join(kept).strip()


def _carry(sentence: str, last: Report, this: Report) -> str | None:
    """The sentence, else its head before a part or a change (「…申请5件，其中网上申请2件。」 → 「…申请3件。」)."""
    whole = _carry_sentence(sentence, last, this)
    if whole is not None:
        return whole
    tail = _TAIL.search(sentence)
    if tail is None:
        return None
    end = sentence.rstrip()[-1:] if sentence.rstrip()[-1:] in "。；;！!？?" else ""
    return _carry_sentence(sentence[:tail.start()] + (end or "。") + ("\n" if sentence.endswith("\n") else ""), last, this)


def _carry_sentence(sentence: str, last: Report, this: Report) -> str | None:
    if not sentence.strip():
        return None
    shift = {last.year: this.year, last.year + 1: this.year + 1}  # 「2024年度」 and 「2025年工作要点」
    if years_named(sentence) - set(shift):
        return None  # another year's
    numbers = list(_NUMBER.finditer(sentence))
    rest = _NUMBER.sub("", _YEAR.sub("", _TIMELESS.sub("", CITATION.sub("", sentence))))
    if re.search(r"[0-9０-９]", rest) or _CHINESE_COUNT.search(_ORDINAL.sub("", rest)):
        return None  # a figure the tables do not give
    said = claims(sentence, last.year)
    valued = [c for c in said if c.value is not None]
    if len(valued) != len(numbers):
        return None  # a figure read as a part, a change or an estimate
    for claim in said:
        if claim.value is None and any(_figure(this, (t,)) != 0 for t in _none_topics(claim)):
            return None  # 「未发生行政复议」, and this year there was one (or it is not answered yet)
    replaced, end = [], 0
    for number, claim in zip(numbers, valued):
        now = _this_years(claim, last, this)
        if now is None:
            return None
        replaced += [sentence[end:number.start()], _written(now, number)]
        end = number.end()
    replaced.append(sentence[end:])
    return _YEAR_NAME.sub(lambda m: _year_as(shift.get(_year_of(m[1]), _year_of(m[1])), m[1]) + m[2], "".join(replaced))


_YEAR_NAME = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})(\s*年)")
_CHINESE_DIGIT = str.maketrans("〇零一二三四五六七八九", "00123456789")


def _year_of(written: str) -> int:
    return int(written.translate(_CHINESE_DIGIT))


def _year_as(year: int, like: str) -> str:
    """``year`` written as ``like`` was: 「2025」 or 「二〇二五」."""
    return str(year) if like.isdigit() else str(year).translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def _none_topics(claim: Claim) -> tuple[str, ...]:
    return ("fee", "fee_amount") if claim.topics == ("fee",) else claim.topics


def _figure(report: Report, topics: tuple[str, ...]) -> int | Decimal | None:
    values = [TABLE[t][0](report) for t in topics]
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def _this_years(claim: Claim, last: Report, this: Report) -> int | Decimal | None:
    """This year's figure for what ``claim`` said of last year — None unless last year's agreed."""
    topics = ("fee_amount",) if claim.amount else claim.topics
    then, now = _figure(last, topics), _figure(this, topics)
    if then is not None and Decimal(then) == claim.value:
        return now
    if claim.accepting and topics == ("applications",):  # 「受理申请N件」 may count 一 + 二
        over_then, over_now = _figure(last, ("carried_over",)), _figure(this, ("carried_over",))
        if then is not None and over_then is not None and Decimal(then + over_then) == claim.value:
            return None if now is None or over_now is None else now + over_now
    return None


def _written(value: int | Decimal, number: re.Match[str]) -> str:
    """This year's figure in last year's unit (「1.5万元」 stays in 万元)."""
    unit = number.group("unit") or number.group("chinese_unit")
    if number.group("wan") or unit == "万元":
        shown = format_amount(Decimal(value) / 10_000)
        return f"{shown}万{'' if unit == '万元' else unit}" if number.group("wan") else f"{shown}万元"
    shown = format_amount(value) if isinstance(value, Decimal) else str(value)
    return f"{shown}{unit}"
