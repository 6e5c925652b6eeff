"""A county's reports of one year at one go, transport-free: what /export_all sends and `nianbao admin
export` writes — one .zip of every organ's latest .docx (drafts marked) and the progress table 进度.xlsx.

``export_county`` makes it from the store: each organ's report of the year rendered from its stored
interview (a draft unless approved — with the 「草稿」 marker — like /export and the roll-up render), the
rules run on it (cross-year ones against last year's report where there is one) for the table's errors
and warnings, and the review's times and last reviewer read in one query. Organs without a report are
rows of the table (未开始) without a document. ``limit`` bounds the archive (the Bot API uploads at most
50 MB): past it ExportTooBig is raised — before any rendering when the organs alone are sure to exceed
it, else as soon as the documents do.

What kind of organ each one is (乡镇（街道）, 县直部门, other) comes from ``organs.level``, else from what
the name says for sure (乡/镇/街道); ``organ_scope`` maps it onto the roll-up's choice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..dialogs.catalogue import load_catalogue
from ..dialogs.proposals import level_from_name
from ..report.model import Report
from ..report.rules import check
from ..text import say
from .exports import ProgressLine, drafts_zip, progress_xlsx
from .storage import ReportRow, Status, Store

log = logging.getLogger(__name__)

# The states of an organ's report of the year, in the order the chart and the table show them.
STATES = ("not_started", "draft", "submitted", "returned", "approved")
TELEGRAM_UPLOAD_BYTES = 50_000_000   # sendDocument's limit (「up to 50 MB」)
MIN_DOCX_BYTES = 30_000              # the smallest report .docx (an empty draft renders ≈ 38 KB)
_TOWN_LEVELS = frozenset({"township", "town", "street"})


class ExportTooBig(Exception):
    """The archive would exceed the limit given (``organs``: documents it would hold)."""

    def __init__(self, organs: int, limit: int) -> None:
        super().__init__(f"{organs} documents exceed {limit} bytes")
        self.organs, self.limit = organs, limit


@dataclass(frozen=True)
class CountyExport:
    county: str
    year: int
    archive: bytes       # the .zip
    filename: str        # 「托里县2024年年报.zip」
    organs: int          # rows of the table
    documents: int       # .docx files in the archive
    drafts: int          # of them not approved (marked in their names)


def state_key(row: ReportRow | None) -> str:
    return "not_started" if row is None else row.status.value


def short_state(key: str) -> str:
    """「未开始」「填写中」「待审核」「已退回」「已通过」."""
    return say(f"exports.state_{key}")


def organ_scope(level: str | None) -> str | None:
    """The roll-up scope an organ of ``level`` belongs to: "towns", "departments", or None (in 全部 only)."""
    if level in _TOWN_LEVELS:
        return "towns"
    return "departments" if level == "county_department" else None


def organ_levels(store: Store, county: str) -> dict[str, str | None]:
    """Every organ of the county → its level: the stored one, else what its name says for sure."""
    kinds = load_catalogue().organ_kinds
    return {name: level or level_from_name(name, kinds) for name, level in store.organ_levels(county).items()}


def stored_report(row: ReportRow) -> Report | None:
    """The report file inside a stored interview; None when there is none yet or it does not parse."""
    try:
        data = json.loads(row.interview_json).get("report")
        return None if data is None else Report.from_data(data)
    except (ValueError, AttributeError) as err:  # pydantic's ValidationError is a ValueError
        log.warning("report %s: stored interview unreadable (%s)", row.id, type(err).__name__)
        return None


def export_filename(county: str, year: int) -> str:
    return say("exports.zip_file", county=county, year=year)


def export_county(store: Store, county: str, year: int, *, render: Callable[..., bytes], now: datetime,
                  limit: int | None = None) -> CountyExport:
    """The county's archive for ``year`` (see the module's docstring). ``render(report, draft=…)``
    makes a .docx (a rendering.Renderer in the bot: another process); ``now`` (aware) stamps the
    table and the archive's entries."""
    reports = {row.organ: row for row in store.reports_in_county(county, year)}
    organs = sorted(set(store.organs_in_county(county)) | set(reports))
    if limit is not None and len(reports) * MIN_DOCX_BYTES > limit:
        raise ExportTooBig(len(reports), limit)
    levels = organ_levels(store, county)
    last_year = _last_year(store, county, year)
    reviews = store.review_summaries(county, year)
    lines: list[ProgressLine] = []
    files: list[tuple[str, str, bytes]] = []
    size = 0
    for organ in organs:
        row = reports.get(organ)
        report = stored_report(row) if row is not None else None
        errors = warnings = None
        if report is not None:
            # a draft's first answers may be still to come: its title names the organ all the same
            report.organ, report.county = report.organ or organ, report.county or county
            report.year = report.year or year
            findings = [f for f in check(report, last_year.get(organ)) if f.rule != "missing"]
            errors = sum(f.is_error for f in findings)
            warnings = len(findings) - errors
            document = render(report, draft=row.status is not Status.APPROVED)
            size += len(document)
            if limit is not None and size > limit:
                raise ExportTooBig(len(reports), limit)
            files.append((organ, row.status.value, document))
        review = reviews.get(row.id) if row is not None else None
        level = levels.get(organ) or (report.organ_level if report is not None else None)
        lines.append(ProgressLine(
            organ=organ, level_name=say(f"exports.level_{level or 'unknown'}"), state=short_state(state_key(row)),
            version=(row.review_round or None) if row is not None else None, errors=errors, warnings=warnings,
            submitted=review.submitted if review else None,
            approved=review.approved if review and row.status is Status.APPROVED else None,
            reviewer=(review.reviewer_name or str(review.reviewer_id)) if review and review.reviewer_id else None,
            last_activity=row.updated_at if row is not None else None))
    table = progress_xlsx(county, lines, now, states=[short_state(key) for key in STATES])
    archive = drafts_zip(county, files, table, when=now)
    if limit is not None and len(archive) > limit:
        raise ExportTooBig(len(files), limit)
    drafts = sum(state != Status.APPROVED.value for _, state, _ in files)
    return CountyExport(county, year, archive, export_filename(county, year), len(organs), len(files), drafts)


def _last_year(store: Store, county: str, year: int) -> dict[str, Report]:
    """Each organ's report of the year before (the approved one if any, else the one changed last),
    for the cross-year rules."""
    chosen: dict[str, ReportRow] = {}
    for row in store.reports_in_county(county, year - 1):
        held = chosen.get(row.organ)
        rank = (row.status is Status.APPROVED, row.updated_at)
        if held is None or rank > (held.status is Status.APPROVED, held.updated_at):
            chosen[row.organ] = row
    parsed = {organ: stored_report(row) for organ, row in chosen.items()}
    return {organ: report for organ, report in parsed.items() if report is not None}
