"""The Bot API asked who the bot is at start-up, again with a growing pause while it cannot be reached
(Telegram is often reachable only through a proxy, or only after the network comes up), for ``wait_s``
seconds; a failure is one line, never a traceback. The database is opened by workflow/opening.py.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram.error import InvalidToken, NetworkError, TimedOut

from ..text import say
from ..workflow.opening import StartupError

log = logging.getLogger(__name__)
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 15.0


async def introduce(bot, wait_s: float, host: str) -> None:
    """``bot.initialize()`` (getMe), retried with backoff while the Bot API cannot be reached."""
    deadline = time.monotonic() + wait_s
    pause = RETRY_FIRST_S
    while True:
        try:
            await bot.initialize()
            return
        except InvalidToken:
            raise StartupError(say("startup.api_token_refused")) from None
        except (NetworkError, TimedOut):
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError(say("startup.api_unreachable", seconds=round(wait_s), host=host)) from None
            pause = min(pause, left)
            log.warning(say("startup.api_waiting", host=host, seconds=round(pause, 1)))
            await asyncio.sleep(pause)
            pause = min(RETRY_MAX_S, pause * 2)


