"""What the store refuses, as exceptions the bot turns into Chinese messages (reason codes, no UI text)."""

from __future__ import annotations

__all__ = [
    "BadTransition", "GroupTaken", "InviteError", "NotOwner", "ReportExists", "ReportLocked", "ReportNotFound",
    "SchemaError", "StaleVersion", "StoreError",
]


class StoreError(Exception):
    """Base of every refusal by the store."""


class SchemaError(StoreError):
    """The database was written by a newer nianbao, or is not a nianbao database."""


class ReportNotFound(StoreError):
    def __init__(self, report_id: int):
        super().__init__(f"no report {report_id}")
        self.report_id = report_id


class StaleVersion(StoreError):
    """Someone else wrote the report since it was read (optimistic lock)."""

    def __init__(self, report_id: int, expected: int, current: int):
        super().__init__(f"report {report_id}: expected version {expected}, found {current}")
        self.report_id, self.expected, self.current = report_id, expected, current


class ReportLocked(StoreError):
    """The report is under review or approved: the official cannot change its answers."""

    def __init__(self, report_id: int, status: str):
        super().__init__(f"report {report_id} is {status}")
        self.report_id, self.status = report_id, status


class NotOwner(StoreError):
    def __init__(self, report_id: int, user_id: int):
        super().__init__(f"user {user_id} does not own report {report_id}")
        self.report_id, self.user_id = report_id, user_id


class ReportExists(StoreError):
    """The organ already has a report for that year (one report per organ and year)."""

    def __init__(self, county: str, organ: str, year: int, report_id: int, owner_id: int):
        super().__init__(f"{county}/{organ}/{year} already has report {report_id} (owner {owner_id})")
        self.county, self.organ, self.year = county, organ, year
        self.report_id, self.owner_id = report_id, owner_id


class BadTransition(StoreError):
    """A status change the review workflow does not allow (e.g. approve a draft)."""

    def __init__(self, report_id: int, current: str, wanted: str):
        super().__init__(f"report {report_id}: cannot go from {current} to {wanted}")
        self.report_id, self.current, self.wanted = report_id, current, wanted


class InviteError(StoreError):
    """An invite code that cannot be redeemed; ``reason`` is one of REASONS."""

    REASONS = ("unknown", "used", "expired")

    def __init__(self, reason: str):
        assert reason in self.REASONS, reason
        super().__init__(f"invite {reason}")
        self.reason = reason


class GroupTaken(StoreError):
    """The chat is already the reviewer group of another county."""

    def __init__(self, chat_id: int, county: str):
        super().__init__(f"chat {chat_id} already reviews for {county}")
        self.chat_id, self.county = chat_id, county
