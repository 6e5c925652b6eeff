"""Interview replies → Telegram message pieces: split long texts, build inline keyboards."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ..workflow.buttons import MAX_CALLBACK_BYTES

MAX_TEXT = 4096           # Telegram's limit for one message
ROW_WIDTH_CHARS = 12      # a phone row holds about this many Chinese characters of button labels


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks into pieces of at most ``limit`` characters (a longer line is cut hard)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [text[:limit] or " "]


def keyboard(buttons: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """Lay (callback data, label) pairs out in rows that fit a phone screen."""
    rows: list[list[InlineKeyboardButton]] = []
    width = 0
    for data, label in buttons:
        if not rows or width + len(label) > ROW_WIDTH_CHARS or len(rows[-1]) >= 3:
            rows.append([])
            width = 0
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        rows[-1].append(InlineKeyboardButton(label, callback_data=data))
        width += len(label)
    return InlineKeyboardMarkup(rows) if rows else None
