"""Running a server process until SIGINT/SIGTERM, the same way for every front end: logs through the
redactor, the SQLite folder prepared, one process per SQLite file, the store opened (one line per
failure, never a traceback), then ``main(config, store, stop)`` until a signal sets ``stop``."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable

from ..text import say
from ..workflow import opening
from . import logs
from .leases import DatabaseInUse, SingleProcessLock

Main = Callable[..., Awaitable[None]]   # (config, store, stop) → runs until stop is set


def serve_until_signal(config, main: Main) -> int:
    """The exit code: 0 after a signal, 2 when the database or a start-up step refused."""
    logs.install(config.logging.level, logs.secrets_of(config))
    single = SingleProcessLock(config.database.url)
    try:
        opening.prepare_sqlite_folder(config.database.url)
        try:
            single.acquire()
        except OSError:
            raise opening.StartupError(say("startup.db_read_only", path=str(opening.sqlite_path(config.database.url)))) from None
        store = opening.open_store(config.database.url)
    except DatabaseInUse as busy:
        print(say("bot.database_in_use", path=str(busy)), file=sys.stderr)
        return 2
    except opening.StartupError as failure:
        single.release()
        print(str(failure), file=sys.stderr)
        return 2
    try:
        asyncio.run(_until_signal(config, store, main))
    except opening.StartupError as failure:
        print(str(failure), file=sys.stderr)
        return 2
    finally:
        store.close()
        single.release()
    return 0


async def _until_signal(config, store, main: Main) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await main(config, store, stop)
