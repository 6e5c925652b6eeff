"""The reviewers' and county admins' routes: aiohttp around review_pages.py (which knows no HTTP).

- GET  /review                  the drafts waiting for review in the counties the person may decide
- GET  /review/<id>             one draft as its .docx lays it out, with 「通过」/「退回修改」 while it waits
- POST /review/<id>             the decision (csrf, version, decision=approve|return, reason)
- GET  /admin                   the counties the person administers: one → its page, several → a list
- GET  /admin/<县>              progress with its chart, organs, people, the export's link
- GET  /admin/<县>/chart.png    the progress chart
- GET  /admin/<县>/export.zip   every organ's latest .docx and 进度.xlsx (made in a thread: slow)

Every handler is ``guard.page``'s: a session (else the login page), the rate limits, the CSRF token on
the POST; security headers come with every response. ``review_pages.Refused`` becomes its status with
its Chinese text in the page shell. A decision commits with its messages in one unit of work — the
review record (set_status, the same as the group's buttons), the outbox entries of its Outs, addressed
as the worker addresses an update's — and the sender is woken; the page shows decide's own notice.
Exports and the overview (it shows open invite codes) are audited by review_pages.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone
from urllib.parse import quote

from aiohttp import web

from ..text import say
from ..workflow.access import Identity
from ..workflow.effects import effects_of
from ..workflow.review import ALERT
from .channel import CHANNEL
from .draft_html import render_html
from .guard import page
from .render import framed
from .review_pages import (Refused, Urls, admin_chart, admin_export, admin_overview, administered_counties,
                           decidable_counties, decide, draft_view, page_notice, render_admin, render_review_list,
                           submitted_drafts)
from .sessions import Session

ZIP, PNG = "application/zip", "image/png"
log = logging.getLogger(__name__)


# ---- who may use which page --------------------------------------------------------------------------


def navigation(front, who: Identity | None, current: str = "") -> list[tuple[str, str, bool]]:
    """(label, link, is this page) of the pages ``who`` may use: 对话 always, 审核 for whoever decides
    some county's drafts, 管理 for a county admin. Synchronous (queries): run it with ``front.call``."""
    links = [("chat", say("web.to_chat"), f"{front.base}/chat")]
    if who is not None and decidable_counties(front.services, who):
        links.append(("review", say("web.nav_review"), f"{front.base}/review"))
    if who is not None and administered_counties(front.services, who):
        links.append(("admin", say("web.nav_admin"), f"{front.base}/admin"))
    return [(label, href, key == current) for key, label, href in links]


def landing(front, who: Identity | None) -> str:
    """Where a signed-in person starts: an official at their chat; a county admin who drafts nothing
    at /admin, a reviewer at /review (the chat has no draft for them)."""
    if who is None or who.may_draft:
        return f"{front.base}/chat"
    if administered_counties(front.services, who):
        return f"{front.base}/admin"
    if decidable_counties(front.services, who):
        return f"{front.base}/review"
    return f"{front.base}/chat"


async def _who(front, session: Session) -> Identity:
    who = await front.call(front.who, session.identity)
    if who is None:  # a session outlived the person's identity (moved to another browser's login)
        raise Refused(say("web_review.reviewers_only"))
    return who


def refused_page(front, session: Session, who: Identity | None, refused: Refused) -> web.Response:
    html = render_html("web/refused.j2", say=say, text=refused.text, home=landing(front, who))
    return framed(say("web_review.refused_title"), html, base=front.base, csrf=session.csrf,
                  links=navigation(front, who), status=refused.status)


def refusing(handler):
    """``handler(request, front, session, who)`` with the person looked up; Refused → its page."""

    async def run(request: web.Request, front, session: Session) -> web.StreamResponse:
        who = None
        try:
            who = await _who(front, session)
            return await handler(request, front, session, who)
        except Refused as refused:
            return await front.call(refused_page, front, session, who, refused)

    run.__name__ = run.__qualname__ = handler.__name__
    run.__doc__ = handler.__doc__
    return page(run)


def _number(value, *, default: int | None = None) -> int | None:
    """A query or form field as a whole number; Refused (400) when it is something else."""
    if value is None or value == "":
        return default
    if not re.fullmatch(r"\d{1,9}", str(value)):
        raise Refused(say("web_review.bad_request"), 400)
    return int(value)


def _report_id(request: web.Request) -> int:
    """The report's id in the path (the route takes digits only); refused as an unknown report is."""
    given = request.match_info["report_id"]
    if len(given) > 12:
        raise Refused(say("web_review.not_found"), 404)
    return int(given)


