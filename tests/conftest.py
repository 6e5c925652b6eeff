"""Shared pytest fixtures. Fake Telegram server: `fake_tg` (a started FakeTelegram) and `tg_bot`
(a telegram.Bot pointed at it, initialized). Others may append their own fixtures below."""

from __future__ import annotations

import os

import pytest

from fakebot import FakeTelegram

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
# python-telegram-bot 22: opt in to RetryAfter.retry_after as a timedelta (the future default) — the bot
# handles both — so 429 tests don't print deprecation warnings. Subprocesses inherit it.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture(scope="session", autouse=True)
def loopback_bypasses_proxy():
    """HTTP clients (httpx in python-telegram-bot, aiohttp) must reach the fake server directly even when
    the environment sets HTTP(S)_PROXY: loopback is added to NO_PROXY for the whole test session."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("NO_PROXY", "no_proxy"):
            present = [host for host in os.environ.get(name, "").split(",") if host.strip()]
            patch.setenv(name, ",".join(present + [h for h in _LOOPBACK if h not in present]))
        yield


@pytest.fixture
async def fake_tg():
    """A fake Telegram Bot API server on 127.0.0.1, started in the test's event loop and stopped after it."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def tg_bot(fake_tg):
    """A python-telegram-bot Bot talking to fake_tg over HTTP (already initialized: getMe done)."""
    import telegram

    async with telegram.Bot(**fake_tg.bot_kwargs) as bot:
        yield bot


# ---- PostgreSQL ------------------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def pg_server():
    """SQLAlchemy URL of a PostgreSQL server for this test session: NIANBAO_TEST_POSTGRES_URL if set,
    else a throw-away cluster (tests/pgcluster.py) started on first use and stopped at session end.
    Without server binaries the asking test is skipped — except in CI (CI=true), where it fails."""
    given = os.environ.get("NIANBAO_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from pgcluster import PostgresCluster, PostgresNotFound

    try:
        cluster, missing = PostgresCluster(), None
    except PostgresNotFound as error:
        missing = error
    if missing and _in_ci():
        pytest.fail(f"CI needs PostgreSQL for these tests: {missing}", pytrace=False)
    if missing:
        pytest.skip(f"PostgreSQL not installed: {missing}")
    cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on pg_server for this test (its SQLAlchemy URL); dropped afterwards,
    connections still open to it included."""
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(pg_server)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
