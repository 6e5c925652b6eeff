"""Automatic reminders (issue 12 item 4): the schedule rule (due), sending durably and once (run_due:
a restart, two workers), and a county admin's /reminders — through the fake Bot API with a fake clock."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from botkit import RunningBot, ask, db_url, make_config, running_bot, texts
from nianbao.bot import app
from nianbao.dialogs.interview import Interview
from nianbao.text import say
from nianbao.workflow.config import Config
from nianbao.workflow.reminders import (Due, Planned, closes_at, days_left, due, due_at, plan_for, report_year,
                                        run_due, upcoming)
from nianbao.workflow.storage import AdminAction, Status, Store
from nianbao.workflow.storage.models import ReminderOutcome
from nianbao.workflow.storage.migrate import latest_version

TUOLI, YUMIN = "托里县", "裕民县"
ADMIN, OTHER_ADMIN = 10, 20
DEADLINE = date(2025, 1, 31)  # of the 2024 reports (the default 01-31)
DAYS = (15, 7, 3, 1)
UTC = timezone.utc
# The organs of 托里县 and their officials (None: invited, nobody joined): what each has done.
DRAFTING, SUBMITTED, APPROVED, RETURNED, NOT_STARTED = 601, 602, 603, 604, 605
ORGANS = {
    "托里县哈图镇人民政府": (DRAFTING, Status.DRAFT),
    "托里县库普乡人民政府": (SUBMITTED, Status.SUBMITTED),
    "托里县铁厂沟镇人民政府": (APPROVED, Status.APPROVED),
    "托里县自然资源局": (RETURNED, Status.RETURNED),
    "托里县教育局": (NOT_STARTED, None),
    "托里县卫生健康委员会": (None, None),
}
REMINDED = (DRAFTING, RETURNED, NOT_STARTED)


def at(days_before: int, minutes: int = 1) -> datetime:
    """A moment just after the reminder ``days_before`` the deadline fell due (10:00 Beijing time)."""
    return due_at(DEADLINE, days_before, 10) + timedelta(minutes=minutes)


def config(**extra) -> Config:
    return Config.model_validate({"telegram": {"token": "1:x"}, **extra})


# ---- the schedule rule -------------------------------------------------------------------------


def test_the_schedule_is_at_ten_beijing_time_the_days_before_the_deadline():
    assert due_at(DEADLINE, 15, 10) == datetime(2025, 1, 16, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    assert due_at(DEADLINE, 1, 10) == datetime(2025, 1, 30, 2, 0, tzinfo=UTC)
    assert closes_at(DEADLINE) == datetime(2025, 1, 31, 16, 0, tzinfo=UTC)  # midnight after the 31st


@pytest.mark.parametrize("days_before", DAYS)
def test_each_reminder_falls_due_at_its_moment_and_not_a_second_before(days_before):
    earlier = {d: due_at(DEADLINE, d, 10) for d in DAYS if d > days_before}  # those before it were sent
    moment = due_at(DEADLINE, days_before, 10)
    assert due(moment - timedelta(seconds=1), DEADLINE, DAYS, 10, earlier) == Due()
    assert due(moment, DEADLINE, DAYS, 10, earlier) == Due(Planned(days_before, moment))
    sent = {**earlier, days_before: moment}
    assert due(moment + timedelta(hours=23), DEADLINE, DAYS, 10, sent) == Due()  # once


def test_local_midnight_is_not_utc_midnight():
    # At 00:00 Beijing time it is 16:00 the day before in UTC: the local day counts.
    moment = due_at(DEADLINE, 15, 0)
    assert moment == datetime(2025, 1, 15, 16, 0, tzinfo=UTC)
    assert due(moment - timedelta(minutes=1), DEADLINE, DAYS, 0, {}) == Due()
    assert due(moment, DEADLINE, DAYS, 0, {}).send == Planned(15, moment)
    assert days_left(moment, DEADLINE) == 15  # the UTC date (the 15th) would say 16
    # The deadline's day ends at 16:00 UTC: until then the last reminder may still go out, then none.
    late = {d: due_at(DEADLINE, d, 10) for d in (15, 7, 3)}
    assert due(datetime(2025, 1, 31, 15, 59, tzinfo=UTC), DEADLINE, DAYS, 10, late).send.days_before == 1
    assert days_left(datetime(2025, 1, 31, 15, 59, tzinfo=UTC), DEADLINE) == 0
    assert due(datetime(2025, 1, 31, 16, 0, tzinfo=UTC), DEADLINE, DAYS, 10, late) == Due()


def test_after_an_outage_only_the_latest_due_is_sent_and_the_others_skipped():
    now = at(3, minutes=60 * 20)  # 2 days before, 06:01 the next morning: 15, 7 and 3 are due
    decided = due(now, DEADLINE, DAYS, 10, {})
    assert decided.send == Planned(3, due_at(DEADLINE, 3, 10))
    assert [p.days_before for p in decided.skip] == [15, 7]
    recorded = {p.days_before: p.due_at for p in (decided.send, *decided.skip)}
    assert due(now, DEADLINE, DAYS, 10, recorded) == Due()
    assert due(at(1), DEADLINE, DAYS, 10, recorded).send.days_before == 1


def test_after_the_deadline_nothing_is_sent_whatever_was_missed():
    for moment in (closes_at(DEADLINE), closes_at(DEADLINE) + timedelta(days=3)):
        assert due(moment, DEADLINE, DAYS, 10, {}) == Due()
        assert upcoming(moment, DEADLINE, DAYS, 10, {}) is None


def test_days_changed_midway_never_send_an_earlier_reminder_after_a_later_one():
    sent = {15: due_at(DEADLINE, 15, 10), 7: due_at(DEADLINE, 7, 10)}
    # now 10, 5: the 10-day reminder would come after the 7-day one already sent — never
    assert due(at(7, minutes=60 * 26), DEADLINE, (10, 5), 10, sent) == Due()
    decided = due(at(5), DEADLINE, (10, 5), 10, sent)
    assert decided.send.days_before == 5 and [p.days_before for p in decided.skip] == [10]
    # a day added between the last one sent and now is sent (6 days before, due this morning)
    assert due(at(6, minutes=120), DEADLINE, (15, 7, 6, 3), 10, sent).send.days_before == 6
    assert upcoming(at(7), DEADLINE, (10, 5), 10, sent) == Planned(5, due_at(DEADLINE, 5, 10))


def test_upcoming_is_the_one_due_now_else_the_next():
    start = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    assert upcoming(start, DEADLINE, DAYS, 10, {}) == Planned(15, due_at(DEADLINE, 15, 10))
    assert upcoming(at(15), DEADLINE, DAYS, 10, {}) == Planned(15, due_at(DEADLINE, 15, 10))  # now
    assert upcoming(at(15), DEADLINE, DAYS, 10, {15: due_at(DEADLINE, 15, 10)}).days_before == 7
    everything = {d: due_at(DEADLINE, d, 10) for d in DAYS}
    assert upcoming(at(1), DEADLINE, DAYS, 10, everything) is None


def test_the_report_year_is_the_one_whose_deadline_is_ahead():
    c = config()
    assert report_year(datetime(2025, 1, 31, 15, 0, tzinfo=UTC), c) == 2024
    assert report_year(datetime(2025, 1, 31, 16, 0, tzinfo=UTC), c) == 2025  # Feb 1 in Beijing
    assert report_year(datetime(2025, 12, 31, 17, 0, tzinfo=UTC), c) == 2025  # Jan 1 2026 in Beijing
    assert report_year(datetime(2026, 2, 1, 0, 0, tzinfo=UTC), c) == 2026


def test_config_and_county_settings():
    assert config().reminders.days == [15, 7, 3, 1] and config().reminders.hour == 10
    assert config(reminders={"days": [2, 9, 30]}).reminders.days == [30, 9, 2]
    for bad in ({"days": []}, {"days": [0]}, {"days": [61]}, {"days": [3, 3]}, {"hour": 24},
                {"days": list(range(1, 12))}, {"days": ["7"]}, {"when": 1}):
        with pytest.raises(ValueError):
            config(reminders=bad)
    plan = plan_for(config(reminders={"enabled": False}), None)
    assert (plan.enabled, plan.days, plan.own) == (False, DAYS, False)


# ---- sending, durably ----------------------------------------------------------------------------


def join(store: Store, person_id: int, organ: str, county: str = TUOLI, now: datetime | None = None) -> None:
    now = now or datetime(2025, 1, 5, tzinfo=UTC)
    store.upsert_user(person_id, f"填报人{person_id}", now)
    code = store.create_invite(county, organ, by=ADMIN, ttl=timedelta(hours=72), now=now)
    store.redeem_invite(code, person_id, now)


def make_county(store: Store, county: str = TUOLI, organs: dict = ORGANS) -> None:
    """The organs, their officials and their reports of 2024 as ORGANS says."""
    now = datetime(2025, 1, 5, tzinfo=UTC)
    for organ, (official, status) in organs.items():
        if official is None:
            store.create_invite(county, organ, by=ADMIN, ttl=timedelta(hours=72), now=now)
            continue
        join(store, official, organ, county, now)
        if status is None:
            continue
        interview = Interview.new(today=date(2025, 1, 5), organ=organ, county=county, given={"organ": organ})
        row = store.create_report(official, organ, county, 2024, interview.to_json(), now)
        path = {Status.DRAFT: [], Status.SUBMITTED: [Status.SUBMITTED],
                Status.APPROVED: [Status.SUBMITTED, Status.APPROVED],
                Status.RETURNED: [Status.SUBMITTED, Status.RETURNED]}[status]
        for step in path:
            row = store.set_status(row.id, step, row.version, actor=official, now=now).report


def reminders_to(effects, chat: int) -> list[str]:
    return [e.payload["text"] for e in effects if e.lane == f"telegram:{chat}" and e.kind == "message"]


@pytest.fixture
def store(tmp_path):
    opened = Store.open(db_url(tmp_path))
    yield opened
    opened.close()


def test_run_due_reminds_the_officials_not_submitted_and_tells_the_admins(store):
    make_county(store)
    cfg = config(counties={TUOLI: {"admins": [ADMIN]}})
    assert run_due(store, cfg, at(15) - timedelta(minutes=2), "telegram") == set()
    lanes = run_due(store, cfg, at(15), "telegram")
    assert lanes == {f"telegram:{who}" for who in (*REMINDED, ADMIN)}
    effects = store.effects()
    for who in REMINDED:
        [message] = reminders_to(effects, who)
        assert "还剩 15 天" in message
    assert "已被退回" in reminders_to(effects, RETURNED)[0]
    assert not reminders_to(effects, SUBMITTED) and not reminders_to(effects, APPROVED)
    assert reminders_to(effects, ADMIN) == [say("reminders.summary", county=TUOLI, year=2024, days=15, reminded=3,
                                                unreached=1)]
    assert "已提醒 3 个机关，另有 1 个机关还没有填报人" in reminders_to(effects, ADMIN)[0]
    [record] = store.reminder_records([2024], TUOLI)
    assert (record.days_before, record.outcome, record.reminded, record.unreached) == (15, ReminderOutcome.SENT, 3, 1)
    assert record.due_at == due_at(DEADLINE, 15, 10)
    # the next run, and one a day later: nothing again
    assert run_due(store, cfg, at(15, minutes=5), "telegram") == set()
    assert run_due(store, cfg, at(15, minutes=60 * 24), "telegram") == set()
    assert len(store.effects()) == len(effects)


def test_a_county_turned_off_or_without_organs_gets_nothing(store):
    make_county(store)
    cfg = config(reminders={"enabled": False}, counties={YUMIN: {"admins": [OTHER_ADMIN]}})
    assert run_due(store, cfg, at(15), "telegram") == set()
    store.set_reminder_settings(TUOLI, by=ADMIN, enabled=True)  # the county's own choice wins
    assert run_due(store, cfg, at(15), "telegram")
    assert not [e for e in store.effects() if e.lane == f"telegram:{OTHER_ADMIN}"]


def test_remind_still_picks_the_same_officials(store):
    """The manual /remind shares the selection: not started, drafting and returned."""
    from nianbao.workflow.access import identify
    from nianbao.workflow.admin import Admin

    make_county(store)
    cfg = config(counties={TUOLI: {"admins": [ADMIN]}})
    store.upsert_user(ADMIN, "")  # the config's admin has written to the bot: a person with that Telegram id
    outs = Admin(store, cfg, lambda: at(7)).remind(identify(store, cfg, ADMIN, ""), ["2024"])
    assert sorted(o.to for o in outs[:-1]) == sorted(REMINDED)
    assert outs[-1].text == say("admin.reminded", count=3, county=TUOLI, year=2024)


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request, tmp_path):
    if request.param == "sqlite":
        return db_url(tmp_path)
    return request.getfixturevalue("pg_url")


def test_two_stores_racing_send_each_reminder_once(shared_url):
    """Two workers on one database run at the same instant: one sends, the other nothing."""
    first, second = Store.open(shared_url), Store.open(shared_url)
    try:
        make_county(first)
        cfg = config(counties={TUOLI: {"admins": [ADMIN]}})
        for moment in (at(15), at(7), at(7, minutes=2), at(3)):
            start = threading.Barrier(2)
            lanes: list[set[str]] = []

            def run(store: Store) -> None:
                start.wait()
                lanes.append(run_due(store, cfg, moment, "telegram"))

            threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert len(lanes) == 2 and sorted(map(len, lanes))[0] == 0
        effects = first.effects()
        for who in REMINDED:
            assert [re.search(r"还剩 (\d+) 天", m)[1] for m in reminders_to(effects, who)] == ["15", "7", "3"]
        assert len(reminders_to(effects, ADMIN)) == 3
    finally:
        first.close()
        second.close()


def test_the_claim_is_the_unique_record_the_loser_writes_nothing(shared_url):
    """The claim itself: a second transaction recording the same reminder, while the first has not
    committed, waits for it and then finds the reminder taken."""
    first, second = Store.open(shared_url), Store.open(shared_url)
    moment = due_at(DEADLINE, 7, 10)
    inside, results = threading.Event(), []

    def winner() -> None:
        with first.unit_of_work():
            results.append(("first", first.record_reminder(TUOLI, 2024, 7, moment, "sent", now=moment)))
            inside.set()
            threading.Event().wait(0.3)  # the other is waiting on this transaction meanwhile

    def loser() -> None:
        inside.wait(10)
        with second.unit_of_work():
            results.append(("second", second.record_reminder(TUOLI, 2024, 7, moment, "sent", now=moment)))

    try:
        threads = [threading.Thread(target=winner), threading.Thread(target=loser)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == [("first", True), ("second", False)]
        assert len(first.reminder_records([2024])) == 1
    finally:
        first.close()
        second.close()


def test_step_7_upgrades_a_v6_database(shared_url):
    """A v6 database: the reminder tables come, and admin_events (its CHECK rebuilt) keeps its rows
    and accepts 'reminders'."""
    store = Store.open(shared_url)
    store.audit(TUOLI, ADMIN, AdminAction.INVITE, "托里县哈图镇人民政府", now=at(20))
    with store.engine.begin() as conn:  # back to what version 6 made
        conn.execute(text("DROP TABLE reminders"))
        conn.execute(text("DROP TABLE county_reminders"))
        allowed = ", ".join(f"'{a.value}'" for a in AdminAction if a is not AdminAction.REMINDERS)
        if store.is_sqlite:
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'admin_events'")).scalar_one()
            conn.execute(text("ALTER TABLE admin_events RENAME TO old_events"))
            conn.execute(text("DROP INDEX ix_admin_events_county"))
            conn.execute(text(ddl.replace(", 'reminders'", "")))
            conn.execute(text("CREATE INDEX ix_admin_events_county ON admin_events (county, id)"))
            conn.execute(text("INSERT INTO admin_events SELECT * FROM old_events"))
            conn.execute(text("DROP TABLE old_events"))
        else:
            conn.execute(text("ALTER TABLE admin_events DROP CONSTRAINT ck_action_known"))
            conn.execute(text(f"ALTER TABLE admin_events ADD CONSTRAINT ck_action_known CHECK (action IN ({allowed}))"))
        conn.execute(text("UPDATE schema_version SET version = 6"))
    with pytest.raises(IntegrityError):  # what v6 refuses
        store.audit(TUOLI, ADMIN, AdminAction.REMINDERS, TUOLI, now=at(20))
    store.close()

    upgraded = Store.open(shared_url)
    try:
        with upgraded.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == latest_version()
        upgraded.audit(TUOLI, ADMIN, AdminAction.REMINDERS, TUOLI, json.dumps({"days": [5]}), now=at(19))
        assert [e.action for e in upgraded.admin_events(TUOLI)] == [AdminAction.INVITE, AdminAction.REMINDERS]
        upgraded.set_reminder_settings(TUOLI, by=ADMIN, days=[5], now=at(19))
        assert upgraded.reminder_settings()[TUOLI].days == (5,)
        assert upgraded.record_reminder(TUOLI, 2024, 5, due_at(DEADLINE, 5, 10), "sent", now=at(5))
    finally:
        upgraded.close()


# ---- through the fake Bot API, the clock advanced ------------------------------------------------


@pytest.fixture
def quick_ticks(monkeypatch):
    """The JobQueue looks every 0.1 s instead of every minute (the fake clock jumps meanwhile)."""
    monkeypatch.setattr(app, "REMINDERS_EVERY_S", 0.1)


def messages_to(fake, chat: int) -> list[str]:
    return [i.text or "" for i in fake.world.outputs if i.chat_id == chat and i.kind == "message"]


def sent_counts(fake) -> dict[int, int]:
    return {who: len(messages_to(fake, who)) for who in (*REMINDED, SUBMITTED, APPROVED, ADMIN)}


async def test_the_clock_across_15_7_3_1_days_before_sends_each_reminder_once(fake_tg, tmp_path, quick_ticks):
    async with running_bot(fake_tg, tmp_path, counties={TUOLI: {"admins": [ADMIN]}}) as bot:
        make_county(bot.store)
        for who in (*REMINDED, SUBMITTED, APPROVED, ADMIN):
            fake_tg.user(who)
        for n, days_before in enumerate(DAYS, 1):
            bot.clock_now[0] = at(days_before)
            await fake_tg.wait_for(lambda: len(messages_to(fake_tg, ADMIN)) == n, 10)
            await fake_tg.wait_for(lambda: all(len(messages_to(fake_tg, w)) == n for w in REMINDED), 10)
            await asyncio.sleep(0.5)  # several more ticks: nothing twice
            assert sent_counts(fake_tg) == {**dict.fromkeys((*REMINDED, ADMIN), n), SUBMITTED: 0, APPROVED: 0}
            for who in REMINDED:
                assert f"还剩 {days_before} 天" in messages_to(fake_tg, who)[-1]
            assert f"还剩 {days_before} 天）：已提醒 3 个机关" in messages_to(fake_tg, ADMIN)[-1]
        bot.clock_now[0] = closes_at(DEADLINE) + timedelta(hours=1)  # the deadline is over
        await asyncio.sleep(0.5)
        assert sent_counts(fake_tg)[ADMIN] == len(DAYS)
    records = Store.open(db_url(tmp_path))
    try:
        assert [(r.days_before, r.outcome) for r in records.reminder_records([2024], TUOLI)] == \
            [(d, ReminderOutcome.SENT) for d in DAYS]
    finally:
        records.close()


async def test_a_reminder_due_while_the_bot_was_down_goes_out_once_on_start(fake_tg, tmp_path):
    """The JobQueue at its real pace (the first look at start, the next a minute later)."""
    store = Store.open(db_url(tmp_path))
    cfg = make_config(fake_tg, db_url(tmp_path), counties={TUOLI: {"admins": [ADMIN]}})
    make_county(store)
    for who in (*REMINDED, SUBMITTED, APPROVED, ADMIN):
        fake_tg.user(who)

    async def run(moment: datetime, pause: float = 0.4) -> None:
        bot = await RunningBot(fake_tg, store, cfg, clock_now=[moment]).start()
        try:
            await asyncio.sleep(pause)
            await fake_tg.wait_for(bot.idle, 10)
        finally:
            await bot.stop()

    try:
        await run(at(15, minutes=-30))  # stopped before the hour
        assert sent_counts(fake_tg)[ADMIN] == 0
        await run(at(15, minutes=120))  # started after it: sent on start
        assert sent_counts(fake_tg) == {**dict.fromkeys((*REMINDED, ADMIN), 1), SUBMITTED: 0, APPROVED: 0}
        await run(at(15, minutes=180))  # and once only
        assert sent_counts(fake_tg)[ADMIN] == 1
        # down across the 7 and 3 days' reminders: only the latest, with the days as they are now
        await run(at(3, minutes=60 * 20))
        assert sent_counts(fake_tg) == {**dict.fromkeys((*REMINDED, ADMIN), 2), SUBMITTED: 0, APPROVED: 0}
        assert "还剩 2 天" in messages_to(fake_tg, DRAFTING)[-1]
        outcomes = {r.days_before: r.outcome for r in store.reminder_records([2024], TUOLI)}
        assert outcomes == {15: ReminderOutcome.SENT, 7: ReminderOutcome.SKIPPED, 3: ReminderOutcome.SENT}
        await run(closes_at(DEADLINE) + timedelta(minutes=1))  # after the deadline: the 1-day one never
        assert sent_counts(fake_tg)[ADMIN] == 2
    finally:
        store.close()


async def test_two_bot_processes_on_postgres_send_each_reminder_once(fake_tg, pg_url, quick_ticks):
    """Two BotProcesses (each its store, its JobQueue, its sender) on one PostgreSQL database, both
    looking every 0.1 s on the same clock."""
    stores = [Store.open(pg_url), Store.open(pg_url)]
    cfg = make_config(fake_tg, pg_url, counties={TUOLI: {"admins": [ADMIN]}})
    make_county(stores[0])
    for who in (*REMINDED, SUBMITTED, APPROVED, ADMIN):
        fake_tg.user(who)
    clock = [at(7)]  # both start with the 7 days' reminder due (and the 15's missed)
    bots = []
    try:
        for store in stores:
            bots.append(await RunningBot(fake_tg, store, cfg, clock_now=clock).start())
        for n in (1, 2):
            await fake_tg.wait_for(lambda: all(len(messages_to(fake_tg, w)) == n for w in (*REMINDED, ADMIN)), 15)
            await asyncio.sleep(1.0)
            assert sent_counts(fake_tg) == {**dict.fromkeys((*REMINDED, ADMIN), n), SUBMITTED: 0, APPROVED: 0}
            clock[0] = at(3)
    finally:
        for bot in bots:
            await bot.stop()
        for store in stores:
            store.close()
    assert "还剩 3 天" in messages_to(fake_tg, DRAFTING)[-1]


# ---- /reminders ------------------------------------------------------------------------------------


async def test_an_admin_shows_sets_turns_off_and_on_the_county_reminders(fake_tg, tmp_path, quick_ticks):
    counties = {TUOLI: {"admins": [ADMIN]}, YUMIN: {"admins": [OTHER_ADMIN]}}
    async with running_bot(fake_tg, tmp_path, counties=counties) as bot:
        make_county(bot.store)
        for who in (*REMINDED, SUBMITTED, APPROVED):
            fake_tg.user(who)
        admin = fake_tg.user(ADMIN, "王管理")
        shown = texts(await ask(admin, "/reminders"))
        assert "托里县的自动提醒已开启（默认设置）：截止日前 15、7、3、1 天的 10:00（北京时间）" in shown
        assert "下一次：2025年1月16日 10:00（截止前 15 天）" in shown

        saved = texts(await ask(admin, "/reminders 10 5 2"))
        assert say("reminders.saved", county=TUOLI, days=[10, 5, 2]) in saved
        assert "已开启：截止日前 10、5、2 天" in saved and "下一次：2025年1月21日 10:00（截止前 10 天）" in saved
        assert bot.store.reminder_settings()[TUOLI].days == (10, 5, 2)
        for bad in ("/reminders 0", "/reminders 61", "/reminders 5 5", "/reminders 明天"):
            assert texts(await ask(admin, bad)).startswith("用法：/reminders")

        bot.clock_now[0] = at(15)  # the default day: not this county's any more
        await asyncio.sleep(0.4)
        assert messages_to(fake_tg, DRAFTING) == []
        bot.clock_now[0] = at(10)
        await fake_tg.wait_for(lambda: len(messages_to(fake_tg, DRAFTING)) == 1, 10)
        assert "还剩 10 天" in messages_to(fake_tg, DRAFTING)[0]

        off = texts(await ask(admin, "/reminders 关"))
        assert say("reminders.turned", county=TUOLI, enabled=False) in off and "开启：/reminders 开" in off
        bot.clock_now[0] = at(5)
        await asyncio.sleep(0.4)
        assert len(messages_to(fake_tg, DRAFTING)) == 1
        on = texts(await ask(admin, "/reminders 开"))
        assert say("reminders.turned", county=TUOLI, enabled=True) in on and "马上发送" in on
        await fake_tg.wait_for(lambda: len(messages_to(fake_tg, DRAFTING)) == 2, 10)  # the 5 days' one
        assert "还剩 5 天" in messages_to(fake_tg, DRAFTING)[1]

        events = [(e.action, json.loads(e.detail)) for e in bot.store.admin_events(TUOLI)
                  if e.action is AdminAction.REMINDERS]
        assert events == [(AdminAction.REMINDERS, {"days": [10, 5, 2]}), (AdminAction.REMINDERS, {"enabled": False}),
                          (AdminAction.REMINDERS, {"enabled": True})]

        # refused: a stranger, an official, and the admin of another county
        stranger = fake_tg.user(9999)
        assert texts(await ask(stranger, "/reminders")) == say("bot.stranger", id=9999)
        assert texts(await ask(fake_tg.user(DRAFTING), "/reminders 关")) == say("admin.admins_only")
        other = fake_tg.user(OTHER_ADMIN)
        assert texts(await ask(other, "/reminders 关 托里县")) == say("admin.not_your_county", county=TUOLI,
                                                                     counties=[YUMIN])
        assert bot.store.reminder_settings()[TUOLI].enabled is True
        assert "裕民县的自动提醒已开启（默认设置）" in texts(await ask(other, "/reminders"))
