"""Reading a Bot API request the way Telegram does: query string + JSON, urlencoded or multipart body.

Form fields arrive as strings (python-telegram-bot JSON-encodes objects and sends numbers as text), so
each known parameter is coerced to its type; a value that does not fit is a 400 like Telegram's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": status, "description": …}."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


_INTS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id", "user_id", "cache_time",
         "max_connections", "message_thread_id", "from_chat_id"}
_BOOLS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content",
          "allow_sending_without_reply", "disable_content_type_detection", "disable_web_page_preview"}
_JSON = {"reply_markup", "allowed_updates", "commands", "scope", "entities", "caption_entities",
         "reply_parameters", "link_preview_options"}
_JSON_REASONS = {"reply_markup": "can't parse reply keyboard markup JSON object",
                 "entities": "can't parse entities JSON object", "caption_entities": "can't parse entities JSON object"}


async def read_request(request: web.Request) -> tuple[dict, dict[str, Upload]]:
    """All parameters of a request (typed) and its uploaded files by part name."""
    raw: dict = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            raw.update(body)
        else:
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(name, value.filename, value.content_type, value.file.read())
                else:
                    raw[name] = value
    return {name: _coerce(name, value) for name, value in raw.items()}, uploads


def _coerce(name: str, value):
    if not isinstance(value, str):
        return value
    if name == "chat_id" and value.startswith("@"):
        return value
    if name in _INTS:
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
    if name in _BOOLS:
        return value.lower() in ("true", "1")
    if name in _JSON:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(_JSON_REASONS.get(name, f"can't parse {name} JSON object")) from None
    return value
