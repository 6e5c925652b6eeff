"""The interview's machinery: its position in the ``transitions`` machine, shared by every interview,
and the record of one answer's changes (so a refused answer is put back exactly). Split out of
interview.py, which uses them; nothing here is used by anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from transitions import Machine

from .catalogue import Catalogue

if TYPE_CHECKING:
    from .interview import Interview


class Cursor:
    """The ``transitions`` model: holds the position (``state`` = step id) and nothing else."""

    def __init__(self, interview: "Interview", state: str) -> None:
        self._interview = interview
        self.state = state

    def dest_is_asked(self, event) -> bool:
        return self._interview.is_asked(event.transition.dest)


MACHINES: dict[int, tuple[Catalogue, Machine]] = {}


def machine(catalogue: Catalogue) -> Machine:
    """One Machine per catalogue, shared by every interview.

    Building it (≈400 transitions) costs milliseconds, and the bot restores an interview for every
    message. The machine holds no per-interview state: each interview's cursor carries its own
    position, and events are fired on that cursor directly, so the cursors are never registered
    (nothing accumulates) and concurrent interviews in worker threads do not share mutable state.
    """
    known = MACHINES.get(id(catalogue))
    if known is None or known[0] is not catalogue:  # keyed by identity: the catalogue is not hashable
        machine = Machine(model=None, states=[s.id for s in catalogue.steps],
                          transitions=catalogue.transitions_table, initial=catalogue.steps[0].id,
                          auto_transitions=False, send_event=True, ignore_invalid_triggers=True)
        known = MACHINES[id(catalogue)] = (catalogue, machine)
    return known[1]


class Change:
    """The changes one answer makes, so a blocked answer can be put back exactly."""

    def __init__(self, interview: "Interview") -> None:
        self.iv = interview
        self.sections: dict[str, Any] = {}
        self.extra = dict(interview.extra)
        self.sets = {name: set(getattr(interview, name)) for name in ("autofilled", "skipped", "reask")}
        self.paths: set[str] = set()

    def set_path(self, path: str, value: Any) -> None:
        report = self.iv.report
        old = report.get(path)
        if old == value and type(old) is type(value):
            return
        top = path.split(".", 1)[0]
        if top not in self.sections:
            current = getattr(report, top)
            self.sections[top] = current.model_copy(deep=True) if isinstance(current, BaseModel) else current
        if value is None:
            report.clear(path)
        else:
            report.set(path, value)
        self.paths.add(path)

    def rollback(self) -> None:
        for top, old in self.sections.items():
            setattr(self.iv.report, top, old)
        self.iv.extra = self.extra
        for name, old in self.sets.items():
            setattr(self.iv, name, old)
