"""The reviewers' and county admins' pages, transport-free: what each page shows, what its form does.

The web app (aiohttp) calls these with the workflow's ``Services`` and the signed-in person's
``Identity`` and puts the fragments they render into its page shell; nothing here knows HTTP. Every
function checks who is asking first and raises ``Refused`` (with the text to show and an HTTP status)
for anyone the page is not for: a report is refused alike whether it does not exist or is another
county's, so an id tells a stranger nothing.

- ``submitted_drafts``: the drafts waiting for review in the counties the person may decide;
- ``draft_view``: one draft as the .docx lays it out (draft_html), its review record, and the
  「通过」/「退回修改」 forms while it waits for a decision;
- ``decide``: the decision — ``Review.decide``, the same checks, review record and messages as the
  group's buttons and reason reply, so a decision made in Telegram shows on the page and the reverse
  (both read and write the store, nothing is kept in the page);
- ``admin_overview``: /progress's counts and organs a page at a time (progress_admin's data), its chart
  (chart.py), /people's people (people_admin), the link to /export_all's archive (county_export),
  with ``admin_chart`` and ``admin_export`` for the picture and the download behind those links.

Texts: templates/text/web_review.toml (and the review's own words from review.toml); fragments:
templates/web/review_list.j2 (the list and a draft's page) and admin.j2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote, urlencode

from markupsafe import Markup

from ..dialogs.proposals import proposed_year
from ..report.model import Report
from ..text import say
from ..workflow.access import Identity
from ..workflow.chart import STATE_COLOURS, chart_legend, progress_chart
from ..workflow.county_export import STATES, CountyExport, export_county, short_state, state_key, stored_report
from ..workflow.drafting import Out
from ..workflow.people_admin import PAGE_LINES, people_view
from ..workflow.progress_admin import EXPORT_ACTION, PROGRESS_PAGE, _counts, _kinds, _organs, _state
from ..workflow.review import ALERT, CHINA, MAX_REASON_CHARS, valid_reason
from ..workflow.services import Services
from ..workflow.storage import AdminAction, ReportRow, Status
from .draft_html import draft_html, render_html

CSRF_FIELD = "csrf"    # the hidden field of every form: guard.CSRF_FIELD, which guard.page checks
DECISIONS = ("approve", "return")
MIN_YEAR, MAX_YEAR = 2021, 2100


class Refused(Exception):
    """Not this person's page or action: ``text`` is what to show, ``status`` the HTTP status."""

    def __init__(self, text: str, status: int = 403) -> None:
        super().__init__(text)
        self.text, self.status = text, status


@dataclass(frozen=True)
class Urls:
    """Where the fragments link and post: the routes the web app mounts (``prefix`` moves them all)."""

    prefix: str = ""

    def review_list(self) -> str:
        return f"{self.prefix}/review"

    def draft(self, report_id: int) -> str:
        return f"{self.prefix}/review/{report_id}"

    def decide(self, report_id: int) -> str:
        """Where the decision forms post: the draft's own page."""
        return f"{self.prefix}/review/{report_id}"

    def admin(self, county: str, year: int | None = None, page: int = 1, people_page: int = 1) -> str:
        query = {k: v for k, v in (("year", year), ("page", page), ("people", people_page)) if v not in (None, 1)}
        return f"{self.prefix}/admin/{quote(county)}" + (f"?{urlencode(query)}" if query else "")

    def chart(self, county: str, year: int) -> str:
        return f"{self.prefix}/admin/{quote(county)}/chart.png?year={year}"

    def export(self, county: str, year: int) -> str:
        return f"{self.prefix}/admin/{quote(county)}/export.zip?year={year}"


URLS = Urls()


# ---- who may see what -------------------------------------------------------------------------------


def decidable_counties(services: Services, who: Identity) -> list[str]:
    """The counties whose drafts ``who`` may decide (a super admin: every county known)."""
    if who.is_super:
        return sorted(set(services.config.counties) | set(services.store.counties_with_organs()))
    return sorted(who.admin_of | who.reviewer_of)


def administered_counties(services: Services, who: Identity) -> list[str]:
    """The counties ``who`` administers (a super admin: every county known)."""
    if who.is_super:
        return sorted(set(services.config.counties) | set(services.store.counties_with_organs()))
    return sorted(who.admin_of)


