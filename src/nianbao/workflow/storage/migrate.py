"""Schema creation and migration on start: a ``schema_version`` row and an ordered list of steps.

A fresh database gets ``create_all`` from the models (version 1 = the baseline) and is stamped with
the latest version, because the models always describe the newest schema. An existing database runs
every step newer than its stamp, in order, in the same transaction as the new stamp — a failed step
leaves the database as it was. How a version 2 would add a column:

    # models.Report gains:   note: Mapped[str | None] = mapped_column(Text)
    def _v2_report_note(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE reports ADD COLUMN note TEXT"))
    UPGRADES = (Step(2, "reports.note", _v2_report_note),)

``ALTER TABLE … ADD COLUMN`` is the same on SQLite and PostgreSQL; steps that need more (SQLite
cannot drop constraints) rebuild the table inside the step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, insert, select, text, update

from .engine import writer
from .errors import SchemaError
from .models import Base, Generation, SchemaVersion

BASELINE = 1


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v2_users_last_update_id(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE users ADD COLUMN last_update_id BIGINT"))


def _v3_inbox_outbox(conn: Connection) -> None:
    for name in ("inbox", "outbox", "generation"):
        Base.metadata.tables[name].create(conn, checkfirst=True)
    columns = {column["name"] for column in inspect(conn).get_columns("reports")}
    for column in ("progress_done", "progress_total"):
        if column not in columns:
            conn.execute(text(f"ALTER TABLE reports ADD COLUMN {column} INTEGER"))
    if conn.execute(select(Generation.id)).first() is None:
        conn.execute(insert(Generation).values(id=1, value=0))


def _v4_organ_profile(conn: Connection) -> None:
    columns = {column["name"] for column in inspect(conn).get_columns("organs")}
    for column, kind in (("level", "VARCHAR(24)"), ("address", "VARCHAR(200)"), ("phone", "VARCHAR(50)")):
        if column not in columns:
            conn.execute(text(f"ALTER TABLE organs ADD COLUMN {column} {kind}"))


def _v5_join_attempts_and_notices(conn: Connection) -> None:
    Base.metadata.tables["join_attempts"].create(conn, checkfirst=True)
    columns = {column["name"] for column in inspect(conn).get_columns("template_overrides")}
    if "failure_noticed_at" not in columns:
        kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
        conn.execute(text(f"ALTER TABLE template_overrides ADD COLUMN failure_noticed_at {kind}"))


def _v6_admin_events(conn: Connection) -> None:
    Base.metadata.tables["admin_events"].create(conn, checkfirst=True)


def _v7_reminders(conn: Connection) -> None:
    for name in ("reminders", "county_reminders"):
        Base.metadata.tables[name].create(conn, checkfirst=True)
    renew_check(conn, "admin_events", "ck_action_known")  # AdminAction.REMINDERS


def _v8_identities(conn: Connection) -> None:
    """People keyed apart from Telegram: each person so far was a Telegram user whose id was their key;
    that id stays their person id, and becomes their first channel identity."""
    Base.metadata.tables["identities"].create(conn, checkfirst=True)
    as_text = "CAST(id AS VARCHAR(128))" if conn.dialect.name == "postgresql" else "CAST(id AS TEXT)"
    conn.execute(text(f"INSERT INTO identities (channel, external_id, user_id, created_at) "
                      f"SELECT 'telegram', {as_text}, id, created_at FROM users "
                      f"WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id)"))


def _v9_web(conn: Connection) -> None:
    for name in ("web_login_links", "web_sessions", "web_messages"):
        Base.metadata.tables[name].create(conn, checkfirst=True)
    renew_check(conn, "admin_events", "ck_action_known")  # AdminAction.WEB_LINK, WEB_LOGIN
    if "contact" not in {column["name"] for column in inspect(conn).get_columns("organs")}:
        conn.execute(text("ALTER TABLE organs ADD COLUMN contact VARCHAR(100)"))  # the roster's 联系人


def renew_check(conn: Connection, table_name: str, constraint: str) -> None:
    """Make ``table_name``'s CHECK ``constraint`` what the models say now (an enumeration that gained
    a value). PostgreSQL replaces the constraint; SQLite cannot alter one, so the table is rebuilt
    under its model's definition and its rows copied, ids kept. For tables no foreign key points to."""
    table = Base.metadata.tables[table_name]
    check = next(c for c in table.constraints if c.name == constraint)
    if conn.dialect.name != "sqlite":
        conn.execute(text(f"ALTER TABLE {table_name} DROP CONSTRAINT IF EXISTS {constraint}"))
        conn.execute(text(f"ALTER TABLE {table_name} ADD CONSTRAINT {constraint} CHECK ({check.sqltext})"))
        return
    for index in inspect(conn).get_indexes(table_name):  # index names are global: the new table's
        conn.execute(text(f'DROP INDEX "{index["name"]}"'))
    old = f"{table_name}_renewed"
    conn.execute(text(f"ALTER TABLE {table_name} RENAME TO {old}"))
    table.create(conn)
    columns = ", ".join(column.name for column in table.columns)
    conn.execute(text(f"INSERT INTO {table_name} ({columns}) SELECT {columns} FROM {old}"))
    conn.execute(text(f"DROP TABLE {old}"))


