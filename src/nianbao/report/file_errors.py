"""What is wrong with a report file, in Chinese: too deeply nested, or one line per pydantic error.

Shared by `nianbao check`/`render` (cli.py) and `nianbao import` of a JSON file (importing/).
"""

from __future__ import annotations

import json
from typing import Any, Iterable, get_args

from pydantic import BaseModel, ValidationError

from ..text import say
from . import labels
from .model import Report

# A report file is nested four levels deep; far beyond is no report file, and is refused before the
# JSON parser (whose recursion limit raises, not reports) sees it.
MAX_NESTING = 32


def too_deep(text: str, limit: int = MAX_NESTING) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (one linear pass)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def describe_validation_error(error: ValidationError) -> list[str]:
    """One Chinese line per pydantic error: the JSON path, what was expected, the English reason."""
    return [
        say("cli.report_problem", where=json_path(e["loc"]) or say("cli.path_root"),
            reason=_reason(e), english=e["msg"])
        for e in error.errors(include_url=False)
    ]


def json_path(loc: Iterable[str | int]) -> str:
    """('applications', 'new', 5) → 'applications.new[5]'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    values: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("list_type", "too_short", "too_long"):
        columns = _row_columns(loc)
        values |= dict(columns=list(columns), example=json.dumps([0] * len(columns)))
    elif kind in ("model_type", "extra_forbidden"):
        model = _model_at(loc if kind == "model_type" else loc[:-1])
        keys = list(model.model_fields) if model else []
        values |= dict(keys=keys, example="{" + ", ".join(f'"{k}": …' for k in keys[:2]) + "}")
    try:
        return say(f"cli.reason_{kind}", **values)
    except KeyError:  # an error type with no message of its own
        return say("cli.reason_other")


def _row_columns(loc: tuple) -> tuple[str, ...]:
    """The column labels a row of counts at ``loc`` stands for (table 三 or 四); () elsewhere."""
    section = loc[0] if loc else None
    return {"applications": labels.APPLICANT_COLUMNS,
            "appeals": labels.APPEAL_RESULT_COLUMNS}.get(section, ())


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that the object at ``loc`` must be (Report at the root), if any."""
    model: type[BaseModel] | None = Report
    for part in loc:
        field = model.model_fields.get(part) if model and isinstance(part, str) else None
        if field is None:
            return None
        model = next((a for a in get_args(field.annotation)
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model
