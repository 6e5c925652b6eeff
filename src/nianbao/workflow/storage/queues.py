"""The inbox (updates received, not yet processed) and the outbox (effects committed, not yet delivered).

Both are plain tables read in order per chat. Who may work on a chat is decided by PostgreSQL's own
locks where several processes share the database: an update is processed inside a transaction that
holds ``pg_try_advisory_xact_lock`` on its chat (released by the commit, or by the server when the
process dies); an outbox lane is drained under a session-level advisory lock (leases.py). On
SQLite — one process, the zero-setup default — the same code runs and the write lock serializes.
LISTEN/NOTIFY wakes the other workers at once; they also look every second.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from .base import StoreBase, utc
from .models import InboxItem, OutboxItem, ReviewEvent

INBOX_CHANNEL = "nianbao_inbox"    # NOTIFY channels (PostgreSQL)
OUTBOX_CHANNEL = "nianbao_outbox"

_inbox = InboxItem.__table__
_outbox = OutboxItem.__table__
_ORDER = (func.coalesce(_outbox.c.position, _outbox.c.id), _outbox.c.id)
_NEXT_UPDATE = (
    select(_inbox.c.id, _inbox.c.channel, _inbox.c.external_id, _inbox.c.payload)
    .where(_inbox.c.chat_key == bindparam("chat"), _inbox.c.processed_at.is_(None))
    .order_by(_inbox.c.id).limit(1)
)
_MARK_PROCESSED = (
    update(_inbox).where(_inbox.c.id == bindparam("item"), _inbox.c.processed_at.is_(None))
    .values(processed_at=bindparam("at"), outcome=bindparam("outcome"))
)
_NEXT_EFFECTS = (
    select(_outbox).where(_outbox.c.lane == bindparam("lane"), _outbox.c.delivered_at.is_(None))
    .order_by(*_ORDER).limit(bindparam("limit"))
)


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    channel: str
    external_id: str
    payload: str


@dataclass(frozen=True, slots=True)
class Effect:
    """An outbox entry as the caller makes it (``position`` None: its own place in the lane)."""

    lane: str
    kind: str                  # message | document | answer | job
    payload: dict
    blob: bytes | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    lane: str
    position: int
    kind: str
    payload: dict
    blob: bytes | None
    attempts: int
    not_before: datetime | None


def _outbox_row(r) -> OutboxRow:
    return OutboxRow(r.id, r.lane, r.position if r.position is not None else r.id, r.kind, json.loads(r.payload),
                     r.blob, r.attempts, r.not_before)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class QueueStore(StoreBase):
    # ---- inbox --------------------------------------------------------------------------------

    def receive(self, items: Sequence[tuple[str, str, str, str]], now: datetime | None = None) -> int:
        """Commit updates (channel, external id, chat key, payload JSON) to the inbox; one delivered
        again (same channel and id) is ignored. Returns how many were new. Only after this returns
        may the channel be told the updates arrived."""
        if not items:
            return 0
        at = utc(now)
        rows = [{"channel": c, "external_id": e, "chat_key": k, "payload": p, "received_at": at}
                for c, e, k, p in items]
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = (dialect.insert(_inbox).on_conflict_do_nothing(index_elements=["channel", "external_id"])
                     .returning(_inbox.c.id))  # rowcount is not reliable for this on every driver
        with self._write_connection() as conn:
            new = sum(len(conn.execute(statement, row).all()) for row in rows)
            if new:
                self._notify(conn, INBOX_CHANNEL)
        return new

    def pending_chats(self, limit: int = 64) -> list[str]:
        """Chats with unprocessed updates, the longest waiting first."""
        return self._waiting(_inbox.c.chat_key, _inbox.c.id, _inbox.c.processed_at, limit)

    def _waiting(self, key, order, done, limit: int, channels: Iterable[str] | None = None) -> list[str]:
        """The keys (chats, lanes) of rows not yet ``done``, the one waiting longest first; only those
        of ``channels`` (a key starts with its channel's name and a colon) when given."""
        where = done.is_(None)
        if channels is not None:
            where = where & or_(*(key.startswith(f"{channel}:") for channel in channels))
        with self._read_connection() as conn:
            rows = conn.execute(select(key, func.min(order).label("first")).where(where)
                                .group_by(key).order_by(text("first")).limit(limit))
            return [row[0] for row in rows]

    def claim_chat(self, chat_key: str) -> bool:
        """Inside a unit of work: take the chat for this transaction, or False if another worker has it."""
        if self._engine.dialect.name != "postgresql":
            return True  # one process; the write lock of this transaction serializes
        with self._read_connection() as conn:
            return bool(conn.execute(select(func.pg_try_advisory_xact_lock(lock_key(f"chat:{chat_key}")))).scalar())

    def next_update(self, chat_key: str) -> InboxRow | None:
        with self._read_connection() as conn:
            row = conn.execute(_NEXT_UPDATE, {"chat": chat_key}).one_or_none()
        return None if row is None else InboxRow(row.id, row.channel, row.external_id, row.payload)

    def mark_processed(self, item_id: int, outcome: str, now: datetime | None = None) -> None:
        with self._append_connection() as conn:
            if conn.execute(_MARK_PROCESSED, {"item": item_id, "at": utc(now), "outcome": outcome}).rowcount != 1:
                raise RuntimeError(f"inbox item {item_id} was processed already")  # rolls the unit back

    # ---- outbox -------------------------------------------------------------------------------

    def enqueue(self, effects: Iterable[Effect], now: datetime | None = None, *, position: int | None = None) -> int:
        """Add effects to their lanes (in the caller's transaction when inside a unit of work)."""
        effects = list(effects)
        if not effects:
            return 0
        with self._append_connection() as conn:
            self._insert_effects(conn, effects, utc(now), position)
        return len(effects)

    def _insert_effects(self, conn, effects: list[Effect], at: datetime, position: int | None) -> None:
        if effects:
            conn.execute(insert(_outbox), [
                {"lane": e.lane, "position": position, "kind": e.kind, "blob": e.blob, "created_at": at,
                 "payload": json.dumps(e.payload, ensure_ascii=False), "attempts": 0} for e in effects])
            self._notify(conn, OUTBOX_CHANNEL)

    def pending_lanes(self, limit: int = 64, channels: Iterable[str] | None = None) -> list[str]:
        """Lanes with undelivered entries, the longest waiting first (of ``channels`` only, when given:
        a process delivers the channels it has; another process, or a later start, the others)."""
        return self._waiting(_outbox.c.lane, _outbox.c.id, _outbox.c.delivered_at, limit, channels)

    def next_effect(self, lane: str) -> OutboxRow | None:
        """The lane's first undelivered entry (even one waiting for ``not_before``: order comes first)."""
        first = self.next_effects(lane, 1)
        return first[0] if first else None

    def next_effects(self, lane: str, limit: int) -> list[OutboxRow]:
        """The lane's first ``limit`` undelivered entries, in order."""
        with self._read_connection() as conn:
            return [_outbox_row(r) for r in conn.execute(_NEXT_EFFECTS, {"lane": lane, "limit": limit})]

    def delivered(self, entry_id: int, now: datetime | None = None, failure: str | None = None,
                  event_message: tuple[int, int, int] | None = None) -> None:
        """Mark an entry done (``failure``: given up, with why) — with the group message a review
        event refers to (event id, chat id, message id), in the same transaction."""
        with self._write_connection() as conn:
            conn.execute(update(_outbox).where(_outbox.c.id == entry_id)
                         .values(delivered_at=utc(now), failure=failure and failure[:200]))
            if event_message is not None:
                event_id, chat_id, message_id = event_message
                conn.execute(update(ReviewEvent.__table__).where(ReviewEvent.__table__.c.id == event_id)
                             .values(group_chat_id=chat_id, group_message_id=message_id))

    def postpone(self, entry_id: int, until: datetime) -> None:
        with self._write_connection() as conn:
            conn.execute(update(_outbox).where(_outbox.c.id == entry_id)
                         .values(not_before=utc(until), attempts=_outbox.c.attempts + 1))

    def finish_job(self, job: OutboxRow, produced: Iterable[Effect], now: datetime | None = None) -> None:
        """A job's results take its place in its lane, and the job is done — one transaction."""
        at = utc(now)
        with self._write_connection() as conn:
            self._insert_effects(conn, list(produced), at, job.position)
            conn.execute(update(_outbox).where(_outbox.c.id == job.id).values(delivered_at=at))

    # ---- both ---------------------------------------------------------------------------------

    def idle(self) -> bool:
        """Nothing received that is unprocessed, nothing committed that is undelivered (tests, shutdown)."""
        with self._read_connection() as conn:
            waiting = conn.execute(select(
                select(_inbox.c.id).where(_inbox.c.processed_at.is_(None)).limit(1).exists()
                | select(_outbox.c.id).where(_outbox.c.delivered_at.is_(None)).limit(1).exists())).scalar()
        return not waiting

    def effects(self, lane: str | None = None) -> list[OutboxRow]:
        """Every outbox entry (of a lane), in order (tests and diagnostics)."""
        query = select(_outbox).order_by(_outbox.c.lane, *_ORDER)
        if lane is not None:
            query = query.where(_outbox.c.lane == lane)
        with self._read_connection() as conn:
            return [_outbox_row(r) for r in conn.execute(query)]

    def _notify(self, conn, channel: str) -> None:
        if self._engine.dialect.name == "postgresql":
            conn.execute(select(func.pg_notify(channel, str(os.getpid()))))  # notify.py skips its own


__all__ = ["Effect", "INBOX_CHANNEL", "InboxRow", "OUTBOX_CHANNEL", "OutboxRow", "QueueStore", "lock_key"]
