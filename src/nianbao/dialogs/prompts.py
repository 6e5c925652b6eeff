"""Question and paragraph templates, fetched through one place that knows the county.

Questions live in ``templates/prompts/<area>.toml`` (key ``"<area>.<name>"``, e.g. ``"ask.row6"``; a
step's question key is its catalogue `prompt`), default paragraphs in ``templates/narratives/<name>.j2``.
A per-county override (issue 5: from the database or config) is a callable
``(county, key) -> template source | None`` asked with ``"prompts.<step id>"`` for a step's question,
``"narratives.<name>"`` for a paragraph, and the template key itself for anything else ("help.new");
None falls back to the shipped template. Rendering is nianbao.text's sandboxed, strict jinja2; a county's
text is rendered streamed and stopped past ``MAX_OUTPUT`` characters (template_check.render_bounded) —
the checker already refuses what could grow, this bounds what it could not foresee.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache, lru_cache
from typing import Any, Callable

from jinja2 import meta

from .. import text
from .catalogue import load_catalogue
from .template_check import render_bounded

Overrides = Callable[[str | None, str], str | None]


@cache
def _area(area: str) -> dict[str, str]:
    with (text.TEMPLATES / "prompts" / f"{area}.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _compiled(source: str):
    return text.ENV.from_string(source)


@cache
def _variables(source: str) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(text.ENV.parse(source)))


@lru_cache(maxsize=1024)
def _render_memo(source: str, values_json: str, custom: bool) -> str:
    return _render(source, json.loads(values_json), custom)


def _render(source: str, values: dict, custom: bool) -> str:
    return render_bounded(source, values) if custom else _compiled(source).render(**values).strip()


@cache
def default_source(key: str) -> str:
    """The shipped template for a prompt key ("ask.row6") or "narratives.<name>" (read once)."""
    area, _, name = key.partition(".")
    if area == "narratives":
        return text.template_source(f"narratives/{name}.j2")
    return _area(area)[name]


def has_default(key: str) -> bool:
    try:
        default_source(key)
    except (KeyError, FileNotFoundError):
        return False
    return True


class Prompts:
    """Renders questions, help and default paragraphs; ``overrides`` lets a county replace any of them."""

    def __init__(self, overrides: Overrides | None = None) -> None:
        self.overrides = overrides

    def _source(self, override_key: str, county: str | None, default_key: str) -> str:
        return self._pick(override_key, county, default_key)[0]

    def _pick(self, override_key: str, county: str | None, default_key: str) -> tuple[str, bool]:
        """The template source, and whether it is a county's (rendered bounded)."""
        custom = self.overrides(county, override_key) if self.overrides else None
        return (custom, True) if custom is not None else (default_source(default_key), False)

    def prompt(self, step_id: str, county: str | None, /, **values: Any) -> str:
        """The question of a catalogue step, e.g. ``prompt("new", "托里县", label=…, columns=…)``."""
        default_key = load_catalogue().by_id[step_id].prompt_key
        source, custom = self._pick(f"prompts.{step_id}", county, default_key)
        return _render(source, values, custom)

    def narrative(self, name: str, county: str | None, /, **values: Any) -> str:
        """A default paragraph, e.g. ``narrative("on_request", "托里县", **figures)``.

        The interview recomposes every paragraph after every answer, so a paragraph is rendered again
        only when a figure it actually uses has changed.
        """
        key = f"narratives.{name}"
        source, custom = self._pick(key, county, key)
        used = {name: values[name] for name in _variables(source) if name in values}
        return _render_memo(source, json.dumps(used, ensure_ascii=False, sort_keys=True), custom)

    def render(self, key: str, county: str | None, /, **values: Any) -> str:
        """Any other template by key: ``render("help.new", county)``, ``render("titles.organ", county)``."""
        source, custom = self._pick(key, county, key)
        return _render(source, values, custom)

    def macros(self, key: str, county: str | None) -> Any:
        """The jinja macros a template defines, callable from Python (``macros("format.macros", c).value(…)``)."""
        return _compiled(self._source(key, county, key)).module
