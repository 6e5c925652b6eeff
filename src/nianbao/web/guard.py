"""Who may reach a handler: a signed-in session (else the login page, or 401 for the API), within
its rate limit, and — for every POST — with the session's CSRF token (the JS sends it in a header,
forms in a hidden field). Handlers of other pages (reviewers', admins') use the same decorators."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..text import say
from .sessions import Session, same

CSRF_HEADER, CSRF_FIELD = "X-CSRF-Token", "csrf"
FRONT: web.AppKey = web.AppKey("nianbao_web", object)

Handler = Callable[[web.Request, "object", Session], Awaitable[web.StreamResponse]]


def front_of(request: web.Request):
    return request.app[FRONT]


def refusal(status: int, key: str) -> web.Response:
    return web.json_response({"error": say(key)}, status=status)


async def session_of(request: web.Request) -> Session | None:
    front = front_of(request)
    return await front.call(front.sessions.current, request, front.now())


def api(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """JSON endpoints: 401 without a session, 429 over the limit, 403 for a POST without its token."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        front = front_of(request)
        session = await session_of(request)
        if session is None:
            return refusal(401, "web.signed_out")
        if request.method == "POST" and not same(request.headers.get(CSRF_HEADER), session.csrf):
            return refusal(403, "web.csrf_refused")
        # What a person does (POSTs) is limited per session; the page's polls on their own, looser
        # bucket (one action costs a POST and a few polls).
        limit = front.poll_limit if request.method == "GET" else front.session_limit
        if not limit.allow(session.id_hash):
            return refusal(429, "web.too_fast")
        return await handler(request, front, session)

    return guarded


def page(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Pages: to the login page without a session; a POST (a form) needs the token in its fields."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        front = front_of(request)
        session = await session_of(request)
        if session is None:
            raise web.HTTPSeeOther(f"{front.base}/login")
        if request.method == "POST":
            form = await request.post()
            if not same(str(form.get(CSRF_FIELD) or ""), session.csrf):
                return web.Response(status=403, text=say("web.csrf_refused"))
        limit = front.poll_limit if request.method == "GET" else front.session_limit
        if not limit.allow(session.id_hash):
            return web.Response(status=429, text=say("web.too_fast"))
        return await handler(request, front, session)

    return guarded
