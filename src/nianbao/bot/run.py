"""`nianbao run`: start the Telegram bot (long polling, or webhook with --webhook URL); ``--web``: the web
front end beside it, in the same process.

``--workers N`` (PostgreSQL only) starts N worker processes and keeps them running: a worker that
dies is started again, and all of them die with this supervisor, however it dies. A process
supervisor (systemd, supervisord) may instead start N plain ``nianbao run`` itself: the workers
need nothing from each other but the database.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..text import say
from ..runtime.serving import serve_until_signal
from ..workflow.config import ConfigError, load_config
from ..workflow.lifeline import die_with_parent

RESTART_DELAY_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="config TOML (default: $NIANBAO_CONFIG or ./config.toml)")
    parser.add_argument("--webhook", metavar="URL", default=None, help="webhook mode at this public HTTPS URL")
    parser.add_argument("--web", action="store_true",
                        help="the web front end too, in the same process (config [web]; see nianbao web)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes on one PostgreSQL database (default 1)")
    parser.add_argument("--poll-timeout", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--child-of", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, PTB's future default
    if args.child_of is not None:
        die_with_parent(args.child_of)
    try:
        config = load_config(args.config, webhook_url=args.webhook, web=args.web)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    sqlite = config.database.url.startswith("sqlite")
    if args.workers < 1 or (args.workers > 1 and sqlite):
        print(say("bot.workers_need_postgres"), file=sys.stderr)
        return 2
    if args.workers > 1:
        return supervise(args)
    return serve_until_signal(config, functools.partial(_serve, poll_timeout=args.poll_timeout, web=args.web))


async def _serve(config, store, stop, *, poll_timeout: int, web: bool) -> None:
    from .app import serve

    await serve(config, store, stop, poll_timeout=poll_timeout, web=web)


def supervise(args: argparse.Namespace) -> int:
    """Keep ``args.workers`` worker processes running until SIGINT/SIGTERM."""
    command = [sys.executable, "-m", "nianbao", "run", "--child-of", str(os.getpid()),
               "--poll-timeout", str(args.poll_timeout)]
    if args.config is not None:
        command += ["--config", str(args.config)]
    if args.webhook is not None:
        command += ["--webhook", args.webhook]
    if args.web:
        command += ["--web"]
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    workers = [subprocess.Popen(command) for _ in range(args.workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for i, worker in enumerate(workers):
                if worker.poll() is not None and not stopping:
                    print(say("bot.worker_restarted", number=i + 1, code=worker.returncode), file=sys.stderr)
                    time.sleep(RESTART_DELAY_S)
                    workers[i] = subprocess.Popen(command)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0
