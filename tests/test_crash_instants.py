"""SIGKILL at each instant that matters, the bot a real process over HTTP: nothing promised is lost.

Each test stops the bot at one exact moment — the fake Bot API holds the call the bot makes right
after the instant (``FakeTelegram.hold``), so the kill lands with that request in flight — then
starts it again and checks that every message and document still arrives and every figure sits in
the row it was meant for (the stored report equals an uninterrupted run's).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from botkit import _act, db_url, script_answers
from nianbao.workflow.storage import Role, Store
from nianbao.dialogs.interview import Interview
from nianbao.dialogs.scripted import play
from nianbao.text import say

HATU = script_answers("hatu-2024.script")
ORGAN, COUNTY = "托里县哈图镇人民政府", "托里县"
GROUP, REVIEWER = -100777, 9100


def reference_report() -> dict:
    """The report of the same answers given without any interruption (the bot's clock is today's)."""
    interview = Interview.new(today=date.today(), organ=ORGAN, county=COUNTY,
                              given={"organ": ORGAN, "county": COUNTY, "organ_level": "town"})  # as /join
    play(interview, [*HATU])
    return interview.report.to_data()


class BotProcess:
    """`nianbao run` as a child process on a SQLite file, against the fake server."""

    def __init__(self, fake, tmp_path: Path, *, webhook_port: int | None = None, env: dict | None = None):
        self.fake, self.url = fake, db_url(tmp_path)
        self.config = tmp_path / "config.toml"
        text = (f'[telegram]\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\n'
                f'base_file_url = "{fake.base_file_url}"\nmax_messages_per_second = 0\n')
        if webhook_port is not None:
            text += (f'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{webhook_port}/hook"\n'
                     f'webhook_listen = "127.0.0.1"\nwebhook_port = {webhook_port}\nwebhook_secret = "s3cret"\n')
        text += f'[database]\nurl = "{self.url}"\n[logging]\nlevel = "WARNING"\n[reminders]\nenabled = false\n'
        self.config.write_text(text, encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if k != "NIANBAO_TELEGRAM_TOKEN"} | (env or {})
        self.stderr = open(tmp_path / "bot.stderr", "ab")
        self.process: asyncio.subprocess.Process | None = None
        store = Store.open(self.url)
        self.code = store.create_invite(COUNTY, ORGAN, by=1, ttl=timedelta(hours=2))
        store.close()

    def store(self) -> Store:
        return Store.open(self.url)

    async def start(self, **env) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nianbao", "run", "--config", str(self.config), "--poll-timeout", "1",
            env=self.env | env, stdout=asyncio.subprocess.DEVNULL, stderr=self.stderr)

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.stderr.close()


@pytest.fixture
async def bot(fake_tg, tmp_path):
    process = BotProcess(fake_tg, tmp_path)
    yield process
    await process.close()


async def reply_to(user, action, timeout: float = 30.0):
    """Do ``action`` (a text, or "#button") and wait for the bot's answer to arrive and settle."""
    before = len(user.replies)
    await _act(user, action)
    await arrived(user, before, timeout)


async def arrived(user, before: int, timeout: float = 30.0, settle: float = 0.3):
    await user.server.wait_for(lambda: len(user.replies) > before, timeout)
    count = len(user.replies)
    while True:
        await asyncio.sleep(settle)
        if len(user.replies) == count:
            return user.replies[before:]
        count = len(user.replies)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc's parent links)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def stored(bot: BotProcess) -> tuple[dict, list[str]]:
    store = bot.store()
    try:
        [row] = store.reports_in_county(COUNTY)
        return json.loads(row.interview_json)["report"], [a.step for a in store.answers(row.id)]
    finally:
        store.close()


def assert_exactly_the_reference(bot: BotProcess) -> None:
    report, steps = stored(bot)
    assert report == reference_report()
    assert len(steps) == len(set(steps)), "an answer was applied twice"


async def join_and_answer(bot: BotProcess, user, lines: list[str]) -> None:
    await reply_to(user, f"/join {bot.code}")
    for line in lines:
        await reply_to(user, line)


async def test_killed_after_an_answers_commit_before_its_reply(bot, fake_tg):
    user = fake_tg.user(3101)
    await bot.start()
    await join_and_answer(bot, user, HATU[:5])
    held = fake_tg.hold("sendMessage", chat_id=user.id)
    before = len(user.replies)
    await user.send(HATU[5])
    await asyncio.wait_for(held, 20)          # committed; the reply is in flight …
    await bot.kill()                          # … and never arrives
    await bot.start()
    got = await arrived(user, before)         # the reply comes after the restart, unasked
    assert got and got[-1].kind == "message"
    for line in HATU[6:]:                     # and the next answer lands on the next question
        await reply_to(user, line)
    await fake_tg.wait_for(lambda: any(i.kind == "document" for i in user.replies), 30)
    assert_exactly_the_reference(bot)


