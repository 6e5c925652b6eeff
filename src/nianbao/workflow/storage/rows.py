"""Frozen snapshots the store hands out: plain values, never live ORM objects or sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import AdminAction, ReviewAction, Status


@dataclass(frozen=True, slots=True)
class UserRow:
    person_id: int
    name: str
    created_at: datetime
    active_report_id: int | None
    last_update_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    owner_id: int
    county: str
    organ: str
    year: int
    interview_json: str
    status: Status
    version: int
    review_round: int
    created_at: datetime
    updated_at: datetime
    progress: tuple[int, int] | None = None  # (answered, asked) as of the last answer; None before it

    @property
    def editable(self) -> bool:
        """The official may answer (not under review, not approved)."""
        return self.status in (Status.DRAFT, Status.RETURNED)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One accepted answer to log: ``value_json`` is the parsed value as JSON text."""

    step: str
    raw: str
    value_json: str


@dataclass(frozen=True, slots=True)
class AnswerRow:
    id: int
    report_id: int
    user_id: int
    at: datetime
    step: str
    raw: str
    value_json: str
    version: int


@dataclass(frozen=True, slots=True)
class OrganProfile:
    """What an organ's reports share (organs.level, address, phone); None: not known yet."""

    level: str | None = None
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class OfficialRow:
    person_id: int
    name: str
    county: str
    organ: str


@dataclass(frozen=True, slots=True)
class ReviewEventRow:
    id: int
    report_id: int
    version: int
    review_round: int
    actor_id: int
    action: ReviewAction
    comment: str | None
    at: datetime
    group_chat_id: int | None
    group_message_id: int | None


@dataclass(frozen=True, slots=True)
class OverrideRow:
    county: str
    key: str
    source: str
    updated_by: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InviteRow:
    code: str
    county: str
    organ: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class RemovedOfficial:
    """What /remove_official did: the organs the person no longer drafts for, and their reports there
    (``handed`` of them to another official of the organ; the rest wait for its next official)."""

    organs: tuple[str, ...]
    reports: int
    handed: int


@dataclass(frozen=True, slots=True)
class AdminEventRow:
    id: int
    county: str
    actor_id: int
    action: AdminAction
    subject: str
    detail: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class HolderRow:
    """An official bound to an organ of the county (/people): since when, and their latest answer there."""

    person_id: int
    name: str
    organ: str
    joined_at: datetime
    last_answer_at: datetime | None  # None: nothing answered for this organ yet
