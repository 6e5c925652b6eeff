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
import logging
import time
from datetime import datetime, timezone
from collections.abc import Callable

from ..workflow.channel import Incoming
from .drain import Drainer, chat_hash
from ..workflow.effects import answer_effect, effects_of
from ..workflow.notes import UpdateNotes, noting
from ..workflow.router import Router, Routed
from ..workflow.services import Services

log = logging.getLogger(__name__)
Parser = Callable[[str], Incoming | None]   # a channel's payload (JSON) → the message, None to ignore


class Worker(Drainer):
    what = "inbox"

    def __init__(self, services: Services, router: Router, parsers: dict[str, Parser], *, slots: int,
                 wake: asyncio.Event, delivered: Callable[[set[str]], None] = lambda lanes: None) -> None:
        super().__init__(services, slots=slots, wake=wake)
        self.router = router
        self.parsers = parsers
        self.delivered = delivered  # effects were committed to these lanes: hand them to the sender

    # ---- one update (synchronous: runs in a worker thread, or on the loop with SQLite) ----------

    def process_next(self, chat_key: str) -> set[str] | None:
        """Process the chat's oldest unprocessed update and return the lanes its effects went to;
        None when there is none or another worker has the chat."""
        store, started = self.svc.store, time.perf_counter()
        lanes: set[str] = set()
        with store.unit_of_work(), noting() as notes:
            if not store.claim_chat(chat_key):
                return None
            item = store.next_update(chat_key)
            if item is None:
                return None
            now = datetime.now(timezone.utc)
            incoming = self.parsers[item.channel](item.payload)
            if incoming is None:
                store.mark_processed(item.id, "ignored", now)
                outcome = "ignored"
            else:
                routed, outcome = self._route(incoming, notes)
                effects = []
                if incoming.button_query is not None and routed.answer is not None:
                    effects.append(answer_effect(incoming.channel, incoming.chat_id, incoming.button_query,
                                                 routed.answer.text, routed.answer.alert))
                effects += effects_of(routed.outs, incoming.channel, incoming.chat_id, self.svc.address_of)
                effects += effects_of(notes.notices, incoming.channel, incoming.chat_id,  # to admins
                                      self.svc.address_of)
                store.enqueue(effects, now)
                store.mark_processed(item.id, outcome, now)
                lanes = {effect.lane for effect in effects}
        # One line per update: never the chat's id or anything the user wrote.
        log.info("update %s chat %s %s %s %.1f ms", item.external_id, chat_hash(chat_key), notes.step or "-",
                 outcome, (time.perf_counter() - started) * 1000)
        return lanes

    def _route(self, incoming: Incoming, notes: UpdateNotes) -> tuple[Routed, str]:
        """The handler's result, or the apology's. Notices kept are those of the attempt that
        committed: a failed attempt's writes — the marks that its notices were given — are undone."""
        store = self.svc.store
        try:
            with store.savepoint():
                return self.router.handle(incoming), "ok"
        except Exception as err:  # its writes are undone; the update is answered and done
            notes.notices.clear()
            log.error("handling failed: %s", type(err).__name__, exc_info=err)
        try:
            with store.savepoint():
                return self.router.apologise(incoming), "error"
        except Exception as err:
            notes.notices.clear()
            log.error("apologising failed: %s", type(err).__name__, exc_info=err)
            return Routed([]), "error"

    # ---- the loop ------------------------------------------------------------------------------

    def pending(self, limit: int) -> list[str]:
        return self.svc.store.pending_chats(limit)

    async def drain(self, chat_key: str, stop: asyncio.Event) -> None:
        """This chat's waiting updates, one unit of work each (letting other chats in between)."""
        while not stop.is_set() and (lanes := await self.svc.call(self.process_next, chat_key)) is not None:
            self.delivered(lanes)
            await asyncio.sleep(0)
