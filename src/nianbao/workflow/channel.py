"""What every front end maps its platform onto: one incoming message type, one output interface.

As Rasa does channels: a connector turns its platform's update into an ``Incoming`` (the text, the
sender's id *as text*, the channel's name …) and implements ``OutputChannel`` (send a text, a text
with buttons, a file; answer a button). Everything between — routing, the workflow, the inbox and
the outbox — is the same for every channel. ``CollectingOutput`` serves the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Incoming:
    channel: str                    # "telegram"
    sender_id: str                  # the platform's id of the person, as text
    sender_name: str
    chat_id: str                    # where it was said (a private chat, a group), as text
    private: bool                   # a one-to-one chat with the bot (else a group)
    text: str = ""                  # the message (commands included), "" for a button
    button: str | None = None       # a pressed button's data
    button_query: str | None = None  # the platform's id of the press, to answer it
    message_id: int | None = None   # the message itself, or the one the pressed button is under
    replied_to_bot: int | None = None  # the bot's message this one replies to
    attachment: "Attachment | None" = None  # a file sent with the message


@dataclass(frozen=True)
class Attachment:
    """A file someone sent: fetched by the output channel when a job needs its bytes."""

    file_id: str      # the platform's handle (``OutputChannel.fetch_file``)
    filename: str
    size: int | None

    @property
    def lane(self) -> str:
        """The outbox lane of this chat: what the bot says here is delivered in order."""
        return lane_of(self.channel, self.chat_id)


def lane_of(channel: str, chat_id: str | int) -> str:
    return f"{channel}:{chat_id}"


def split_lane(lane: str) -> tuple[str, str]:
    channel, _, chat_id = lane.partition(":")
    return channel, chat_id


# ---- what can go wrong when delivering, in the sender's words (each connector maps onto these) ----


class DeliveryError(Exception):
    """Base of what an output channel raises."""


class RetryLater(DeliveryError):
    """The platform asked us to wait (flood control), or the network failed: try again later."""

    def __init__(self, seconds: float, reason: str):
        super().__init__(reason)
        self.seconds, self.reason = seconds, reason


class Undeliverable(DeliveryError):
    """It will never go through: give up on it. ``chat_gone``: nobody is there to read anything (the
    person blocked the bot, the group is gone); else only this message was refused."""

    def __init__(self, reason: str, *, chat_gone: bool = False):
        super().__init__(reason)
        self.reason, self.chat_gone = reason, chat_gone


@dataclass(frozen=True)
class Sent:
    """What the platform gave back: the id of the (last) message sent, when there is one."""

    message_id: int | None = None


class OutputChannel(Protocol):
    name: str

    async def send_text(self, chat_id: str, text: str, *, buttons: Sequence[tuple[str, str]] = (),
                        force_reply: bool = False, reply_to: int | None = None) -> Sent: ...

    async def send_file(self, chat_id: str, data: bytes, filename: str, *, caption: str = "",
                        reply_to: int | None = None) -> Sent: ...

    async def answer_button(self, query_id: str, text: str = "", *, alert: bool = False) -> Sent: ...

    async def fetch_file(self, file_id: str) -> bytes: ...


@dataclass
class CollectingOutput:
    """An output channel that keeps what it was given (tests)."""

    name: str = "collect"
    items: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # what fetch_file returns, by file id

    async def send_text(self, chat_id, text, *, buttons=(), force_reply=False, reply_to=None) -> Sent:
        self.items.append({"kind": "text", "chat_id": chat_id, "text": text, "buttons": list(buttons),
                           "force_reply": force_reply, "reply_to": reply_to})
        return Sent(len(self.items))

    async def send_file(self, chat_id, data, filename, *, caption="", reply_to=None) -> Sent:
        self.items.append({"kind": "file", "chat_id": chat_id, "data": data, "filename": filename,
                           "caption": caption, "reply_to": reply_to})
        return Sent(len(self.items))

    async def answer_button(self, query_id, text="", *, alert=False) -> Sent:
        self.items.append({"kind": "answer", "query_id": query_id, "text": text, "alert": alert})
        return Sent()

    async def fetch_file(self, file_id) -> bytes:
        return self.files[file_id]
