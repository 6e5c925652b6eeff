"""Wake-ups across processes: PostgreSQL's LISTEN/NOTIFY, turned into asyncio events.

A commit that adds to the inbox or the outbox sends ``NOTIFY`` (queues.py); every worker process
listens on its own connection in a small thread and sets the matching event on its loop. A lost
notification only delays: the loops look for work every second anyway. SQLite has one process,
which sets its events itself. A notification carries the sending process's id: a process ignores
its own, since it hands the work it makes to its loops directly (drain.py ``offer``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from sqlalchemy.engine import make_url

from ..workflow.storage import Store

log = logging.getLogger(__name__)
RECONNECT_S = 1.0


class Notifications:
    def __init__(self, store: Store, events: dict[str, asyncio.Event]) -> None:
        self.events = events
        url = make_url(store.engine.url) if not store.is_sqlite else None
        self._conninfo = None if url is None else url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._conninfo is None:
            return
        self._thread = threading.Thread(target=self._listen, args=(loop,), name="pg-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    for channel in self.events:
                        conn.execute(f"LISTEN {channel}")
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=0.5):
                            event = self.events.get(note.channel)
                            if event is not None and note.payload != str(os.getpid()):
                                loop.call_soon_threadsafe(event.set)
            except Exception as err:  # the server went away: listen again shortly
                if self._stopping.is_set() or loop.is_closed():
                    return
                log.warning("LISTEN connection lost (%s); reconnecting", type(err).__name__)
                self._stopping.wait(RECONNECT_S)
