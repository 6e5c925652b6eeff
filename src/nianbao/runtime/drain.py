"""The loop the worker and the sender share: find keys with work waiting, drain up to ``slots`` of
them at once (one task per key, so a key is never drained twice in this process), look again when
woken — by another process's NOTIFY, by a slot coming free — or every ``RESCAN_S`` seconds anyway.

Work this process makes itself names its keys (the poller knows the chats it received, the worker
the lanes it filled): ``offer`` starts on them at once, without a scan of the table — a scan per
update was a tenth of the bot's CPU under load (bench/bot.py). A key offered while it is being
drained is drained again right after, so nothing offered waits for the next scan.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from ..workflow.services import Services

log = logging.getLogger(__name__)
RESCAN_S = 1.0  # look for work this often even without a wake-up (another worker's NOTIFY may be lost)


def chat_hash(chat_key: str) -> str:
    """A chat as it may appear in logs: never the id itself."""
    return hashlib.blake2b(chat_key.encode(), digest_size=4).hexdigest()


class Drainer:
    what = "work"  # for the logs

    def __init__(self, services: Services, *, slots: int, wake: asyncio.Event) -> None:
        self.svc = services
        self.slots = slots
        self.wake = wake
        self._active: set[str] = set()
        self._again: set[str] = set()   # offered while being drained: drain once more
        self._missed = False            # a key found no free slot: scan again when one frees
        self._stop: asyncio.Event | None = None
        self._tasks: set[asyncio.Task] = set()
        self._timers: set[asyncio.TimerHandle] = set()

    def pending(self, limit: int) -> list[str]:
        """Keys with work waiting, the longest waiting first (synchronous: a database query)."""
        raise NotImplementedError

    async def drain(self, key: str, stop: asyncio.Event) -> None:
        """Do the key's waiting work (exceptions are logged, and the key is tried again later)."""
        raise NotImplementedError

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        while not stop.is_set():
            self.wake.clear()
            try:
                keys = await self.svc.call(self.pending, 4 * self.slots)
            except Exception as err:  # the database is away: look again shortly
                log.warning("%s scan failed: %s", self.what, type(err).__name__)
                keys = []
            self.offer(keys)  # a key being drained is drained again: another process may have added to it
            await wait_any(stop, self.wake, RESCAN_S)
        for timer in self._timers:
            timer.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)  # let what is under way finish

    def offer(self, keys) -> None:
        """Keys this process just gave work to: drain them now (or again, if being drained)."""
        if self._stop is None:  # not running yet: the first scan finds them
            self.wake.set()
            return
        for key in keys:
            if key in self._active:
                self._again.add(key)
            else:
                self._start(key)
        if self._missed:
            self.wake.set()

    def _start(self, key: str) -> None:
        if len(self._active) >= self.slots or self._stop is None or self._stop.is_set():
            self._missed = True
            return
        self._active.add(key)
        self._spawn(self._guarded(key, self._stop))

    def wake_in(self, seconds: float) -> None:
        timer = asyncio.get_running_loop().call_later(seconds, self.wake.set)
        self._timers.add(timer)

    def _spawn(self, work) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, key: str, stop: asyncio.Event) -> None:
        try:
            await self.drain(key, stop)
        except Exception as err:  # database trouble: the work stays queued for the next try
            log.error("%s of %s failed: %s", self.what, chat_hash(key), type(err).__name__, exc_info=err)
            self.wake_in(1.0)
        finally:
            self._active.discard(key)
            if key in self._again:
                self._again.discard(key)
                self._start(key)
            elif self._missed:  # a slot is free, and some key found none: look again
                self._missed = False
                self.wake.set()


async def wait_any(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    """Sleep until ``wake`` or ``stop`` is set, or ``timeout`` seconds have passed."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
