"""FakeUser: a person talking to the bot through the fake server — messages, button presses, uploads."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .entities import command_entities
from .markup import inline_buttons
from .records import SentItem
from .world import Chat

if TYPE_CHECKING:
    from .server import FakeTelegram

# A message is named by a SentItem, a Message dict, a telegram.Message, or (chat_id, message_id).
MessageRef = SentItem | dict | tuple[int, int] | object


class FakeUser:
    def __init__(self, server: FakeTelegram, user_id: int, first_name: str, username: str | None = None,
                 last_name: str | None = None, language_code: str = "zh-hans"):
        if user_id <= 0:
            raise ValueError("a user id is positive")
        self.server = server
        self.id = user_id
        self.first_name, self.username, self.last_name = first_name, username, last_name
        self.language_code = language_code
        self.chat = server.world.add_chat(Chat(user_id, "private", first_name=first_name, username=username))
        self._read = 0  # how many bot outputs wait_reply has handed out

    def as_dict(self) -> dict:
        """This person as Telegram's User object."""
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        user.update({k: v for k, v in (("last_name", self.last_name), ("username", self.username)) if v})
        user["language_code"] = self.language_code
        return user

    # -- acting ----------------------------------------------------------------------------------

    async def send(self, text: str, reply_to: MessageRef | None = None) -> dict:
        """A private message; "/cmd …" carries a bot_command entity, as Telegram sends it.
        With a webhook set, it waits for server.push_to_webhook()."""
        return await self._post(self.chat, text, reply_to)

    async def send_in_group(self, chat: Chat | int, text: str, reply_to: MessageRef | None = None) -> dict:
        """A message in a group. With privacy mode on (the default) the bot only gets it when it is a command,
        a reply to the bot, or mentions the bot — otherwise it is stored but no update is made."""
        group = chat if isinstance(chat, Chat) else self.server.world.chats[chat]
        return await self._post(group, text, reply_to)

    async def send_document(self, data: bytes, filename: str, caption: str | None = None,
                            mime_type: str | None = None) -> dict:
        """Upload a file in the private chat; the bot can getFile and download it."""
        stored = self.server.world.store_file(data, filename, mime_type)
        message = self.server.world.new_message(self.chat, self.as_dict(), document=stored.as_document(),
                                                caption=caption)
        await self.server.deliver("message", copy.deepcopy(message))
        return message

    async def press(self, message: MessageRef, button: str) -> dict:
        """Press an inline button (by callback_data, or else by its text) on a message as it is now.

        Raises LookupError when the message has no such button — a person could not press it either.
        """
        chat, current = self._find(message)
        buttons = inline_buttons(current)
        chosen = next((b for b in buttons if b.get("callback_data") == button), None) or next(
            (b for b in buttons if b["text"] == button and "callback_data" in b), None)
        if chosen is None:
            offered = [(b["text"], b.get("callback_data")) for b in buttons]
            raise LookupError(f"message {current['message_id']} has no button {button!r}; it has {offered}")
        query = {"id": self.server.world.new_callback_query_id(), "from": self.as_dict(),
                 "message": copy.deepcopy(current), "chat_instance": str(abs(chat.id) * 7919 + 13),
                 "data": chosen["callback_data"]}
        self.server.world.callback_queries[query["id"]] = query
        await self.server.deliver("callback_query", copy.deepcopy(query))
        return query

    def block(self, blocked: bool = True) -> None:
        """Block (or unblock) the bot: sending to this user then fails with 403 Forbidden."""
        self.chat.blocked = blocked

    # -- watching the bot ------------------------------------------------------------------------

    @property
    def replies(self) -> list[SentItem]:
        """Everything the bot did in this user's private chat, oldest first."""
        return self.server.sent(self.id)

    async def wait_reply(self, n: int = 1, timeout: float = 5.0) -> list[SentItem]:
        """Wait for the next n bot outputs in this chat (not yet handed out by an earlier wait_reply)."""
        target = self._read + n
        try:
            await self.server.wait_for(lambda: len(self.replies) >= target, timeout)
        except TimeoutError as error:
            got = [(item.kind, item.text or item.filename) for item in self.replies[self._read:]]
            raise TimeoutError(f"{self.first_name} ({self.id}) waited {timeout} s for {n} bot output(s), got {got}; "
                               f"{error}") from None
        items = self.replies[self._read:target]
        self._read = target
        return items

    # -- helpers ---------------------------------------------------------------------------------

    async def _post(self, chat: Chat, text: str, reply_to: MessageRef | None) -> dict:
        replied = None
        if reply_to is not None:
            _, replied = self._find(reply_to)
            replied = {k: v for k, v in copy.deepcopy(replied).items() if k != "reply_to_message"}
        message = self.server.world.new_message(chat, self.as_dict(), text=text, entities=command_entities(text),
                                                reply_to_message=replied)
        if chat.type == "private" or self._bot_sees(message):
            await self.server.deliver("message", copy.deepcopy(message))
        return message

    def _bot_sees(self, message: dict) -> bool:
        if not self.server.privacy_mode:
            return True
        bot = self.server.bot_user
        text = message["text"]
        command = next((e for e in message.get("entities", []) if e["offset"] == 0), None)
        if command:
            addressed = text[:command["length"]].partition("@")[2]
            return addressed in ("", bot["username"])
        replied = message.get("reply_to_message") or {}
        return replied.get("from", {}).get("id") == bot["id"] or f"@{bot['username']}" in text

    def _find(self, ref: MessageRef) -> tuple[Chat, dict]:
        if hasattr(ref, "chat_id") and hasattr(ref, "message_id"):  # a SentItem, or a telegram.Message
            chat_id, message_id = ref.chat_id, ref.message_id
        elif isinstance(ref, dict):
            chat_id, message_id = ref["chat"]["id"], ref["message_id"]
        else:
            chat_id, message_id = ref
        chat = self.server.world.chats[chat_id]
        if message_id not in chat.messages:
            raise LookupError(f"message {message_id} is not in chat {chat_id} (deleted?)")
        return chat, chat.messages[message_id]
