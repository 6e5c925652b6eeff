"""A county's overview, transport-free: /progress, /rollup and /export_all.

Each command is an ``Admin`` command (router.py's ``_WORDS``: called with the Admin, the person, the
words); the slow parts are durable jobs (services.py), done off the event loop when their turn comes.

/progress answers from the reports' stored progress columns (no interview parsed, so thousands of
organs answer in milliseconds): the chart (one bar per state, its caption the legend; drawn here, it
takes ≈ 6 ms) and the first page of organs; 「上一页」/「下一页」 turn pages without the chart again.

/rollup sums the approved reports of the organs chosen — 乡镇（街道）, 县直部门 or 全部 (a word after the
command, else buttons) — and titles the result so, with the internal-summary line under the title.

/export_all makes one .zip of every organ's latest .docx and 进度.xlsx (county_export.py, the same call
as `nianbao admin export`); past the Bot API's 50 MB it says to use the command line instead.
"""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from ..report.docx_styles import style_spec, styling
from ..report.rollup import SCOPES, RollupError, rollup as sum_reports, rollup_notice, rollup_organ, rollup_title
from ..text import say
from .access import Identity
from .chart import STATE_COLOURS, chart_legend, progress_chart
from .county_export import (STATES, TELEGRAM_UPLOAD_BYTES, ExportTooBig, export_county, organ_levels, organ_scope,
                            short_state, state_key, stored_report)
from .drafting import Out
from .storage import AdminAction, ReportRow, Status

if TYPE_CHECKING:
    from .admin import Admin

PROGRESS_PAGE = 30  # organs listed in one message (a phone screen or two)
_PAGE = re.compile(r"^P(\d{4})(\S{2,20})$")     # a /progress page: year and county
_ROLLUP = re.compile(r"^U(\d{4})(\S{2,20})$")   # the /rollup choice: year and county
# The words after /rollup that choose its organs, and the choice's button ids.
SCOPE_WORDS = {"乡镇": "towns", "街道": "towns", "乡镇（街道）": "towns", "乡镇(街道)": "towns", "乡镇街道": "towns",
               "县直部门": "departments", "部门": "departments", "县直单位": "departments",
               "全部": "all", "所有": "all", "各机关": "all", "全县": "all"}
_SCOPE_BUTTONS = {"t": "towns", "d": "departments", "a": "all"}
# The audit trail's action for an export: AdminAction.EXPORT once models.py has it (a value the CHECK
# ck_action_known must allow: a schema step's renew_check). Until then an export is not audited.
EXPORT_ACTION = AdminAction.EXPORT


def owns(token: str) -> bool:
    return bool(_PAGE.match(token) or _ROLLUP.match(token))


def press(admin: Admin, who: Identity, token: str, button_id: str) -> list[Out] | None:
    """「上一页」/「下一页」 of /progress and the choice of /rollup (None: not the presser's county)."""
    if paging := _PAGE.match(token):
        if not who.administers(paging[2]) or not button_id.isdigit():
            return None
        return progress_page(admin, paging[2], int(paging[1]), int(button_id))
    choice = _ROLLUP.match(token)
    if choice is None or not who.administers(choice[2]) or button_id not in _SCOPE_BUTTONS:
        return None
    return [Out(job=("rollup", {"county": choice[2], "year": int(choice[1]), "scope": _SCOPE_BUTTONS[button_id]}))]


# ---- /progress --------------------------------------------------------------------------------------


