"""Leases: "this process works on X now" — an outbox lane, the one getUpdates poller.

With PostgreSQL a lease is a session-level advisory lock (``pg_try_advisory_lock``) on a connection
kept for as long as the lease is held: the server itself releases it when the process dies, however
it dies (SIGKILL included), so another worker takes over — no heartbeat table, no timeouts of ours.
With SQLite there is only ever one process (``SingleProcessLock``), and a lease is a name in a set.
Calls block on the database: the caller runs them off the event loop where that matters.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import make_url

from ..workflow.storage import lock_key


class Lease:
    def __init__(self, leases: Leases, name: str, conn: Connection | None) -> None:
        self._leases, self.name, self._conn = leases, name, conn

    def release(self) -> None:
        self._leases._release(self)


class Leases:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._shared = engine.dialect.name == "postgresql"
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def try_hold(self, name: str) -> Lease | None:
        """The lease on ``name``, or None when this or another process holds it."""
        with self._lock:
            if name in self._held:
                return None
            self._held.add(name)
        if not self._shared:
            return Lease(self, name, None)
        conn = None
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if conn.execute(select(func.pg_try_advisory_lock(lock_key(f"lease:{name}")))).scalar():
                return Lease(self, name, conn)
        except BaseException:
            self._forget(name, conn)
            raise
        self._forget(name, conn)
        return None

    def _release(self, lease: Lease) -> None:
        conn = lease._conn
        try:
            if conn is not None and not conn.closed:
                conn.execute(select(func.pg_advisory_unlock(lock_key(f"lease:{lease.name}"))))
        finally:
            self._forget(lease.name, conn)

    def _forget(self, name: str, conn: Connection | None) -> None:
        if conn is not None:
            conn.close()  # back to the pool; a broken one is discarded (and its locks with it)
        with self._lock:
            self._held.discard(name)


class DatabaseInUse(Exception):
    """Another nianbao process already runs on this SQLite file."""


class SingleProcessLock:
    """An SQLite database serves one bot process: a second one would interleave with the first's
    per-chat order. An exclusive ``flock`` on ``<database>.lock`` refuses it at start (released by the
    kernel when the process dies). PostgreSQL needs none: its workers coordinate through locks."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
        self.path = Path(f"{database}.lock") if database not in (None, "", ":memory:") else None
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(str(self.path)) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
