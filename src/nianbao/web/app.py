"""The route table of the web front end (every path under the configured prefix)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from . import api, pages, review_routes
from .guard import FRONT
from .security import add_headers

MAX_BODY = 256 * 1024   # a pasted report of 30,000 characters fits


def build_app(front) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[FRONT] = front
    app.on_response_prepare.append(add_headers(front.settings))
    base = front.base
    routes = [
        web.get(f"{base}/", pages.root) if base else web.get("/", pages.root),
        # ---- signing in and out (pages.py) ----
        web.get(f"{base}/login", pages.login_form),
        web.post(f"{base}/login", pages.login),
        web.get(f"{base}/login/{{token}}", pages.link_form),
        web.post(f"{base}/login/{{token}}", pages.link_login),
        web.post(f"{base}/logout", pages.logout),
        # ---- the official's chat (pages.py, api.py) ----
        web.get(f"{base}/chat", pages.chat),
        web.get(f"{base}/api/session", api.signed_in),
        web.get(f"{base}/api/messages", api.messages),
        web.post(f"{base}/api/say", api.say),
        web.post(f"{base}/api/press", api.press),
        web.post(f"{base}/api/resume", api.resume),
        web.post(f"{base}/api/upload", api.upload),
        web.get(f"{base}/files/{{seq}}", api.file),
        # ---- reviewers' and admins' pages (review_routes.py around review_pages.py) ----
        *review_routes.routes(base),
    ]
    app.add_routes(routes)
    app.router.add_static(f"{base}/static", Path(str(resources.files("nianbao") / "web" / "static")),
                          append_version=False)
    return app
