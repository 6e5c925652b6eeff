"""What every front end's process runs: the inbox's worker and the outbox's sender, with their
wake-ups (in this process, and across processes through PostgreSQL's NOTIFY).

A front end (bot/app.py for Telegram, web/front.py for the browser) only receives — it commits what
comes in with ``receive`` — and names its channel's parser and output: ``attach`` them here. Several
front ends may share one pipeline (``nianbao run --web``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from ..workflow.channel import OutputChannel
from ..workflow.drafting import utc_now
from ..workflow.router import Router
from ..workflow.services import Services
from ..workflow.storage import Store
from .leases import Leases
from .notify import Notifications
from .sender import Sender
from .worker import Parser, Worker

STOP_GRACE_S = 5.0
# Chats processed / delivered at once by one process. With PostgreSQL each costs pooled connections
# (storage/engine.py sizes the pool for these) and threads (THREADS, below).
WORKER_SLOTS, SENDER_SLOTS = 8, 8
# Database calls, lease waits and slow jobs (renders) run in threads: asyncio's default of
# cpu + 4 threads (6 here) let a few renders starve every chat's queries.
THREADS = 32


class Pipeline:
    def __init__(self, config, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.config, self.store = config, store
        self.services = Services(store, config, clock)
        self.leases = Leases(store.engine)
        self.inbox_wake, self.outbox_wake = asyncio.Event(), asyncio.Event()
        shared = not store.is_sqlite
        self.worker = Worker(self.services, Router(self.services), {}, slots=WORKER_SLOTS if shared else 4,
                             wake=self.inbox_wake, delivered=self._to_sender)
        self.sender = Sender(self.services, self.leases, {}, slots=SENDER_SLOTS, wake=self.outbox_wake)
        self.notifications = Notifications(store, {"nianbao_inbox": self.inbox_wake,
                                                   "nianbao_outbox": self.outbox_wake})
        self._tasks: list[asyncio.Task] = []

    def attach(self, channel: str, parser: Parser, output: OutputChannel) -> None:
        """A front end's channel: how its inbox payloads are read, and where its effects go."""
        self.worker.parsers[channel] = parser
        self.sender.outputs[channel] = output

    async def receive(self, items: Sequence[tuple[str, str, str, str]]) -> int:
        """Commit updates to the inbox (then the channel may consider them delivered); how many were new."""
        new = await self.services.call(self.store.receive, items)
        if new:
            self.worker.offer({chat_key for _, _, chat_key, _ in items})
        return new

    def _to_sender(self, lanes: set[str]) -> None:
        self.sender.offer(lanes)

    def start_loops(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="nianbao"))
        self.notifications.start(loop)
        self._tasks += [asyncio.create_task(self.worker.run(stop), name="worker"),
                        asyncio.create_task(self.sender.run(stop), name="sender")]

    def add_task(self, task: asyncio.Task) -> None:
        """A loop of a front end (the poller), stopped with the others."""
        self._tasks.append(task)

    async def stop_loops(self) -> None:
        """After ``stop`` was set: let the loops finish what they hold (a unit of work, a send)."""
        done, pending = await asyncio.wait(self._tasks, timeout=STOP_GRACE_S) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.notifications.stop()

    def close(self) -> None:
        self.services.close()  # the rendering processes
