"""Waking the pages' long polls: a page waits until its identity's page has something new.

What this process's sender stores wakes the identity's waiters at once (``notify``). What another
process stored (several workers on PostgreSQL) is noticed by one query a second for all waiters
together — the newest sequence number of any page — not one per waiting page. A waiter registers
before it looks at the table, so nothing stored in between is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
WATCH_EVERY_S = 1.0


class MessageHub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._newest = 0
        self._closed = False

    def listen(self, identity: str) -> asyncio.Event:
        """An event set when the identity's page may have changed; ``forget`` it when done."""
        event = asyncio.Event()
        if self._closed:
            event.set()
        self._waiters.setdefault(identity, set()).add(event)
        return event

    def forget(self, identity: str, event: asyncio.Event) -> None:
        waiting = self._waiters.get(identity)
        if waiting is not None:
            waiting.discard(event)
            if not waiting:
                del self._waiters[identity]

    def notify(self, identity: str) -> None:
        for event in self._waiters.get(identity, ()):
            event.set()

    def notify_all(self) -> None:
        for waiting in self._waiters.values():
            for event in waiting:
                event.set()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def waiting(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def close(self) -> None:
        """Stopping: every long poll answers now."""
        self._closed = True
        self.notify_all()

    async def watch(self, newest: Callable[[], Awaitable[int]], stop: asyncio.Event) -> None:
        """Wake every waiter when any page grew (another process's sender), looking once a second."""
        while not stop.is_set():
            if self._waiters:
                try:
                    latest = await newest()
                except Exception as err:  # the database is away: look again next time
                    log.warning("web pages check failed: %s", type(err).__name__)
                    latest = self._newest
                if latest > self._newest:
                    self._newest = latest
                    self.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WATCH_EVERY_S)


async def wait(event: asyncio.Event, timeout: float) -> bool:
    """Whether ``event`` was set within ``timeout`` seconds."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
        return True
    except TimeoutError:
        return False
