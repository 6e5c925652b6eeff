"""One step's answer as data: read from what the official typed, written to and read from the report.

Values are JSON-ready (rows as lists, amounts as decimal strings, gates as bools) so the same value goes
into the answer history, the audit log and the report file. The kinds of the facts (choice, multi,
approx, contact) are read in ``facts_input``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from ..report import labels
from ..report.model import Contact, DocCounts, Published, Report, format_amount
from ..text import say
from . import facts_input, parsing
from .catalogue import Step
from .organ_names import organ_name_problem


def read(step: Step, text: str, *, today_year: int) -> Any:
    """The value typed for ``step`` (not gates' or narratives' special words); AnswerError if unreadable."""
    kind = step.kind
    if kind == "text":  # a name: the example says which (interview.expect_<step id>)
        expected = say(f"interview.expect_{step.id}")
        value = parsing.parse_text(text, min_chars=2, max_chars=step.max_chars, expected=expected)
        if step.id == "organ" and organ_name_problem(value) == "not_chinese":  # 「abc」「1e9」
            raise parsing.AnswerError(f"{say('interview.organ_not_chinese')}\n{expected}", kind="not_chinese")
        return value
    if kind == "year":
        return parsing.parse_year(text, today_year=today_year)
    if kind == "count":
        return parsing.parse_count(text)
    if kind in ("row3", "row4", "row6"):
        return parsing.parse_counts(text, step.columns)
    if kind in ("amount_wan", "amount_yuan"):
        return format_amount(parsing.parse_amount(text, unit=kind.removeprefix("amount_")))
    if kind == "gate":
        return parsing.parse_yes_no(text)
    if kind == "approx":
        return facts_input.parse_approx(text)
    if kind == "contact":
        return facts_input.parse_contact(text, max_chars=step.max_chars)
    raise ValueError(f"{kind} answers are read by the interview itself")


def notes(step: Step, value: Any) -> list[str]:
    """What to ask the person to confirm about a typed answer that was accepted (the interview shows
    it with 「继续」/「修改」): an organ's name that does not end like one."""
    if step.id == "organ" and isinstance(value, str) and organ_name_problem(value) == "no_organ_word":
        return [say("interview.organ_unusual", organ=value)]
    return []


def zero(step: Step) -> Any:
    """The value of a step whose group was answered 否 (or a 0 tapped in one go)."""
    if step.columns:
        return [0] * len(step.columns)
    return {"count": 0, "amount_wan": "0", "amount_yuan": "0", "text": ""}[step.kind]


def current(report: Report, step: Step) -> Any:
    """The step's value in the report, JSON-ready, or None while not (completely) answered."""
    value = report.get(step.path) if step.path else None
    if isinstance(value, DocCounts):
        values = value.values()
        return None if None in values else values
    if isinstance(value, Published):
        return None if value.count is None else {"count": value.count, "approx": bool(value.approx)}
    if isinstance(value, Contact):
        given = {k: v for k, v in (("address", value.address), ("phone", value.phone)) if v}
        return given or None  # the portal comes from the county's config: not an answer
    if isinstance(value, Decimal):
        return format_amount(value)
    return value


def write(set_value: Callable[[str, Any], None], step: Step, value: Any) -> None:
    """Put ``value`` into the report through ``set_value(path, value)`` (which records the change)."""
    assert step.path is not None
    if step.kind == "row3":
        for key, count in zip(labels.DOCS_KEYS, value):
            set_value(f"{step.path}.{key}", count)
    elif step.kind in ("amount_wan", "amount_yuan"):
        set_value(step.path, Decimal(value))
    elif step.kind == "approx":
        for key in ("count", "approx"):
            set_value(f"{step.path}.{key}", None if value is None else value[key])
    elif step.kind == "contact":
        for key in ("address", "phone"):
            set_value(f"{step.path}.{key}", (value or {}).get(key))
    else:
        set_value(step.path, value)
