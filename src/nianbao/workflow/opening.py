"""Opening the database at start-up: one line per failure — what is wrong, where, what to do — never
a traceback. The SQLite file's folder is created when missing. Every front end and `nianbao admin`
open the store through here."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from ..text import say
from .storage import Store, StoreError


class StartupError(Exception):
    """Its message is the one line to print."""


def sqlite_path(url: str) -> Path | None:
    """The SQLite file of ``url``; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_sqlite_folder(url: str) -> None:
    """Create the folder of the SQLite file when it is missing; refuse a file nobody may use."""
    path = sqlite_path(url)
    if path is None:
        return
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise StartupError(say("startup.db_folder_failed", folder=str(folder))) from None
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StartupError(say("startup.db_unreadable", path=str(path)))
    if not os.access(folder, os.W_OK | os.X_OK):  # SQLite writes its journal beside the file
        raise StartupError(say("startup.db_read_only", path=str(path)))


def open_store(url: str) -> Store:
    """The store, or a StartupError naming the cause."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StartupError(say("startup.db_bad_url", scheme=url.split(":", 1)[0][:20])) from None
    path = sqlite_path(url)
    where = str(path) if path is not None else f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    try:
        return Store.open(url)
    except NoSuchModuleError:
        raise StartupError(say("startup.db_bad_url", scheme=parsed.drivername[:20])) from None
    except OperationalError as err:
        reason = str(err.orig or err).lower()
        if "readonly" in reason or "read-only" in reason:
            raise StartupError(say("startup.db_read_only", path=where)) from None
        if "unable to open" in reason:
            raise StartupError(say("startup.db_unreadable", path=where)) from None
        if "password" in reason or "authentication" in reason or "does not exist" in reason:
            raise StartupError(say("startup.db_refused", where=where)) from None
        if path is None:
            raise StartupError(say("startup.db_unreachable", where=where)) from None
        raise StartupError(say("startup.db_other", where=where, reason=_first_line(reason))) from None
    except DatabaseError as err:  # "file is not a database", "database disk image is malformed"
        if path is not None:
            raise StartupError(say("startup.db_corrupt", path=where)) from None
        raise StartupError(say("startup.db_other", where=where, reason=_first_line(str(err.orig or err)))) from None
    except StoreError as err:
        raise StartupError(say("startup.db_other", where=where, reason=_first_line(str(err)))) from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""
