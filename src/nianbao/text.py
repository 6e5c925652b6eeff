"""All user-facing text comes from here: jinja2 templates kept in ``nianbao/templates/``.

Short messages live in TOML tables (``templates/text/<area>.toml``, one key per message) and are
addressed as ``"<area>.<key>"``; longer documents are ``.j2`` files. Rendering is sandboxed and strict:
an unknown variable is an error, never a silently empty string.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .shorten import shorten

TEMPLATES = resources.files("nianbao") / "templates"


def make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["amount"] = _format_amount
    env.filters["shorten"] = shorten  # every shortened label: cut at a word, marked 「…」
    return env


def _format_amount(value: Any) -> str:
    from .report.model import format_amount

    return format_amount(value)


ENV = make_environment()


@cache
def _table(area: str) -> dict[str, str]:
    with (TEMPLATES / "text" / f"{area}.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _compiled(key: str):
    area, _, name = key.partition(".")
    source = _table(area)[name]
    return ENV.from_string(source)


def say(key: str, /, **values: Any) -> str:
    """The message ``key`` ("area.name") rendered with ``values``; surrounding whitespace trimmed."""
    return _compiled(key).render(**values).strip()


def template_source(relative: str) -> str:
    return (TEMPLATES / relative).read_text(encoding="utf-8")


@cache
def _compiled_file(relative: str):
    return ENV.from_string(template_source(relative))


def render_file(relative: str, /, **values: Any) -> str:
    return _compiled_file(relative).render(**values).strip()
