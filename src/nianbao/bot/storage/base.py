"""What every part of the store shares: transactions, and helpers that run inside one.

Every public store method is its own transaction (``_write`` / ``_read``) and returns frozen
snapshots; when a write method returns, its transaction is committed, so the bot may then reply.
Writes on SQLite take the write lock when they begin (see engine.py): concurrent writers queue.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import NoReturn

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .engine import writer
from .errors import NotOwner, ReportLocked, ReportNotFound, StaleVersion
from .models import Organ, Report, Status, User
from .rows import ReportRow


class StoreBase:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._writer = writer(engine)
        # SQLite allows one writer at a time, and a blocked writer waits in SQLite's busy handler,
        # which sleeps in growing steps: under load the lock sits free while writers sleep. Queueing
        # this process's writers on a lock first hands the database over at once (other processes
        # still meet busy_timeout). PostgreSQL has row locks: no queue there.
        self._write_queue = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        # Read on every update, changed rarely and only through this store (the bot is the
        # database's only writer): kept in memory, forgotten by the writes that change them.
        self._roles_cache: dict[int, tuple] = {}
        self._override_cache: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_queue, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction, for the hottest paths (no ORM session)."""
        with self._write_queue, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _read_connection(self) -> Iterator[Connection]:
        """A Core connection in a read transaction, for the per-update lookups (no ORM session)."""
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._engine) as session, session.begin():
            yield session


def retry_on_conflict(method):
    """Run a get-or-create method once more if a concurrent transaction inserted the same row first.

    SQLite serializes writers, so this only matters on PostgreSQL; a second conflict is real.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except IntegrityError:
            return method(*args, **kwargs)

    return wrapper


def utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass a timezone-aware (UTC) time")
    return now.astimezone(timezone.utc)


def ensure_user(s: Session, tg_id: int, at: datetime) -> User:
    user = s.get(User, tg_id)
    if user is None:
        user = User(id=tg_id, name="", created_at=at)
        s.add(user)
        s.flush()
    return user


def organ_named(s: Session, county: str, name: str) -> Organ:
    if not county.strip() or not name.strip():
        raise ValueError("county and organ must not be empty")
    organ = s.scalar(select(Organ).where(Organ.county == county, Organ.name == name))
    if organ is None:
        organ = Organ(county=county, name=name)
        s.add(organ)
        s.flush()
    return organ


def report_query():
    return select(Report, Organ).join(Organ, Organ.id == Report.organ_id)


def report_row(r: Report, organ: Organ) -> ReportRow:
    return ReportRow(r.id, r.owner_id, organ.county, organ.name, r.year, r.interview, Status(r.status),
                     r.version, r.review_round, r.created_at, r.updated_at)


def raise_why_not_written(s: Session, report_id: int, expected: int, user_id: int | None) -> NoReturn:
    report = s.get(Report, report_id)
    if report is None:
        raise ReportNotFound(report_id)
    if report.version != expected:
        raise StaleVersion(report_id, expected, report.version)
    if user_id is not None and report.owner_id != user_id:
        raise NotOwner(report_id, user_id)
    raise ReportLocked(report_id, report.status)
