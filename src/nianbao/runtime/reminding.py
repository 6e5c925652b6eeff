"""The automatic reminders where no Telegram process runs them (`nianbao web` alone): the same
workflow call as the Telegram bot's JobQueue tick (workflow/reminders.run_due), at start and every
``every`` seconds. Each reminder is claimed once in the database, so a second process running this
too sends nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..workflow.reminders import run_due
from .sender import Sender

log = logging.getLogger(__name__)
EVERY_S = 60.0


async def remind_until(services, sender: Sender, stop: asyncio.Event, every: float = EVERY_S) -> None:
    while not stop.is_set():
        try:
            lanes = await services.call(run_due, services.store, services.config, services.clock(), "web")
            sender.offer(lanes)
        except Exception as err:  # the database is away: the next round tries again
            log.error("reminders failed: %s", type(err).__name__, exc_info=err)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
