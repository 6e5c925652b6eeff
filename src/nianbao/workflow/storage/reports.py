"""Reports (one per organ and year) and the accepted answers that change them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .base import StoreBase, ensure_user, organ_named, raise_why_not_written, report_query, report_row, utc
from .errors import NotOwner, ReportExists, ReportNotFound
from .models import AnswerLog, Organ, Report, ReviewAction, ReviewEvent, Status, User
from .rows import AnswerRow, LogEntry, ReportRow

EDITABLE = (Status.DRAFT, Status.RETURNED)

_reports = Report.__table__
_SAVE_INTERVIEW = (
    update(_reports)
    .where(_reports.c.id == bindparam("report_id"), _reports.c.version == bindparam("expected"),
           _reports.c.owner_id == bindparam("owner"),
           _reports.c.status.in_([status.value for status in EDITABLE]))
    .values(version=bindparam("new_version"), interview=bindparam("interview"), updated_at=bindparam("at"),
            progress_done=bindparam("done"), progress_total=bindparam("total"))
)
_LOG_ANSWER = insert(AnswerLog.__table__)
_SET_YEAR = (
    update(_reports).where(_reports.c.id == bindparam("report_id"), _reports.c.year != bindparam("year"))
    .values(year=bindparam("year"))
)
_ACTIVE_REPORT = (
    select(*_reports.c, Organ.__table__.c.county, Organ.__table__.c.name)
    .join(Organ.__table__, Organ.__table__.c.id == _reports.c.organ_id)
    .join(User.__table__, User.__table__.c.active_report_id == _reports.c.id)
    .where(User.__table__.c.id == bindparam("person_id"))
)
_SEEN_UPDATE = (
    update(User.__table__).where(User.__table__.c.id == bindparam("user_id"))
    .values(last_update_id=bindparam("update_id"))
)


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """What a county's overview shows of one report's review: the last submission, the approval, and
    who made the last decision (approve or return; their name as last seen, else None)."""

    submitted: datetime | None = None
    approved: datetime | None = None
    reviewer_id: int | None = None
    reviewer_name: str | None = None


class ReportStore(StoreBase):
    def create_report(self, owner: int, organ: str, county: str, year: int, interview_json: str,
                      now: datetime | None = None, *, activate: bool = True) -> ReportRow:
        """A new draft (version 1), by default made the owner's active one.

        Raises ReportExists when the organ already has a report for ``year``.
        """
        at = utc(now)
        try:
            with self._write() as s:
                user = ensure_user(s, owner, at)
                organ_row = organ_named(s, county, organ)
                existing = s.scalar(
                    select(Report).where(Report.organ_id == organ_row.id, Report.year == year)
                )
                if existing is not None:
                    raise ReportExists(county, organ, year, existing.id, existing.owner_id)
                report = Report(owner_id=owner, organ_id=organ_row.id, year=year,
                                interview=interview_json, status=Status.DRAFT.value, version=1,
                                review_round=0, created_at=at, updated_at=at)
                s.add(report)
                s.flush()
                if activate:
                    user.active_report_id = report.id
                return report_row(report, organ_row)
        except IntegrityError:
            # Lost a race for the same organ + year (PostgreSQL; SQLite writers are serialized).
            with self._read() as s:
                existing = s.execute(
                    report_query().where(Organ.county == county, Organ.name == organ, Report.year == year)
                ).one_or_none()
            if existing is None:
                raise
            raise ReportExists(county, organ, year, existing[0].id, existing[0].owner_id) from None

    def report(self, report_id: int) -> ReportRow | None:
        with self._read() as s:
            found = s.execute(report_query().where(Report.id == report_id)).one_or_none()
            return None if found is None else report_row(*found)

    def reports_of(self, owner: int) -> list[ReportRow]:
        """The owner's reports, most recently changed first."""
        with self._read() as s:
            rows = s.execute(
                report_query().where(Report.owner_id == owner)
                .order_by(Report.updated_at.desc(), Report.id.desc())
            )
            return [report_row(*row) for row in rows]

    def reports_in_county(self, county: str, year: int | None = None) -> list[ReportRow]:
        """The county's reports (of one year if given), by organ then year."""
        query = report_query().where(Organ.county == county)
        if year is not None:
            query = query.where(Report.year == year)
        with self._read() as s:
            rows = s.execute(query.order_by(Organ.name, Report.year))
            return [report_row(*row) for row in rows]

    def previous_year(self, county: str, organ: str, year: int) -> ReportRow | None:
        """The organ's report for ``year`` − 1: the approved one if any, else the one changed last."""
        query = (report_query().where(Organ.county == county, Organ.name == organ, Report.year == year - 1)
                 .order_by((Report.status == Status.APPROVED.value).desc(), Report.updated_at.desc()).limit(1))
        with self._read() as s:
            found = s.execute(query).one_or_none()
            return None if found is None else report_row(*found)

    def set_active(self, person_id: int, report_id: int | None) -> None:
        """Make ``report_id`` (one of the user's own) the draft answers go to; None clears it."""
        with self._write() as s:
            if report_id is not None:
                report = s.get(Report, report_id)
                if report is None:
                    raise ReportNotFound(report_id)
                if report.owner_id != person_id:
                    raise NotOwner(report_id, person_id)
            s.execute(update(User).where(User.id == person_id).values(active_report_id=report_id)
                      .execution_options(synchronize_session=False))

    def active_report(self, person_id: int) -> ReportRow | None:
        """The draft the user's answers go to (asked on every update: a prebuilt Core query)."""
        with self._read_connection() as conn:
            found = conn.execute(_ACTIVE_REPORT, {"person_id": person_id}).one_or_none()
        if found is None:
            return None
        return ReportRow(found.id, found.owner_id, found.county, found.name, found.year, found.interview,
                         Status(found.status), found.version, found.review_round, found.created_at,
                         found.updated_at, _progress(found.progress_done, found.progress_total))

    def save_answer(self, report_id: int, expected_version: int, interview_json: str,
                    log: Sequence[LogEntry | tuple[str, str, str]], user_id: int,
                    now: datetime | None = None, *, update_id: int | None = None,
                    year: int | None = None, progress: tuple[int, int] | None = None) -> int:
        """Store the interview after accepted answers and log them — one transaction, committed on return.

        Only the owner may write, only while the report is editable, and only if nobody wrote it
        since ``expected_version`` was read. Returns the new version.
        Raises StaleVersion, ReportLocked, NotOwner or ReportNotFound (and then nothing is written).
        ``update_id``: the Telegram update that carried the answer, remembered in the same transaction.
        ``year``: the report's year as the interview now has it (the official may answer another year
        than the draft was made for); ReportExists when the organ has a report of that year already.
        """
        entries = [_log_entry(entry) for entry in log]
        at = utc(now)
        new_version = expected_version + 1
        done, total = progress if progress is not None else (None, None)
        params = {"report_id": report_id, "expected": expected_version, "owner": user_id,
                  "new_version": new_version, "interview": interview_json, "at": at,
                  "done": done, "total": total}
        try:
            # Core statements built once (below): this is the bot's hottest path.
            with self._write_connection() as conn:
                written = conn.execute(_SAVE_INTERVIEW, params).rowcount
                if written != 1:
                    with Session(bind=conn) as s:
                        raise_why_not_written(s, report_id, expected_version, user_id)
                if year is not None:
                    conn.execute(_SET_YEAR, {"report_id": report_id, "year": year})
                if entries:
                    conn.execute(_LOG_ANSWER, [
                        {"report_id": report_id, "user_id": user_id, "at": at, "step": e.step,
                         "raw": e.raw, "value_json": e.value_json, "version": new_version}
                        for e in entries
                    ])
                if update_id is not None:
                    conn.execute(_SEEN_UPDATE, {"user_id": user_id, "update_id": update_id})
        except IntegrityError:  # uq_report_organ_year: that organ has a report of that year already
            row = self.report(report_id) if year is not None else None
            clash = row and next((r for r in self.reports_in_county(row.county, year)
                                  if r.organ == row.organ and r.id != report_id), None)
            if not clash:
                raise
            raise ReportExists(row.county, row.organ, year, clash.id, clash.owner_id) from None
        return new_version

    def answers(self, report_id: int) -> list[AnswerRow]:
        """The report's audit trail, oldest first."""
        with self._read() as s:
            rows = s.scalars(select(AnswerLog).where(AnswerLog.report_id == report_id).order_by(AnswerLog.id))
            return [AnswerRow(r.id, r.report_id, r.user_id, r.at, r.step, r.raw, r.value_json, r.version)
                    for r in rows]


    # ---- a county's overview (read only) ----------------------------------------------------------

    def organ_levels(self, county: str) -> dict[str, str | None]:
        """Every organ of the county → its stored level (report.model.OrganLevel; None: not known)."""
        with self._read() as s:
            return dict(s.execute(select(Organ.name, Organ.level).where(Organ.county == county)).all())

    def review_summaries(self, county: str, year: int) -> dict[int, ReviewSummary]:
        """Report id → its ReviewSummary, for the county's reports of ``year`` that went to review
        (one query, however many reports)."""
        query = (select(ReviewEvent.report_id, ReviewEvent.action, ReviewEvent.at, ReviewEvent.actor_id, User.name)
                 .join(Report, Report.id == ReviewEvent.report_id)
                 .join(Organ, Organ.id == Report.organ_id)
                 .outerjoin(User, User.id == ReviewEvent.actor_id)
                 .where(Organ.county == county, Report.year == year,
                        ReviewEvent.action != ReviewAction.COMMENT.value)
                 .order_by(ReviewEvent.report_id, ReviewEvent.at, ReviewEvent.id))
        found: dict[int, ReviewSummary] = {}
        with self._read() as s:
            for report_id, action, at, actor, name in s.execute(query):
                seen = found.get(report_id, ReviewSummary())
                if action == ReviewAction.SUBMIT.value:
                    seen = ReviewSummary(at, None, seen.reviewer_id, seen.reviewer_name)
                else:  # approve or return: the latest decision names the reviewer
                    approved = at if action == ReviewAction.APPROVE.value else None
                    seen = ReviewSummary(seen.submitted, approved, actor, name or None)
                found[report_id] = seen
        return found


def _progress(done: int | None, total: int | None) -> tuple[int, int] | None:
    return None if done is None or total is None else (done, total)


def _log_entry(entry: LogEntry | tuple[str, str, str]) -> LogEntry:
    entry = entry if isinstance(entry, LogEntry) else LogEntry(*entry)
    json.loads(entry.value_json)  # the audit trail holds JSON only: refuse before writing anything
    return entry
