"""Delivering the outbox: every committed effect at least once, in order per chat, whoever is alive.

A lane (one chat of one channel) is drained by one process at a time, under a lease (leases.py). Its
entries go out oldest first through the channel's ``OutputChannel``; each is marked delivered right
after the platform accepted it — so the only duplicate a crash can make is an entry sent but not yet
marked. A job (a .docx to render, a roll-up) runs off the event loop when its turn comes; what it
returns replaces it in the lane, in one transaction. Flood control and network failures postpone the
lane (its order is kept); what can never be delivered is given up, with the reason recorded.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ..text import say
from ..workflow.channel import OutputChannel, RetryLater, Undeliverable, split_lane
from ..workflow.drafting import Out
from ..workflow.effects import ANSWER, APOLOGY, DOCUMENT, JOB, MESSAGE, effects_of
from .leases import Leases
from ..workflow.services import Services
from ..workflow.storage import OutboxRow
from .drain import Drainer, chat_hash

log = logging.getLogger(__name__)
BATCH = 8                  # entries of a lane read at once
DONE, CHANGED, WAIT = "done", "changed", "wait"   # what delivering one entry did to its lane
MAX_ATTEMPTS = 30          # an entry failing this often for unknown reasons is given up
BACKOFF_MAX_S = 60.0


class Sender(Drainer):
    what = "outbox"

    def __init__(self, services: Services, leases: Leases, outputs: dict[str, OutputChannel], *, slots: int,
                 wake: asyncio.Event) -> None:
        super().__init__(services, slots=slots, wake=wake)
        self.leases = leases
        self.outputs = outputs

    def pending(self, limit: int) -> list[str]:
        return self.svc.store.pending_lanes(limit, channels=tuple(self.outputs))

    async def drain(self, lane: str, stop: asyncio.Event) -> None:
        if split_lane(lane)[0] not in self.outputs:
            return  # a channel this process does not serve: left for one that does (never retried here)
        # On SQLite a lease is a name in a set: taken right here, no thread hop per lane.
        lease = await self.svc.call(self.leases.try_hold, f"out:{lane}")
        if lease is None:
            return  # another process delivers this lane
        try:
            await self._deliver_lane(lane, stop)
        finally:
            await self.svc.call(lease.release)

    async def _deliver_lane(self, lane: str, stop: asyncio.Event) -> None:
        """The lane's entries in order, read a batch at a time. A short batch ends the drain: what
        this process adds meanwhile is offered again (drain.py), what another adds is NOTIFYed."""
        while not stop.is_set():
            batch = await self.svc.call(self.svc.store.next_effects, lane, BATCH)
            for entry in batch:
                wait = _seconds_until(entry.not_before, now())
                if wait > 0:
                    self.wake_in(wait)
                    return
                outcome = await self.deliver(entry)
                if outcome is WAIT:
                    return
                if outcome is CHANGED or stop.is_set():
                    break  # the lane's order changed (a job's results took its place): read again
            else:
                if len(batch) < BATCH:
                    return

    # ---- one entry -----------------------------------------------------------------------------

    async def deliver(self, entry: OutboxRow) -> str:
        """Deliver one entry: DONE; CHANGED when new entries took its place; WAIT when postponed."""
        store, call = self.svc.store, self.svc.call
        channel, chat_id = split_lane(entry.lane)
        output = self.outputs[channel]
        p = entry.payload
        try:
            if entry.kind == JOB:
                await self._run_job(entry, channel, chat_id)
                return CHANGED
            if entry.kind == MESSAGE:
                sent = await output.send_text(chat_id, p["text"], buttons=[tuple(b) for b in p["buttons"]],
                                              force_reply=p["force_reply"], reply_to=p["reply_to"])
                event = (p["event"], int(chat_id), sent.message_id) if "event" in p and sent.message_id else None
                await call(store.delivered, entry.id, now(), None, event)
            elif entry.kind == DOCUMENT:
                await output.send_file(chat_id, entry.blob or b"", p["filename"], caption=p["caption"],
                                       reply_to=p["reply_to"])
                await call(store.delivered, entry.id, now())
            elif entry.kind == ANSWER:
                await output.answer_button(p["query"], p["text"], alert=p["alert"])
                await call(store.delivered, entry.id, now())
            else:
                await call(store.delivered, entry.id, now(), f"unknown kind {entry.kind}")
            return DONE
        except RetryLater as later:
            log.warning("lane %s: %s; again in %.1f s", chat_hash(entry.lane), later.reason, later.seconds)
            await call(store.postpone, entry.id, now() + timedelta(seconds=later.seconds))
            self.wake_in(later.seconds)
            return WAIT
        except Undeliverable as never:
            log.warning("lane %s: given up on a %s: %s", chat_hash(entry.lane), entry.kind, never.reason)
            if entry.kind == MESSAGE and not never.chat_gone and not p.get("apology"):
                # The person is there but this message was refused: never leave them without the
                # question — an apology and the current question take its place.
                outs = await call(self.svc.apology, channel, chat_id)
                effects = effects_of([replace(out, chat_id=None, channel=None, to=None, tag=APOLOGY)
                                      for out in outs], channel, chat_id)
                await call(store.finish_job, entry, effects, now())
                return CHANGED
            await call(store.delivered, entry.id, now(), never.reason)
            return DONE
        except Exception as err:  # a bug or an unknown failure: back off, and give up in the end
            log.error("lane %s: %s failed: %s", chat_hash(entry.lane), entry.kind, type(err).__name__, exc_info=err)
            if entry.attempts + 1 >= MAX_ATTEMPTS:
                await call(store.delivered, entry.id, now(), type(err).__name__)
                return DONE
            delay = min(BACKOFF_MAX_S, 0.5 * 2 ** entry.attempts)
            await call(store.postpone, entry.id, now() + timedelta(seconds=delay))
            self.wake_in(delay)
            return WAIT

    async def _run_job(self, entry: OutboxRow, channel: str, chat_id: str) -> None:
        name, args = entry.payload["job"], entry.payload["args"]
        try:
            if "file_id" in args:  # a job on a file someone sent: its bytes come from their channel
                args = {**args, "data": await self.outputs[channel].fetch_file(args["file_id"])}
            produced = await asyncio.to_thread(self.svc.run_job, name, args)  # slow: never on the loop
        except RetryLater:
            raise  # the file could not be fetched yet: the lane waits (deliver postpones it)
        except Exception as err:
            log.error("job %s failed: %s", name, type(err).__name__, exc_info=err)
            produced = [Out(say(self.svc.job_failure(name)))]
        # A job speaks only in its own lane: its results stand where it stood.
        effects = effects_of([replace(out, chat_id=None, channel=None, to=None) for out in produced], channel, chat_id)
        await self.svc.call(self.svc.store.finish_job, entry, effects, now())


def now() -> datetime:
    """Wall time: when to retry is about the network, not the business clock (which tests fix)."""
    return datetime.now(timezone.utc)


def _seconds_until(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else (moment - now).total_seconds()
