"""Running the real bot Application against the fake Telegram server, for end-to-end tests.

The Application, the fake server and the store live in the test's event loop; the bot polls the fake
over real HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

from fakebot import FakeTelegram
from fakebot.people import FakeUser
from fakebot.records import SentItem

from nianbao.bot.app import BotProcess
from nianbao.workflow.config import Config
from nianbao.workflow.storage import Store

TODAY = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)


def make_config(fake: FakeTelegram, db_url: str, **extra) -> Config:
    data = {
        "telegram": {"token": fake.token, "base_url": fake.base_url, "base_file_url": fake.base_file_url,
                     "max_messages_per_second": 0, "max_retries": 3},
        "database": {"url": db_url},
        "rendering": {"workers": 0},  # in-thread: no process start per test (one test covers the pool)
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Config.model_validate(data)


def script_answers(name: str, known: tuple[str, ...] = ("organ", "county", "organ_level")) -> list[str]:
    """Answers of a shipped interview script as an official who joined by invite types them: comments
    dropped ("#default" etc. are button presses), and the 「@step」 lines of what the invite told
    (``known``) left out (see scripted.for_transport)."""
    from nianbao.dialogs.scripted import for_transport

    text = (resources.files("nianbao") / "examples" / name).read_text(encoding="utf-8")
    return for_transport([line for line in text.splitlines() if line.strip() and not line.startswith("# ")], known)


@dataclass
class RunningBot:
    fake: FakeTelegram
    store: Store
    config: Config
    clock_now: list[datetime] = field(default_factory=lambda: [TODAY])
    _stop: asyncio.Event | None = None
    process: BotProcess | None = None

    def clock(self) -> datetime:
        return self.clock_now[0]

    async def start(self) -> RunningBot:
        self.process = BotProcess(self.config, self.store, clock=self.clock, poll_timeout=1)
        self._stop = asyncio.Event()
        await self.process.start(self._stop)
        self.fake.bot_idle = self.idle  # what settled() waits for
        return self

    def idle(self) -> bool:
        """Every update received is processed and every effect delivered."""
        return not self.fake.pending_updates and self.store.idle()

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self.process is not None:
            await self.process.stop()
            self.process = None

    async def official(self, user_id: int, organ: str = "托里县哈图镇人民政府", county: str = "托里县",
                       name: str = "张三", level: str | None = None) -> FakeUser:
        """A person who joined with a county admin's invite code (and got the first question);
        ``level``: the level word the invite gave (else the name tells it, or it is asked)."""
        code = self.store.create_invite(county, organ, by=1, ttl=timedelta(hours=72), now=self.clock(), level=level)
        user = self.fake.user(user_id, name)
        await answer(user, f"/join {code}")  # welcome, new draft, greeting, first question
        return user


def last_with_buttons(user: FakeUser) -> SentItem:
    return next(item for item in reversed(user.replies) if item.kind == "message" and item.buttons)


async def answer(user: FakeUser, text: str, replies: int | None = None, timeout: float = 5.0) -> list[SentItem]:
    """Send an answer or press a button ("#default", "#2"), then wait until the bot is done replying."""
    before = len(user.replies)
    await _act(user, text)
    if replies is not None:
        return await user.wait_reply(replies, timeout)
    await quiet(user, before, timeout)
    got = user.replies[before:]
    user._read = len(user.replies)
    return got


async def _act(user: FakeUser, text: str) -> None:
    if text.startswith("#"):
        message = last_with_buttons(user)
        wanted = text[1:]
        data = message.callback_data
        if wanted.isdigit():
            chosen = data[int(wanted) - 1]
        else:
            chosen = next(d for d in data if d.endswith("|" + wanted))
        await user.press(message, chosen)
    else:
        await user.send(text)


async def ask(user: FakeUser, text: str, timeout: float = 5.0) -> list[SentItem]:
    """Like ``answer``, but waits exactly until the bot has handled it (no settling pause): faster.
    Returns what the bot sent to this user's chat meanwhile."""
    got = await settled(user.server, _act(user, text), timeout)
    user._read = len(user.replies)
    return [item for item in got if item.chat_id == user.id]


async def quiet(user: FakeUser, before: int, timeout: float, settle: float = 0.15) -> None:
    """Wait until the bot replied at least once and then stayed silent for ``settle`` seconds."""
    await user.server.wait_for(lambda: len(user.replies) > before, timeout)
    count = len(user.replies)
    while True:
        await asyncio.sleep(settle)
        if len(user.replies) == count:
            return
        count = len(user.replies)


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nianbao.sqlite'}"


@contextlib.asynccontextmanager
async def running_bot(fake: FakeTelegram, tmp_path: Path, **config):
    """A started bot on a fresh database in ``tmp_path``; ``config`` as for make_config."""
    store = Store.open(db_url(tmp_path))
    running = await RunningBot(fake, store, make_config(fake, db_url(tmp_path), **config)).start()
    try:
        yield running
    finally:
        await running.stop()
        store.close()


def texts(items) -> str:
    """What the bot's messages and document captions say, one per line."""
    return "\n".join((i.text or i.caption or "") for i in items)


# ---- review and admin flows (issue 5) -------------------------------------------------------------


async def settled(fake: FakeTelegram, act, timeout: float = 5.0) -> list[SentItem]:
    """Run ``act`` (an awaitable that makes updates) and wait until the bot has processed all of them
    and delivered everything they caused; returns everything the bot sent meanwhile, in every chat."""
    before = len(fake.world.outputs)
    await act
    await fake.wait_for(lambda: not fake.pending_updates, timeout)
    await fake.wait_for(fake.bot_idle, timeout)
    return fake.world.outputs[before:]


def complete_report(bot: RunningBot, user_id: int, script: str = "hatu-2024.script", *,
                    organ: str | None = None, county: str | None = None) -> None:
    """Answer every question of the user's active draft in-process (fast) and store it, as if typed;
    ``organ`` / ``county`` replace the script's answers to those questions (asked only when the draft
    does not know them)."""
    import json

    from nianbao.dialogs.interview import Interview
    from nianbao.dialogs.scripted import play
    from nianbao.workflow.storage import LogEntry

    text = (resources.files("nianbao") / "examples" / script).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("# ")]
    for step, value in (("organ", organ), ("county", county)):
        if value:
            lines = [f"@{step} {value}" if line.startswith(f"@{step} ") else line for line in lines]
    row = bot.store.active_report(user_id)
    interview = Interview.from_json(row.interview_json)
    play(interview, [*lines, "#gen"])
    assert not interview.missing_steps(), [s.id for s in interview.missing_steps()]
    log = [LogEntry(step, raw, json.dumps(value, ensure_ascii=False, default=str))
           for step, raw, value in interview.history]
    bot.store.save_answer(row.id, row.version, interview.to_json(), log, user_id, bot.clock())


async def documents(user: FakeUser, n: int = 1, timeout: float = 30.0) -> list[SentItem]:
    """The documents the bot sent this user, once there are ``n`` of them (drafts are rendered in the
    background after the answer 「生成」 is handled, so they arrive a little after its reply)."""
    await user.server.wait_for(lambda: sum(i.kind == "document" for i in user.replies) >= n, timeout)
    return [i for i in user.replies if i.kind == "document"]
