"""Automatic reminders before the deadline, transport-free: who is due a reminder, and sending it durably.

The schedule derives from the deadline (``config.review.deadline(year)``) and the county's days:
``days`` days before it at ``hour`` o'clock, Asia/Shanghai — by default 15, 7, 3 and 1 days before,
at 10:00 — to every official whose organ's report for the year is not yet submitted or approved (not
started, drafting, returned: the same rule as the manual /remind, which shares ``pending``). The
county's admins get one summary line, which also counts the organs with nobody to remind.

Nothing is lost while the bot is down: every run (at start, then every minute) sends the reminders
whose time has passed and that are not recorded yet — only the latest due one per county (after a
long outage, 「还剩 7 天」 and not also 「还剩 15 天」; the earlier ones are recorded as skipped), and
none once the deadline's day is over. Each reminder is recorded (storage/reminders.py) in the same
transaction as its outbox entries, claimed by a unique insert: a restart, or a second worker, never
sends it twice, and a crash before the commit leaves it to be sent by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..text import say
from .config import Config
from .drafting import Out
from .effects import effects_of
from .access import county_admin_outs
from .storage import OfficialRow, ReportRow, Status, Store
from .storage.models import ReminderOutcome
from .storage.reminders import ReminderSettingsRow

log = logging.getLogger(__name__)

try:
    LOCAL: tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database: China has kept UTC+8 all year since 1991
    LOCAL = timezone(timedelta(hours=8), "CST")

REMINDER = "reminder"  # tag: a reminder sent to an official (the handler counts those that failed)


# ---- the schedule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One reminder of the schedule: ``days_before`` the deadline, due at ``due_at`` (aware, UTC)."""

    days_before: int
    due_at: datetime


@dataclass(frozen=True)
class Due:
    """What a run does for one county and year: send ``send`` (None: nothing), record ``skip`` as skipped."""

    send: Planned | None = None
    skip: tuple[Planned, ...] = ()


def due_at(deadline: date, days_before: int, hour: int) -> datetime:
    """When the reminder ``days_before`` the deadline is due: that day at ``hour``, local time."""
    local = datetime.combine(deadline - timedelta(days=days_before), time(hour), tzinfo=LOCAL)
    return local.astimezone(timezone.utc)


def closes_at(deadline: date) -> datetime:
    """The end of the deadline's day, local time: no reminder goes out from then on."""
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=LOCAL).astimezone(timezone.utc)


def schedule(deadline: date, days: Sequence[int], hour: int) -> list[Planned]:
    """The reminders of ``days``, the earliest due first."""
    return sorted((Planned(d, due_at(deadline, d, hour)) for d in set(days)), key=lambda p: p.due_at)


def due(now: datetime, deadline: date, days: Sequence[int], hour: int, sent: Mapping[int, datetime]) -> Due:
    """Which reminder to send at ``now``, given those recorded already (``sent``: days_before → due_at,
    sent or skipped): the latest one due and not recorded — unless one due as late or later is recorded
    (days changed midway: a new day before a reminder already sent is not sent after it) — and none
    after the deadline's day. The other due ones not recorded are to be recorded as skipped."""
    if now >= closes_at(deadline):
        return Due()
    latest = max(sent.values(), default=None)
    past = [p for p in schedule(deadline, days, hour) if p.days_before not in sent and p.due_at <= now]
    fresh = [p for p in past if latest is None or p.due_at > latest]
    if not fresh:
        return Due()
    return Due(fresh[-1], tuple(p for p in past if p != fresh[-1]))


def upcoming(now: datetime, deadline: date, days: Sequence[int], hour: int,
             sent: Mapping[int, datetime]) -> Planned | None:
    """The next reminder to go out: the one due now (sent within the minute), else the first to come."""
    now_due = due(now, deadline, days, hour, sent).send
    if now_due is not None or now >= closes_at(deadline):
        return now_due
    return next((p for p in schedule(deadline, days, hour) if p.days_before not in sent and p.due_at > now), None)


def report_year(now: datetime, config: Config) -> int:
    """The report year whose deadline comes next (or is today): the one reminders are about at ``now``
    (reminders start at most REMINDER_MAX_DAYS before a deadline, so never two years at once)."""
    year = now.astimezone(LOCAL).year
    return year - 1 if now < closes_at(config.review.deadline(year - 1)) else year


def days_left(now: datetime, deadline: date) -> int:
    return (deadline - now.astimezone(LOCAL).date()).days


@dataclass(frozen=True)
class CountyPlan:
    """A county's reminder settings in force: its own (``own``) over the config's [reminders]."""

    enabled: bool
    days: tuple[int, ...]   # descending
    hour: int
    own: bool


