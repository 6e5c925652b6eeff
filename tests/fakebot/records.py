"""What the fake server remembers for tests to assert on: API calls, bot outputs, files, webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field

from .markup import inline_buttons


@dataclass
class ApiCall:
    """One request the bot made, as the server understood it."""

    method: str              # canonical name ("sendMessage"), or the name as sent when unknown
    params: dict             # typed parameters (reply_markup etc. already parsed from JSON)
    files: dict              # part name → Upload, for multipart requests
    status: int = 200        # HTTP status answered
    description: str = ""    # error description when status != 200


@dataclass
class SentItem:
    """One thing the bot did to a chat: a message or document sent, a message edited or deleted."""

    kind: str                        # "message" | "document" | "edit" | "delete"
    method: str                      # the API method that did it
    chat_id: int
    message_id: int
    text: str | None = None          # what the user sees (markup parsed away); for documents, None
    source: str | None = None        # text or caption exactly as the bot sent it (with markup)
    parse_mode: str | None = None
    entities: list = field(default_factory=list)
    reply_markup: dict | None = None  # as sent (any keyboard kind)
    reply_to_message_id: int | None = None
    document: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    caption: str | None = None       # document caption as the user sees it
    message: dict | None = None      # the Message object answered to the bot (None for delete)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard as rows of (text, callback_data)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data")) for b in row] for row in rows]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in inline_buttons({"reply_markup": self.reply_markup}) if "callback_data" in b]


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    filename: str | None
    mime_type: str | None

    def as_document(self) -> dict:
        doc = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}
        if self.filename:
            doc["file_name"] = self.filename
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: which update, what the bot's server answered (status 0 = no HTTP answer)."""

    update_id: int
    status: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300
