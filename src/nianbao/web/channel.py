"""The web connector: what a page posts → inbox items and ``Incoming``; ``OutputChannel`` → the page.

A web identity (a random id made at login, channel "web") is both the sender and the chat: a person's
page is one private chat. What the bot says there is stored in ``web_messages`` (it survives a
restart and is seen by every process on the database) and the page's long poll is woken (hub.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..workflow.channel import Attachment, Incoming, Sent, Undeliverable, lane_of
from ..workflow.storage import Store
from .hub import MessageHub

CHANNEL = "web"
MINE, TEXT, FILE, NOTICE = "mine", "text", "file", "notice"   # kinds of web_messages
Call = Callable[..., Awaitable[Any]]   # Services.call: a store method, inline on SQLite or in a thread


UPLOAD = "upload:"  # an Attachment's file id for a file a page sent: upload:<its web_messages row>
UPLOADED = "upload"  # the kind of that row: kept for the job that reads it, never shown on the page


def new_identity() -> str:
    """A fresh web identity's external id: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


def inbox_item(identity: str, client_id: str, *, name: str = "", text: str = "", button: str | None = None,
               under: int | None = None, upload: tuple[int, str, int] | None = None) -> tuple[str, str, str, str]:
    """(channel, external id, chat key, payload): ``client_id`` is the page's id of the message, so a
    POST sent again after a network failure is the same update (the inbox keeps it once). ``upload``:
    a file the page sent, (its stored sequence number, its name, its size)."""
    payload: dict[str, Any] = {"from": identity, "name": name, "text": text}
    if upload is not None:
        payload["upload"] = list(upload)
    if button is not None:
        # The query id names the identity: the button's answer (a notice) must find its page.
        payload |= {"button": button, "query": f"{identity}:{client_id}", "under": under}
    # The inbox's external id is logged (worker.py): a digest, never the identity itself.
    external = hashlib.blake2b(f"{identity}:{client_id}".encode(), digest_size=16).hexdigest()
    return CHANNEL, external, lane_of(CHANNEL, identity), json.dumps(payload, ensure_ascii=False)


def parse(payload: str) -> Incoming | None:
    data = json.loads(payload)
    identity = data.get("from")
    if not isinstance(identity, str) or not identity:
        return None
    button = data.get("button")
    upload = data.get("upload")
    attachment = Attachment(f"{UPLOAD}{upload[0]}", str(upload[1]), int(upload[2])) if upload else None
    return Incoming(CHANNEL, identity, str(data.get("name") or ""), identity, True, text=str(data.get("text") or ""),
                    button=button if isinstance(button, str) else None,
                    button_query=data.get("query") if button is not None else None,
                    message_id=data.get("under") if isinstance(data.get("under"), int) else None,
                    attachment=attachment)


class WebOutput:
    """``OutputChannel`` onto the identities' pages."""

    name = CHANNEL

    def __init__(self, store: Store, call: Call, hub: MessageHub) -> None:
        self.store, self.call, self.hub = store, call, hub

    async def _add(self, identity: str, kind: str, text: str = "", **more) -> Sent:
        seq = await self.call(lambda: self.store.add_web_message(identity, kind, text, **more))
        self.hub.notify(identity)
        return Sent(seq)

    async def send_text(self, chat_id: str, text: str, *, buttons: Sequence[tuple[str, str]] = (),
                        force_reply: bool = False, reply_to: int | None = None) -> Sent:
        return await self._add(chat_id, TEXT, text, buttons=buttons)

    async def send_file(self, chat_id: str, data: bytes, filename: str, *, caption: str = "",
                        reply_to: int | None = None) -> Sent:
        return await self._add(chat_id, FILE, caption, filename=filename, document=data)

    async def answer_button(self, query_id: str, text: str = "", *, alert: bool = False) -> Sent:
        """A pressed button's answer: a notice on the page when it says something (a stale button)."""
        identity, _, _ = query_id.partition(":")
        if not text or not identity:
            return Sent()
        return await self._add(identity, NOTICE, text)

    async def fetch_file(self, file_id: str) -> bytes:
        """A file the page sent (api.upload stored it; the id came from our own inbox item)."""
        if not file_id.startswith(UPLOAD) or not file_id[len(UPLOAD):].isdigit():
            raise Undeliverable("not a file of a web page")
        data = await self.call(self.store.web_upload, int(file_id[len(UPLOAD):]))
        if data is None:
            raise Undeliverable("the page's file is gone")
        return data
