"""The web front end's tables (schema v9): one-time login links, signed-in sessions, and each web
identity's page — the messages the bot sent there and what the person said, in order.

Only hashes of login tokens and session ids are stored: the table alone opens nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from .base import StoreBase, utc
from .models import WebLoginLink, WebMessage, WebSession

_links, _sessions, _messages = WebLoginLink.__table__, WebSession.__table__, WebMessage.__table__
_LISTED = (_messages.c.id, _messages.c.kind, _messages.c.text, _messages.c.buttons, _messages.c.filename)


@dataclass(frozen=True, slots=True)
class WebSessionRow:
    identity: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WebMessageRow:
    seq: int
    kind: str                     # text | file | notice | mine
    text: str
    buttons: list[list[str]]      # [[data, label], …]
    filename: str | None


class WebStore(StoreBase):
    # ---- one-time login links -----------------------------------------------------------------

    def add_login_link(self, token_hash: str, person_id: int, now: datetime, ttl: timedelta) -> None:
        at = utc(now)
        with self._append_connection() as conn:
            conn.execute(insert(_links).values(token_hash=token_hash, user_id=person_id, created_at=at,
                                               expires_at=at + ttl, used_at=None))

    def login_link_open(self, token_hash: str, now: datetime) -> bool:
        """Whether the link may still be used (it is not used up by this question)."""
        with self._read_connection() as conn:
            found = conn.execute(select(_links.c.token_hash).where(
                _links.c.token_hash == token_hash, _links.c.used_at.is_(None),
                _links.c.expires_at > utc(now))).first()
        return found is not None

    def take_login_link(self, token_hash: str, now: datetime) -> int | None:
        """Use the link up: the person it was made for, or None (unknown, used, expired). Once only,
        whoever asks at the same time: the guarded update decides."""
        at = utc(now)
        with self._write_connection() as conn:
            person = conn.execute(select(_links.c.user_id).where(
                _links.c.token_hash == token_hash, _links.c.used_at.is_(None), _links.c.expires_at > at)).scalar()
            if person is None:
                return None
            taken = conn.execute(update(_links).where(_links.c.token_hash == token_hash, _links.c.used_at.is_(None))
                                 .values(used_at=at))
            return person if taken.rowcount == 1 else None

    # ---- sessions -----------------------------------------------------------------------------

    def open_session(self, id_hash: str, identity: str, csrf: str, now: datetime, ttl: timedelta) -> None:
        at = utc(now)
        with self._write_connection() as conn:
            conn.execute(insert(_sessions).values(id_hash=id_hash, identity=identity, csrf=csrf, created_at=at,
                                                  expires_at=at + ttl, ended_at=None))

    def web_session(self, id_hash: str, now: datetime) -> WebSessionRow | None:
        """The session, while it is neither ended nor expired."""
        with self._read_connection() as conn:
            row = conn.execute(select(_sessions.c.identity, _sessions.c.csrf, _sessions.c.expires_at).where(
                _sessions.c.id_hash == id_hash, _sessions.c.ended_at.is_(None),
                _sessions.c.expires_at > utc(now))).first()
        return None if row is None else WebSessionRow(row.identity, row.csrf, row.expires_at)

    def end_session(self, id_hash: str, now: datetime) -> None:
        with self._write_connection() as conn:
            conn.execute(update(_sessions).where(_sessions.c.id_hash == id_hash, _sessions.c.ended_at.is_(None))
                         .values(ended_at=utc(now)))

    # ---- the page of a web identity -----------------------------------------------------------

    def add_web_message(self, identity: str, kind: str, text: str = "", *, buttons=(), filename: str | None = None,
                        document: bytes | None = None, now: datetime | None = None) -> int:
        """Append to the identity's page; returns its sequence number (ascending over all pages)."""
        values = {"identity": identity, "kind": kind, "text": text, "filename": filename, "document": document,
                  "buttons": json.dumps([list(b) for b in buttons], ensure_ascii=False), "created_at": utc(now)}
        with self._write_connection() as conn:
            return conn.execute(insert(_messages).values(**values).returning(_messages.c.id)).scalar_one()

    def web_messages(self, identity: str, after: int = 0, limit: int = 200) -> list[WebMessageRow]:
        """The page after ``after``, oldest first, at most ``limit`` (``after`` 0: the newest ``limit``);
        the documents' bytes stay behind."""
        query = select(*_LISTED).where(_messages.c.identity == identity, _messages.c.id > after,
                                       _messages.c.kind != "upload")  # a file the page sent: not shown
        newest = after <= 0
        with self._read_connection() as conn:
            rows = conn.execute(query.order_by(_messages.c.id.desc() if newest else _messages.c.id).limit(limit)).all()
        if newest:
            rows.reverse()
        return [WebMessageRow(r.id, r.kind, r.text, json.loads(r.buttons), r.filename) for r in rows]

    def web_upload(self, seq: int) -> bytes | None:
        """The bytes of a file a page sent (channel.UPLOAD), for the job that reads it."""
        with self._read_connection() as conn:
            return conn.execute(select(_messages.c.document).where(
                _messages.c.id == seq, _messages.c.kind == "upload")).scalar_one_or_none()

    def web_document(self, seq: int, identity: str) -> tuple[str, bytes] | None:
        """A file of the identity's page — of no one else's."""
        with self._read_connection() as conn:
            row = conn.execute(select(_messages.c.filename, _messages.c.document).where(
                _messages.c.id == seq, _messages.c.identity == identity, _messages.c.kind == "file")).first()
        return None if row is None or row.document is None else (row.filename or "file", row.document)

    def last_web_message(self) -> int:
        """The newest sequence number of any page (0: none): what other processes added is seen by it."""
        with self._read_connection() as conn:
            return conn.execute(select(func.max(_messages.c.id))).scalar() or 0

    def drop_web_message(self, seq: int, identity: str) -> None:
        with self._write_connection() as conn:
            conn.execute(delete(_messages).where(_messages.c.id == seq, _messages.c.identity == identity))

    def drop_web_messages(self, identity: str, before: int) -> None:
        """Forget the identity's page before ``before`` (the replies to its wrong login codes)."""
        with self._write_connection() as conn:
            conn.execute(delete(_messages).where(_messages.c.identity == identity, _messages.c.id < before))
