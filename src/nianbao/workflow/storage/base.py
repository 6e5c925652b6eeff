"""What every part of the store shares: transactions, and helpers that run inside one.

Every public store method is its own transaction (``_write`` / ``_read``) and returns frozen
snapshots; when a write method returns, its transaction is committed. Inside ``unit_of_work()`` they
all join one transaction instead (writes as savepoints, so a refused write undoes only itself): what
an update does — its answer, its audit rows, its outbox entries, the mark that it was processed —
commits together or not at all. Writes on SQLite take the write lock when they begin (engine.py).

Caches (roles, county texts) are read on every update and changed rarely. Several workers may share
the database, so every write that changes a cached thing bumps the ``generation`` row in its own
transaction, and every unit of work reads that row first: a worker drops its caches when another
moved it. A unit of work that rolls back drops them too (it may have cached what it then undid).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import NoReturn

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .engine import writer
from .errors import NotOwner, ReportLocked, ReportNotFound, StaleVersion
from .models import ChannelIdentity, Organ, Report, Status, User
from .rows import ReportRow

# The transaction of the unit of work running in this thread or task (None: each call commits alone).
_AMBIENT: ContextVar[Connection | None] = ContextVar("nianbao_unit_of_work", default=None)
_AFTER_COMMIT: ContextVar[list | None] = ContextVar("nianbao_after_commit", default=None)
_READ_GENERATION = text("SELECT value FROM generation WHERE id = 1")
_BUMP_GENERATION = text("UPDATE generation SET value = value + 1 WHERE id = 1")


class StoreBase:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._writer = writer(engine)
        # SQLite allows one writer at a time, and a blocked writer waits in SQLite's busy handler,
        # which sleeps in growing steps: under load the lock sits free while writers sleep. Queueing
        # this process's writers on a lock first hands the database over at once (other processes
        # still meet busy_timeout). PostgreSQL has row locks: no queue there.
        self._write_queue = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        # Read on every update, changed rarely: kept in memory, forgotten by the writes that change
        # them here and, across workers, when the generation row moves (see the module's docstring).
        self._roles_cache: dict[int, tuple] = {}
        self._identities_cache: dict[int, tuple] = {}  # person id → their channel identities
        self._override_cache: dict[str, dict[str, str]] = {}
        # (county, key, source) of failing county texts whose admins were told (county.py).
        self._noticed_cache: set[tuple[str, str, str]] = set()
        self._generation: int | None = None

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    # ---- one transaction for everything an update does ---------------------------------------

    @contextmanager
    def unit_of_work(self) -> Iterator[Connection]:
        """Every store call inside joins this one transaction, committed when the block ends."""
        if _AMBIENT.get() is not None:
            raise RuntimeError("a unit of work is already open here")
        after: list = []
        with self._write_queue, self._writer.connect() as conn:
            try:
                with conn.begin():
                    token, later = _AMBIENT.set(conn), _AFTER_COMMIT.set(after)
                    try:
                        self._follow_generation(conn)
                        yield conn
                    finally:
                        _AMBIENT.reset(token)
                        _AFTER_COMMIT.reset(later)
            except BaseException:
                self._forget_cached()
                raise
        for callback in after:
            callback()

    @staticmethod
    def after_commit(callback) -> None:
        """Run ``callback`` once the current unit of work has committed (now, outside of one)."""
        pending = _AFTER_COMMIT.get()
        if pending is None:
            callback()
        else:
            pending.append(callback)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a unit of work: a part that can fail alone (its writes undone, the rest kept)."""
        conn = _AMBIENT.get()
        if conn is None:
            yield
            return
        try:
            with conn.begin_nested():
                yield
        except BaseException:
            self._forget_cached()
            raise

    def _follow_generation(self, conn: Connection) -> None:
        current = conn.execute(_READ_GENERATION).scalar()
        if current != self._generation:
            self._forget_cached()
            self._generation = current

    def _forget_cached(self) -> None:
        self._roles_cache.clear()
        self._identities_cache.clear()
        self._override_cache.clear()
        self._noticed_cache.clear()

    def refresh_caches(self) -> None:
        """Outside a unit of work (e.g. before an admin command run alone): follow the generation."""
        with self._engine.connect() as conn:
            self._follow_generation(conn)

    # ---- transactions of single calls (or savepoints inside a unit of work) -------------------

    @contextmanager
    def _write(self) -> Iterator[Session]:
        conn = _AMBIENT.get()
        if conn is not None:
            with Session(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint") as session, \
                    session.begin():
                yield session
            return
        with self._write_queue, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction, for the hottest paths (no ORM session)."""
        conn = _AMBIENT.get()
        if conn is not None:
            with conn.begin_nested():
                yield conn
            return
        with self._write_queue, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _append_connection(self) -> Iterator[Connection]:
        """For writes that cannot fail alone (plain inserts, a guarded update): inside a unit of work
        its transaction as it is — no savepoint, two round trips fewer on PostgreSQL."""
        conn = _AMBIENT.get()
        if conn is not None:
            yield conn
            return
        with self._write_connection() as conn:
            yield conn

    @contextmanager
    def _read_connection(self) -> Iterator[Connection]:
        """A Core connection in a read transaction, for the per-update lookups (no ORM session)."""
        conn = _AMBIENT.get()
        if conn is not None:
            yield conn
            return
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Session]:
        conn = _AMBIENT.get()
        if conn is not None:
            with Session(bind=conn, join_transaction_mode="rollback_only") as session:
                yield session
            return
        with Session(self._engine) as session, session.begin():
            yield session


def bump_generation(conn: Connection | Session) -> None:
    """In the transaction that changes a cached thing (roles, county texts): every worker drops its
    caches at its next unit of work."""
    conn.execute(_BUMP_GENERATION)


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


def ensure_user(s: Session, person_id: int, at: datetime) -> User:
    """The person ``person_id``; an id that is no person yet is what an admin typed from /whoami or the
    config: a Telegram user who has not written yet, made with that Telegram identity."""
    user = s.get(User, person_id)
    if user is None:
        user = User(id=person_id, name="", created_at=at)
        s.add(user)
        s.flush()
        if s.get(ChannelIdentity, ("telegram", str(person_id))) is None:
            s.add(ChannelIdentity(channel="telegram", external_id=str(person_id), user_id=person_id, created_at=at))
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
    progress = None if r.progress_done is None or r.progress_total is None else (r.progress_done, r.progress_total)
    return ReportRow(r.id, r.owner_id, organ.county, organ.name, r.year, r.interview, Status(r.status),
                     r.version, r.review_round, r.created_at, r.updated_at, progress)


def raise_why_not_written(s: Session, report_id: int, expected: int, user_id: int | None) -> NoReturn:
    report = s.get(Report, report_id)
    if report is None:
        raise ReportNotFound(report_id)
    if report.version != expected:
        raise StaleVersion(report_id, expected, report.version)
    if user_id is not None and report.owner_id != user_id:
        raise NotOwner(report_id, user_id)
    raise ReportLocked(report_id, report.status)
