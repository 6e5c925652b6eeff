"""The state behind the fake Bot API: chats and their messages, files, the queue of pending updates.

Transport-free: the HTTP layer (server.py) and the simulated people (people.py) both work on it.
Every change pulses `changed`, which long polls and test waits sleep on.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import time
from dataclasses import dataclass, field

from .records import SentItem, StoredFile

# Update kinds Telegram sends when allowed_updates was never set (or set to []).
DEFAULT_UPDATE_KINDS = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
    "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
})


@dataclass
class Chat:
    id: int
    type: str                       # "private" | "group" | "supergroup"
    title: str | None = None        # groups
    first_name: str | None = None   # private chats
    username: str | None = None
    blocked: bool = False           # private chat whose user blocked the bot
    messages: dict[int, dict] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def as_dict(self) -> dict:
        if self.type == "private":
            chat = {"id": self.id, "type": "private", "first_name": self.first_name}
            if self.username:
                chat["username"] = self.username
            return chat
        return {"id": self.id, "type": self.type, "title": self.title}

    def next_message_id(self) -> int:
        return next(self._ids)


@dataclass
class Webhook:
    url: str = ""                    # "" = no webhook: updates wait for getUpdates
    secret_token: str | None = None  # sent back as X-Telegram-Bot-Api-Secret-Token
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class World:
    def __init__(self, bot_user: dict):
        self.bot_user = bot_user
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.pending: list[dict] = []          # updates not yet confirmed (polling) or delivered (webhook)
        self.outputs: list[SentItem] = []      # everything the bot did to chats, in order
        self._outputs_by_chat: dict[int, list[SentItem]] = {}  # the same per chat: waiters poll it often
        self._chat_waiters: dict[int, list[asyncio.Future]] = {}
        self.callback_queries: dict[str, dict] = {}
        self.answered_callbacks: list[dict] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_KINDS
        self.webhook = Webhook()
        self.closing = False
        self.poll_generation = 0               # a newer getUpdates ends an older one, as in Telegram
        self._changed = asyncio.Event()
        self._update_ids = itertools.count(100_000_001)
        self._query_ids = itertools.count(4_000_000_000_001)
        self._file_ids = itertools.count(1)

    # -- change signal ---------------------------------------------------------------------------

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def output_to(self, chat_id: int, count: int, timeout: float) -> None:
        """Wait until the bot has done more than ``count`` things to ``chat_id`` (TimeoutError after
        ``timeout`` s). Woken only by that chat's outputs: hundreds of simulated people waiting at once
        (the benchmark) then cost nothing while others are served."""
        if len(self._outputs_by_chat.get(chat_id, ())) > count:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._chat_waiters.setdefault(chat_id, []).append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        finally:
            waiters = self._chat_waiters.get(chat_id, [])
            if waiter in waiters:
                waiters.remove(waiter)
        if len(self._outputs_by_chat.get(chat_id, ())) <= count:  # woken for an earlier output
            await self.output_to(chat_id, count, timeout)

    async def changed(self, timeout: float) -> None:
        """Sleep until the next change, or timeout seconds."""
        try:
            await asyncio.wait_for(self._changed.wait(), max(timeout, 0))
        except TimeoutError:
            pass

    # -- chats and messages ----------------------------------------------------------------------

    def add_chat(self, chat: Chat) -> Chat:
        return self.chats.setdefault(chat.id, chat)

    def new_message(self, chat: Chat, sender: dict, **content) -> dict:
        """Store a message in a chat (bot's or a person's) and return it as Telegram's Message."""
        message = {"message_id": chat.next_message_id(), "from": sender, "chat": chat.as_dict(),
                   "date": int(time.time())}
        message.update({key: value for key, value in content.items() if value not in (None, [], {})})
        chat.messages[message["message_id"]] = message
        return message

    def record(self, item: SentItem) -> SentItem:
        self.outputs.append(item)
        self._outputs_by_chat.setdefault(item.chat_id, []).append(item)
        for waiter in self._chat_waiters.pop(item.chat_id, []):
            if not waiter.done():
                waiter.set_result(None)
        self.notify()
        return item

    def outputs_to(self, chat_id: int) -> list[SentItem]:
        return list(self._outputs_by_chat.get(chat_id, ()))

    # -- files -----------------------------------------------------------------------------------

    def store_file(self, data: bytes, filename: str | None, mime_type: str | None) -> StoredFile:
        number = next(self._file_ids)
        suffix = "." + filename.rpartition(".")[2] if filename and "." in filename else ""
        stored = StoredFile(
            file_id=f"BQACAgUAAxkBAAI{number:08d}", file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}{suffix}", data=data, filename=filename,
            mime_type=mime_type or (mimetypes.guess_type(filename)[0] if filename else None),
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    # -- updates ---------------------------------------------------------------------------------

    def add_update(self, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.pending.append(update)
        self.notify()
        return update

    def new_callback_query_id(self) -> str:
        return str(next(self._query_ids))

    def confirm(self, offset: int | None) -> None:
        """getUpdates' offset: updates below it are confirmed and forgotten; a negative one keeps the last -offset."""
        if offset is None:
            return
        if offset < 0:
            del self.pending[:offset]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def deliverable(self, limit: int) -> list[dict]:
        """Pending updates the bot asked for (others are dropped, as Telegram never stores them)."""
        self.pending = [u for u in self.pending if _kind(u) in self.allowed_updates]
        return self.pending[:limit]


def _kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")
