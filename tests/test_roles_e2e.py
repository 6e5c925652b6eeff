"""Invites and roles (issue 10): the /join lockout (across a restart), /revoke_invite, /remove_reviewer,
/remove_official, /roles — each in and out of its county, each in the audit trail — and organ names
that must look like organs' (in /invite and in the interview). Real HTTP against the fake Bot API."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from botkit import RunningBot, ask, db_url, make_config, settled, texts
from nianbao.workflow.storage import AdminAction, Role, Store
from nianbao.dialogs.interview import Interview
from nianbao.dialogs.organ_names import organ_name_problem
from nianbao.text import say

TUOLI, YUMIN = "托里县", "裕民县"
HATU = "托里县哈图镇人民政府"
SUPER, ADMIN_A, ADMIN_B, REVIEWER_A, REVIEWER_B = 1, 10, 20, 11, 21
GROUP_A = -1001
COUNTIES = {TUOLI: {"admins": [ADMIN_A], "review_group": GROUP_A}, YUMIN: {"admins": [ADMIN_B]}}


def _config(fake, tmp_path):
    return make_config(fake, db_url(tmp_path), admins={"super_admins": [SUPER]}, counties=COUNTIES)


@pytest.fixture
async def bot(fake_tg, tmp_path):
    store = Store.open(db_url(tmp_path))
    running = await RunningBot(fake_tg, store, _config(fake_tg, tmp_path)).start()
    store.grant(REVIEWER_A, TUOLI, Role.REVIEWER, by=ADMIN_A)
    store.grant(REVIEWER_B, YUMIN, Role.REVIEWER, by=ADMIN_B)
    fake_tg.group(GROUP_A, "托里县审核群")
    try:
        yield running
    finally:
        await running.stop()
        running.store.close()


async def invite_code(admin, organ: str = "哈图镇人民政府") -> str:
    got = await ask(admin, f"/invite {organ}")
    return got[1].text.removeprefix("/join ")


def audit(store: Store, county: str, action: AdminAction) -> list:
    return [e for e in store.admin_events(county) if e.action is action]


def join_attempt_rows(store: Store, user_id: int) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM join_attempts WHERE user_id = :u"), {"u": user_id}).scalar()


# ---- the /join lockout ------------------------------------------------------------------------------


async def test_five_wrong_codes_lock_out_even_the_right_code_until_ten_minutes_passed(bot, fake_tg):
    code = await invite_code(fake_tg.user(ADMIN_A))
    guesser = fake_tg.user(501, "猜码人")
    for attempt in range(5):
        got = texts(await ask(guesser, f"/join {'ABCDEFG' + 'HJKLM'[attempt]}"))
        assert got == say("bot.invite_unknown"), attempt
    assert join_attempt_rows(bot.store, 501) == 5  # each committed with its refusal
    # the sixth try — the right code — is refused before the code is looked up
    assert texts(await ask(guesser, f"/join {code}")) == say("bot.join_locked", minutes=10)
    assert texts(await ask(guesser, f"/start {code}")) == say("bot.join_locked", minutes=10)
    assert bot.store.roles_of(501) == [] and bot.store.invite(code).used_by is None
    assert join_attempt_rows(bot.store, 501) == 5  # refused tries while locked are not counted
    # another person is not locked by this one's guesses; the time to wait counts down
    bot.clock_now[0] += timedelta(minutes=9, seconds=30)
    assert texts(await ask(guesser, f"/join {code}")) == say("bot.join_locked", minutes=1)
    bot.clock_now[0] += timedelta(seconds=30)
    joined = texts(await ask(guesser, f"/join {code}"))
    assert say("bot.joined", county=TUOLI, organ=HATU) in joined
    assert bot.store.roles_of(501) == [(TUOLI, Role.OFFICIAL)]


async def test_used_and_expired_codes_count_as_wrong_and_the_window_slides(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A)
    used = await invite_code(admin)
    await ask(fake_tg.user(601), f"/join {used}")
    guesser = fake_tg.user(602)
    for _ in range(4):
        assert texts(await ask(guesser, f"/join {used}")) == say("bot.invite_used")
        bot.clock_now[0] += timedelta(minutes=2)
    assert texts(await ask(guesser, "/join nonsense")) == say("bot.invite_unknown")  # 5th, at +8 min
    assert texts(await ask(guesser, f"/join {used}")) == say("bot.join_locked", minutes=2)  # the 1st leaves at +10
    bot.clock_now[0] += timedelta(minutes=2)
    assert texts(await ask(guesser, f"/join {used}")) == say("bot.invite_used")  # 4 in the window now: one more try
    assert texts(await ask(guesser, f"/join {used}")) == say("bot.join_locked", minutes=2)


async def test_the_lockout_survives_a_restart_on_the_same_database(fake_tg, tmp_path):
    store = Store.open(db_url(tmp_path))
    first = await RunningBot(fake_tg, store, _config(fake_tg, tmp_path)).start()
    code = store.create_invite(TUOLI, HATU, by=ADMIN_A, ttl=timedelta(hours=72), now=first.clock())
    guesser = fake_tg.user(701)
    for attempt in range(5):
        assert texts(await ask(guesser, f"/join WRONGCD{attempt + 2}")) == say("bot.invite_unknown")
    await first.stop()
    store.close()

    store = Store.open(db_url(tmp_path))  # a new process: nothing kept in memory
    second = await RunningBot(fake_tg, store, _config(fake_tg, tmp_path), clock_now=list(first.clock_now)).start()
    try:
        second.clock_now[0] += timedelta(minutes=3)
        assert texts(await ask(guesser, f"/join {code}")) == say("bot.join_locked", minutes=7)
        assert store.roles_of(701) == []
        second.clock_now[0] += timedelta(minutes=7)
        assert say("bot.joined", county=TUOLI, organ=HATU) in texts(await ask(guesser, f"/join {code}"))
    finally:
        await second.stop()
        store.close()


# ---- /revoke_invite --------------------------------------------------------------------------------


async def test_revoke_invite_in_its_county_only_and_audited(bot, fake_tg):
    admin_a, admin_b, boss = fake_tg.user(ADMIN_A), fake_tg.user(ADMIN_B), fake_tg.user(SUPER)
    code = await invite_code(admin_a)
    # another county's admin: the code is as unknown to them, and stays usable
    assert texts(await ask(admin_b, f"/revoke_invite {code}")) == say("admin.invite_not_found")
    assert bot.store.invite(code).expires_at > bot.clock()
    for bad in ("/revoke_invite", "/revoke_invite A B"):
        assert texts(await ask(admin_a, bad)) == say("admin.revoke_invite_usage"), bad
    assert "/revoke_invite K7M2Q9XA" in say("admin.revoke_invite_usage")
    assert texts(await ask(admin_a, f"/revoke_invite {code.lower()}")) == say("admin.invite_revoked", organ=HATU)
    assert texts(await ask(admin_a, f"/revoke_invite {code}")) == say("admin.invite_was_expired", organ=HATU)
    newcomer = fake_tg.user(801)
    assert texts(await ask(newcomer, f"/join {code}")) == say("bot.invite_expired")
    assert bot.store.roles_of(801) == []
    # a super admin revokes in any county; a used code cannot be revoked
    other = await invite_code(admin_b, "吉也克镇人民政府")
    assert texts(await ask(boss, f"/revoke_invite {other}")) == say("admin.invite_revoked", organ="裕民县吉也克镇人民政府")
    used = await invite_code(admin_a, "库普乡人民政府")
    await ask(fake_tg.user(802), f"/join {used}")
    assert texts(await ask(admin_a, f"/revoke_invite {used}")) == say(
        "admin.invite_was_used", organ="托里县库普乡人民政府", person_id=802)
    [revoked] = audit(bot.store, TUOLI, AdminAction.REVOKE_INVITE)
    assert (revoked.actor_id, revoked.subject) == (ADMIN_A, HATU)
    assert [(e.actor_id, e.subject) for e in audit(bot.store, YUMIN, AdminAction.REVOKE_INVITE)] == [
        (SUPER, "裕民县吉也克镇人民政府")]
    assert [e.subject for e in audit(bot.store, TUOLI, AdminAction.INVITE)] == [HATU, "托里县库普乡人民政府"]
    every = [e for county in (TUOLI, YUMIN) for e in bot.store.admin_events(county)]
    assert not [e for e in every if code in f"{e.subject} {e.detail}" or used in f"{e.subject} {e.detail}"]


# ---- /remove_reviewer ------------------------------------------------------------------------------


async def test_remove_reviewer_in_scope_only_audited_and_forgotten_by_every_worker(bot, fake_tg, tmp_path):
    admin_a = fake_tg.user(ADMIN_A)
    fake_tg.user(REVIEWER_A)  # has a private chat with the bot: told of the removal
    other_worker = Store.open(db_url(tmp_path))
    try:
        assert other_worker.roles_of(REVIEWER_A) == [(TUOLI, Role.REVIEWER)]  # cached there
        # out of scope: another county's reviewer, named or not
        assert texts(await ask(admin_a, f"/remove_reviewer {REVIEWER_B} {YUMIN}")) == say(
            "admin.not_your_county", county=YUMIN, counties=[TUOLI])
        assert texts(await ask(admin_a, f"/remove_reviewer {REVIEWER_B}")) == say(
            "admin.not_holding", person_id=REVIEWER_B, county=TUOLI, role=say("admin.role_reviewer"))
        assert bot.store.roles_of(REVIEWER_B) == [(YUMIN, Role.REVIEWER)]
        for bad in ("/remove_reviewer", "/remove_reviewer abc", "/remove_reviewer 11 12", "/remove_reviewer 11 托里县 x"):
            assert texts(await ask(admin_a, bad)) == say("admin.remove_reviewer_usage"), bad
        assert "例如：/remove_reviewer 123456789" in say("admin.remove_reviewer_usage")

        got = await settled(fake_tg, admin_a.send(f"/remove_reviewer {REVIEWER_A}"))
        assert texts(i for i in got if i.chat_id == ADMIN_A) == say(
            "admin.reviewer_removed", who=say("admin.person", name="", person_id=REVIEWER_A, config=False), county=TUOLI)
        assert texts(i for i in got if i.chat_id == REVIEWER_A) == say(
            "admin.you_were_removed", county=TUOLI, role=say("admin.role_reviewer"))
        assert bot.store.roles_of(REVIEWER_A) == []
        with other_worker.unit_of_work():  # the generation moved: the other worker's cache is dropped
            assert other_worker.roles_of(REVIEWER_A) == []
        [event] = audit(bot.store, TUOLI, AdminAction.REMOVE_REVIEWER)
        assert (event.actor_id, event.subject) == (ADMIN_A, str(REVIEWER_A))
        # a super admin removes anywhere: the county is the one where the person reviews
        assert "已取消" in texts(await ask(fake_tg.user(SUPER), f"/remove_reviewer {REVIEWER_B}"))
        assert bot.store.roles_of(REVIEWER_B) == []
        assert [e.actor_id for e in audit(bot.store, YUMIN, AdminAction.REMOVE_REVIEWER)] == [SUPER]
        assert audit(bot.store, TUOLI, AdminAction.GRANT_REVIEWER) == []  # granted by the store in the fixture
        await ask(admin_a, f"/grant_reviewer {REVIEWER_A}")
        assert [e.subject for e in audit(bot.store, TUOLI, AdminAction.GRANT_REVIEWER)] == [str(REVIEWER_A)]
    finally:
        other_worker.close()


# ---- /remove_official ------------------------------------------------------------------------------


async def test_a_removed_officials_draft_stays_with_the_organ_and_its_next_official_goes_on(bot, fake_tg):
    admin_a = fake_tg.user(ADMIN_A)
    leaver = await bot.official(901, organ=HATU, county=TUOLI, name="张三")
    await ask(leaver, "#default")  # the year: the draft now holds an answer
    draft = bot.store.active_report(901)
    answered = json.loads(draft.interview_json)["history"]
    assert answered

    # out of scope first: another county's admin cannot, by naming the county or not
    admin_b = fake_tg.user(ADMIN_B)
    assert texts(await ask(admin_b, f"/remove_official 901 {TUOLI}")) == say(
        "admin.not_your_county", county=TUOLI, counties=[YUMIN])
    assert texts(await ask(admin_b, "/remove_official 901")) == say(
        "admin.not_holding", person_id=901, county=YUMIN, role=say("admin.role_official"))
    assert bot.store.roles_of(901) == [(TUOLI, Role.OFFICIAL)]
    for bad in ("/remove_official", "/remove_official 张三"):
        assert texts(await ask(admin_a, bad)) == say("admin.remove_official_usage"), bad

    got = await settled(fake_tg, admin_a.send("/remove_official 901"))
    said = texts(i for i in got if i.chat_id == ADMIN_A)
    assert said == say("admin.official_removed", who=say("admin.person", name="张三", person_id=901, config=False),
                       county=TUOLI, organs=(HATU,), reports=1, handed=0)
    assert "下一位填报人" in said
    assert texts(i for i in got if i.chat_id == 901) == say(
        "admin.you_were_removed", county=TUOLI, role=say("admin.role_official"))
    assert bot.store.roles_of(901) == [] and bot.store.organs_of(901) == []
    assert texts(await ask(leaver, "随便说点什么")) == say("bot.stranger", id=901)
    assert bot.store.report(draft.id).interview_json == draft.interview_json  # the draft is kept as it was
    [event] = audit(bot.store, TUOLI, AdminAction.REMOVE_OFFICIAL)
    assert (event.actor_id, event.subject) == (ADMIN_A, "901")
    assert json.loads(event.detail) == {"organs": [HATU], "reports": 1, "handed": 0}

    # the organ's next official joins with a new invite and continues the same draft
    code = await invite_code(admin_a)
    successor = fake_tg.user(902, "李四")
    joined = texts(await ask(successor, f"/join {code}"))
    assert say("bot.joined", county=TUOLI, organ=HATU) in joined
    continued = bot.store.active_report(902)
    assert continued.id == draft.id and continued.owner_id == 902
    assert json.loads(continued.interview_json)["history"] == answered
    assert say("bot.resumed", title="托里县哈图镇人民政府2024年") in joined
    await ask(successor, "托里县哈图镇人民政府院内，0901-3651234")  # the next answer goes into that draft
    after = bot.store.report(draft.id)
    assert after.version > continued.version and after.owner_id == 902
    assert json.loads(after.interview_json)["history"][:len(answered)] == answered
    assert [a.user_id for a in bot.store.answers(draft.id)][-1] == 902
    assert [r.id for r in bot.store.reports_of(902)] == [draft.id] and bot.store.reports_of(901) == []


async def test_removing_one_of_two_officials_hands_the_draft_to_the_other(bot, fake_tg):
    first = await bot.official(911, organ=HATU, county=TUOLI)
    second = await bot.official(912, organ=HATU, county=TUOLI)  # same organ: the draft of the year is 911's
    assert say("bot.report_taken", organ=HATU, year=2024) in texts(second.replies)
    draft = bot.store.active_report(911)
    said = texts(await ask(fake_tg.user(ADMIN_A), "/remove_official 911"))
    assert "已交给该机关的其他填报人" in said
    assert bot.store.report(draft.id).owner_id == 912
    assert bot.store.active_report(911) is None
    assert first is not None


# ---- /roles ----------------------------------------------------------------------------------------


async def test_roles_lists_who_holds_what_and_open_invites_in_the_county(bot, fake_tg):
    admin_a = fake_tg.user(ADMIN_A, "王管理")
    await ask(admin_a, "/help")  # known by name from now on
    await bot.official(1001, organ=HATU, county=TUOLI, name="张三")
    open_code = await invite_code(admin_a, "库普乡人民政府")
    gone = await invite_code(admin_a, "铁厂沟镇人民政府")
    await ask(admin_a, f"/revoke_invite {gone}")
    bot.store.grant(30, TUOLI, Role.ADMIN, by=SUPER)

    shown = texts(await ask(admin_a, "/roles"))
    assert "县管理员：王管理（10，配置文件）、（未知姓名）（30）" in shown
    assert f"审核人员：（未知姓名）（{REVIEWER_A}）" in shown
    assert f"· {HATU}：张三（1001）" in shown
    assert f"· 托里县库普乡人民政府：{open_code}（1月13日 17:00 前有效）" in shown  # 72 h, China time
    assert gone not in shown and "铁厂沟镇" not in shown
    assert str(REVIEWER_B) not in shown and "裕民县" not in shown
    # out of scope, and bad input
    assert texts(await ask(fake_tg.user(ADMIN_B), f"/roles {TUOLI}")) == say(
        "admin.not_your_county", county=TUOLI, counties=[YUMIN])
    assert texts(await ask(admin_a, "/roles 托里县 全部")) == say("admin.roles_usage")
    assert texts(await ask(fake_tg.user(REVIEWER_A), "/roles")) == say("admin.admins_only")
    assert f"{TUOLI}的人员" in texts(await ask(fake_tg.user(SUPER), f"/roles {TUOLI}"))
    seen = audit(bot.store, TUOLI, AdminAction.ROLES)
    assert [e.actor_id for e in seen] == [ADMIN_A, SUPER] and open_code not in str(seen)


async def test_help_lists_the_new_commands_for_admins(bot, fake_tg):
    got = texts(await ask(fake_tg.user(ADMIN_A), "/help"))
    for command in ("/roles", "/revoke_invite", "/remove_reviewer", "/remove_official"):
        assert command in got


# ---- organ names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, problem", [
    ("托里县哈图镇人民政府", None), ("托里县自然资源局", None), ("托里县政务服务中心", None),
    ("托里县人民政府办公室", None), ("托里县哈图街道办事处", None), ("托里县库普乡", None),
    ("托里县发展和改革委员会", None), ("abc", "not_chinese"), ("1e9", "not_chinese"), ("托里县abc", "not_chinese"),
    ("/etc/passwd", "not_chinese"), ("托里县哈图", "no_organ_word"), ("托里县12345热线", "no_organ_word"),
])
def test_organ_name_check(name, problem):
    assert organ_name_problem(name) == problem


async def test_invite_refuses_what_is_not_an_organ_and_asks_to_confirm_an_unusual_name(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A)
    for typed in ("abc", "1e9"):
        got = texts(await ask(admin, f"/invite {typed}"))
        assert got == say("admin.invite_not_chinese", names=[TUOLI + typed])
        assert "例如：\n/invite 哈图镇人民政府" in got
    got = texts(await ask(admin, "/invite 哈图镇人民政府\n哈图"))  # one unusual name: nothing made
    assert got.startswith("没有生成邀请码：「托里县哈图」不像机关全称") and "确认" in got
    assert bot.store.organs_in_county(TUOLI) == [] and bot.store.open_invites(TUOLI, bot.clock()) == []
    got = await ask(admin, "/invite 哈图镇人民政府\n哈图 确认")
    assert sum((i.text or "").startswith("/join ") for i in got) == 2
    assert bot.store.organs_in_county(TUOLI) == ["托里县哈图", HATU]


def test_the_interview_refuses_a_non_chinese_organ_and_asks_to_confirm_an_unusual_one():
    iv = Interview.new(today=date(2025, 1, 10))
    iv.start()
    for typed in ("abc", "1e9"):
        got = iv.answer(typed)
        assert got[0].text.startswith(say("interview.organ_not_chinese")) and iv.step.id == "organ"
    got = iv.answer("托里县哈图")
    assert say("interview.organ_unusual", organ="托里县哈图") in got[0].text
    assert [b.label for b in got[0].buttons] == [say("interview.button_continue"), say("interview.button_change")]
    assert iv.step.id == "organ"
    iv.answer("继续")
    assert iv.step.id == "county" and iv.report.organ == "托里县哈图"
    fresh = Interview.new(today=date(2025, 1, 10))
    fresh.start()
    fresh.answer(HATU)
    assert fresh.step.id == "county"  # a usual name: no question
