"""Outs → outbox entries: what a service returned, as effects the sender can deliver after a crash.

Each entry is JSON (plus a document's bytes), addressed to a lane — a channel and a chat. The Outs of
one update keep their order within each lane; a pressed button's answer goes first in its lane.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .channel import lane_of
from .drafting import Out
from .review import EVENT_TAG
from .storage import Effect

MESSAGE, DOCUMENT, ANSWER, JOB = "message", "document", "answer", "job"
APOLOGY = "apology"  # tag of the Outs that replace a refused message (never apologised for again)


def effects_of(outs: Iterable[Out], channel: str, chat_id: str,
               address: Callable[[int], tuple[str, str] | None] = lambda person: None) -> list[Effect]:
    """The entries for ``outs`` said in ``chat_id`` of ``channel``. An Out's ``to`` (a person) goes where
    ``address`` reaches them (dropped when nowhere); its ``chat_id`` to that chat of its ``channel``."""
    effects = []
    for out in outs:
        if out.to is not None:
            reached = address(out.to)
            if reached is None:
                continue
            lane = lane_of(*reached)
        else:
            lane = lane_of(out.channel or channel, out.chat_id if out.chat_id is not None else chat_id)
        if out.job is not None:
            name, args = out.job
            effects.append(Effect(lane, JOB, {"job": name, "args": args}))
        elif out.document is not None:
            effects.append(Effect(lane, DOCUMENT, {"filename": out.filename or "file", "caption": out.text,
                                                   "reply_to": out.reply_to}, out.document))
        elif out.text:
            payload = {"text": out.text, "buttons": [list(b) for b in out.buttons], "reply_to": out.reply_to,
                       "force_reply": out.force_reply}
            if out.tag and out.tag.startswith(EVENT_TAG):  # record the sent message on that review event
                payload["event"] = int(out.tag.removeprefix(EVENT_TAG))
            if out.tag == APOLOGY:
                payload["apology"] = True
            effects.append(Effect(lane, MESSAGE, payload))
    return effects


def answer_effect(channel: str, chat_id: str, query_id: str, text: str, alert: bool) -> Effect:
    return Effect(lane_of(channel, chat_id), ANSWER, {"query": query_id, "text": text, "alert": alert})
