"""`nianbao web`: the web front end alone — the aiohttp site, the worker and the sender in one process,
no Telegram needed (``nianbao run --web`` runs it beside the Telegram bot)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from pathlib import Path

from ..runtime.pipeline import Pipeline
from ..runtime.reminding import remind_until
from ..runtime.serving import serve_until_signal
from ..text import say
from ..workflow.config import Config, ConfigError, load_config
from .front import WebFrontEnd

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="config TOML (default: $NIANBAO_CONFIG or ./config.toml)")
    parser.add_argument("--host", default=None, help="listen on this address (default: web.host)")
    parser.add_argument("--port", type=int, default=None, help="listen on this port (default: web.port)")


def with_listen(config: Config, host: str | None, port: int | None) -> Config:
    """The config with the command line's host and port, checked as the file's are."""
    given = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if not given:
        return config
    web = type(config.web).model_validate({**config.web.model_dump(), **given})
    return config.model_copy(update={"web": web})


def run(args: argparse.Namespace) -> int:
    try:
        config = with_listen(load_config(args.config, telegram=False, web=True), args.host, args.port)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    except ValueError:
        print(say("web.bad_listen"), file=sys.stderr)
        return 2
    return serve_until_signal(config, serve)


async def serve(config: Config, store, stop) -> None:
    """The web front end on its own pipeline, until ``stop`` is set."""
    pipeline = Pipeline(config, store)
    front = WebFrontEnd(pipeline)
    try:
        pipeline.start_loops(stop)
        # No Telegram process here to run them (its JobQueue does in `nianbao run`): the reminders too.
        pipeline.add_task(asyncio.create_task(remind_until(pipeline.services, pipeline.sender, stop), name="reminders"))
        await front.start()
        log.info("web front end on %s:%s", config.web.host, config.web.port)
        print(say("web.listening", url=config.web.public_url or f"http://{config.web.host}:{config.web.port}"),
              file=sys.stderr)
        gc.freeze()  # what is loaded lives as long as the process (as the bot does)
        await stop.wait()
    finally:
        await front.stop()
        await pipeline.stop_loops()
        pipeline.close()