def _attachment(filename: str, data: bytes, content_type: str) -> web.Response:
    """A download named ``filename`` (Chinese kept in filename*, an ASCII stand-in for old browsers)."""
    suffix = filename[filename.rfind("."):] if "." in filename else ""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename.encode("ascii", "ignore").decode()).strip("_.")
    ascii_name = ascii_name if ascii_name and ascii_name != suffix.lstrip(".") else "download"
    if not ascii_name.endswith(suffix):
        ascii_name += suffix
    return web.Response(body=data, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


def _urls(front) -> Urls:
    return Urls(front.base)


# ---- the reviewers ------------------------------------------------------------------------------------


@refusing
async def drafts(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /review: the drafts waiting for a decision."""
    def made():
        listed = render_review_list(submitted_drafts(front.services, who), urls=_urls(front))
        return framed(say("web_review.list_title"), listed, base=front.base, csrf=session.csrf,
                      links=navigation(front, who, "review"))
    return await front.call(made)


@refusing
async def draft(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /review/<id>: the draft and, while it waits, the decision's forms."""
    report_id = _report_id(request)

    def made():
        title, html = draft_view(front.services, who, report_id, csrf_token=session.csrf, urls=_urls(front))
        return framed(title, html, base=front.base, csrf=session.csrf, links=navigation(front, who, "review"))
    return await front.call(made)


def _decided(front, who: Identity, identity: str, report_id: int, version: int, decision: str,
             reason: str | None):
    """The decision and its messages in one unit of work (as the worker commits an update): the page's
    notice, and the lanes given something to deliver."""
    store = front.store
    with store.unit_of_work():
        outs = decide(front.services, who, report_id, version, decision, reason)
        notice = page_notice(outs)
        effects = effects_of([out for out in outs if out is not notice], CHANNEL, identity,
                             front.services.address_of)
        store.enqueue(effects, datetime.now(timezone.utc))
    return notice, {effect.lane for effect in effects}


@refusing
async def decide_draft(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """POST /review/<id>: 「通过」 or 「退回修改」 with its reason; the draft's page again, with what was done
    (200) or why nothing was (409: decided already, by the group or another reviewer; a reason missing)."""
    report_id = _report_id(request)
    form = await request.post()   # read (and its token checked) by guard.page already
    version = _number(form.get("version"))
    decision, reason = str(form.get("decision") or ""), form.get("reason")
    if version is None:
        raise Refused(say("web_review.bad_request"), 400)
    notice, lanes = await front.call(_decided, front, who, session.identity, report_id, version, decision,
                                     None if reason is None else str(reason))
    front.pipeline.sender.offer(lanes)   # the official's message, the group's post: deliver them now

    def made():
        title, html = draft_view(front.services, who, report_id, csrf_token=session.csrf, notice=notice,
                                 urls=_urls(front))
        return framed(title, html, base=front.base, csrf=session.csrf, links=navigation(front, who, "review"),
                      status=409 if notice is not None and notice.tag == ALERT else 200)
    return await front.call(made)


# ---- the county admins --------------------------------------------------------------------------------


@refusing
async def counties(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /admin: straight to the county's page for an admin of one county, a list for several."""
    mine = await front.call(administered_counties, front.services, who)
    if not mine:
        raise Refused(say("web_review.admins_none"))
    urls = _urls(front)
    if len(mine) == 1:
        raise web.HTTPSeeOther(urls.admin(mine[0]))
    listed = render_html("web/admin_counties.j2", say=say, counties=[(county, urls.admin(county)) for county in mine])
    links = await front.call(navigation, front, who, "admin")
    return framed(say("web_review.counties_title"), listed, base=front.base, csrf=session.csrf, links=links)


@refusing
async def overview(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /admin/<县>?year=&page=&people=: the county's progress, people and exports."""
    county = request.match_info["county"]
    year = _number(request.query.get("year"))
    organs_page = _number(request.query.get("page"), default=1)
    people_page = _number(request.query.get("people"), default=1)

    def made():
        o = admin_overview(front.services, who, county, year=year, page=organs_page, people_page=people_page,
                           urls=_urls(front))
        return framed(say("web_review.admin_title", county=o.county, year=o.year), render_admin(o, urls=_urls(front)),
                      base=front.base, csrf=session.csrf, links=navigation(front, who, "admin"))
    return await front.call(made)


@refusing
async def chart(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /admin/<县>/chart.png?year=: the progress chart (the overview's <img>)."""
    county, year = request.match_info["county"], _number(request.query.get("year"))
    png = await front.call(lambda: admin_chart(front.services, who, county, year=year))
    return web.Response(body=png, content_type=PNG)


@refusing
async def export(request: web.Request, front, session: Session, who: Identity) -> web.StreamResponse:
    """GET /admin/<县>/export.zip?year=: /export_all's archive, made off the event loop (a .docx per organ)."""
    county, year = request.match_info["county"], _number(request.query.get("year"))
    if not front.session_limit.allow(session.id_hash):  # a .docx per organ: counted as an action, not a poll
        raise Refused(say("web.too_fast"), 429)
    try:
        made = await asyncio.to_thread(admin_export, front.services, who, county, year=year)
    except Refused:
        raise
    except Exception as err:  # a report that does not render: said on the page, the rest is in the log
        log.error("web export of a county failed: %s", type(err).__name__, exc_info=err)
        raise Refused(say("web_review.export_failed"), 500) from None
    return _attachment(made.filename, made.archive, ZIP)


def routes(base: str) -> list[web.AbstractRouteDef]:
    return [
        web.get(f"{base}/review", drafts),
        web.get(rf"{base}/review/{{report_id:\d+}}", draft),
        web.post(rf"{base}/review/{{report_id:\d+}}", decide_draft),
        web.get(f"{base}/admin", counties),
        web.get(f"{base}/admin/{{county}}", overview),
        web.get(f"{base}/admin/{{county}}/chart.png", chart),
        web.get(f"{base}/admin/{{county}}/export.zip", export),
    ]
