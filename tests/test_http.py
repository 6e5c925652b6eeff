"""The Bot API transport honours the environment's proxy (Telegram is often reachable only through one)."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from telegram.request import RequestData

from nianbao.bot.http import AiohttpRequest


@pytest.fixture
async def recording_proxy():
    """An HTTP proxy stand-in: answers every request itself and records the absolute URL asked for."""
    asked: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        asked.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", asked
    await runner.cleanup()


async def test_requests_go_through_the_environment_proxy(recording_proxy, monkeypatch):
    proxy, asked = recording_proxy
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "localhost")
    request = AiohttpRequest()
    await request.initialize()
    try:
        for _ in range(2):
            status, body = await request.do_request("http://api.telegram.invalid/botX/getMe", "POST",
                                                    RequestData())
            assert status == 200 and json.loads(body)["ok"]
    finally:
        await request.shutdown()
    assert asked == ["http://api.telegram.invalid/botX/getMe"] * 2


async def test_no_proxy_hosts_go_direct(recording_proxy, monkeypatch):
    proxy, asked = recording_proxy
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    request = AiohttpRequest()
    await request.initialize()
    try:
        status, _ = await request.do_request(f"{proxy}/botX/getMe", "POST", RequestData())
    finally:
        await request.shutdown()
    assert status == 200 and asked == [f"{proxy}/botX/getMe"]
