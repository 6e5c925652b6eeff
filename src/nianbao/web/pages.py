"""The pages: /login (an invite code), /login/<token> (a one-time link), /chat, /logout.

A code typed on /login is sent as 「/join CODE」 from the login page's web identity — the Router's own
path, so its lockout (5 wrong codes in 10 minutes) counts for this browser as for a Telegram account,
and its message is shown. Clearing cookies gives a new identity: the login pages are therefore also
limited per address (security.py). Nothing is signed in until the code or the link was accepted.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from ..text import say
from ..workflow.storage import AdminAction
from ..workflow import web_login
from .guard import CSRF_FIELD, front_of, page, session_of
from .hub import wait
from .render import page as render
from .review_routes import landing, navigation
from .security import client_address
from .sessions import Session, same

JOIN_WAIT_S = 15.0
MAX_NAME = 30  # a person's name as shown in the review records
MAX_CODE = 64


async def root(request: web.Request) -> web.StreamResponse:
    """The site's address: the login page, or where the signed-in person starts (review_routes.landing)."""
    front = front_of(request)
    session = await session_of(request)
    if session is None:
        raise web.HTTPFound(f"{front.base}/login")
    raise web.HTTPFound(await front.call(_landing, front, session.identity))


def _landing(front, identity: str) -> str:
    return landing(front, front.who(identity))


async def login_form(request: web.Request) -> web.StreamResponse:
    front = front_of(request)
    session = await session_of(request)
    if session is not None:
        raise web.HTTPFound(await front.call(_landing, front, session.identity))
    return _login_page(front, request, "login.j2")


def _login_page(front, request: web.Request, template: str, *, message: str = "", status: int = 200,
                **values) -> web.Response:
    """The page with its state kept (its identity goes on counting wrong codes) or begun."""
    now = front.now()
    state = front.sessions.begin_login(front.sessions.login_state(request, now))
    response = render(template, status=status, base=front.base, message=message, csrf=state.csrf, **values)
    front.sessions.keep_login(response, state, now)
    return response


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def _checked_form(front, request: web.Request, template: str, **values):
    """(form, login state) of a login POST, or the page to answer instead (limit, stale or forged form)."""
    if not front.login_limit.allow(client_address(request)):
        return None, _login_page(front, request, template, message=say("web.too_fast"), status=429, **values)
    form = await request.post()
    state = front.sessions.login_state(request, front.now())
    if state is None or not same(str(form.get(CSRF_FIELD) or ""), state.csrf):
        return None, _login_page(front, request, template, message=say("web.form_expired"), status=403, **values)
    return (form, state), None


async def login(request: web.Request) -> web.StreamResponse:
    front = front_of(request)
    checked, refused = await _checked_form(front, request, "login.j2")
    if refused is not None:
        return refused
    form, state = checked
    code = " ".join(str(form.get("code") or "").split())[:MAX_CODE]
    if not code:
        return _login_page(front, request, "login.j2", message=say("web.code_missing"))
    identity = state.identity
    before = await front.call(front.store.last_web_message)
    event = front.hub.listen(identity)
    try:
        name = " ".join(str(form.get("name") or "").split())[:MAX_NAME] or None
        await front.put(identity, text=f"/join {code}", name=name)
        replies = await _replies(front, identity, before, event)
    finally:
        front.hub.forget(identity, event)
    who = await front.call(front.who, identity)
    if who is None or not who.has_role:
        message = replies[0].text if replies else say("web.busy")
        return _login_page(front, request, "login.j2", message=message)
    # In: the page starts with the welcome; the replies to wrong codes before it were shown here.
    await front.call(front.store.drop_web_messages, identity, before + 1)
    return await _signed_in(front, identity, "code")


async def _replies(front, identity: str, before: int, event: asyncio.Event) -> list:
    deadline = asyncio.get_running_loop().time() + JOIN_WAIT_S
    while True:
        rows = await front.call(front.store.web_messages, identity, before)
        left = deadline - asyncio.get_running_loop().time()
        if rows or left <= 0 or not await wait(event, left):
            return rows
        event.clear()


async def _signed_in(front, identity: str, via: str) -> web.StreamResponse:
    """In: an official to their chat, a reviewer or admin who drafts nothing to their pages; the
    sign-in in the audit trail of each county the person has a role in (``via``: code or link)."""
    response = see_other(await front.call(_landing, front, identity))
    await front.call(front.sessions.open, response, identity, front.now())
    await front.call(_audit_login, front, identity, via)
    return response


def _audit_login(front, identity: str, via: str) -> None:
    person = front.store.person_by("web", identity)
    if person is None:
        return
    for county in sorted({county for county, _ in front.store.roles_of(person.person_id)}):
        front.store.audit(county, person.person_id, AdminAction.WEB_LOGIN, str(person.person_id),
                          json.dumps({"via": via}), now=front.now())


async def link_form(request: web.Request) -> web.StreamResponse:
    """A login link opened: a button to use it (a chat app's link preview fetching the page uses nothing)."""
    front = front_of(request)
    token = request.match_info["token"]
    usable = await front.call(web_login.is_open, front.store, token, front.now())
    return _login_page(front, request, "link.j2", token=token, usable=usable,
                       message="" if usable else say("web.link_invalid"), status=200 if usable else 404)


async def link_login(request: web.Request) -> web.StreamResponse:
    front = front_of(request)
    token = request.match_info["token"]
    checked, refused = await _checked_form(front, request, "link.j2", token=token, usable=True)
    if refused is not None:
        return refused
    person = await front.call(web_login.redeem, front.store, token, front.now())
    if person is None:
        return _login_page(front, request, "link.j2", token=token, usable=False,
                           message=say("web.link_invalid"), status=404)
    _, state = checked
    # This browser's identity is the link's person's now; replies to codes it tried before are not theirs.
    await front.call(front.store.drop_web_messages, state.identity, await front.call(front.store.last_web_message) + 1)
    await front.call(front.store.link_identity, person, "web", state.identity, front.now())
    return await _signed_in(front, state.identity, "link")


@page
async def chat(request: web.Request, front, session: Session) -> web.StreamResponse:
    who = await front.call(front.who, session.identity)
    links = await front.call(navigation, front, who, "chat")
    return render("chat.j2", base=front.base, csrf=session.csrf, name=who.name if who else "",
                  drafting=bool(who and who.may_draft), links=links if len(links) > 1 else [],
                  may_review=any(href.endswith("/review") for _, href, _ in links),
                  may_admin=any(href.endswith("/admin") for _, href, _ in links))


@page
async def logout(request: web.Request, front, session: Session) -> web.StreamResponse:
    response = see_other(f"{front.base}/login")
    await front.call(front.sessions.end, response, session, front.now())
    return response