async def test_killed_during_a_render(bot, fake_tg):
    user = fake_tg.user(3102)
    await bot.start(NIANBAO_TEST_RENDER_DELAY_S="4")
    await join_and_answer(bot, user, HATU[:-1])
    before = len(user.replies)
    await _act(user, HATU[-1])                # 「生成」
    await fake_tg.wait_for(lambda: any("正在生成" in (i.text or "") for i in user.replies[before:]), 20)
    await asyncio.sleep(1.0)                  # the .docx is being rendered (it takes 4 s) …
    renderers = descendants(bot.process.pid)
    assert renderers                          # (in a process of its own)
    await bot.kill()                          # … when the bot dies
    assert not any(i.kind == "document" for i in user.replies)
    await fake_tg.wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in renderers), 5)  # no orphan
    await bot.start()
    await fake_tg.wait_for(lambda: any(i.kind == "document" for i in user.replies), 40)
    assert sum(i.kind == "document" for i in user.replies) == 1
    assert_exactly_the_reference(bot)


async def submitted_for_review(bot: BotProcess, fake_tg):
    """An official's finished draft submitted to the county's group; the reviewer's post there."""
    store = bot.store()
    store.grant(REVIEWER, COUNTY, Role.REVIEWER, by=1)
    store.bind_review_group(COUNTY, GROUP, by=1)
    store.close()
    fake_tg.group(GROUP, "托里县年报审核群")
    user = fake_tg.user(3103)
    await bot.start()
    await join_and_answer(bot, user, HATU)
    await fake_tg.wait_for(lambda: any(i.buttons and "提交" in i.text for i in user.replies), 20)
    await reply_to(user, "#go")
    post = await fake_tg.wait_for(lambda: next((i for i in fake_tg.sent(GROUP) if i.buttons), None), 20)
    return user, post


def final_documents(fake_tg, chat_id: int) -> list:
    return [i for i in fake_tg.sent(chat_id) if i.kind == "document" and "草稿" not in (i.filename or "")]


async def test_killed_after_an_approvals_commit_before_its_messages(bot, fake_tg):
    user, post = await submitted_for_review(bot, fake_tg)
    reviewer = fake_tg.user(REVIEWER, "审核员")
    held = fake_tg.hold("answerCallbackQuery")  # the approval's first effect, after its commit
    await reviewer.press(post, next(d for d in post.callback_data if d.endswith("|ok")))
    await asyncio.wait_for(held, 20)
    await bot.kill()
    assert not final_documents(fake_tg, GROUP) and not final_documents(fake_tg, user.id)
    await bot.start()
    await fake_tg.wait_for(lambda: final_documents(fake_tg, GROUP) and final_documents(fake_tg, user.id), 40)
    store = bot.store()
    [row] = store.reports_in_county(COUNTY)
    assert row.status.value == "approved"
    store.close()


async def test_killed_between_the_groups_and_the_officials_final_documents(bot, fake_tg):
    user, post = await submitted_for_review(bot, fake_tg)
    reviewer = fake_tg.user(REVIEWER, "审核员")
    held = fake_tg.hold("sendDocument", chat_id=user.id)
    await reviewer.press(post, next(d for d in post.callback_data if d.endswith("|ok")))
    await asyncio.wait_for(held, 20)
    await fake_tg.wait_for(lambda: final_documents(fake_tg, GROUP), 20)  # the group has its copy …
    store = bot.store()
    await fake_tg.wait_for(lambda: store.next_effect(f"telegram:{GROUP}") is None, 10)  # … marked delivered
    store.close()
    await bot.kill()
    assert not final_documents(fake_tg, user.id)
    await bot.start()
    await fake_tg.wait_for(lambda: final_documents(fake_tg, user.id), 40)
    assert len(final_documents(fake_tg, GROUP)) == 1  # delivered and marked: not sent again


async def test_killed_during_a_webhook_request(fake_tg, tmp_path):
    from test_bot_resilience import free_port, listening

    port = free_port()
    bot = BotProcess(fake_tg, tmp_path, webhook_port=port)
    user = fake_tg.user(3104)
    try:
        await bot.start()
        await fake_tg.wait_for(lambda: fake_tg.webhook, 20)
        await listening(port)
        await user.send(f"/join {bot.code}")
        await fake_tg.push_to_webhook()
        await arrived(user, 0)
        # Hold the database's write lock: the bot's webhook handler is stuck committing the next update …
        blocker = sqlite3.connect(bot.url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        await user.send(HATU[0])
        push = asyncio.create_task(fake_tg.push_to_webhook())
        await asyncio.sleep(1.0)
        assert not push.done()                # … the request is in flight
        await bot.kill()
        [delivery] = await push
        assert not delivery.ok                # no 200: Telegram keeps the update
        blocker.close()  # its transaction ends with it
        before = len(user.replies)
        await bot.start()
        await fake_tg.wait_for(lambda: fake_tg.webhook, 20)
        await listening(port)
        await fake_tg.wait_for(lambda: fake_tg.push_to_webhook(), 20)  # delivered again, now answered 200
        await arrived(user, before)
        store = bot.store()
        [row] = store.reports_in_county(COUNTY)
        assert [a.step for a in store.answers(row.id)] == ["year"]  # applied exactly once
        store.close()
        assert say("bot.sorry") not in [i.text for i in user.replies]
    finally:
        await bot.close()
