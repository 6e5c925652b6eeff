"""The web front end as one piece of a process: its channel attached to a pipeline (the worker reads
its inbox items, the sender writes its pages), its aiohttp site, and the watch that wakes long polls
for what other processes stored. ``nianbao web`` runs it alone; ``nianbao run --web`` beside Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from datetime import datetime

from aiohttp import web

from ..runtime.pipeline import Pipeline
from ..workflow.access import Identity, identify
from .channel import CHANNEL, MINE, WebOutput, inbox_item, parse
from .hub import MessageHub
from .security import RateLimit
from .sessions import Sessions

SESSION_RATE, SESSION_BURST = 2.0, 10      # POSTs per second and burst, per session
POLL_RATE, POLL_BURST = 10.0, 30           # GETs of the API (the page's polls, files), per session
LOGIN_RATE, LOGIN_BURST = 1 / 30, 10       # login attempts per address: 10 at once, then one per 30 s
SHUTDOWN_S = 3.0
NAME_KEPT_S, NAMES_KEPT = 60.0, 10_000


class WebFrontEnd:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.config, self.store, self.services = pipeline.config, pipeline.store, pipeline.services
        self.settings = self.config.web
        self.call, self.clock = self.services.call, self.services.clock
        self.hub = MessageHub()
        self.sessions = Sessions(self.settings, self.store)
        self.session_limit = RateLimit(SESSION_RATE, SESSION_BURST)
        self.poll_limit = RateLimit(POLL_RATE, POLL_BURST)
        self.login_limit = RateLimit(LOGIN_RATE, LOGIN_BURST)
        pipeline.attach(CHANNEL, parse, WebOutput(self.store, self.call, self.hub))
        self._names: dict[str, tuple[str, float]] = {}
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self._watch: asyncio.Task | None = None

    def now(self) -> datetime:
        return self.clock()

    @property
    def base(self) -> str:
        return self.settings.prefix

    # ---- what pages and the API do --------------------------------------------------------------

    async def put(self, identity: str, *, text: str = "", button: str | None = None, under: int | None = None,
                  client_id: str | None = None, shown: str | None = None,
                  upload: tuple[int, str, int] | None = None, name: str | None = None) -> bool:
        """An Incoming from the identity's page into the inbox (the worker is offered it at once);
        ``shown``: what the page lists as the person's own message. False: sent before (a retry)."""
        if name is None:  # (the login form gives one: the person's name as they wrote it)
            name = await self.call(self._name_of, identity)
        seq = None
        if shown:  # (no wake-up for it: the page shows it with the reply the worker is about to store)
            seq = await self.call(lambda: self.store.add_web_message(identity, MINE, shown, now=self.now()))
        item = inbox_item(identity, client_id or secrets.token_urlsafe(12), name=name, text=text, button=button,
                          under=under, upload=upload)
        new = await self.pipeline.receive([item])
        if not new and seq is not None:
            await self.call(self.store.drop_web_message, seq, identity)
        return bool(new)

    def _name_of(self, identity: str) -> str:
        """The person's display name as known (the web page has none of its own to give); kept a
        minute per identity (a name changes rarely, and the inbox item only refreshes it)."""
        known = self._names.get(identity)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        person = self.store.person_by(CHANNEL, identity)
        name = person.name if person is not None else ""
        if person is not None:
            if len(self._names) > NAMES_KEPT:
                self._names.clear()
            self._names[identity] = (name, time.monotonic() + NAME_KEPT_S)
        return name

    def who(self, identity: str) -> Identity | None:
        """The person behind a web identity, with their roles; None before they joined."""
        person = self.store.person_by(CHANNEL, identity)
        return None if person is None else identify(self.store, self.config, person.person_id, person.name)

    # ---- running --------------------------------------------------------------------------------

    def app(self) -> web.Application:
        from .app import build_app

        return build_app(self)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=SHUTDOWN_S)  # URLs hold tokens
        await self._runner.setup()
        # reuse_port: several worker processes (nianbao run --web --workers N) serve the same port.
        await web.TCPSite(self._runner, self.settings.host, self.settings.port, reuse_port=True).start()
        self.start_watch()

    def start_watch(self) -> None:
        self._watch = asyncio.create_task(self.hub.watch(lambda: self.call(self.store.last_web_message), self._stop))

    async def stop(self) -> None:
        self._stop.set()
        self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._watch is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
