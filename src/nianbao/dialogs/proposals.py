"""Named proposals a catalogue step's `default` may use: a value the official accepts with one tap.

Each takes the interview's facts (see ``Facts``) and returns the proposed answer as JSON-ready data
(what the step's answer reader would return), or None when there is nothing sensible to propose.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def last_year(facts: Facts) -> int:
    """Reports are written in January for the calendar year just ended."""
    return facts.today.year - 1


def township_zeros(facts: Facts) -> list[int] | None:
    """A 乡镇/街道 cannot make 规章, so its 规章 row is 0 0 0."""
    return [0, 0, 0] if facts.report.is_township else None


def carried_forward_balance(facts: Facts) -> list[int] | None:
    """四 = 一 + 二 − （七）总计 per column (rules A and B together); None while unknown or negative."""
    apps = facts.report.applications
    if apps is None or apps.new is None or apps.carried_over is None or apps.outcomes_total is None:
        return None
    row = [n + c - t for n, c, t in zip(apps.new, apps.carried_over, apps.outcomes_total)]
    return row if min(row) >= 0 else None


PROPOSALS: dict[str, Callable[[Facts], Any]] = {
    f.__name__: f for f in (given_organ, county_of_organ, last_year, township_zeros, carried_forward_balance)
}
