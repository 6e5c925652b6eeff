"""The database schema as SQLAlchemy 2 ORM classes (typed ``Mapped[]`` declarative).

Telegram ids are the keys for people and chats (BigInteger: user ids exceed 2**31, group ids are
negative). Columns that only record *who did it* (granted_by, created_by, actor …) keep the raw
Telegram id without a foreign key: super admins come from the config file and reviewers act from a
group, so neither need be a registered user, and an audit trail must outlive what it mentions.
Enumerations are short strings with CHECK constraints rather than native enums, so adding a value
later is a one-line migration on every database.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Role(StrEnum):
    OFFICIAL = "official"  # drafts the reports of the organs bound to them by invite
    REVIEWER = "reviewer"  # decides on submitted reports of the county (besides its admins)
    ADMIN = "admin"  # county admin; super admins live in the config file, not here


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class ReviewAction(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    COMMENT = "comment"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{column}_known")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out — also on SQLite, which keeps no zone.

    A naive datetime is refused: its zone would be a guess, and audit times must not be guesses.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware (UTC) time")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


TgId = BigInteger
Name = String(200)
County = String(100)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(TgId, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Name, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The draft the official's free-text answers go to. use_alter: users and reports refer to each other.
    active_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", use_alter=True, name="fk_users_active_report", ondelete="SET NULL")
    )
    # The newest Telegram update whose answer was committed (schema v2): an update delivered again
    # after a crash (it was processed but not yet confirmed to Telegram) is recognised and skipped.
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)


class ChannelIdentity(Base):
    """A person's identity on one channel (schema v8): ``telegram`` + the Telegram user id as text,
    ``web`` + a login's random id, later 钉钉 or 企业微信. A person (users.id, their own id) may have
    several, so one draft is answered from Telegram and from the web page alike. People who used the
    bot before v8 kept their Telegram id as their person id; new people get the next free id."""

    __tablename__ = "identities"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Membership(Base):
    """A role in one county (official, reviewer, admin)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "county", "role", name="uq_membership"),
        _one_of("role", Role),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    county: Mapped[str] = mapped_column(County, index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(TgId)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Organ(Base):
    """A reporting organ (乡镇人民政府, 街道办事处 …) of a county; registered by invites and reports.

    What the organ's reports share, known once and kept for its later reports (schema v4): its level
    (report.model.OrganLevel: from the invite, or asked once) and the contact printed in a report's
    opening (asked once). NULL: not known yet.
    """

    __tablename__ = "organs"
    __table_args__ = (UniqueConstraint("county", "name", name="uq_organ"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(County, index=True)
    name: Mapped[str] = mapped_column(Name)
    level: Mapped[str | None] = mapped_column(String(24))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(String(100))  # whom to call: the roster's 联系人 (v9)


class OrganOfficial(Base):
    """Binds an official to an organ they may draft for (made when they redeem its invite)."""

    __tablename__ = "organ_officials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Report(Base):
    """One report per organ and year, owned by the official who drafts it.

    ``interview`` is the interview engine's JSON (report file + position + history). ``version`` counts
    every write and is the optimistic lock; ``review_round`` counts submissions (审核第 N 版).
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("organ_id", "year", name="uq_report_organ_year"),
        _one_of("status", Status),
        CheckConstraint("version >= 1", name="ck_version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    interview: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The interview's progress (answered, asked) as of the last write (schema v3): /progress lists a
    # county's thousands of drafts from these columns instead of parsing every interview.
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)


class AnswerLog(Base):
    """Every accepted answer: the audit trail (who, when, which step, what was typed, what it meant)."""

    __tablename__ = "answer_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(TgId)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(100))
    raw: Mapped[str] = mapped_column(Text)
    value_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)  # the report's version after this answer


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    created_by: Mapped[int] = mapped_column(TgId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(TgId)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewGroup(Base):
    """The Telegram group where a county's reviewers decide; one per county, one county per group."""

    __tablename__ = "review_groups"

    chat_id: Mapped[int] = mapped_column(TgId, primary_key=True, autoincrement=False)
    county: Mapped[str] = mapped_column(County, unique=True)
    bound_by: Mapped[int] = mapped_column(TgId)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewEvent(Base):
    __tablename__ = "review_events"
    __table_args__ = (_one_of("action", ReviewAction),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # the report's version the event refers to
    review_round: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int] = mapped_column(TgId)
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The bot's message in the reviewer group (buttons, reply-for-reason); set once it is posted.
    group_chat_id: Mapped[int | None] = mapped_column(TgId)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class TemplateOverride(Base):
    """A county's own text for a prompt or narrative template (edited in chat; wins over config)."""

    __tablename__ = "template_overrides"
    __table_args__ = (UniqueConstraint("county", "key", name="uq_override"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(County)
    key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int] = mapped_column(TgId)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the county's admins were told this text failed on a report and the shipped one was used
    # (once per saved text: saving it again clears it).
    failure_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JoinAttempt(Base):
    """A wrong /join code, kept so that the lockout (5 per 10 minutes) survives a restart."""

    __tablename__ = "join_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(TgId, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdminAction(StrEnum):
    GRANT_ADMIN = "grant_admin"
    GRANT_REVIEWER = "grant_reviewer"
    INVITE = "invite"
    REVOKE_INVITE = "revoke_invite"
    REMOVE_REVIEWER = "remove_reviewer"
    REMOVE_OFFICIAL = "remove_official"
    BIND_GROUP = "bind_review_group"
    SET_TEXT = "set_text"
    RESET_TEXT = "reset_text"
    ROLES = "roles"  # /roles showed the county's people and open invite codes to this admin
    REMINDERS = "reminders"  # /reminders changed the county's automatic reminders (schema v7)
    EXPORT = "export"  # /export_all or `nianbao admin export` took every organ's drafts (schema v7)
    WEB_LINK = "web_link"  # /web <id>: a one-time web login link made for one of the county's people (v9)
    WEB_LOGIN = "web_login"  # someone of the county signed in to the web page (by a code or a link) (v9)


class AdminEvent(Base):
    """What a county admin (or a super admin) did to people, invites, the group or texts (schema v6):
    the audit trail of the admin commands. ``subject`` names what it was done to — a Telegram id, an
    organ, a text's key — never an invite code; ``detail`` adds what followed (JSON)."""

    __tablename__ = "admin_events"
    __table_args__ = (_one_of("action", AdminAction), Index("ix_admin_events_county", "county", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(County)
    actor_id: Mapped[int] = mapped_column(TgId)
    action: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderOutcome(StrEnum):
    SENT = "sent"        # the officials not submitted and the county's admins were sent it
    SKIPPED = "skipped"  # due while the bot was down, and a later one was sent instead


class ReminderRecord(Base):
    """One automatic reminder of a county for a report year (schema v7): claimed by inserting this
    row in the transaction that writes its outbox entries — the unique key lets only one worker, and
    only once, send it; a restart finds it here. ``due_at``: when it was due (the deadline less
    ``days_before`` days at the local hour); ``reminded``: organs reminded, ``unreached``: organs not
    submitted without an official (both 0 when skipped)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("county", "year", "days_before", name="uq_reminder"),
                      _one_of("outcome", ReminderOutcome))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(County)
    year: Mapped[int] = mapped_column(Integer)
    days_before: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded: Mapped[int] = mapped_column(Integer, default=0)
    unreached: Mapped[int] = mapped_column(Integer, default=0)


class CountyReminders(Base):
    """A county's own reminder settings, set by its admins with /reminders (schema v7); a NULL column
    takes the config's [reminders] value. ``days``: e.g. "15,7,3,1"."""

    __tablename__ = "county_reminders"

    county: Mapped[str] = mapped_column(County, primary_key=True)
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    days: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[int] = mapped_column(TgId)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchemaVersion(Base):
    """A single row: the number of the last migration step applied."""

    __tablename__ = "schema_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


# ---- what crosses the process boundary (schema v3): updates in, effects out ----------------------


class InboxItem(Base):
    """An update as the channel delivered it, committed before it is acknowledged (polling: before the
    next offset is asked; webhook: before HTTP 200). ``processed_at`` is set in the same transaction
    as everything the update caused, so an update is applied exactly once, whoever processes it."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbox_external"),
        Index("ix_inbox_pending", "chat_key", "id", postgresql_where=text("processed_at IS NULL"),
              sqlite_where=text("processed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))     # Telegram's update_id, as text
    chat_key: Mapped[str] = mapped_column(String(80))        # "telegram:<chat id>": one chat, one order
    payload: Mapped[str] = mapped_column(Text)               # the update as received (JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # "ok", "error" (apologised), "ignored"


class OutboxItem(Base):
    """One effect to deliver: a message, a document, a button's answer, or a job (a .docx to render,
    a roll-up) whose results take its place in the lane. Written in the transaction that caused it;
    delivered in order per lane (a chat) by whichever process holds that lane."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "lane", "id", postgresql_where=text("delivered_at IS NULL"),
              sqlite_where=text("delivered_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lane: Mapped[str] = mapped_column(String(80))            # "telegram:<chat id>"
    # Order within the lane: an entry's own id, or for what a job produced, the job's id (so its
    # results stand where the job stood, before anything queued after the job).
    position: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))            # message | document | answer | job
    payload: Mapped[str] = mapped_column(Text)               # JSON
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)  # a document's bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # after a 429 or a network error
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(String(200))  # why it could not be delivered (then given up)


class Generation(Base):
    """One counter, bumped by every write that changes what workers cache (roles, county texts):
    each unit of work reads it first and drops its caches when another worker moved it."""

    __tablename__ = "generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# ---- the web front end (schema v9): login links, sessions, what the page shows ------------------


class WebLoginLink(Base):
    """A one-time login link (/web): only the SHA-256 of its token is kept; used once, within minutes."""

    __tablename__ = "web_login_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie carries the session's id (signed), the row only its SHA-256 —
    so logging out ends it everywhere, and a copy of the table opens no session."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity: Mapped[str] = mapped_column(String(128), index=True)   # identities.external_id (channel "web")
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebMessage(Base):
    """One item of a web identity's page, in order (``id`` is the page's sequence number): what the bot
    said (text with buttons, a file with its bytes, a button's notice) and what the person said."""

    __tablename__ = "web_messages"
    __table_args__ = (Index("ix_web_messages_identity", "identity", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    identity: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))            # text | file | notice | mine
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[data, label], …]
    filename: Mapped[str | None] = mapped_column(String(255))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
