"""One bot process: updates into the inbox, workers through it, the sender through the outbox.

    receive (poll or webhook) ──commit──▶ inbox ──worker: one transaction per update──▶ outbox
                                                          (answer + effects + processed)   │
    Telegram ◀──────────────── sender: in order per chat, each marked delivered ◀─────────┘

Any number of these processes may share one PostgreSQL database (``nianbao run --workers N``, or
a supervisor starting N): chats, lanes and the poller are claimed through PostgreSQL's locks, and
LISTEN/NOTIFY wakes the others. With SQLite a single process does all of it, on the same code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand
from telegram.ext import Application, ContextTypes

from ..text import say
from ..workflow.config import Config
from ..workflow.drafting import utc_now
from ..runtime.pipeline import Pipeline
from .startup import introduce
from ..workflow.reminders import run_due
from ..workflow.storage import Store
from .telegram_channel import CHANNEL, ALLOWED_UPDATES, TelegramOutput, build_bot, parser, poll, webhook_app

log = logging.getLogger(__name__)

MENU = ("start", "new", "drafts", "status", "review", "back", "edit", "help", "submit", "history", "export",
        "cancel", "whoami", "web")
POLLER_LEASE = "telegram:getUpdates"
POLLER_RETRY_S = 1.0
# How often PTB's JobQueue looks for due reminders (workflow/reminders.py); it also looks once at start,
# so what fell due while the bot was down goes out then.
REMINDERS_EVERY_S = 60.0


class BotProcess(Pipeline):
    """The Telegram front end on the pipeline (runtime/pipeline.py); ``web``: the web front end beside
    it, in the same process (``nianbao run --web``)."""

    def __init__(self, config: Config, store: Store, *, clock: Callable[[], datetime] = utc_now,
                 poll_timeout: int = 30, web: bool = False) -> None:
        super().__init__(config, store, clock=clock)
        self.poll_timeout = poll_timeout
        self.bot = build_bot(config)
        self.sender.outputs[CHANNEL] = TelegramOutput(self.bot)  # the parser needs the bot's id (start)
        self._runner = None  # the webhook's aiohttp runner
        # Only for its JobQueue (the reminders): updates come in through receive(), not PTB's handlers.
        self.application = Application.builder().bot(self.bot).updater(None).build()
        self.web_front = None
        if web:
            from ..web.front import WebFrontEnd

            self.web_front = WebFrontEnd(self)

    async def start(self, stop: asyncio.Event) -> None:
        # getMe: the bot's id and username (waited for while the Bot API cannot be reached)
        await introduce(self.bot, self.config.telegram.startup_wait_s, urlsplit(self.config.telegram.base_url).netloc)
        self.worker.router.bot_username = self.bot.username
        self.worker.parsers[CHANNEL] = parser(self.bot.id)
        await self.bot.set_my_commands([BotCommand(name, say(f"bot.menu_{name}")) for name in MENU])
        self.start_loops(stop)
        if self.web_front is not None:
            await self.web_front.start()
        if self.config.telegram.mode == "webhook":
            await self._start_webhook()
        else:
            self.add_task(asyncio.create_task(self._poll_when_leader(stop), name="poller"))
        jobs = self.application.job_queue
        # Once right at start (what fell due while the bot was down), then every REMINDERS_EVERY_S; a
        # tick late because the loop was busy still runs (once). APScheduler's per-run INFO lines are kept out.
        late_ok = {"misfire_grace_time": None, "coalesce": True}
        jobs.run_once(self._send_due_reminders, when=0, name="reminders at start", job_kwargs=late_ok)
        jobs.run_repeating(self._send_due_reminders, interval=REMINDERS_EVERY_S, first=REMINDERS_EVERY_S,
                           name="reminders", job_kwargs=late_ok)
        logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
        await jobs.start()

    async def _send_due_reminders(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue's tick: reminders due by the bot's clock, written to the outbox (every worker
        may run this: each reminder is claimed once in the database), then handed to the sender."""
        try:
            lanes = await self.services.call(run_due, self.store, self.config, self.services.clock(), CHANNEL)
        except Exception as err:  # the database is away: the next tick tries again
            log.error("reminders failed: %s", type(err).__name__, exc_info=err)
            return
        self.sender.offer(lanes)

    async def _poll_when_leader(self, stop: asyncio.Event) -> None:
        """Exactly one process talks getUpdates (two would make Telegram answer 409 Conflict): the one
        holding the poller lease. When it dies, the server drops its lease and another takes over."""
        while not stop.is_set():
            lease = await asyncio.to_thread(self.leases.try_hold, POLLER_LEASE)
            if lease is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLLER_RETRY_S)
                continue
            try:
                await poll(self.bot, self.receive, stop, timeout=self.poll_timeout)
            finally:
                await asyncio.to_thread(lease.release)

    async def _start_webhook(self) -> None:
        tg = self.config.telegram
        assert tg.webhook_url is not None and tg.webhook_secret is not None
        secret = tg.webhook_secret.get_secret_value()
        # Behind a reverse proxy the public URL's path is the local one too.
        path = urlsplit(tg.webhook_url).path or "/"
        self._runner = web.AppRunner(webhook_app(secret, path, self.receive), access_log=None)
        await self._runner.setup()
        # reuse_port: every worker process may listen on the same port; each only writes the inbox.
        await web.TCPSite(self._runner, tg.webhook_listen, tg.webhook_port, reuse_port=True).start()
        await self.bot.set_webhook(tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        """After ``stop`` was set: let the loops finish what they hold (a unit of work, a send)."""
        with contextlib.suppress(Exception):
            await self.application.job_queue.stop()  # a reminders run under way finishes first
        if self.web_front is not None:
            await self.web_front.stop()
        await self.stop_loops()
        if self._runner is not None:
            await self._runner.cleanup()
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        self.close()  # the rendering processes


async def serve(config: Config, store: Store, stop: asyncio.Event, *, poll_timeout: int = 30,
                web: bool = False) -> None:
    """Run until ``stop`` is set (``web``: the web front end too)."""
    process = BotProcess(config, store, poll_timeout=poll_timeout, web=web)
    try:
        await process.start(stop)
        # Everything loaded so far (modules, templates, the catalogue's machine) lives as long as the
        # bot: keep it out of the garbage collector's full scans, whose pauses show up as latency.
        gc.freeze()
        await stop.wait()
    finally:
        await process.stop()
