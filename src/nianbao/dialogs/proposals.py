"""Named proposals a catalogue step's `default` may use: a value the official accepts with one tap.

Each takes the interview's facts (see ``Facts``) and returns the proposed answer as JSON-ready data
(what the step's answer reader would return), or None when there is nothing sensible to propose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from ..report.model import Report


@dataclass(frozen=True)
class Facts:
    report: Report
    today: date
    organ_hint: str | None
    county_hint: str | None
    county_endings: tuple[tuple[str, ...], ...]
    organ_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    county_text: Callable[[str], str] = lambda name: ""  # a county admin's text (catalogue county_texts)
    options: tuple[str, ...] = ()  # a multi step's offered names
    last_year: Report | None = None  # the organ's report of the year before, when known


def given_organ(facts: Facts) -> str | None:
    return facts.organ_hint


def county_of_organ(facts: Facts) -> str | None:
    """The county given by the transport, else read off the organ's name (「托里县哈图镇…」 → 托里县)."""
    if facts.county_hint:
        return facts.county_hint
    organ = facts.report.organ or ""
    for endings in facts.county_endings:
        cut = min((i for i, ch in enumerate(organ) if ch in endings), default=None)
        if cut is not None and 2 <= cut + 1 < len(organ):
            return organ[: cut + 1]
    return None


def proposed_year(today: date) -> int:
    """The year a report written ``today`` is about: January–March → the year just ended (reports are
    due by 1月31日 / 3月31日), later in the year → the current one."""
    return today.year - 1 if today.month <= 3 else today.year


def report_year(facts: Facts) -> int:
    return proposed_year(facts.today)


def township_zeros(facts: Facts) -> list[int] | None:
    """An organ below 设区的市 (乡镇、街道、县级) cannot make 规章, so its 规章 row is 0 0 0."""
    below = facts.report.below_prefecture
    return [0, 0, 0] if below or (below is None and facts.report.is_township) else None


def level_from_name(name: str | None, kinds: dict[str, tuple[str, ...]]) -> str | None:
    """乡 / 镇 / 街道 where the end of the name says it for sure (catalogue organ_kinds), else None."""
    return next((kind for kind, endings in kinds.items() if (name or "").endswith(endings)), None)


def level_of_organ(facts: Facts) -> str | None:
    """The level the organ's name suggests: 乡/镇/街道 by its end, 县级人民政府 for 「<县>人民政府」, a
    county's department for another name beginning with the county's, else nothing to propose."""
    name = facts.report.organ or facts.organ_hint or ""
    county = facts.report.county or facts.county_hint or ""
    known = level_from_name(name, facts.organ_kinds)
    if known:
        return known
    if county and name in (f"{county}人民政府", f"{county}政府"):
        return "county"
    if county and name.startswith(county) and len(name) > len(county) + 1:
        return "county_department"
    return None


def county_channels(facts: Facts) -> list[str] | None:
    """The channels the county admin set for its organs (「政府门户网站、政务公开栏」)."""
    from .facts_input import parse_channels
    from .parsing import AnswerError

    text = facts.county_text("default_channels").strip()
    if not text:
        return None
    try:
        return parse_channels(text, facts.options)
    except AnswerError:
        return None


def carried_forward_balance(facts: Facts) -> list[int] | None:
    """四 = 一 + 二 − （七）总计 per column (rules A and B together); None while unknown or negative."""
    apps = facts.report.applications
    if apps is None or apps.new is None or apps.carried_over is None or apps.outcomes_total is None:
        return None
    row = [n + c - t for n, c, t in zip(apps.new, apps.carried_over, apps.outcomes_total)]
    return row if min(row) >= 0 else None


def last_years_carried_forward(facts: Facts) -> list[int] | None:
    """二、上年结转: what last year's report carried forward (四、结转下年度), column by column."""
    last = facts.last_year
    if last is None or last.applications is None or last.applications.carried_forward is None:
        return None
    if facts.report.year is not None and last.year is not None and last.year != facts.report.year - 1:
        return None
    return list(last.applications.carried_forward)


PROPOSALS: dict[str, Callable[[Facts], Any]] = {
    f.__name__: f for f in (given_organ, county_of_organ, report_year, township_zeros, carried_forward_balance,
                            level_of_organ, county_channels, last_years_carried_forward)
}
