"""The bot's persistence API: ``Store.open(url)`` connects and creates or migrates the schema.

Sync by design (the bot calls it from a worker thread or directly). The methods live in one module
per area (people, reports, review, county, reminders); every one is its own transaction and returns frozen
snapshots, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from .county import CountyStore
from .engine import make_engine
from .identities import IdentityStore
from .migrate import UPGRADES, Step, migrate
from .organs import OrganStore
from .people import PeopleStore
from .queues import QueueStore
from .reminders import ReminderStore
from .reports import ReportStore
from .review import ReviewStore
from .web import WebStore


class Store(IdentityStore, PeopleStore, OrganStore, ReportStore, ReviewStore, CountyStore, QueueStore, ReminderStore,
            WebStore):
    @classmethod
    def open(cls, url: str, *, upgrades: Sequence[Step] = UPGRADES) -> Store:
        """Connect, create or migrate the schema, and return a ready store."""
        engine = make_engine(url)
        try:
            migrate(engine, upgrades)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)
