"""`nianbao run`: start the Telegram bot (long polling, or webhook with --webhook URL)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from ..text import say
from .config import ConfigError, load_config
from .storage import Store, StoreError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="config TOML (default: $NIANBAO_CONFIG or ./config.toml)")
    parser.add_argument("--webhook", metavar="URL", default=None, help="webhook mode at this public HTTPS URL")
    parser.add_argument("--poll-timeout", type=int, default=30, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, PTB's future default
    try:
        config = load_config(args.config, webhook_url=args.webhook)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    logging.basicConfig(level=config.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines would show the token
    try:
        store = Store.open(config.database.url)
    except StoreError as err:
        print(say("bot.database_failed", reason=str(err)), file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve_until_signal(config, store, args.poll_timeout))
    finally:
        store.close()
    return 0


async def _serve_until_signal(config, store, poll_timeout: int) -> None:
    from .app import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, store, stop, poll_timeout=poll_timeout)
