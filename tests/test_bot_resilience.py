"""No accepted answer is ever lost: restarts, a killed process, 429 storms, failing handlers, webhooks."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from datetime import timedelta

import aiohttp
import pytest

from botkit import RunningBot, answer, db_url, documents, make_config, script_answers
from nianbao.bot.app import serve
from nianbao.workflow.drafting import Drafting
from nianbao.bot.telegram_channel import inbox_item
from nianbao.workflow.storage import Store
from nianbao.text import say

HATU = script_answers("hatu-2024.script")  # as typed after /join: the invite told organ, county, level
CONTACT = "托里县哈图镇人民政府院内，0901-3651234"


def stored_step(store: Store, person_id: int) -> str:
    return json.loads(store.active_report(person_id).interview_json)["step"]


@pytest.fixture
def store(tmp_path):
    store = Store.open(db_url(tmp_path))
    yield store
    store.close()


@pytest.fixture
async def bot(fake_tg, store, tmp_path):
    running = await RunningBot(fake_tg, store, make_config(fake_tg, db_url(tmp_path))).start()
    yield running
    await running.stop()


async def test_restart_resumes_at_the_same_step(fake_tg, store, tmp_path):
    config = make_config(fake_tg, db_url(tmp_path))
    first = await RunningBot(fake_tg, store, config).start()
    user = await first.official(3001)
    for line in HATU[:5]:
        await answer(user, line)
    step = stored_step(store, 3001)
    question = user.replies[-1].text
    await first.stop()

    second = await RunningBot(fake_tg, store, config).start()  # a new Application, same database
    try:
        got = await answer(user, "/start")
        assert got[-1].text == question  # exactly where they left off
        assert stored_step(store, 3001) == step
        for line in HATU[5:]:
            await answer(user, line)
        assert await documents(user)
    finally:
        await second.stop()


async def test_update_delivered_twice_is_applied_once(bot, fake_tg, store):
    user = await bot.official(3002)
    await answer(user, "#default")                 # the year
    before = store.active_report(3002)
    message = await user.send(CONTACT)              # the contact, processed normally …
    await user.wait_reply(1)
    after = store.active_report(3002)
    assert after.version > before.version
    # … then Telegram delivers the same update again (the bot died before confirming it)
    update_id = max(call.params.get("offset", 0) for call in fake_tg.calls_to("getUpdates")) - 1
    await bot.process.receive([inbox_item({"update_id": update_id, "message": message})])
    await fake_tg.wait_for(bot.idle)
    assert store.active_report(3002).version == after.version
    assert [a.step for a in store.answers(after.id)].count("contact") == 1


async def test_handler_exception_apologises_and_keeps_answers(bot, fake_tg, store, monkeypatch):
    user = await bot.official(3003)
    await answer(user, "#default")
    saved = store.active_report(3003)
    original = Drafting.text
    calls = {"n": 0}

    def explode_once(self, who, text):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return original(self, who, text)

    monkeypatch.setattr(Drafting, "text", explode_once)
    got = await answer(user, CONTACT)
    assert got[0].text == say("bot.sorry")
    assert "咨询的地址和电话" in got[-1].text  # the current question again
    assert store.active_report(3003).version == saved.version  # nothing half-written
    await answer(user, CONTACT)
    assert json.loads(store.active_report(3003).interview_json)["report"]["contact"]["phone"] == "0901-3651234"


async def test_429_storm_loses_no_reply(bot, fake_tg, store):
    user = await bot.official(3004)
    fake_tg.flood("sendMessage", times=3, retry_after=1)
    got = await answer(user, "#default", timeout=15)
    assert "咨询的地址和电话" in got[-1].text
    refused = [c for c in fake_tg.calls_to("sendMessage") if c.status == 429]
    assert len(refused) == 3
    assert stored_step(store, 3004) == "contact"


async def test_bad_request_is_logged_and_the_user_told(bot, fake_tg, store, caplog):
    user = await bot.official(3005)
    fake_tg.fail("sendMessage", 400, "Bad Request: can't parse entities", times=1)
    got = await answer(user, "#default")
    assert got[0].text == say("bot.sorry") and "咨询的地址和电话" in got[-1].text
    assert stored_step(store, 3005) == "contact"  # the answer was committed before the reply failed
    assert any("given up on a message: bad request" in r.getMessage() for r in caplog.records)
    assert not any("托里县哈图镇人民政府" in r.getMessage() for r in caplog.records)  # no message text in logs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def listening(port: int, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_webhook_mode_verifies_the_secret(fake_tg, store, tmp_path):
    port = free_port()
    config = make_config(fake_tg, db_url(tmp_path), telegram={
        "mode": "webhook", "webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_listen": "127.0.0.1",
        "webhook_port": port, "webhook_secret": "s3cret_token"})
    stop = asyncio.Event()
    server = asyncio.create_task(serve(config, store, stop))
    try:
        await fake_tg.wait_for(lambda: (fake_tg.webhook or {}).get("url") == config.telegram.webhook_url, 10)
        assert fake_tg.webhook["secret_token"] == "s3cret_token"
        await listening(port)  # PTB sets the webhook first, then opens its server
        code = store.create_invite("托里县", "托里县哈图镇人民政府", by=1, ttl=timedelta(hours=1))
        user = fake_tg.user(3006)
        await user.send(f"/join {code}")
        [delivery] = await fake_tg.push_to_webhook()
        assert delivery.status == 200
        await user.wait_reply(2, timeout=10)
        assert store.active_report(3006) is not None
        async with aiohttp.ClientSession(trust_env=False) as http:  # a forger without the secret
            async with http.post(f"http://127.0.0.1:{port}/hook", json={"update_id": 1}) as response:
                assert response.status == 403
            secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_token"}
            for body in (b"not json", b'{"no": "update_id"}', b"[1, 2]"):  # with the secret, but no update
                async with http.post(f"http://127.0.0.1:{port}/hook", data=body, headers=secret) as response:
                    assert response.status == 400
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)


async def test_killed_process_loses_nothing(fake_tg, tmp_path):
    """The bot as a real process: SIGKILL right after an answer was acknowledged, then restart."""
    url = db_url(tmp_path)
    setup = Store.open(url)
    code = setup.create_invite("托里县", "托里县哈图镇人民政府", by=1, ttl=timedelta(hours=1))
    setup.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{fake_tg.token}"\nbase_url = "{fake_tg.base_url}"\n'
        f'base_file_url = "{fake_tg.base_file_url}"\n[database]\nurl = "{url}"\n', encoding="utf-8")

    async def start_bot():
        env = {**os.environ, "NIANBAO_TELEGRAM_TOKEN": ""}
        env.pop("NIANBAO_TELEGRAM_TOKEN")
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nianbao", "run", "--config", str(config), "--poll-timeout", "1",
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)

    user = fake_tg.user(3007)
    process = await start_bot()
    try:
        await user.send(f"/join {code}")
        await user.wait_reply(4, timeout=30)
        for line in HATU[:4]:
            await answer(user, line, timeout=15)
        process.send_signal(signal.SIGKILL)  # right after the last answer was acknowledged
        await process.wait()
        check = Store.open(url)
        step = stored_step(check, 3007)
        check.close()
        process = await start_bot()
        for line in HATU[4:]:
            await answer(user, line, timeout=15)
        assert len(await documents(user)) == 1 and step == "licensing"  # after year, contact, 规章, 规范性文件
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