def _decidable_row(services: Services, who: Identity, report_id: int) -> ReportRow:
    row = services.store.report(report_id)
    if row is None or not who.may_decide(row.county):
        raise Refused(say("web_review.not_found"), 404)
    return row


def _administered(who: Identity, county: str) -> None:
    if not who.administers(county):
        raise Refused(say("web_review.admins_only", county=county))


def _year(services: Services, year: int | None) -> int:
    if year is None:
        return proposed_year(services.clock().astimezone(CHINA).date())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Refused(say("web_review.bad_year", low=MIN_YEAR, high=MAX_YEAR), 400)
    return year


def _local(at: datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _name(services: Services, person_id: int, names: dict[int, str]) -> str:
    if person_id not in names:
        user = services.store.user(person_id)
        # someone who signed in on the web page only gave no name: their number (as /people lists them)
        names[person_id] = user.name if user and user.name else say("web_review.unnamed", id=person_id)
    return names[person_id]


# ---- the reviewers' list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedDraft:
    report_id: int
    version: int             # the version a decision is made for (the form carries it)
    county: str
    organ: str
    year: int
    round: int               # 第 N 版
    submitted_at: datetime | None
    official: str            # who submitted it (their name as last seen)

    @property
    def submitted(self) -> str:
        """When it was submitted, China time: 「2025-01-10 17:00」."""
        return _local(self.submitted_at)

    @property
    def title(self) -> str:
        return say("bot.row_title", organ=self.organ, year=self.year)


def submitted_drafts(services: Services, who: Identity) -> list[SubmittedDraft]:
    """The drafts waiting for review (status submitted) in the counties ``who`` may decide, the longest
    waiting first. Refused to anyone who decides in no county."""
    counties = decidable_counties(services, who)
    if not counties:
        raise Refused(say("web_review.reviewers_only"))
    store, names, found = services.store, {}, []
    for county in counties:
        rows = [row for row in store.reports_in_county(county) if row.status is Status.SUBMITTED]
        summaries = {}
        for year in sorted({row.year for row in rows}):
            summaries.update(store.review_summaries(county, year))  # one query per year
        for row in rows:
            summary = summaries.get(row.id)
            found.append(SubmittedDraft(row.id, row.version, row.county, row.organ, row.year, row.review_round,
                                        summary.submitted if summary else None,
                                        _name(services, row.owner_id, names)))
    return sorted(found, key=lambda d: (d.submitted_at is None, d.submitted_at or datetime.min, d.report_id))


def render_review_list(drafts: list[SubmittedDraft], *, urls: Urls = URLS) -> Markup:
    """The reviewers' list page (a fragment): each draft links to its page."""
    return render_html("web/review_list.j2", view="list", say=say,
                       drafts=[(draft, urls.draft(draft.report_id)) for draft in drafts])


# ---- one draft ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftState:
    """What a draft's page shows: the report, where it stands, its review record."""

    report_id: int
    version: int
    county: str
    organ: str
    year: int
    round: int
    status: Status
    official: str
    report: Report
    history: list[str]       # one line per review step, oldest first (review.toml's history_line)

    @property
    def decidable(self) -> bool:
        """Waiting for a decision: the page offers 「通过」 and 「退回修改」."""
        return self.status is Status.SUBMITTED

    @property
    def title(self) -> str:
        return self.report.title


def draft_state(services: Services, who: Identity, report_id: int) -> DraftState:
    """The draft ``report_id`` as its county's reviewers see it; refused to anyone else."""
    row = _decidable_row(services, who, report_id)
    report = stored_report(row) or Report()
    # a draft's first answers may be still to come: its title names the organ all the same (as the export)
    report.organ, report.county, report.year = report.organ or row.organ, report.county or row.county, \
        report.year or row.year
    names: dict[int, str] = {}
    history = [say("review.history_line", at=e.at.astimezone(CHINA).strftime("%m-%d %H:%M"),
                   who=_name(services, e.actor_id, names), action=say(f"review.action_{e.action.value}"),
                   round=e.review_round, comment=e.comment)
               for e in services.store.history(row.id)]
    return DraftState(row.id, row.version, row.county, row.organ, row.year, row.review_round, row.status,
                      _name(services, row.owner_id, names), report, history)


def draft_view(services: Services, who: Identity, report_id: int, *, csrf_token: str = "",
               csrf_field: str = CSRF_FIELD, notice: Out | None = None, urls: Urls = URLS) -> tuple[str, Markup]:
    """(page title, fragment) of a draft's page: where it stands, the decision forms while it waits for
    one (posting ``csrf_field``=``csrf_token``, ``version``, ``decision``, ``reason`` to urls.decide),
    its review record and the report laid out as its .docx. ``notice``: the page's Out of ``decide``
    to show above (an ALERT one as an error). Refused to anyone who may not decide its county."""
    state = draft_state(services, who, report_id)
    html = render_html(
        "web/review_list.j2", view="draft", say=say, state=state,
        status=say(f"bot.status_{state.status.value}"),
        notice=notice.text if notice is not None else None, notice_error=notice is not None and notice.tag == ALERT,
        csrf_field=csrf_field, csrf_token=csrf_token, decide_url=urls.decide(state.report_id),
        back_url=urls.review_list(), limit=MAX_REASON_CHARS,
        draft=draft_html(state.report, draft=state.status is not Status.APPROVED),
    )
    return state.title, html


def decide(services: Services, who: Identity, report_id: int, version: int,
           decision: Literal["approve", "return"], reason: str | None) -> list[Out]:
    """「通过」 or 「退回修改」 from the page: the review's own decision (``Review.decide``), recorded as the
    group's buttons record it. Returns the Outs to deliver (addressed: the official ``to``, the county's
    group ``chat_id`` on Telegram) and last the page's own Out (neither ``to`` nor ``chat_id``): what
    was done, or — tagged ALERT, nothing done — why not (decided already, a reason missing).
    Run it in a unit of work with the outbox entries of its Outs, as the worker runs an update."""
    row = _decidable_row(services, who, report_id)
    if decision not in DECISIONS:
        raise Refused(say("web_review.bad_request"), 400)
    if decision == "return" and valid_reason(reason or "") is None:
        return [Out(say("web_review.bad_reason", limit=MAX_REASON_CHARS), tag=ALERT)]
    outs = services.review.decide(who, report_id, version, decision, reason)
    if any(out.tag == ALERT for out in outs):
        return [Out(say("web_review.already_decided", title=say("bot.row_title", organ=row.organ, year=row.year)),
                    tag=ALERT)]
    row = services.store.report(report_id)
    done = say(f"web_review.done_{decision}", title=say("bot.row_title", organ=row.organ, year=row.year),
               round=row.review_round, group=services.review.group_of(row.county) is not None)
    return [*outs, Out(done)]


def page_notice(outs: list[Out]) -> Out | None:
    """The page's own Out among ``decide``'s (for ``draft_view(notice=…)``)."""
    return next((out for out in outs if out.to is None and out.chat_id is None), None)


# ---- the county admin's overview -------------------------------------------------------------------


@dataclass(frozen=True)
class OrganLine:
    organ: str
    state: str               # county_export.STATES: not_started, draft, submitted, returned, approved
    detail: str              # as /progress says it: 「填写中（第 3/40 项）」「待审核（第 1 版）」…
    report_id: int | None    # its report of the year (a link to its page), None before it has one


@dataclass(frozen=True)
class AdminOverview:
    county: str
    year: int
    deadline: date
    days_left: int
    total: int                              # organs in the county (invited or reporting)
    counts: list[tuple[str, str, int]]      # (state, its short name, organs) in STATES order
    kinds: list[tuple[str, int, int]]       # (kind of organ, organs, approved): 乡镇（街道）, 县直部门, 其他
    organs: list[OrganLine]                 # this page's
    page: int
    pages: int
    start: int                              # organs before this page
    chart: bytes | None                     # the PNG (chart.py); None when the county has no organ yet
    legend: str                             # the chart's caption: what it shows, in words (its alt text)
    admins: list[str]                       # people_admin.people_view's lines
    reviewers: list[str]
    people: list[str]                       # this page's organ lines: who drafts for each, or its code
    people_page: int
    people_pages: int
    people_start: int                       # organ lines before this page
    joined: int
    invited: int
    lapsed: int
    exports: list[tuple[str, str]]          # (label, link) of the downloads: the county's .zip


def _bars(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(short_state(key), counts[key]) for key in STATES]


def admin_overview(services: Services, who: Identity, county: str, *, year: int | None = None, page: int = 1,
                   people_page: int = 1, urls: Urls = URLS) -> AdminOverview:
    """The county's progress, people and exports for ``year`` (default: the year a report written today
    is about), the organs ``page`` and the people ``people_page`` at a time. Refused to anyone who does
    not administer the county. Shows open invite codes, so it is audited as /people is."""
    _administered(who, county)
    year = _year(services, year)
    admin, store, now = services.admin, services.store, services.clock()
    reports = admin._reports(county, year)
    organs = _organs(admin, county, reports)
    counts = _counts(organs, reports)
    pages = max(1, -(-len(organs) // PROGRESS_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PROGRESS_PAGE
    lines = [OrganLine(organ, state_key(reports.get(organ)), _state(reports.get(organ)),
                       reports[organ].id if organ in reports else None)
             for organ in organs[start:start + PROGRESS_PAGE]]
    colours = [STATE_COLOURS[key] for key in STATES]
    bars = _bars(counts)
    people = people_view(store, services.config, county, now)
    people_page = min(max(people_page, 1), people.pages)
    first = (people_page - 1) * PAGE_LINES
    store.audit(county, who.person_id, AdminAction.ROLES, county,
                json.dumps({"invites": people.invited, "via": "web"}), now=now)
    return AdminOverview(
        county=county, year=year, deadline=admin.config.review.deadline(year), days_left=admin._days_left(year),
        total=len(organs), counts=[(key, short_state(key), counts[key]) for key in STATES],
        kinds=_kinds(admin, county, organs, reports), organs=lines, page=page, pages=pages, start=start,
        chart=progress_chart(bars, colours=colours) if organs else None, legend=chart_legend(bars, colours=colours),
        admins=people.admins, reviewers=people.reviewers, people=people.lines[first:first + PAGE_LINES],
        people_page=people_page, people_pages=people.pages, people_start=first, joined=people.joined, invited=people.invited,
        lapsed=people.lapsed,
        exports=[(say("web_review.export_zip", county=county, year=year), urls.export(county, year))],
    )


def render_admin(overview: AdminOverview, *, urls: Urls = URLS) -> Markup:
    """The county admin's page (a fragment): progress with its chart, organs, people, exports."""
    o = overview

    def at(page: int, people_page: int) -> str:
        return urls.admin(o.county, o.year, page, people_page)

    return render_html(
        "web/admin.j2", say=say, o=o, chart_url=urls.chart(o.county, o.year) if o.chart else None,
        organ_links=[urls.draft(line.report_id) if line.report_id is not None else None for line in o.organs],
        previous=at(o.page - 1, o.people_page) if o.page > 1 else None,
        next=at(o.page + 1, o.people_page) if o.page < o.pages else None,
        people_previous=at(o.page, o.people_page - 1) if o.people_page > 1 else None,
        people_next=at(o.page, o.people_page + 1) if o.people_page < o.people_pages else None,
    )


def admin_chart(services: Services, who: Identity, county: str, *, year: int | None = None) -> bytes:
    """The progress chart's PNG alone (the overview's ``<img>``); refused as the overview is."""
    _administered(who, county)
    year = _year(services, year)
    reports = services.admin._reports(county, year)
    counts = _counts(_organs(services.admin, county, reports), reports)
    return progress_chart(_bars(counts), colours=[STATE_COLOURS[key] for key in STATES])


def admin_export(services: Services, who: Identity, county: str, *, year: int | None = None) -> CountyExport:
    """/export_all's archive — every organ's latest .docx and 进度.xlsx — for download (``.archive``,
    ``.filename``), audited as /export_all is. Slow (a .docx per organ): run it off the event loop."""
    _administered(who, county)
    year = _year(services, year)
    made = export_county(services.store, county, year, render=services.admin.render, now=services.clock())
    detail = json.dumps({"year": year, "documents": made.documents, "bytes": len(made.archive), "via": "web"})
    services.store.audit(county, who.person_id, EXPORT_ACTION, county, detail, now=services.clock())
    return made