def plan_for(config: Config, own: ReminderSettingsRow | None) -> CountyPlan:
    default = config.reminders
    enabled = default.enabled if own is None or own.enabled is None else own.enabled
    days = tuple(default.days) if own is None or own.days is None else own.days
    is_own = own is not None and (own.enabled is not None or own.days is not None)
    return CountyPlan(enabled, tuple(sorted(days, reverse=True)), default.hour, is_own)


# ---- who is reminded (shared with the manual /remind) ----------------------------------------


@dataclass(frozen=True)
class Pending:
    """A county's organs whose report of the year is not submitted or approved: each binding of an
    official to such an organ, with the report (None: not started), and the organs nobody drafts for."""

    officials: tuple[tuple[OfficialRow, ReportRow | None], ...]
    unreached: tuple[str, ...]

    @property
    def organs(self) -> int:
        return len({official.organ for official, _ in self.officials})


def pending(store: Store, county: str, year: int) -> Pending:
    reports = {row.organ: row for row in store.reports_in_county(county, year)}
    done = {organ for organ, row in reports.items() if row.status in (Status.SUBMITTED, Status.APPROVED)}
    officials = store.officials_in_county(county)
    staffed = {official.organ for official in officials}
    organs = set(store.organs_in_county(county)) | set(reports)
    return Pending(tuple((o, reports.get(o.organ)) for o in officials if o.organ not in done),
                   tuple(sorted(organs - done - staffed)))


def reminder_outs(waiting: Pending, year: int, deadline: date, days: int) -> list[Out]:
    """One reminder per official and organ not submitted, to the official's own chat."""
    return [Out(say("admin.reminder", organ=official.organ, year=year, deadline=deadline, days=days,
                    returned=row is not None and row.status is Status.RETURNED),
                to=official.person_id, tag=REMINDER)
            for official, row in waiting.officials]


# ---- sending what is due ---------------------------------------------------------------------


def run_due(store: Store, config: Config, now: datetime, channel: str) -> set[str]:
    """Send every county's due reminder (see the module's docstring), each county in its own unit of
    work; returns the outbox lanes written (to hand to the sender). Synchronous: database work."""
    year = report_year(now, config)
    deadline = config.review.deadline(year)
    counties = store.counties_with_organs()
    if not counties:
        return set()
    own = store.reminder_settings()
    recorded: dict[str, dict[int, datetime]] = {}
    for record in store.reminder_records([year]):
        recorded.setdefault(record.county, {})[record.days_before] = record.due_at
    lanes: set[str] = set()
    sent = 0
    for county in counties:
        plan = plan_for(config, own.get(county))
        if not plan.enabled or due(now, deadline, plan.days, plan.hour, recorded.get(county, {})).send is None:
            continue
        try:  # decided again inside the claiming transaction: another worker may have sent it
            written = send_due(store, config, county, year, now, channel)
        except Exception as err:  # this county waits for the next run; the others go on
            log.error("reminders of a county failed: %s", type(err).__name__, exc_info=err)
            continue
        sent += bool(written)
        lanes |= written
    if sent:  # never a county's name or anyone's id
        log.info("reminders sent in %d counties, %d chats", sent, len(lanes))
    return lanes


def send_due(store: Store, config: Config, county: str, year: int, now: datetime, channel: str) -> set[str]:
    """The county's due reminder of ``year``, if any and if this worker claims it: its record, the
    skipped ones' records, the officials' reminders and the admins' summary — one transaction."""
    with store.unit_of_work():
        if not store.lock_reminders(county, year):
            return set()  # another worker is deciding this county's reminders right now
        plan = plan_for(config, store.reminder_settings(county).get(county))
        sent = {r.days_before: r.due_at for r in store.reminder_records([year], county)}
        deadline = config.review.deadline(year)
        decided = due(now, deadline, plan.days, plan.hour, sent) if plan.enabled else Due()
        if decided.send is None:
            return set()
        waiting = pending(store, county, year)
        if not store.record_reminder(county, year, decided.send.days_before, decided.send.due_at,
                                     ReminderOutcome.SENT, reminded=waiting.organs,
                                     unreached=len(waiting.unreached), now=now):
            return set()  # recorded meanwhile by another worker: it sends, this one does not
        for skipped in decided.skip:
            store.record_reminder(county, year, skipped.days_before, skipped.due_at, ReminderOutcome.SKIPPED, now=now)
        left = days_left(now, deadline)
        outs = reminder_outs(waiting, year, deadline, left)
        summary = say("reminders.summary", county=county, year=year, days=left, reminded=waiting.organs,
                      unreached=len(waiting.unreached))
        outs += county_admin_outs(store, config, county, summary)
        effects = effects_of(outs, channel, "", lambda person: store.address_of(person, config.channels))
        store.enqueue(effects, datetime.now(timezone.utc))  # wall time, as the worker's entries
        return {effect.lane for effect in effects}
