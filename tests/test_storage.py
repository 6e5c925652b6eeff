"""Storage on real SQLite databases (files in tmp_path and in memory): every Store method, the
optimistic lock, atomic answer + log, invites, migrations and the database's own constraints."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.exc import IntegrityError

from nianbao.workflow.storage import (
    CODE_ALPHABET,
    CODE_LENGTH,
    BadTransition,
    GroupTaken,
    InviteError,
    LogEntry,
    NotOwner,
    ReportExists,
    ReportLocked,
    ReportNotFound,
    ReviewAction,
    Role,
    SchemaError,
    StaleVersion,
    Status,
    Store,
    normalize_code,
)
from nianbao.workflow.storage.migrate import UPGRADES, Step, latest_version

T0 = datetime(2025, 1, 6, 9, 30, tzinfo=timezone.utc)
COUNTY, OTHER_COUNTY = "托里县", "裕民县"
HATU, KUOSHAN = "托里县哈图镇人民政府", "托里县库普乡人民政府"
ADMIN, OFFICIAL, OTHER_OFFICIAL, REVIEWER = 100, 1, 2, 300
GROUP = -1001234567890


# PostgreSQL runs too, always: a fresh empty database per test on the session's throw-away server
# (conftest.py's pg_url; NIANBAO_TEST_POSTGRES_URL=postgresql+psycopg://… points it at another server).
POSTGRES = ["postgres"]


def _database_url(kind: str, tmp_path, request=None) -> str:
    if kind == "file":
        return f"sqlite:///{tmp_path / 'nianbao.sqlite'}"
    if kind == "memory":
        return "sqlite://"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated database file to copy: creating the schema costs fsyncs, copying it does not."""
    path = tmp_path_factory.mktemp("template") / "nianbao.sqlite"
    Store.open(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture(params=["file", "memory", *POSTGRES])
def store(request, tmp_path, sqlite_template):
    if request.param == "file":
        shutil.copyfile(sqlite_template, tmp_path / "nianbao.sqlite")
    opened = Store.open(_database_url(request.param, tmp_path, request))
    yield opened
    opened.close()


@pytest.fixture(params=["file", *POSTGRES])
def url(request, tmp_path):
    """A database that outlives the Store object (and the process)."""
    return _database_url(request.param, tmp_path, request)


@pytest.fixture
def file_url(tmp_path):
    return _database_url("file", tmp_path)


def interview(step: str) -> str:
    return json.dumps({"step": step, "report": {"organ": HATU}}, ensure_ascii=False)


def new_report(store: Store, owner=OFFICIAL, organ=HATU, county=COUNTY, year=2024):
    store.upsert_user(owner, f"用户{owner}", T0)
    return store.create_report(owner, organ, county, year, interview("organ"), T0)


def log_count(store: Store, report_id: int) -> int:
    return len(store.answers(report_id))


# ---- schema and migrations -------------------------------------------------------------------


def test_fresh_database_gets_every_table_and_version(url):
    store = Store.open(url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"users", "memberships", "organs", "organ_officials", "reports", "answer_log", "invites",
            "review_groups", "review_events", "template_overrides", "schema_version"} <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == latest_version()
    store.close()


def test_sqlite_is_tuned_on_every_connection(file_url):
    store = Store.open(file_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() >= 1  # NORMAL or FULL, never OFF
    store.close()


def test_reopen_is_idempotent_and_keeps_data(url):
    store = Store.open(url)
    report = new_report(store)
    store.close()
    for _ in range(2):
        again = Store.open(url)
        assert again.report(report.id) == report
        again.close()


def _add_note_column(conn):
    conn.execute(text("ALTER TABLE reports ADD COLUMN note TEXT"))


V2 = (*UPGRADES, Step(latest_version() + 1, "reports.note", _add_note_column))  # the next version


def test_upgrade_step_runs_once_and_records_version(url):
    Store.open(url).close()  # a v1 database
    upgraded = Store.open(url, upgrades=V2)
    assert "note" in {c["name"] for c in inspect(upgraded.engine).get_columns("reports")}
    upgraded.close()
    again = Store.open(url, upgrades=V2)  # would fail if ALTER ran twice
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == latest_version() + 1
    again.close()
    with pytest.raises(SchemaError, match="newer"):  # older code refuses a newer database
        Store.open(url)


def test_failing_upgrade_leaves_database_untouched(url):
    Store.open(url).close()

    def half_done(conn):
        _add_note_column(conn)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        Store.open(url, upgrades=(*UPGRADES, Step(latest_version() + 1, "broken", half_done)))
    store = Store.open(url)  # still a clean database of the current version
    assert "note" not in {c["name"] for c in inspect(store.engine).get_columns("reports")}
    store.close()


def test_v2_adds_last_update_id_to_a_v1_database(file_url):
    Store.open(file_url).close()
    with Store.open(file_url).engine.begin() as conn:  # make it what version 1 created
        conn.execute(text("ALTER TABLE users DROP COLUMN last_update_id"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    store = Store.open(file_url)
    assert "last_update_id" in {c["name"] for c in inspect(store.engine).get_columns("users")}
    store.upsert_user(7, "张三", T0)
    assert store.user(7).last_update_id is None
    store.close()


def test_foreign_database_and_bad_step_order_are_refused(url):
    store = Store.open(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE schema_version"))
    store.close()
    with pytest.raises(SchemaError, match="schema_version"):
        Store.open(url)
    with pytest.raises(ValueError):
        Store.open("sqlite://", upgrades=(Step(1, "clashes with baseline", _add_note_column),))


def test_in_memory_database_is_shared_across_threads():
    store = Store.open("sqlite://")
    worker = threading.Thread(target=store.upsert_user, args=(5, "线程", T0))
    worker.start()
    worker.join()
    assert store.user(5).name == "线程"


# ---- users and roles -------------------------------------------------------------------------


def test_upsert_user_creates_then_renames(store):
    created = store.upsert_user(OFFICIAL, "张三", T0)
    assert (created.person_id, created.name, created.created_at, created.active_report_id) == (OFFICIAL, "张三", T0, None)
    assert store.upsert_user(OFFICIAL, "张三", T0 + timedelta(days=1)) == created
    renamed = store.upsert_user(OFFICIAL, "张三丰", T0 + timedelta(days=1))
    assert renamed.name == "张三丰" and renamed.created_at == T0
    assert store.user(OFFICIAL) == renamed and store.user(999) is None
    with pytest.raises(FrozenInstanceError):
        renamed.name = "x"


def test_times_must_be_aware_and_come_back_in_utc(store):
    with pytest.raises(ValueError, match="naive"):
        store.upsert_user(OFFICIAL, "张三", datetime(2025, 1, 6, 9, 30))
    beijing = timezone(timedelta(hours=8))
    row = store.upsert_user(OFFICIAL, "张三", datetime(2025, 1, 6, 17, 30, tzinfo=beijing))
    assert row.created_at == T0 and row.created_at.tzinfo == timezone.utc
    assert store.upsert_user(OTHER_OFFICIAL, "李四").created_at.tzinfo == timezone.utc


def test_grant_revoke_roles_and_members(store):
    assert store.grant(ADMIN, COUNTY, Role.ADMIN, by=None, now=T0) is True  # unknown users are registered
    assert store.grant(ADMIN, COUNTY, "admin", by=None, now=T0) is False
    store.grant(ADMIN, OTHER_COUNTY, Role.REVIEWER, by=7, now=T0)
    assert store.roles_of(ADMIN) == [(COUNTY, Role.ADMIN), (OTHER_COUNTY, Role.REVIEWER)]
    assert [u.person_id for u in store.members(COUNTY, Role.ADMIN)] == [ADMIN]
    assert store.members(OTHER_COUNTY, Role.ADMIN) == []
    assert store.revoke(ADMIN, COUNTY, Role.ADMIN) is True
    assert store.revoke(ADMIN, COUNTY, Role.ADMIN) is False
    assert store.roles_of(ADMIN) == [(OTHER_COUNTY, Role.REVIEWER)]
    assert store.roles_of(12345) == []
    with pytest.raises(ValueError):
        store.grant(ADMIN, COUNTY, "superuser", by=None)


# ---- invites ---------------------------------------------------------------------------------


def test_invite_code_shape_and_redeem(store):
    codes = {store.create_invite(COUNTY, HATU, ADMIN, timedelta(hours=72), T0) for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    code = codes.pop()
    assert normalize_code(f" {code[:4].lower()}-{code[4:]} ") == code  # how people type it
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # a Chinese IME's ａｂｃ…
    assert store.redeem_invite(full_width, OFFICIAL, T0 + timedelta(hours=1)) == (COUNTY, HATU)
    assert store.roles_of(OFFICIAL) == [(COUNTY, Role.OFFICIAL)]
    assert store.organs_of(OFFICIAL) == [(COUNTY, HATU)]
    assert store.organs_in_county(COUNTY) == [HATU]
    [official] = store.officials_in_county(COUNTY)
    assert (official.person_id, official.county, official.organ) == (OFFICIAL, COUNTY, HATU)


def test_invite_is_single_use(store):
    code = store.create_invite(COUNTY, HATU, ADMIN, timedelta(hours=72), T0)
    store.redeem_invite(code, OFFICIAL, T0)
    for user in (OFFICIAL, OTHER_OFFICIAL):
        with pytest.raises(InviteError) as caught:
            store.redeem_invite(code, user, T0)
        assert caught.value.reason == "used"
    assert store.roles_of(OTHER_OFFICIAL) == []


def test_invite_expires(store):
    code = store.create_invite(COUNTY, HATU, ADMIN, timedelta(hours=72), T0)
    with pytest.raises(InviteError) as caught:
        store.redeem_invite(code, OFFICIAL, T0 + timedelta(hours=72))
    assert caught.value.reason == "expired"
    assert store.roles_of(OFFICIAL) == [] and store.organs_of(OFFICIAL) == []
    assert store.redeem_invite(code, OFFICIAL, T0 + timedelta(hours=71, minutes=59)) == (COUNTY, HATU)


@pytest.mark.parametrize("typed", ["ABCDEFGH", "", "!!!!", "ABCDEFGHJ", "哈图镇邀请码"])
def test_unknown_invite(store, typed):
    store.create_invite(COUNTY, HATU, ADMIN, timedelta(hours=1), T0)
    with pytest.raises(InviteError) as caught:
        store.redeem_invite(typed, OFFICIAL, T0)
    assert caught.value.reason == "unknown"


def test_invite_ttl_must_be_positive(store):
    with pytest.raises(ValueError):
        store.create_invite(COUNTY, HATU, ADMIN, timedelta(0), T0)
    with pytest.raises(ValueError):
        store.create_invite(COUNTY, " ", ADMIN, timedelta(hours=1), T0)


def test_concurrent_redeem_has_exactly_one_winner(url):
    stores = [Store.open(url) for _ in range(4)]
    code = stores[0].create_invite(COUNTY, HATU, ADMIN, timedelta(hours=1), T0)
    outcomes, barrier = [], threading.Barrier(len(stores))

    def redeem(store, user):
        barrier.wait()
        try:
            outcomes.append(store.redeem_invite(code, user, T0))
        except InviteError as error:
            outcomes.append(error.reason)

    threads = [threading.Thread(target=redeem, args=(s, 10 + i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == sorted([str((COUNTY, HATU))] + ["used"] * 3)
    assert len(stores[0].officials_in_county(COUNTY)) == 1
    for s in stores:
        s.close()


def test_revoking_official_unbinds_their_organs_in_that_county_only(store):
    for county, organ in ((COUNTY, HATU), (COUNTY, KUOSHAN), (OTHER_COUNTY, "裕民县吉也克镇人民政府")):
        store.redeem_invite(store.create_invite(county, organ, ADMIN, timedelta(hours=1), T0), OFFICIAL, T0)
    assert len(store.organs_of(OFFICIAL)) == 3
    assert store.revoke(OFFICIAL, COUNTY, Role.OFFICIAL)
    assert store.organs_of(OFFICIAL) == [(OTHER_COUNTY, "裕民县吉也克镇人民政府")]
    assert store.officials_in_county(COUNTY) == []
    assert store.organs_in_county(COUNTY) == [HATU, KUOSHAN]  # organs stay known for /progress


# ---- reports ---------------------------------------------------------------------------------


def test_create_report_and_read_it_back(store):
    report = new_report(store)
    assert (report.owner_id, report.county, report.organ, report.year) == (OFFICIAL, COUNTY, HATU, 2024)
    assert (report.status, report.version, report.review_round) == (Status.DRAFT, 1, 0)
    assert report.interview_json == interview("organ") and report.editable
    assert report.created_at == report.updated_at == T0
    assert store.report(report.id) == report and store.report(report.id + 1) is None
    assert store.active_report(OFFICIAL) == report
    assert store.user(OFFICIAL).active_report_id == report.id
    assert store.reports_of(OFFICIAL) == [report] and store.reports_of(OTHER_OFFICIAL) == []


def test_one_report_per_organ_and_year(store):
    first = new_report(store)
    with pytest.raises(ReportExists) as caught:
        new_report(store, owner=OTHER_OFFICIAL)
    assert (caught.value.report_id, caught.value.owner_id) == (first.id, OFFICIAL)
    assert store.reports_of(OTHER_OFFICIAL) == []
    other_year = new_report(store, year=2025)
    same_name_other_county = new_report(store, county=OTHER_COUNTY)
    assert len({first.id, other_year.id, same_name_other_county.id}) == 3


def test_several_drafts_and_switching(store):
    a = new_report(store)
    b = store.create_report(OFFICIAL, KUOSHAN, COUNTY, 2024, "{}", T0 + timedelta(minutes=1), activate=False)
    assert store.active_report(OFFICIAL).id == a.id
    store.set_active(OFFICIAL, b.id)
    assert store.active_report(OFFICIAL).id == b.id
    assert [r.id for r in store.reports_of(OFFICIAL)] == [b.id, a.id]  # most recently changed first
    store.save_answer(a.id, 1, "{}", [], OFFICIAL, T0 + timedelta(minutes=2))
    assert [r.id for r in store.reports_of(OFFICIAL)] == [a.id, b.id]
    store.set_active(OFFICIAL, None)
    assert store.active_report(OFFICIAL) is None


def test_set_active_only_on_own_existing_report(store):
    report = new_report(store)
    store.upsert_user(OTHER_OFFICIAL, "李四", T0)
    with pytest.raises(NotOwner):
        store.set_active(OTHER_OFFICIAL, report.id)
    with pytest.raises(ReportNotFound):
        store.set_active(OFFICIAL, report.id + 99)
    assert store.active_report(OTHER_OFFICIAL) is None


def test_reports_in_county(store):
    hatu_2024 = new_report(store)
    hatu_2023 = new_report(store, year=2023)
    kuoshan = new_report(store, owner=OTHER_OFFICIAL, organ=KUOSHAN)
    new_report(store, county=OTHER_COUNTY, organ="裕民县吉也克镇人民政府")
    assert [r.id for r in store.reports_in_county(COUNTY)] == [hatu_2023.id, hatu_2024.id, kuoshan.id]
    assert [r.id for r in store.reports_in_county(COUNTY, 2023)] == [hatu_2023.id]
    assert store.reports_in_county("无此县") == []


# ---- answers: optimistic lock and atomic log -------------------------------------------------


def test_save_answer_bumps_version_and_logs(store):
    report = new_report(store)
    at = T0 + timedelta(minutes=5)
    version = store.save_answer(report.id, 1, interview("year"), [
        LogEntry("organ", "哈图镇", json.dumps(HATU, ensure_ascii=False)),
        ("year", "2024", "2024"),
    ], OFFICIAL, at)
    assert version == 2
    saved = store.report(report.id)
    assert (saved.version, saved.interview_json, saved.updated_at) == (2, interview("year"), at)
    log = store.answers(report.id)
    assert [(a.step, a.raw, json.loads(a.value_json), a.version, a.user_id, a.at) for a in log] == [
        ("organ", "哈图镇", HATU, 2, OFFICIAL, at), ("year", "2024", 2024, 2, OFFICIAL, at)]
    assert store.save_answer(report.id, 2, interview("gate"), [], OFFICIAL, at) == 3
    assert log_count(store, report.id) == 2


def test_stale_version_is_refused_and_writes_nothing(store):
    report = new_report(store)
    # Two handlers read version 1; the first one wins, the second must not overwrite it.
    assert store.save_answer(report.id, 1, interview("first"), [("a", "1", "1")], OFFICIAL, T0) == 2
    with pytest.raises(StaleVersion) as caught:
        store.save_answer(report.id, 1, interview("second"), [("b", "2", "2")], OFFICIAL, T0)
    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert store.report(report.id).interview_json == interview("first")
    assert [a.step for a in store.answers(report.id)] == ["a"]


def test_only_owner_writes_existing_editable_report(store):
    report = new_report(store)
    store.upsert_user(OTHER_OFFICIAL, "李四", T0)
    with pytest.raises(NotOwner):
        store.save_answer(report.id, 1, "{}", [("a", "1", "1")], OTHER_OFFICIAL, T0)
    with pytest.raises(ReportNotFound):
        store.save_answer(report.id + 5, 1, "{}", [], OFFICIAL, T0)
    store.set_status(report.id, Status.SUBMITTED, 1, actor=OFFICIAL, now=T0)
    with pytest.raises(ReportLocked) as caught:
        store.save_answer(report.id, 2, "{}", [("a", "1", "1")], OFFICIAL, T0)
    assert caught.value.status == "submitted"
    assert store.report(report.id).interview_json == interview("organ") and log_count(store, report.id) == 0


def test_bad_log_value_is_refused_before_writing(store):
    report = new_report(store)
    with pytest.raises(ValueError):
        store.save_answer(report.id, 1, "{}", [("a", "1", "not json")], OFFICIAL, T0)
    assert store.report(report.id).version == 1


def test_failure_midway_leaves_nothing_half_written(store):
    """The report UPDATE has run when the answer_log INSERT fails: both must roll back."""
    report = new_report(store)
    calls = []

    def explode_on_log_insert(conn, cursor, statement, params, context, executemany):
        calls.append(statement.split()[0])
        if statement.startswith("INSERT INTO answer_log"):
            raise RuntimeError("crash between the two writes")

    event.listen(store.engine, "before_cursor_execute", explode_on_log_insert)
    try:
        with pytest.raises(RuntimeError):
            store.save_answer(report.id, 1, interview("year"), [("organ", "哈图镇", '"x"')], OFFICIAL, T0)
    finally:
        event.remove(store.engine, "before_cursor_execute", explode_on_log_insert)
    assert "UPDATE" in calls  # the failure really came after the report was written
    after = store.report(report.id)
    assert (after.version, after.interview_json) == (1, interview("organ"))
    assert log_count(store, report.id) == 0
    assert store.save_answer(report.id, 1, interview("year"), [("organ", "哈图镇", '"x"')], OFFICIAL, T0) == 2


def test_database_error_in_log_rolls_back_report(store):
    report = new_report(store)
    with pytest.raises(IntegrityError):  # step NOT NULL, discovered by the database itself
        store.save_answer(report.id, 1, interview("year"), [(None, "x", "1")], OFFICIAL, T0)
    assert store.report(report.id).version == 1 and log_count(store, report.id) == 0


CRASHER = """
import os, signal, sys
from datetime import datetime, timezone
from nianbao.workflow.storage import Store
store = Store.open(sys.argv[1])
version = store.save_answer(int(sys.argv[2]), 1, '{"step": "after-crash"}', [("year", "2024", "2024")], 1,
                            datetime.now(timezone.utc))
print(version, flush=True)  # "acknowledged": the reply would be sent now
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_answer_survives_sigkill_right_after_commit(url):
    store = Store.open(url)
    report = new_report(store)
    store.close()
    done = subprocess.run([sys.executable, "-c", CRASHER, url, str(report.id)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL and done.stdout.strip() == "2", done.stderr
    reopened = Store.open(url)
    assert reopened.report(report.id).interview_json == '{"step": "after-crash"}'
    assert [a.step for a in reopened.answers(report.id)] == ["year"]
    reopened.close()


def test_concurrent_writers_queue_instead_of_failing(url):
    """Threads with their own connections write at once (SQLite: WAL + BEGIN IMMEDIATE + busy_timeout)."""
    store = Store.open(url)
    reports = [new_report(store, owner=10 + i, organ=f"机关{i}") for i in range(4)]
    shared = reports[0]
    errors = []

    def answer_own(report, n=40):
        try:
            version = report.version
            for i in range(n):
                version = store.save_answer(report.id, version, interview(str(i)), [("s", str(i), "0")],
                                            report.owner_id, T0)
        except Exception as error:  # pragma: no cover - the assertion below shows it
            errors.append(error)

    def answer_shared(n=20):  # same report: lose the race, re-read, retry
        for i in range(n):
            while True:
                current = store.report(shared.id)
                try:
                    store.save_answer(shared.id, current.version, "{}", [("x", str(i), "0")], shared.owner_id, T0)
                    break
                except StaleVersion:
                    continue

    threads = [threading.Thread(target=answer_own, args=(r,)) for r in reports[1:]]
    threads += [threading.Thread(target=answer_shared) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [store.report(r.id).version for r in reports[1:]] == [41, 41, 41]
    assert store.report(shared.id).version == 41 and log_count(store, shared.id) == 40
    store.close()


def test_save_answer_throughput_on_wal_file(file_url, capsys):
    """The bot needs ≥ 200 committed answers/s (WAL, synchronous=NORMAL: survives a killed process)."""
    store = Store.open(file_url)
    report = new_report(store)
    payload = json.dumps({"answers": ["哈图镇" * 10] * 300}, ensure_ascii=False)  # ~20 KB, a full interview
    n, version = 300, 1
    started = time.perf_counter()
    for i in range(n):
        version = store.save_answer(report.id, version, payload, [("row", "3 0 0 0 0 1", "[3,0,0,0,0,1]")],
                                    OFFICIAL, T0)
    rate = n / (time.perf_counter() - started)
    with capsys.disabled():
        print(f"\nsave_answer: {rate:.0f} commits/s ({len(payload.encode())} B interview, WAL)")
    assert rate >= 200
    store.close()


# ---- review ----------------------------------------------------------------------------------


def test_review_workflow_and_history(store):
    report = new_report(store)
    submitted = store.set_status(report.id, Status.SUBMITTED, 1, actor=OFFICIAL, now=T0)
    assert (submitted.report.status, submitted.report.version, submitted.report.review_round) == (
        Status.SUBMITTED, 2, 1)
    assert (submitted.event.action, submitted.event.version, submitted.event.review_round) == (
        ReviewAction.SUBMIT, 2, 1)
    assert not submitted.report.editable
    returned = store.set_status(report.id, "returned", 2, actor=REVIEWER, comment="表三第（七）项合计有误",
                                now=T0 + timedelta(hours=1))
    assert returned.report.status == Status.RETURNED and returned.event.comment == "表三第（七）项合计有误"
    version = store.save_answer(report.id, 3, interview("fixed"), [("x", "1", "1")], OFFICIAL, T0)  # revise
    again = store.set_status(report.id, Status.SUBMITTED, version, actor=OFFICIAL, now=T0 + timedelta(hours=2))
    assert again.report.review_round == 2
    comment = store.add_comment(report.id, REVIEWER, "已核对", T0 + timedelta(hours=3))
    assert (comment.action, comment.version, comment.review_round) == (ReviewAction.COMMENT, 5, 2)
    approved = store.set_status(report.id, Status.APPROVED, 5, actor=REVIEWER, now=T0 + timedelta(hours=4))
    assert approved.report.status == Status.APPROVED and approved.report.version == 6
    history = store.history(report.id)
    assert [(e.action, e.actor_id, e.version, e.review_round) for e in history] == [
        (ReviewAction.SUBMIT, OFFICIAL, 2, 1), (ReviewAction.RETURN, REVIEWER, 3, 1),
        (ReviewAction.SUBMIT, OFFICIAL, 5, 2), (ReviewAction.COMMENT, REVIEWER, 5, 2),
        (ReviewAction.APPROVE, REVIEWER, 6, 2)]
    with pytest.raises(ReportLocked):  # approved is frozen
        store.save_answer(report.id, 6, "{}", [], OFFICIAL, T0)


@pytest.mark.parametrize("path,wanted", [
    ([], Status.APPROVED), ([], Status.RETURNED), ([], Status.DRAFT),
    ([Status.SUBMITTED], Status.SUBMITTED),
    ([Status.SUBMITTED, Status.APPROVED], Status.SUBMITTED),
    ([Status.SUBMITTED, Status.APPROVED], Status.RETURNED),
])
def test_workflow_refuses_other_moves(store, path, wanted):
    report = new_report(store)
    version = 1
    for status in path:
        version = store.set_status(report.id, status, version, actor=REVIEWER, now=T0).report.version
    with pytest.raises(BadTransition):
        store.set_status(report.id, wanted, version, actor=REVIEWER, now=T0)
    assert store.report(report.id).version == version and len(store.history(report.id)) == len(path)


def test_stale_decision_is_refused(store):
    """A reviewer's button made for version 2 after the official resubmitted as version 4."""
    report = new_report(store)
    store.set_status(report.id, Status.SUBMITTED, 1, actor=OFFICIAL, now=T0)
    store.set_status(report.id, Status.RETURNED, 2, actor=REVIEWER, now=T0)
    store.set_status(report.id, Status.SUBMITTED, 3, actor=OFFICIAL, now=T0)
    with pytest.raises(StaleVersion):
        store.set_status(report.id, Status.APPROVED, 2, actor=REVIEWER, now=T0)
    with pytest.raises(ReportNotFound):
        store.set_status(report.id + 9, Status.APPROVED, 1, actor=REVIEWER, now=T0)
    with pytest.raises(ReportNotFound):
        store.add_comment(report.id + 9, REVIEWER, "?", T0)


def test_group_message_finds_its_event(store):
    report = new_report(store)
    change = store.set_status(report.id, Status.SUBMITTED, 1, actor=OFFICIAL, now=T0)
    store.set_event_message(change.event.id, GROUP, 42)
    found = store.event_for_message(GROUP, 42)
    assert (found.id, found.report_id, found.group_chat_id, found.group_message_id) == (
        change.event.id, report.id, GROUP, 42)
    assert store.event_for_message(GROUP, 43) is None and store.event_for_message(-5, 42) is None
    with pytest.raises(LookupError):
        store.set_event_message(change.event.id + 100, GROUP, 1)


# ---- reviewer groups -------------------------------------------------------------------------


def test_review_groups(store):
    assert store.review_group(COUNTY) is None and store.county_of_group(GROUP) is None
    store.bind_review_group(COUNTY, GROUP, ADMIN, T0)
    assert store.review_group(COUNTY) == GROUP and store.county_of_group(GROUP) == COUNTY
    store.bind_review_group(COUNTY, GROUP, ADMIN, T0)  # binding again is harmless
    with pytest.raises(GroupTaken) as caught:
        store.bind_review_group(OTHER_COUNTY, GROUP, 101, T0)
    assert caught.value.county == COUNTY and store.review_group(OTHER_COUNTY) is None
    store.bind_review_group(COUNTY, GROUP - 1, ADMIN, T0)  # the county moves to a new group
    assert store.review_group(COUNTY) == GROUP - 1 and store.county_of_group(GROUP) is None
    assert store.unbind_review_group(GROUP - 1) and not store.unbind_review_group(GROUP - 1)
    assert store.review_group(COUNTY) is None


# ---- template overrides ----------------------------------------------------------------------


def test_template_overrides(store):
    assert store.override(COUNTY, "prompts.organ") is None and store.override(None, "prompts.organ") is None
    first = store.set_override(COUNTY, "prompts.organ", "请输入{{ county }}机关全称", ADMIN, T0)
    assert (first.source, first.updated_by, first.updated_at) == ("请输入{{ county }}机关全称", ADMIN, T0)
    store.set_override(COUNTY, "prompts.organ", "新的提示", 101, T0 + timedelta(days=1))
    store.set_override(COUNTY, "narratives.proactive", "本年度……", ADMIN, T0)
    store.set_override(OTHER_COUNTY, "prompts.organ", "裕民县的提示", 102, T0)
    assert store.override(COUNTY, "prompts.organ") == "新的提示"
    assert [(o.key, o.source, o.updated_by) for o in store.overrides(COUNTY)] == [
        ("narratives.proactive", "本年度……", ADMIN), ("prompts.organ", "新的提示", 101)]
    assert store.reset_override(COUNTY, "prompts.organ") is True
    assert store.reset_override(COUNTY, "prompts.organ") is False
    assert store.override(COUNTY, "prompts.organ") is None
    assert store.override(OTHER_COUNTY, "prompts.organ") == "裕民县的提示"


# ---- the database's own constraints (not only the store's checks) -----------------------------


@pytest.mark.parametrize("statement", [
    "INSERT INTO memberships (user_id, county, role, granted_at) VALUES (1, '托里县', 'admin', '2025-01-01')",
    "INSERT INTO organs (county, name) VALUES ('托里县', '托里县哈图镇人民政府')",
    "INSERT INTO template_overrides (county, key, source, updated_by, updated_at)"
    " VALUES ('托里县', 'prompts.organ', 'x', 1, '2025-01-01')",
    "INSERT INTO review_groups (chat_id, county, bound_by, bound_at) VALUES (-7, '托里县', 1, '2025-01-01')",
    "INSERT INTO reports (owner_id, organ_id, year, interview, status, version, review_round, created_at,"
    " updated_at) VALUES (1, 1, 2024, '{}', 'draft', 1, 0, '2025-01-01', '2025-01-01')",
])
def test_unique_constraints(store, statement):
    new_report(store)
    store.grant(OFFICIAL, COUNTY, Role.ADMIN, by=None, now=T0)
    store.set_override(COUNTY, "prompts.organ", "x", 1, T0)
    store.bind_review_group(COUNTY, GROUP, 1, T0)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize("statement", [
    "UPDATE reports SET status = 'lost'",
    "UPDATE reports SET version = 0",
    "UPDATE memberships SET role = 'king'",
    "UPDATE reports SET owner_id = 999",  # foreign keys are enforced on SQLite too
])
def test_check_and_foreign_key_constraints(store, statement):
    new_report(store)
    store.grant(OFFICIAL, COUNTY, Role.ADMIN, by=None, now=T0)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text(statement))


def test_simultaneous_first_contacts_do_not_collide(url):
    """Many updates of a new user (and invites for a new organ) at once: get-or-create holds."""
    stores = [Store.open(url) for _ in range(6)]
    barrier, errors = threading.Barrier(len(stores)), []

    def first_contact(store, i):
        barrier.wait()
        try:
            store.upsert_user(77, f"王{i % 2}", T0)
            store.create_invite(COUNTY, "托里县新设镇人民政府", ADMIN, timedelta(hours=1), T0)
            store.set_override(COUNTY, "prompts.organ", f"提示{i}", ADMIN, T0)
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=first_contact, args=(s, i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].user(77).name in ("王0", "王1")
    assert stores[0].organs_in_county(COUNTY) == ["托里县新设镇人民政府"]
    assert len(stores[0].overrides(COUNTY)) == 1
    for s in stores:
        s.close()


def test_schema_compiles_for_postgresql():
    """Without a server at hand, at least the DDL must be plain SQL PostgreSQL accepts."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from nianbao.workflow.storage.models import Base

    ddl = "\n".join(str(CreateTable(t).compile(dialect=postgresql.dialect()))
                    for t in Base.metadata.sorted_tables)
    assert "TIMESTAMP WITH TIME ZONE" in ddl and "BIGINT" in ddl and "sqlite" not in ddl.lower()


# ---- issue 10: the /join lockout, revoking invites, removing roles, the audit trail ----------------


def test_the_join_lockout_slides_and_is_kept_in_the_database(store):
    t0 = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
    for minute in range(4):
        assert store.wrong_join(777, t0 + timedelta(minutes=minute)) == minute + 1
        assert store.join_locked_until(777, t0 + timedelta(minutes=minute)) is None
    assert store.wrong_join(777, t0 + timedelta(minutes=4)) == 5
    assert store.join_locked_until(777, t0 + timedelta(minutes=5)) == t0 + timedelta(minutes=10)
    assert store.join_locked_until(778, t0 + timedelta(minutes=5)) is None  # per person
    assert store.join_locked_until(777, t0 + timedelta(minutes=10, seconds=1)) is None  # the oldest left


def test_a_revoked_invite_cannot_be_redeemed_and_a_removed_reviewer_loses_the_role(store):
    t0 = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
    code = store.create_invite("托里县", "托里县哈图镇人民政府", by=1, ttl=timedelta(hours=2), now=t0)
    assert store.revoke_invite(code, t0 + timedelta(minutes=1))
    assert not store.revoke_invite(code, t0 + timedelta(minutes=2))  # expired already
    with pytest.raises(InviteError):
        store.redeem_invite(code, 900, t0 + timedelta(minutes=3))
    store.grant(901, "托里县", "reviewer", by=1)
    assert store.revoke(901, "托里县", "reviewer")
    assert store.roles_of(901) == []
    store.audit("托里县", 1, "revoke_invite", "托里县哈图镇人民政府", now=t0)
    [event] = store.admin_events("托里县")
    assert (event.actor_id, event.subject) == (1, "托里县哈图镇人民政府") and code not in repr(event)
