"""Answers given as lines of text — a terminal, a script file, a test or the benchmark.

A line is typed text, except a button press: ``#2`` (the second button shown), ``#default`` (a button
by id), or a bare ``2`` where the question does not itself take a number.
"""

from __future__ import annotations

import re
from typing import Iterable

from .interview import Button, Interview, Reply

_PRESS = re.compile(r"#([a-z_]+(?::[a-z0-9_]+)?|\d{1,2})")


def shown_buttons(replies: list[Reply]) -> tuple[Button, ...]:
    """The buttons on screen after ``replies``: those of the last reply that has any."""
    return next((r.buttons for r in reversed(replies) if r.buttons), ())


def feed(interview: Interview, line: str, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    text = line.strip()
    press = _PRESS.fullmatch(text)
    if press is None and text.isascii() and text.isdigit() and buttons and not interview.expects_number:
        press = re.fullmatch(r"(\d+)", text)
    if press is not None:
        target = press.group(1)
        if not target.isdigit():
            return interview.press(target)
        if 1 <= int(target) <= len(buttons):
            return interview.press(buttons[int(target) - 1].id)
    return interview.answer(line)


def script_lines(text: str) -> list[str]:
    """The answers of a script file: one per line; blank lines and 「# 」 comment lines left out."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("# ")]


def play(interview: Interview, lines: Iterable[str]) -> list[Reply]:
    """Feeds every line (after ``start``); returns the replies to the last one."""
    replies = interview.start()
    for line in lines:
        replies = feed(interview, line, shown_buttons(replies))
    return replies
