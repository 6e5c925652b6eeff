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
