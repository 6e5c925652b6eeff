"""What the official sees: the interview's state turned into replies (text + buttons as plain data).

Nothing here changes the interview; every word comes from templates (``interview.*`` messages,
``templates/prompts/`` questions through the county-aware Prompts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..report import labels
from ..text import say
from . import answers, picks, quick
from .catalogue import SECTION_HEADINGS, Step

if TYPE_CHECKING:
    from .interview import Interview


@dataclass(frozen=True)
class Button:
    id: str      # ASCII, ≤ 64 bytes: becomes Telegram callback_data
    label: str   # Chinese, shown


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    render: bool = False  # the transport renders and sends the .docx of interview.report


@cache
def fixed_buttons(*specs: str | tuple[str, str]) -> tuple[Button, ...]:
    """Buttons by id; the label is ``interview.button_<id>`` unless an (id, label key) pair is given."""
    out = []
    for spec in specs:
        button_id, key = spec if isinstance(spec, tuple) else (spec, f"button_{spec}")
        out.append(Button(button_id, say(f"interview.{key}")))
    return tuple(out)


def current(iv: Interview) -> list[Reply]:
    """The current question — or the confirmation it is waiting for — with its buttons."""
    kind = (iv.mode or {}).get("kind")
    shown = buttons(iv)
    if kind == "cancel":
        return [Reply(say("interview.cancel_confirm"), shown)]
    if kind in ("block", "warning"):
        return [Reply(say(f"interview.{'blocked' if kind == 'block' else 'warning'}",
                          messages=iv.mode["messages"]), shown)]
    if kind == "extend":
        return [Reply(say("interview.extend_prompt"), shown)]
    if kind in quick.MODES and kind != "pick":
        return quick.mode_reply(iv, shown)
    if iv.step.kind == "review":
        return [review(iv)]
    return [Reply(question_text(iv), shown)]


def buttons(iv: Interview) -> tuple[Button, ...]:
    """The quick answers offered now; ``Interview.press`` accepts only these (and command buttons)."""
    kind = (iv.mode or {}).get("kind")
    b = fixed_buttons
    if kind == "cancel":
        return b("cancel_yes", "cancel_no")
    if kind == "warning":
        return b("continue", ("change", "button_change"))
    if kind == "block":
        edits = tuple(Button(f"edit:{sid}", say("interview.button_edit", title=title(iv, iv.catalogue.by_id[sid])))
                      for sid in iv.mode.get("edit", ()))
        return (*b("retry"), *edits, *b("back"))
    if kind == "extend":
        return b(("retry", "button_back"))
    if kind in quick.MODES and kind != "pick":
        return quick.mode_buttons(iv)
    step = iv.step
    if step.kind == "review":
        return b(("gen", "button_generate"), "back")
    out: list[Button] = []
    if step.kind == "gate" and not step.pick:
        out += b("yes", "no")
    elif step.kind in quick.OWN_KINDS or step.pick:  # narrative, choice, multi, approx, pick gates
        out += quick.kind_buttons(iv, step)
    else:
        proposal = iv.proposal(step)
        if proposal is not None:
            out.append(Button("default", say("interview.button_default", value=display(iv, step, proposal))))
        if step.takes_numbers and step.kind != "year" and proposal != answers.zero(step):
            out.append(Button("zeros", say("interview.button_zeros", n=len(step.columns) or 1)))
    out += quick.shortcut_buttons(iv, step)
    if iv.is_answered(step):
        out += b("keep")
    if step.skippable:
        out += b("skip")
    if step.id != iv.catalogue.steps[0].id:
        out += b("back")
    return tuple(out)


def section(step: Step) -> str:
    return SECTION_HEADINGS.get(step.section) or say(f"interview.section_{step.section}")


def prompt_values(iv: Interview, step: Step) -> dict[str, Any]:
    """What a question template may use (documented at the top of templates/prompts/ask.toml)."""
    group = next((g for g in labels.OUTCOME_GROUPS if g.key == step.id), None)
    proposal = iv.proposal(step)
    values = {
        "label": step.label, "columns": list(step.columns), "n": len(step.columns),
        "organ": iv.report.organ, "county": iv.report.county, "year": iv.report.year,
        "proposal": None if proposal is None else display(iv, step, proposal),
        "section": section(step),
        "group": group.label if group else None, "group_size": len(group.rows) if group else 0,
        "decisions_column": labels.DECISIONS_COLUMN, "fees_column": labels.FEES_COLUMN,
        "last_in_force": _last_in_force(iv, step),
    }
    if step.kind == "narrative":  # the proposed paragraph; the official's own version shows as 当前
        values["text"] = quick.default_text(iv, step)
    values.update(quick.prompt_values(iv, step))
    return values


def _last_in_force(iv: Interview, step: Step) -> int | None:
    """Last year's 现行有效 of a table-二 document row, when the organ's report of the year before is known."""
    if step.kind != "row3" or iv.last_year is None or not step.path:
        return None
    row = iv.last_year.get(step.path)
    return getattr(row, "in_force", None)


def question_text(iv: Interview) -> str:
    step = iv.step
    values = prompt_values(iv, step)
    value = iv.value(step) if iv.is_answered(step) and iv.value(step) != {} else None
    return say("interview.question", header=quick.header(iv),
               body=iv.prompts.prompt(step.id, iv.report.county, **values),
               current=None if value is None else display(iv, step, value))


def help_text(iv: Interview) -> str:
    step = iv.step
    return say("interview.help", text=iv.prompts.render(step.help_key, iv.report.county, **prompt_values(iv, step)))


def _formats(iv: Interview) -> Any:
    return iv.prompts.macros("format.macros", iv.report.county)


def display(iv: Interview, step: Step, value: Any) -> str:
    """An answer as the official reads it (「3 0 0 0 0 1」, 「1.5 万元」, 「否」, the paragraph's start)."""
    if step.kind == "narrative" and value is not None:
        value = iv.report.get(step.path) or ""
    if step.kind == "choice":
        value = dict(iv.catalogue.choices(step)).get(value, value)
    if step.pick:  # the rows picked: 「1、4」
        value = picks.display(iv, step, value)
    kind = "picked" if step.pick and isinstance(value, str) else step.kind
    return str(_formats(iv).value(kind, value, step.id in iv.skipped))


def title(iv: Interview, step: Step) -> str:
    return step.label or iv.prompts.render(f"titles.{step.id}", iv.report.county)


def review(iv: Interview) -> Reply:
    """The numbered summary (the numbers are those of 修改 N), then 生成."""
    line = _formats(iv).review_line
    lines = [str(line(n, title(iv, step), display(iv, step, iv.value(step))))
             for n, step in enumerate(iv.asked_steps(), 1)]
    summary = say("interview.review", lines=lines, missing=len(iv.missing_steps()))
    last = iv.catalogue.steps[-1]
    return Reply(iv.prompts.prompt(last.id, iv.report.county, summary=summary),
                 fixed_buttons(("gen", "button_generate"), "back"))


def status_text(iv: Interview) -> str:
    counts: dict[str, int] = {}
    for step in iv.missing_steps():
        counts[section(step)] = counts.get(section(step), 0) + 1
    missing = [say("interview.status_missing", section=name, count=n) for name, n in counts.items()]
    return say("interview.status", **quick.place(iv), missing=missing)
