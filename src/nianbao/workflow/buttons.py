"""A button's data: the token of what it belongs to and the button's id, as every front end carries it.

Bounded by Telegram's limit for callback_data (64 bytes), the tightest of the platforms: what fits
there fits a web form's field and 钉钉's card action too.
"""

from __future__ import annotations

MAX_CALLBACK_BYTES = 64


def callback_data(token: str, button_id: str) -> str:
    data = f"{token}|{button_id}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """(token, button id) from callback data we made; None for anything else (forged or foreign)."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES or data.count("|") != 1:
        return None
    token, button_id = data.split("|")
    if not token or not button_id or not button_id.isascii():
        return None
    return token, button_id
