"""Pages from ``templates/web/*.j2`` in nianbao's sandboxed, strict jinja2 environment — with HTML
autoescaping on: everything a page shows (the bot's texts, what people typed) is escaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from jinja2 import FunctionLoader

from ..text import make_environment, say, template_source


def _source(name: str):
    return template_source(f"web/{name}"), None, lambda: True


@cache
def environment():
    env = make_environment()
    env.autoescape = True
    env.loader = FunctionLoader(_source)
    env.globals["t"] = say   # {{ t("web.title") }}: every text from templates/text/web.toml
    return env


def page(name: str, /, *, status: int = 200, **values: Any) -> web.Response:
    html = environment().get_template(name).render(**values)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def framed(title: str, content, *, base: str, csrf: str, links=(), styles: tuple[str, ...] = (),
           status: int = 200) -> web.Response:
    """A whole page around ``content`` (Markup: HTML made and escaped elsewhere, e.g. review_pages.py):
    the header with ``links`` ((label, href, current) of the pages this person may use: nav.j2) and
    退出; draft.css is always linked (the fragments' styles), ``styles`` adds more of static/'s."""
    sheets = ["draft.css", *(sheet for sheet in styles if sheet != "draft.css")]
    return page("frame.j2", status=status, title=title, content=content, base=base, csrf=csrf, links=list(links),
                styles=sheets)
