"""Processing the inbox: every update exactly once, each chat by one worker at a time, in order.

One update is one unit of work: claim its chat (PostgreSQL: a transaction-level advisory lock), take
the chat's oldest unprocessed update, route it, queue everything it causes in the outbox, mark it
processed — one commit. A process killed anywhere before that commit leaves the update unprocessed
and its chat free (the server drops a dead session's locks), so whichever worker is alive does it
again from scratch; after the commit there is nothing left to redo, only effects to deliver.

A handler that fails has its writes undone (a savepoint) and the update still commits, with the
apology as its effect: a bad update is never retried forever.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import datetime, timezone
from collections.abc import Callable

from .channel import Incoming
from .effects import answer_effect, effects_of
from .router import Router, Routed
from .services import Services

log = logging.getLogger(__name__)
Parser = Callable[[str], Incoming | None]   # a channel's payload (JSON) → the message, None to ignore
RESCAN_S = 1.0  # look for work this often even without a wake-up (another worker's NOTIFY may be lost)


def chat_hash(chat_key: str) -> str:
    """A chat as it may appear in logs: never the id itself."""
    return hashlib.blake2b(chat_key.encode(), digest_size=4).hexdigest()


class Worker:
    def __init__(self, services: Services, router: Router, parsers: dict[str, Parser], *, slots: int,
                 wake: asyncio.Event, delivered: Callable[[], None] = lambda: None) -> None:
        self.svc = services
        self.router = router
        self.parsers = parsers
        self.slots = slots
        self.wake = wake
        self.delivered = delivered  # effects were committed: wake this process's sender
        self._active: set[str] = set()
        self._tasks: set[asyncio.Task] = set()

    # ---- one update (synchronous: runs in a worker thread, or on the loop with SQLite) ----------

    def process_next(self, chat_key: str) -> bool:
        """Process the chat's oldest unprocessed update; False when there is none or another worker has the chat."""
        store, started = self.svc.store, time.perf_counter()
        with store.unit_of_work():
            if not store.claim_chat(chat_key):
                return False
            item = store.next_update(chat_key)
            if item is None:
                return False
            now = datetime.now(timezone.utc)
            incoming = self.parsers[item.channel](item.payload)
            if incoming is None:
                store.mark_processed(item.id, "ignored", now)
                outcome = "ignored"
            else:
                routed, outcome = self._route(incoming)
                effects = []
                if incoming.button_query is not None and routed.answer is not None:
                    effects.append(answer_effect(incoming.channel, incoming.chat_id, incoming.button_query,
                                                 routed.answer.text, routed.answer.alert))
                effects += effects_of(routed.outs, incoming.channel, incoming.chat_id)
                store.enqueue(effects, now)
                store.mark_processed(item.id, outcome, now)
        log.info("update %s chat %s %s in %.1f ms", item.external_id, chat_hash(chat_key), outcome,
                 (time.perf_counter() - started) * 1000)
        return True

    def _route(self, incoming: Incoming) -> tuple[Routed, str]:
        store = self.svc.store
        try:
            with store.savepoint():
                return self.router.handle(incoming), "ok"
        except Exception as err:  # its writes are undone; the update is answered and done
            log.error("handling failed: %s", type(err).__name__, exc_info=err)
        try:
            with store.savepoint():
                return self.router.apologise(incoming), "error"
        except Exception as err:
            log.error("apologising failed: %s", type(err).__name__, exc_info=err)
            return Routed([]), "error"

    # ---- the loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: find chats with waiting updates and work on up to ``slots`` of them at once."""
        while not stop.is_set():
            self.wake.clear()
            try:
                chats = await self.svc.call(self.svc.store.pending_chats, 4 * self.slots)
            except Exception as err:  # the database is away: try again shortly
                log.warning("inbox scan failed: %s", type(err).__name__)
                chats = []
            for chat in chats:
                if len(self._active) >= self.slots:
                    break
                if chat not in self._active:
                    self._active.add(chat)
                    self._spawn(self._drain(chat))
            await wait_any(stop, self.wake, RESCAN_S)
        await asyncio.gather(*self._tasks, return_exceptions=True)  # let units of work finish

    def _spawn(self, work) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, chat_key: str) -> None:
        """This chat's waiting updates, one unit of work each (letting other chats in between)."""
        try:
            while await self.svc.call(self.process_next, chat_key):
                self.delivered()
                await asyncio.sleep(0)
        except Exception as err:  # database trouble: the update stays in the inbox for the next try
            log.error("chat %s: processing failed: %s", chat_hash(chat_key), type(err).__name__, exc_info=err)
            await asyncio.sleep(0.5)
        finally:
            self._active.discard(chat_key)
            self.wake.set()  # a slot is free: look again


async def wait_any(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    """Sleep until ``wake`` or ``stop`` is set, or ``timeout`` seconds have passed."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()

