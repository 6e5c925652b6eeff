"""The web front end in the test's event loop: a pipeline (worker + sender) on a fresh SQLite file,
the aiohttp app served by aiohttp's own test server, and a client that acts as a browser would:
cookies kept, the CSRF token read off the page and sent in the header the JS sends."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

import test_bot_counts as _bot_counts
from nianbao.runtime.pipeline import Pipeline
from nianbao.web.front import WebFrontEnd
from nianbao.web.security import RateLimit
from nianbao.workflow.config import Config
from nianbao.workflow.storage import Store

TODAY = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
SECRET = "test-secret-0123456789-abcdefghijklmnop"
TUOLI = "托里县"
# The county texts the bot's tests set (tests/test_bot_counts.py), its admin left to each test.
COUNTY = {key: value for key, value in _bot_counts.COUNTY.items() if key != "admins"}
# A report with no application answered as tests/test_bot_counts.py answers it (「#x」 presses the button x).
CONTACT, ZERO = _bot_counts.CONTACT, _bot_counts.ZERO
_CSRF = re.compile(r'name="csrf(?:-token)?" (?:value|content)="([^"]*)"')


def web_config(tmp_path: Path, **web) -> Config:
    return Config.model_validate({
        "database": {"url": f"sqlite:///{tmp_path / 'nianbao.sqlite'}"},
        "rendering": {"workers": 0},
        "web": {"secret": SECRET, "public_url": "http://nianbao.test", **web},
        "counties": {TUOLI: COUNTY},
    })


@dataclass
class RunningWeb:
    config: Config
    store: Store
    clock_now: list[datetime] = field(default_factory=lambda: [TODAY])
    limited: bool = False

    def clock(self) -> datetime:
        return self.clock_now[0]

    async def start(self) -> RunningWeb:
        self.stop_event = asyncio.Event()
        self.pipeline = Pipeline(self.config, self.store, clock=self.clock)
        self.front = WebFrontEnd(self.pipeline)
        if not self.limited:  # a test answers faster than anyone: the limits have their own tests
            self.front.session_limit = self.front.poll_limit = RateLimit(1000, 1000)
        self.pipeline.start_loops(self.stop_event)
        self.front.start_watch()
        self.server = TestServer(self.front.app())
        await self.server.start_server()
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        await self.front.stop()
        await self.server.close()
        await self.pipeline.stop_loops()
        self.pipeline.close()

    def invite(self, organ: str = "托里县哈图镇人民政府") -> str:
        return self.store.create_invite(TUOLI, organ, by=1, ttl=timedelta(hours=72), now=self.clock())

    async def browser(self) -> Browser:
        client = TestClient(self.server)
        await client.start_server()
        return Browser(self, client)

    async def settled(self, timeout: float = 10.0) -> None:
        """Every message received is processed and everything it caused is on its page."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.store.idle():
            assert loop.time() < deadline, "the web pipeline did not settle"
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running_web(tmp_path: Path, **web):
    """The web front end started on a fresh database (``web``: [web] settings), stopped and closed after."""
    config = web_config(tmp_path, **web)
    store = Store.open(config.database.url)
    running = await RunningWeb(config, store).start()
    try:
        yield running
    finally:
        await running.stop()
        store.close()


@dataclass
class Browser:
    web: RunningWeb
    client: TestClient
    csrf: str = ""
    seen: list[dict] = field(default_factory=list)

    async def close(self) -> None:
        await self.client.session.close()  # the client's own: the server is shared (RunningWeb.stop)

    async def form_token(self, path: str) -> str:
        response = await self.client.get(path)
        return _CSRF.search(await response.text())[1]

    async def login(self, code: str):
        """The login page, then the code posted with its form's token; the response (a 303 when in)."""
        token = await self.form_token("/login")
        return await self.client.post("/login", data={"code": code, "csrf": token}, allow_redirects=False)

    async def open_chat(self) -> list[dict]:
        """/chat loaded as the page does: its token, the history, then 「进度」 asked (/api/resume)."""
        page = await self.client.get("/chat", allow_redirects=False)
        assert page.status == 200, page.status
        self.csrf = _CSRF.search(await page.text())[1]
        self.seen = await self.messages(0)
        assert (await self.post("/api/resume", {})).status == 202
        return await self.news()

    def _id(self) -> str:
        """A new message id, as the page makes one (a page reloaded starts afresh: random, not counted)."""
        return secrets.token_urlsafe(12)

    async def post(self, path: str, payload: dict, *, csrf: str | None = None):
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf}
        return await self.client.post(path, json={"id": self._id(), **payload}, headers=headers)

    async def messages(self, after: int) -> list[dict]:
        response = await self.client.get(f"/api/messages?after={after}")
        assert response.status == 200, response.status
        return (await response.json())["messages"]

    async def news(self) -> list[dict]:
        """What the page shows that is new, once the pipeline settled."""
        await self.web.settled()
        got = await self.messages(self.seen[-1]["seq"] if self.seen else 0)
        self.seen += got
        return got

    async def act(self, line: str) -> list[dict]:
        """Type ``line``, or press the button 「#id」 of the newest message that has buttons."""
        if line.startswith("#"):
            message = next(m for m in reversed(self.seen) if m["buttons"])
            button = next(b for b in message["buttons"] if b["data"].endswith("|" + line[1:]))
            response = await self.post("/api/press", {"button": button["data"], "label": button["label"],
                                                      "under": message["seq"]})
        else:
            response = await self.post("/api/say", {"text": line})
        assert response.status == 202, response.status
        return await self.news()


def bot_texts(items: list[dict]) -> str:
    return "\n".join(m["text"] for m in items if m["kind"] != "mine")
