"""The SQLAlchemy engine: portable by default, with SQLite tuned on connect.

Everything SQLite-specific lives here and only runs for ``sqlite`` URLs, so a PostgreSQL URL needs
no code change. For SQLite we take over transaction control from the driver (its implicit BEGIN
comes too late and can never be IMMEDIATE): writers start with ``BEGIN IMMEDIATE`` so two writers
queue on ``busy_timeout`` instead of failing with a stale snapshot; readers use a plain ``BEGIN``.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_MS = 10_000
POOL_SIZE, POOL_OVERFLOW = 10, 30  # PostgreSQL: ≥ worker slots + 2 × sender slots + 2 (app.py)
WRITE_OPTION = "nianbao_write"
# NORMAL in WAL mode: a returned commit survives any crash or kill of the bot process (tested with
# SIGKILL); only a power cut or OS crash may undo the last few commits, never corrupt the file.
# FULL also syncs every commit to disk, which caps answers/s at the disk's fsync rate (measured here:
# 180–870/s under varying load, against 1000+/s with NORMAL) — below the bot's 200/s under load.
SQLITE_SYNCHRONOUS = "NORMAL"  # execution option marking an engine view whose transactions write


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A bot process holds a connection per chat being processed, two per chat being delivered
        # (the lane's lease, and its queries) and two of its own (poller lease, LISTEN): SQLAlchemy's
        # default 5 + 10 ran out at ~15 busy chats, and every waiter stalled 30 s (seen under load).
        # No pre-ping (a round trip per checkout, several per update): a connection the server
        # dropped fails its statement, and every caller's loop retries; old ones are recycled.
        return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=1800)
    in_memory = parsed.database in (None, "", ":memory:")
    options: dict = {}
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def writer(engine: Engine) -> Engine:
    """A view of ``engine`` whose transactions take the write lock at once (SQLite) — same pool."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # autocommit at driver level; BEGIN is ours (see below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database answers "memory": fine
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    # Straight to the driver: SQLAlchemy's statement machinery cost as much as the BEGIN itself,
    # on every transaction (several per update).
    connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
