"""Answers given as lines of text — a terminal, a script file, a test or the benchmark.

A line is typed text (「@organ 托里县…」: only if that question is asked), except a button press: ``#2`` (the second button shown, also typed 「＃2」,
「[#2]」 or 「[2]」 as a terminal shows it), ``#default`` (a button by id), or a bare ``2`` where nothing
on screen takes a typed number. Where a number is an answer (a count, a row, 修改 N in the review, and
a new answer while a warning waits) a bare number is always that answer, never a button.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from . import screens
from .interview import Button, Interview, Reply

_ONLY = re.compile(r"@([a-z][a-z0-9_]*) ")
_PRESS = re.compile(r"#([a-z_]+(?::[a-z0-9_]+)?|\d{1,2})|\[#?(\d{1,2})\]|【#?(\d{1,2})】")


def shown_buttons(replies: list[Reply]) -> tuple[Button, ...]:
    """The buttons on screen after ``replies``: those of the last reply that has any."""
    return next((r.buttons for r in reversed(replies) if r.buttons), ())


def feed(interview: Interview, line: str, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    """One line answered. 「@<step> answer」 answers only that step: when another question is on
    screen (the transport knew that answer already, e.g. the organ from an invite) the line is left
    out and the current question is shown again."""
    if (only := _ONLY.match(line)) is not None:
        if interview.step_id != only.group(1) or interview.mode is not None:
            return screens.current(interview)
        line = line[only.end():]
    text = unicodedata.normalize("NFKC", line).strip()
    press = _PRESS.fullmatch(text)
    if press is None and text.isascii() and text.isdigit() and buttons and not interview.expects_number:
        press = re.fullmatch(r"(\d+)", text)
    if press is not None:
        target = next(group for group in press.groups() if group is not None)
        if not target.isdigit():
            return interview.press(target)
        if 1 <= int(target) <= len(buttons):
            return interview.press(buttons[int(target) - 1].id)
    return interview.answer(line)


def script_lines(text: str) -> list[str]:
    """The answers of a script file: one per line; blank lines and 「# 」 comment lines left out."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("# ")]


def for_transport(lines: Iterable[str], known: Iterable[str] = ("organ", "county", "organ_level")) -> list[str]:
    """The lines as sent by a transport that knows the ``known`` answers already (the bot: organ,
    county and level from the invite): their 「@step」 lines left out, the others without the prefix."""
    known = set(known)
    out = []
    for line in lines:
        only = _ONLY.match(line)
        if only is None:
            out.append(line)
        elif only.group(1) not in known:
            out.append(line[only.end():])
    return out


def play(interview: Interview, lines: Iterable[str]) -> list[Reply]:
    """Feeds every line (after ``start``); returns the replies to the last one."""
    replies = interview.start()
    for line in lines:
        replies = feed(interview, line, shown_buttons(replies))
    return replies
