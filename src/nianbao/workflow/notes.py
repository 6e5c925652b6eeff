"""What handling one update noted for the worker besides its replies, transport-free.

The worker opens ``noting()`` around an update; deep inside the handling, whoever knows something the
worker needs writes it here instead of threading it through every return value:

- ``step``: the interview step the update met (drafting.py) — the worker's one INFO line names it,
  also for an update whose handling failed;
- ``notices``: messages to other chats caused along the way (a county text that failed and fell back to
  the shipped one: its admins are told, services.py) — the worker queues them with the replies, in the
  same unit of work, so a notice is committed exactly when the mark that it was given is.

Outside ``noting()`` (the console, tests calling services directly) nothing is noted. A ContextVar: the
workers of one process handle several chats at once, each in its own thread or task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drafting import Out


@dataclass
class UpdateNotes:
    step: str | None = None
    notices: list[Out] = field(default_factory=list)


_CURRENT: ContextVar[UpdateNotes | None] = ContextVar("nianbao_update_notes", default=None)


@contextmanager
def noting() -> Iterator[UpdateNotes]:
    notes = UpdateNotes()
    token = _CURRENT.set(notes)
    try:
        yield notes
    finally:
        _CURRENT.reset(token)


def current() -> UpdateNotes | None:
    """The notes of the update being handled here, None outside the worker."""
    return _CURRENT.get()


def note_step(step_id: str) -> None:
    notes = _CURRENT.get()
    if notes is not None:
        notes.step = step_id