UPGRADES: tuple[Step, ...] = (  # steps after the baseline, ascending
    Step(2, "users.last_update_id: skip updates delivered again after a crash", _v2_users_last_update_id),
    Step(3, "inbox, outbox, generation; reports.progress_*: effects that survive a crash, several workers",
         _v3_inbox_outbox),
    Step(4, "organs.level, address, phone: known once per organ, kept for its later reports", _v4_organ_profile),
    Step(5, "join_attempts; template_overrides.failure_noticed_at: a lockout and a notice that survive a restart",
         _v5_join_attempts_and_notices),
    Step(6, "admin_events: the audit trail of admin commands (grants, invites, removals, texts)", _v6_admin_events),
    Step(7, "reminders, county_reminders; admin_events.action 'reminders': automatic reminders recorded once",
         _v7_reminders),
    Step(8, "identities: a person's ids on each channel (telegram:…, web:…), apart from their own id", _v8_identities),
    Step(9, "web_login_links, web_sessions, web_messages: the web front end's logins and pages; "
            "organs.contact; admin_events.action 'web_link', 'web_login'", _v9_web),
)


def latest_version(upgrades: Sequence[Step] = UPGRADES) -> int:
    return upgrades[-1].version if upgrades else BASELINE


def migrate(engine: Engine, upgrades: Sequence[Step] = UPGRADES) -> int:
    """Create or upgrade the schema; returns the version the database is at now."""
    versions = [step.version for step in upgrades]
    if versions != sorted(set(versions)) or (versions and versions[0] <= BASELINE):
        raise ValueError(f"upgrade steps must ascend from {BASELINE + 1}: {versions}")
    latest = latest_version(upgrades)
    with writer(engine).begin() as conn:  # holds the write lock: two starting bots migrate once
        current = _stamped_version(conn)
        if current is None:
            Base.metadata.create_all(conn)
            conn.execute(insert(SchemaVersion).values(id=1, version=latest))
            conn.execute(insert(Generation).values(id=1, value=0))
            return latest
        if current > latest:
            raise SchemaError(f"database schema v{current} is newer than this nianbao (v{latest})")
        for step in upgrades:
            if step.version > current:
                step.apply(conn)
        if current != latest:
            conn.execute(update(SchemaVersion).where(SchemaVersion.id == 1).values(version=latest))
        return latest


def _stamped_version(conn: Connection) -> int | None:
    tables = set(inspect(conn).get_table_names())
    if SchemaVersion.__tablename__ not in tables:
        ours = tables & set(Base.metadata.tables)
        if ours:
            raise SchemaError(f"tables {sorted(ours)} exist but no schema_version: not a nianbao database?")
        return None
    version = conn.execute(select(SchemaVersion.version).where(SchemaVersion.id == 1)).scalar_one_or_none()
    if version is None:
        raise SchemaError("schema_version is empty")
    return version