def progress(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/progress [年份] [县名]: the chart of the states, then the first page of organs."""
    county, year, refused = admin._county_year(who, words, "progress")
    if refused:
        return refused
    reports = admin._reports(county, year)
    organs = _organs(admin, county, reports)
    if not organs:
        return progress_page(admin, county, year, 1)
    counts = _counts(organs, reports)
    bars = [(short_state(key), counts[key]) for key in STATES]
    colours = [STATE_COLOURS[key] for key in STATES]
    chart = Out(document=progress_chart(bars, colours=colours), filename=say("exports.progress_file") + ".png",
                text=chart_legend(bars, colours=colours))
    return [chart, *progress_page(admin, county, year, 1, reports=reports, organs=organs)]


def progress_page(admin: Admin, county: str, year: int, page: int, *, reports: dict[str, ReportRow] | None = None,
                  organs: list[str] | None = None) -> list[Out]:
    """One page of the county's progress: counts per state and per kind of organ, a page of organs."""
    reports = admin._reports(county, year) if reports is None else reports
    organs = _organs(admin, county, reports) if organs is None else organs
    counts = _counts(organs, reports)
    pages = max(1, -(-len(organs) // PROGRESS_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PROGRESS_PAGE
    lines = [say("admin.progress_line", organ=organ, state=_state(reports.get(organ)))
             for organ in organs[start:start + PROGRESS_PAGE]]
    token = f"P{year}{county}"
    buttons = []
    if page > 1:
        buttons.append((f"{token}|{page - 1}", say("admin.button_previous")))
    if page < pages:
        buttons.append((f"{token}|{page + 1}", say("admin.button_next")))
    return [Out(say("admin.progress", county=county, year=year, lines=lines, start=start, page=page,
                    pages=pages, total=len(organs), counts=counts, names={k: short_state(k) for k in STATES},
                    kinds=_kinds(admin, county, organs, reports),
                    deadline=admin.config.review.deadline(year), days=admin._days_left(year)),
                buttons=tuple(buttons))]


def _organs(admin: Admin, county: str, reports: dict[str, ReportRow]) -> list[str]:
    return sorted(set(admin.store.organs_in_county(county)) | set(reports))


def _counts(organs: list[str], reports: dict[str, ReportRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for organ in organs:
        counts[state_key(reports.get(organ))] += 1
    return counts


def _kinds(admin: Admin, county: str, organs: list[str], reports: dict[str, ReportRow]) -> list[tuple[str, int, int]]:
    """(kind of organ, organs, approved) for 乡镇（街道）, 县直部门 and the rest — those the county has."""
    levels = organ_levels(admin.store, county)
    found = {scope: [0, 0] for scope in ("towns", "departments", None)}
    for organ in organs:
        tally = found[organ_scope(levels.get(organ))]
        tally[0] += 1
        row = reports.get(organ)
        tally[1] += row is not None and row.status is Status.APPROVED
    return [(say(f"admin.kind_{scope or 'other'}"), total, approved)
            for scope, (total, approved) in found.items() if total]


def _state(row: ReportRow | None) -> str:
    if row is None:
        return say("admin.state_not_started")
    if row.status is Status.DRAFT:
        if row.progress is None:
            return say("admin.state_opened")
        x, y = row.progress
        return say("admin.state_drafting", x=x, y=y)
    return say(f"admin.state_{row.status.value}", round=row.review_round)


# ---- /rollup ----------------------------------------------------------------------------------------


def rollup(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/rollup [乡镇（街道）|县直部门|全部] [年份] [县名]: the chosen organs' approved reports summed; without
    a choice, buttons for it (or, with nothing approved yet, what is missing)."""
    scopes = {SCOPE_WORDS[word] for word in words if word in SCOPE_WORDS}
    county, year, refused = admin._county_year(who, [w for w in words if w not in SCOPE_WORDS], "rollup")
    if refused:
        return refused
    if len(scopes) > 1:
        return [Out(say("admin.rollup_usage", example=year))]
    if scopes:
        return [Out(job=("rollup", {"county": county, "year": year, "scope": scopes.pop()}))]
    reports = admin._reports(county, year)
    levels = organ_levels(admin.store, county)
    approved = dict.fromkeys(SCOPES, 0)
    for row in reports.values():
        if row.status is Status.APPROVED:
            approved["all"] += 1
            if scope := organ_scope(levels.get(row.organ)):
                approved[scope] += 1
    if not approved["all"]:
        return [Out(job=("rollup", {"county": county, "year": year, "scope": "all"}))]  # says what is missing
    token = f"U{year}{county}"
    buttons = tuple((f"{token}|{button}", say("admin.rollup_button", name=say(f"admin.scope_{scope}"),
                                              count=approved[scope]))
                    for button, scope in _SCOPE_BUTTONS.items())
    return [Out(say("admin.rollup_choose", county=county, year=year), buttons=buttons)]


def rollup_job(admin: Admin, county: str, year: int, scope: str = "all") -> list[Out]:
    """The roll-up of ``scope``'s approved reports: the report file and its .docx, then who is missing."""
    reports = admin._reports(county, year)
    levels = organ_levels(admin.store, county)
    parsed = {organ: stored_report(row) for organ, row in reports.items() if row.status is Status.APPROVED}

    def chosen(organ: str) -> bool:
        if scope == "all":
            return True
        report = parsed.get(organ)
        return organ_scope(levels.get(organ) or (report.organ_level if report else None)) == scope

    organs = [organ for organ in _organs(admin, county, reports) if chosen(organ)]
    approved = [organ for organ in organs if organ in parsed]
    pending = Out(say("admin.rollup_waiting", organs=[o for o in organs if o not in parsed]))
    name = rollup_organ(county, scope)
    try:
        if any(parsed[organ] is None for organ in approved):
            raise RollupError(say("admin.rollup_unreadable", organs=[o for o in approved if parsed[o] is None]))
        total = sum_reports([parsed[organ] for organ in approved], county=county, year=year, organ=name)
    except RollupError as err:
        return [Out(str(err)), pending]
    title = rollup_title(county, year, name)
    document = with_notice(admin.render(total, draft=False, title=title), rollup_notice())
    return [
        Out(document=total.to_json().encode(), filename=f"{title}.json",
            text=say("admin.rollup_json", count=len(approved))),
        Out(document=document, filename=f"{title}.docx", text=say("admin.rollup_docx", title=title)),
        pending,
    ]


def with_notice(document: bytes, notice: str) -> bytes:
    """The .docx with ``notice`` as a centred line right under its title (the first paragraph), in the
    body's style (document.toml) without its first-line indent; the blank line that followed the
    title follows the notice."""
    word = docx.Document(io.BytesIO(document))
    title = word.paragraphs[0]
    element = OxmlElement("w:p")
    title._p.addnext(element)
    line = Paragraph(element, title._parent)
    line.style = word.styles[styling()["styles"]["body"]["name"]]
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line.paragraph_format.first_line_indent = 0
    line.paragraph_format.space_after = Pt(style_spec("title")["space_after_pt"])
    line.paragraph_format.keep_with_next = True
    title.paragraph_format.space_after = Pt(0)
    line.add_run(notice)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# ---- /export_all ------------------------------------------------------------------------------------


def export_all(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/export_all [年份] [县名]: one .zip of every organ's latest .docx and the progress table (a job)."""
    county, year, refused = admin._county_year(who, words, "export_all")
    if refused:
        return refused
    return [Out(say("admin.export_started", county=county, year=year)),
            Out(job=("export_all", {"county": county, "year": year, "by": who.person_id}))]


def export_job(admin: Admin, county: str, year: int, by: int) -> list[Out]:
    try:
        made = export_county(admin.store, county, year, render=admin.render, now=admin.clock(),
                             limit=TELEGRAM_UPLOAD_BYTES)
    except ExportTooBig as big:
        return [Out(say("exports.export_too_big", county=county, year=year, limit_mb=big.limit // 1_000_000)),
                Out(say("admin.export_use_cli", county=county, year=year, documents=big.organs))]
    detail = json.dumps({"year": year, "documents": made.documents, "bytes": len(made.archive)})
    admin.store.audit(county, by, EXPORT_ACTION, county, detail, now=admin.clock())
    return [Out(document=made.archive, filename=made.filename,
                text=say("admin.export_done", county=county, year=year, organs=made.organs,
                         documents=made.documents, drafts=made.drafts))]
