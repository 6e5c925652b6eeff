"""Persistence for the bot (SQLAlchemy 2): ``Store.open(url)`` creates or migrates the schema."""

from . import errors
from .errors import *  # noqa: F403 - every refusal the store raises
from .models import AdminAction, ReviewAction, Role, Status
from .rows import (AdminEventRow, AnswerRow, InviteRow, LogEntry, OfficialRow, OrganProfile, OverrideRow, RemovedOfficial,
                   ReportRow, ReviewEventRow, UserRow)
from .people import CODE_ALPHABET, CODE_LENGTH, JOIN_ATTEMPTS, JOIN_WINDOW, normalize_code
from .queues import Effect, InboxRow, OutboxRow, lock_key
from .review import TRANSITIONS, StatusChange
from .store import Store

__all__ = [
    *errors.__all__,
    "AdminAction", "AdminEventRow", "InviteRow", "JOIN_ATTEMPTS", "JOIN_WINDOW", "RemovedOfficial",
    "AnswerRow", "CODE_ALPHABET", "Effect", "InboxRow", "OutboxRow", "lock_key", "CODE_LENGTH", "LogEntry", "OfficialRow", "OrganProfile", "OverrideRow", "ReportRow",
    "ReviewAction", "ReviewEventRow", "Role", "Status", "StatusChange", "Store", "TRANSITIONS", "UserRow",
    "normalize_code",
]
