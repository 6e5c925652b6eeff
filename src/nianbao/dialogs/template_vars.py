"""The templates a county admin may edit, and the variables each one is rendered with.

Keys are those of ``Prompts`` overrides: ``"prompts.<step id>"`` (a step's question) and
``"narratives.<name>"`` (a default paragraph). The variables are exactly what the interview passes when
it renders the template (``screens.prompt_values``, ``narratives.figures``), taken from the sample
report shipped with the package, so an admin's edit is checked and previewed against real values.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from ..report.model import Report
from . import narratives, screens
from .catalogue import load_catalogue
from .interview import Interview
from .prompts import Prompts, default_source

SAMPLE_REPORT = "hatu-2024.json"


@cache
def _sample_json() -> str:
    return (resources.files("nianbao") / "examples" / SAMPLE_REPORT).read_text(encoding="utf-8")


def sample_report() -> Report:
    """A fresh copy of the shipped sample report (托里县哈图镇 2024)."""
    return Report.from_json(_sample_json())


@cache
def narrative_names() -> tuple[str, ...]:
    """Every default paragraph the catalogue uses (its `narrative` and `lead` names), in catalogue order,
    then the county texts they quote (catalogue county_texts)."""
    names: dict[str, None] = {}
    for step in load_catalogue().steps:
        for name in (step.lead, step.narrative):
            if name:
                names[name] = None
    return tuple(names) + load_catalogue().county_texts  # and the texts they quote, set by the county


@cache
def editable_keys() -> tuple[str, ...]:
    """Every key an admin may override: each step's question, then each default paragraph."""
    steps = tuple(f"prompts.{step.id}" for step in load_catalogue().steps)
    return steps + tuple(f"narratives.{name}" for name in narrative_names())


def key_for(kind: str, name: str) -> str | None:
    """``("prompts", "organ")`` → ``"prompts.organ"`` if such a template exists, else None."""
    key = f"{kind}.{name.strip()}"
    return key if key in editable_keys() else None


def shipped_source(key: str) -> str:
    """The template shipped with the package for an editable key."""
    kind, _, name = key.partition(".")
    if kind == "prompts":
        return default_source(load_catalogue().by_id[name].prompt_key)
    return default_source(key)


def sample_variables(key: str) -> dict[str, Any]:
    """What the interview passes when it renders ``key``, with the sample report's values."""
    return _sample_variables(key)()


# The reports an admin's template is previewed against before it may be saved: a template may branch
# on any value, so one that fails (or grows) only for another year, level or figures is caught here.
# (organ, level, year, applications scale: 0 = a zero report)
PREVIEW_SAMPLES = (
    ("托里县哈图镇人民政府", "town", 2024, 0),
    ("托里县哈图镇人民政府", "town", 2025, 12),
    ("托里县铁厂沟乡人民政府", "township", 2025, 0),
    ("托里县城区街道办事处", "street", 2024, 40),
    ("托里县教育局", "county_department", 2025, 5),
    ("托里县人民政府", "county", 2024, 300),
)


def preview_variable_sets(key: str) -> list[dict[str, Any]]:
    """``key``'s variables for each of PREVIEW_SAMPLES, the shipped sample report's first."""
    return [sample_variables(key), *(dict(v) for v in _preview_sets(key))]


@cache
def _preview_sets(key: str) -> tuple[dict[str, Any], ...]:
    from ..report.synth import consistent_report  # only for previews

    sets = []
    for organ, level, year, scale in PREVIEW_SAMPLES:
        report = consistent_report(seed=year, scale=scale, organ=organ, year=year)
        report.county, report.organ_level = "托里县", level
        sets.append(_variables(key, report))
    return tuple(sets)


class _Recorder(Prompts):
    """Prompts that remember the values of the last question rendered."""

    seen: dict[str, Any] = {}

    def prompt(self, step_id: str, county: str | None, /, **values: Any) -> str:
        self.seen = values
        return super().prompt(step_id, county, **values)


@cache
def _sample_variables(key: str):
    frozen = _variables(key, sample_report())
    return lambda: dict(frozen)


def _variables(key: str, report: Report) -> dict[str, Any]:
    kind, _, name = key.partition(".")
    if key not in editable_keys():
        raise KeyError(key)
    if kind == "narratives":  # the county's own texts (catalogue county_texts) are variables too
        catalogue = load_catalogue()
        values = narratives.figures(report, catalogue.organ_kinds, new_media=catalogue.new_media,
                                    texts={text: "" for text in catalogue.county_texts})
    else:
        # Ask the sample interview the step's question and keep what it passed to the template.
        recorder = _Recorder()
        today = date((report.year or 2024) + 1, 1, 10)
        interview = Interview.from_data({"today": today.isoformat(), "organ_hint": report.organ, "step": name,
                                         "report": report.to_data()}, prompts=recorder)
        screens.current(interview)
        values = recorder.seen
    return dict(values)
