"""The county roll-up: the approved reports of one county and year summed into one report file.

Every figure is summed cell by cell (tables 二, 三, 四 and 六's 信息处理费), amounts as exact decimals.
Totals need no special care: they are derived, and every rule of table 三 and 四 is linear, so the sum of
consistent reports is consistent. A roll-up is figures only: its narratives (一, 五, 六's text) stay unset.

The roll-up's organ names what it sums — 「<county>乡镇（街道）」, 「<county>县直部门」 or 「<county>各机关」
(``rollup_organ(county, scope)``; which organs fall in a scope is the caller's choice) — and none is
taken for a township by ``Report.is_township`` (a roll-up may sum a 规章-making organ's figures too), so
township-only warnings do not fire on it. Its document carries ``rollup_notice()`` under the title: an
internal summary, not a report to publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel

from ..text import say
from . import labels
from .model import Report, all_leaf_paths
from .rules import missing_groups, unanswered

# The sections of the report file that hold figures; the rest is identity (organ, county, year) or text.
FIGURE_SECTIONS = ("proactive", "applications", "appeals", "processing_fee")


class RollupError(ValueError):
    """A report that cannot be summed; the message is Chinese and names the organ concerned."""

    def __init__(self, message: str, *, organ: str | None = None, path: str | None = None):
        super().__init__(message)
        self.organ = organ
        self.path = path


@cache
def figure_paths() -> tuple[str, ...]:
    """The dotted paths summed by the roll-up, in printed order."""
    return tuple(p for p in all_leaf_paths() if p.split(".")[0] in FIGURE_SECTIONS)


# Which organs a roll-up sums: the townships and streets (乡镇（街道）), the county's departments
# (县直部门), or every organ of the county (各机关). Its organ name and title say which.
SCOPES = ("towns", "departments", "all")


def rollup_organ(county: str, scope: str = "towns") -> str:
    """The organ name a roll-up is reported under: 「托里县乡镇（街道）」, 「托里县县直部门」, 「托里县各机关」."""
    if scope not in SCOPES:
        raise ValueError(f"unknown roll-up scope {scope!r}: one of {', '.join(SCOPES)}")
    return say("rollup.organ" if scope == "towns" else f"rollup.organ_{scope}", county=county)


def rollup_notice() -> str:
    """The line under a roll-up's title: it is an internal summary, not a published report."""
    return say("rollup.notice")


def rollup_title(county: str, year: int, organ: str | None = None) -> str:
    """「托里县乡镇（街道）2024年政府信息公开工作年度报告汇总」: the title for the roll-up's document."""
    return say("rollup.title", organ=organ or rollup_organ(county), year=year, title_suffix=labels.TITLE_SUFFIX)


def rollup(reports: Sequence[Report], *, county: str, year: int, organ: str | None = None) -> Report:
    """The cell-by-cell sum of ``reports`` (complete reports of ``county`` for ``year``, one per organ).

    Raises RollupError (a ValueError) when there is nothing to sum, a report belongs to another county
    or year, an organ comes twice, or a report still lacks its organ name or any figure.
    """
    if not reports:
        raise RollupError(say("rollup.no_reports", county=county, year=year))
    seen: set[str] = set()
    for report in reports:
        _admit(report, county=county, year=year, seen=seen)
    total = Report(organ=organ or rollup_organ(county), county=county, year=year)
    for path in figure_paths():
        total.set(path, _add([report.get(path) for report in reports]))
    return total


def _admit(report: Report, *, county: str, year: int, seen: set[str]) -> None:
    if report.county != county or report.year != year:
        raise RollupError(say("rollup.other_county_or_year", organ=report.organ, report_county=report.county,
                              report_year=report.year, county=county, year=year), organ=report.organ)
    required = {"organ", *figure_paths()}
    missing = next((p for p in unanswered(report) if p in required), None)
    if missing is not None:
        raise RollupError(say("rollup.unanswered", organ=report.organ, label=_label_of(missing), path=missing),
                          organ=report.organ, path=missing)
    assert report.organ is not None  # "organ" is required above
    if report.organ in seen:
        raise RollupError(say("rollup.duplicate_organ", organ=report.organ), organ=report.organ)
    seen.add(report.organ)


def _label_of(path: str) -> str:
    """The row or item label an admin recognises for ``path`` (the group `check` reports it under)."""
    for _, groups in missing_groups():
        for group in groups:
            if path in group.paths:
                return group.label if group.names is None else group.names[group.paths.index(path)]
    return path


def _add(values: list[Any]) -> Any:
    """Sum like values: counts, Decimal amounts (exact), rows of counts column by column, or sections."""
    first = values[0]
    if isinstance(first, BaseModel):
        fields = type(first).model_fields
        return type(first)(**{name: _add([getattr(v, name) for v in values]) for name in fields})
    if isinstance(first, list):
        return [sum(column) for column in zip(*values, strict=True)]
    return sum(values[1:], first)
