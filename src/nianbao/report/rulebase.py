"""What every rule module shares: section names, the narratives, and how a Finding is worded.

Kept apart from ``rules`` so that the rule modules beside it (practice_checks, narrative_figures,
repetition) can use them while ``rules`` imports those modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..text import say
from . import labels
from .findings import Finding

S_OVERVIEW, S_PROACTIVE, S_APPLICATIONS, S_APPEALS, S_PROBLEMS, S_OTHER = labels.SECTION_HEADINGS
IDENTITY_SECTION = labels.TITLE_SUFFIX


def section_no(section: str) -> str:
    """「三、」 for 三、收到和处理…; empty for the title (identity group)."""
    return section[: section.index("、") + 1] if section in labels.SECTION_HEADINGS else ""


def where(section: str, label: str | None = None, kind: str | None = None) -> str:
    return say("rules.where", section=section, section_no=section_no(section), label=label, kind=kind)


def finding(rule: str, section: str, *, severity: str = "error", label: str | None = None,
            kind: str | None = None, row: str | None = None, column: str | None = None,
            numbers: dict[str, int | str] | None = None, paths: Iterable[str] = (),
            template: str | None = None, **words: object) -> Finding:
    """A Finding whose message is ``rules.<template or rule>`` rendered with its numbers and words."""
    numbers = numbers or {}
    if kind == "column":
        column = column or label
    elif kind == "row" or (row is None and column is None):
        row = row or label
    message = say(f"rules.{template or rule}", where=where(section, label, kind), **numbers, **words)
    return Finding(rule, severity, section, message, row, column, numbers, tuple(paths))  # type: ignore[arg-type]


# ---- the narratives: 一、五、六 ------------------------------------------------------------------


@dataclass(frozen=True)
class Narrative:
    path: str
    section: str
    label: str | None
    other_years: tuple[int, ...]  # offsets from the report year a text may legitimately name


NARRATIVES: tuple[Narrative, ...] = (
    *(Narrative(f"overview.{key}", S_OVERVIEW, label, ()) for key, label in labels.OVERVIEW_TOPICS),
    Narrative("problems", S_PROBLEMS, labels.PROBLEMS_LABEL, (-1,)),
    Narrative("improvements", S_PROBLEMS, labels.IMPROVEMENTS_LABEL, (-1, 1)),
    Narrative("other_matters", S_OTHER, None, (1,)),
)
SECTION5_PATHS = ("problems", "improvements")

# Document numbers 〔2020〕, titles 《…》 and revision notes （2019年修订） name other years legitimately.
CITATION = re.compile(r"〔[^〕]*〕|《[^》]*》|[\[［][^\]］]*[\]］]|[(（][^()（）]*修订[)）]")
_ARABIC_YEAR = re.compile(r"(?<!\d)(\d{4})年")  # \d and int() take full-width ２０２３ too
_CHINESE_YEAR = re.compile(r"(?<![〇零○一二三四五六七八九十])([一二][〇零○一二三四五六七八九]{3})年")
_CHINESE_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")


def years_named(text: str) -> set[int]:
    """Years a text names as ``2024年`` / ``二〇二四年``, citations left out."""
    plain = CITATION.sub("", text)
    years = {int(y) for y in _ARABIC_YEAR.findall(plain)}
    years |= {int(y.translate(_CHINESE_DIGITS)) for y in _CHINESE_YEAR.findall(plain)}
    return years


# 「待填写」, 「（待填写）」, 「【待填写】」: what a draft prints where nothing was written.
PLACEHOLDER = "待填写"
_ONLY_PLACEHOLDER = re.compile(r"[\s\W_]*(?:待填写[\s\W_]*)*", re.UNICODE)


def is_blank(text: str) -> bool:
    """Nothing written: only blanks and punctuation, or only 「待填写」 (in any brackets)."""
    return _ONLY_PLACEHOLDER.fullmatch(text) is not None
