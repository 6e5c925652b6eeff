"""`nianbao run --web`: the Telegram bot and the web front end in one process, one draft answered from
both — an official who uses Telegram asks for a /web link, goes on in the browser, then in Telegram."""

from __future__ import annotations

import asyncio
import json
import re
import socket

import aiohttp

from botkit import RunningBot, answer, db_url, make_config
from nianbao.bot.app import BotProcess
from nianbao.report.model import Report
from nianbao.workflow.storage import Store
from webkit import CONTACT, COUNTY, SECRET, TUOLI

_CSRF = re.compile(r'name="csrf(?:-token)?" (?:value|content)="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_one_draft_from_telegram_and_the_web_in_one_process(fake_tg, tmp_path):
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    config = make_config(fake_tg, db_url(tmp_path), counties={TUOLI: COUNTY},
                         web={"secret": SECRET, "public_url": root, "port": port})
    store = Store.open(db_url(tmp_path))
    bot = RunningBot(fake_tg, store, config)
    bot.process, bot._stop = BotProcess(config, store, clock=bot.clock, poll_timeout=1, web=True), asyncio.Event()
    await bot.process.start(bot._stop)
    fake_tg.bot_idle = bot.idle
    try:
        user = await bot.official(1201)                       # /join in Telegram
        await answer(user, "#default")                        # the year, in Telegram
        got = await answer(user, "/web")
        link = re.search(rf"{re.escape(root)}(/login/[A-Za-z0-9_-]{{32}})", got[-1].text)[1]

        async with aiohttp.ClientSession(root, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            form = await (await browser.get(link)).text()
            response = await browser.post(link, data={"csrf": _CSRF.search(form)[1]}, allow_redirects=False)
            assert response.status == 303
            page = await (await browser.get("/chat")).text()
            headers = {"X-CSRF-Token": _CSRF.search(page)[1]}
            assert (await browser.post("/api/resume", json={"id": "resume0001"}, headers=headers)).status == 202
            await fake_tg.wait_for(bot.idle, 10)
            shown = (await (await browser.get("/api/messages?after=0")).json())["messages"]
            assert "公众咨询的地址和电话" in shown[-1]["text"]    # where Telegram left off
            await browser.post("/api/say", json={"id": "contact001", "text": CONTACT}, headers=headers)
            await fake_tg.wait_for(bot.idle, 10)
            shown = (await (await browser.get(f"/api/messages?after={shown[-1]['seq']}")).json())["messages"]
            assert "「规章」" in shown[-1]["text"]

        got = await answer(user, "/status")                   # back in Telegram: the same draft, further on
        assert "「规章」" in got[-1].text
        await answer(user, "#table_zeros")
        row = store.active_report(store.person_by("telegram", "1201").person_id)
        report = Report.from_data(json.loads(row.interview_json)["report"])
        assert report.contact.phone == "0901-3651234" and report.proactive.regulations.values() == [0, 0, 0]
    finally:
        await bot.stop()
        store.close()
