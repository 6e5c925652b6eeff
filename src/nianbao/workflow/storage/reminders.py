"""Automatic reminders: each one recorded once per county, year and day before the deadline (schema v7),
and a county's own reminder settings.

A reminder is claimed by inserting its record — ``INSERT … ON CONFLICT DO NOTHING`` on the unique
(county, year, days_before) — inside the unit of work that also writes its outbox entries: of two
workers (or a worker and itself after a restart) exactly one inserts the row, and only that one's
messages commit. The one that finds the row taken writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from .base import StoreBase, retry_on_conflict, utc
from .models import CountyReminders, Organ, ReminderOutcome, ReminderRecord
from .queues import lock_key

_records = ReminderRecord.__table__


@dataclass(frozen=True, slots=True)
class ReminderRow:
    county: str
    year: int
    days_before: int
    due_at: datetime
    outcome: ReminderOutcome
    recorded_at: datetime
    reminded: int
    unreached: int


@dataclass(frozen=True, slots=True)
class ReminderSettingsRow:
    """A county's own settings; None: the config's value."""

    county: str
    enabled: bool | None
    days: tuple[int, ...] | None
    updated_by: int
    updated_at: datetime


class ReminderStore(StoreBase):
    # ---- the counties and their settings -------------------------------------------------------

    def counties_with_organs(self) -> list[str]:
        """Every county that has an organ (invited or reporting): those there may be someone to remind in."""
        with self._read_connection() as conn:
            return list(conn.execute(select(Organ.county).distinct().order_by(Organ.county)).scalars())

    def reminder_settings(self, county: str | None = None) -> dict[str, ReminderSettingsRow]:
        """The counties' own reminder settings (of ``county`` only, when given), by county."""
        query = select(CountyReminders)
        if county is not None:
            query = query.where(CountyReminders.county == county)
        with self._read() as s:
            return {r.county: _settings_row(r) for r in s.scalars(query)}

    @retry_on_conflict
    def set_reminder_settings(self, county: str, *, by: int, days: Iterable[int] | None = None,
                              enabled: bool | None = None, now: datetime | None = None) -> ReminderSettingsRow:
        """Change the county's days and/or whether its reminders are on (what is not given stays)."""
        with self._write() as s:
            row = s.get(CountyReminders, county)
            if row is None:
                row = CountyReminders(county=county)
                s.add(row)
            if days is not None:
                row.days = ",".join(str(d) for d in days)
            if enabled is not None:
                row.enabled = enabled
            row.updated_by, row.updated_at = by, utc(now)
            s.flush()
            return _settings_row(row)

    # ---- the records ---------------------------------------------------------------------------

    def reminder_records(self, years: Iterable[int], county: str | None = None) -> list[ReminderRow]:
        """The recorded reminders of these report years (of ``county``), oldest due first."""
        query = select(_records).where(_records.c.year.in_(list(years)))
        if county is not None:
            query = query.where(_records.c.county == county)
        with self._read_connection() as conn:
            return [_record_row(r) for r in conn.execute(query.order_by(_records.c.due_at, _records.c.id))]

    def lock_reminders(self, county: str, year: int) -> bool:
        """Inside a unit of work: the county's reminders of ``year`` for this transaction, or False when
        another worker is deciding them right now (PostgreSQL; SQLite's write lock serializes)."""
        if self._engine.dialect.name != "postgresql":
            return True
        with self._read_connection() as conn:
            return bool(conn.execute(select(func.pg_try_advisory_xact_lock(
                lock_key(f"reminders:{county}:{year}")))).scalar())

    def record_reminder(self, county: str, year: int, days_before: int, due_at: datetime,
                        outcome: ReminderOutcome | str, *, reminded: int = 0, unreached: int = 0,
                        now: datetime | None = None) -> bool:
        """Record the reminder; False when it is recorded already (another worker, an earlier run) —
        then this transaction must send nothing for it. On PostgreSQL a concurrent insert of the same
        reminder waits for the other transaction and then sees its row."""
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = (dialect.insert(_records)
                     .values(county=county, year=year, days_before=days_before, due_at=utc(due_at),
                             outcome=ReminderOutcome(outcome).value, recorded_at=utc(now),
                             reminded=reminded, unreached=unreached)
                     .on_conflict_do_nothing(index_elements=["county", "year", "days_before"])
                     .returning(_records.c.id))  # rowcount is not reliable for this on every driver
        with self._append_connection() as conn:
            return conn.execute(statement).first() is not None


def _settings_row(r: CountyReminders) -> ReminderSettingsRow:
    days = None if r.days is None else tuple(int(d) for d in r.days.split(",") if d)
    return ReminderSettingsRow(r.county, r.enabled, days, r.updated_by, r.updated_at)


def _record_row(r) -> ReminderRow:
    return ReminderRow(r.county, r.year, r.days_before, r.due_at, ReminderOutcome(r.outcome), r.recorded_at,
                       r.reminded, r.unreached)


__all__ = ["ReminderRow", "ReminderSettingsRow", "ReminderStore"]
