"""The review workflow: status changes with who, when and which version; comments; group messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from .base import StoreBase, raise_why_not_written, report_query, report_row, utc
from .errors import BadTransition, ReportNotFound, StaleVersion
from .models import Report, ReviewAction, ReviewEvent, Status
from .rows import ReportRow, ReviewEventRow

# The review workflow: (from, to) -> the action recorded in review_events.
TRANSITIONS: dict[tuple[Status, Status], ReviewAction] = {
    (Status.DRAFT, Status.SUBMITTED): ReviewAction.SUBMIT,
    (Status.RETURNED, Status.SUBMITTED): ReviewAction.SUBMIT,
    (Status.SUBMITTED, Status.RETURNED): ReviewAction.RETURN,
    (Status.SUBMITTED, Status.APPROVED): ReviewAction.APPROVE,
}


@dataclass(frozen=True, slots=True)
class StatusChange:
    report: ReportRow
    event: ReviewEventRow


class ReviewStore(StoreBase):
    def set_status(self, report_id: int, status: Status | str, expected_version: int, *, actor: int,
                   comment: str | None = None, now: datetime | None = None) -> StatusChange:
        """Move the report through the review workflow (TRANSITIONS) and record who did it.

        Submitting starts a new review round. The version is bumped, so a button made for the old
        version is stale. Raises ReportNotFound, StaleVersion or BadTransition.
        """
        wanted = Status(status)
        at = utc(now)
        with self._write() as s:
            found = s.execute(report_query().where(Report.id == report_id)).one_or_none()
            if found is None:
                raise ReportNotFound(report_id)
            report, organ = found
            if report.version != expected_version:
                raise StaleVersion(report_id, expected_version, report.version)
            action = TRANSITIONS.get((Status(report.status), wanted))
            if action is None:
                raise BadTransition(report_id, report.status, wanted.value)
            new_round = report.review_round + (action is ReviewAction.SUBMIT)
            written = s.execute(
                update(Report)
                .where(Report.id == report_id, Report.version == expected_version)
                .values(status=wanted.value, version=expected_version + 1, review_round=new_round,
                        updated_at=at)
                .execution_options(synchronize_session=False)
            ).rowcount
            if written != 1:
                raise_why_not_written(s, report_id, expected_version, None)
            event = ReviewEvent(report_id=report_id, version=expected_version + 1, review_round=new_round,
                                actor_id=actor, action=action.value, comment=comment, at=at)
            s.add(event)
            s.flush()
            s.refresh(report)
            return StatusChange(report_row(report, organ), _event_row(event))

    def add_comment(self, report_id: int, actor: int, comment: str,
                    now: datetime | None = None) -> ReviewEventRow:
        """A review comment on the report's current version (status changes go through set_status)."""
        with self._write() as s:
            report = s.get(Report, report_id)
            if report is None:
                raise ReportNotFound(report_id)
            event = ReviewEvent(report_id=report_id, version=report.version, review_round=report.review_round,
                                actor_id=actor, action=ReviewAction.COMMENT.value, comment=comment,
                                at=utc(now))
            s.add(event)
            s.flush()
            return _event_row(event)

    def set_event_message(self, event_id: int, chat_id: int, message_id: int) -> None:
        """Remember the bot's group message for an event (so a reply or button finds its report)."""
        with self._write() as s:
            event = s.get(ReviewEvent, event_id)
            if event is None:
                raise LookupError(f"no review event {event_id}")
            event.group_chat_id, event.group_message_id = chat_id, message_id

    def event_for_message(self, chat_id: int, message_id: int) -> ReviewEventRow | None:
        with self._read() as s:
            event = s.scalar(
                select(ReviewEvent)
                .where(ReviewEvent.group_chat_id == chat_id, ReviewEvent.group_message_id == message_id)
                .order_by(ReviewEvent.id.desc())
                .limit(1)
            )
            return None if event is None else _event_row(event)

    def history(self, report_id: int) -> list[ReviewEventRow]:
        """Every review step of the report, oldest first."""
        with self._read() as s:
            events = s.scalars(
                select(ReviewEvent).where(ReviewEvent.report_id == report_id)
                .order_by(ReviewEvent.at, ReviewEvent.id)
            )
            return [_event_row(e) for e in events]


def _event_row(e: ReviewEvent) -> ReviewEventRow:
    return ReviewEventRow(e.id, e.report_id, e.version, e.review_round, e.actor_id, ReviewAction(e.action), e.comment,
                          e.at, e.group_chat_id, e.group_message_id)
