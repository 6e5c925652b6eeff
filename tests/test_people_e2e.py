"""/people and /replace_official (issue 12 item 3), real HTTP against the fake Bot API: a county of 30
organs from a roster, one clerk joined — /people shows who holds which organ (since, last answer), the
29 invited and not joined with their codes, the reviewers, a page at a time; /replace_official takes
the organ from its clerk and makes a fresh code in one step, the organ's report staying for the next
clerk; strangers and other counties' admins are refused."""

from __future__ import annotations

import json
import re

import pytest

from botkit import answer, ask, complete_report, running_bot, texts
from nianbao.text import say
from nianbao.workflow.people_admin import PAGE_LINES
from nianbao.workflow.roster import parse_roster
from nianbao.workflow.roster_admin import apply_roster
from nianbao.workflow.storage import AdminAction, Role
from test_roster_e2e import ADMIN_A, ADMIN_B, COUNTIES, REVIEWER_A, STRANGER, SUPER, TUOLI, YUMIN, roster_rows, xlsx

HATU = TUOLI + "哈图镇人民政府"
CLERK, NEW_CLERK = 501, 502


@pytest.fixture
async def bot(fake_tg, tmp_path):
    """托里县 with 30 organs invited by its admin's roster (the chat's own call), a reviewer, one clerk
    joined for 哈图镇 who answered the whole interview."""
    async with running_bot(fake_tg, tmp_path, counties=COUNTIES, admins={"super_admins": [SUPER]}) as running:
        store = running.store
        store.grant(REVIEWER_A, TUOLI, Role.REVIEWER, by=ADMIN_A)
        store.upsert_user(REVIEWER_A, "李审核")
        roster = parse_roster(xlsx(roster_rows()), "名单.xlsx", TUOLI)
        apply_roster(store, running.config, TUOLI, roster, ADMIN_A, running.clock())
        code = next(i.code for i in store.open_invites(TUOLI, running.clock()) if i.organ == HATU)
        clerk = fake_tg.user(CLERK, "张三")
        await answer(clerk, f"/start {code}")
        complete_report(running, CLERK)
        yield running


def people_text(items) -> str:
    return texts(item for item in items if item.kind == "message")


async def test_people_shows_the_clerk_the_uninvited_and_the_reviewers_a_page_at_a_time(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    got = await ask(admin, "/people")
    first = got[-1]
    assert first.text.startswith(f"{TUOLI}的人员（第 1/2 页）")
    assert "机关 30 个：已加入 1，已邀请未加入 29，没有有效邀请码 0。" in first.text
    assert "审核人员：李审核（11）" in first.text and "县管理员：王管理（10，配置文件）" in first.text
    assert "1. 哈图镇人民政府：张三（501），1月10日加入，最近填写 1月10日" in first.text  # holders first
    open_codes = {i.organ: i.code for i in bot.store.open_invites(TUOLI, bot.clock())}
    assert len(open_codes) == 29 and HATU not in open_codes
    assert first.text.count("：未加入，邀请码 ") == PAGE_LINES - 1
    assert [label for label, _ in first.buttons[0]] == [say("admin.button_next")]
    second = (await answer(admin, "#1"))[-1]
    assert second.text.startswith(f"{TUOLI}的人员（第 2/2 页）") and f"{PAGE_LINES + 1}. " in second.text
    shown = re.findall(r"邀请码 ([A-Z2-9]{8})（", first.text + second.text)
    assert sorted(shown) == sorted(open_codes.values())  # the 29 not joined, each with its code
    assert "1月13日 17:00 前有效" in second.text  # until when (China time)
    # each look at the open codes is in the trail (never the codes themselves)
    looks = [e for e in bot.store.admin_events(TUOLI) if e.action is AdminAction.ROLES]
    assert len(looks) == 2 and json.loads(looks[0].detail) == {"invites": 29, "via": "people"}
    assert not any(code in (e.detail or "") + e.subject for e in looks for code in open_codes.values())
    # a super admin names the county
    boss = fake_tg.user(SUPER, "超管")
    assert "已加入 1，已邀请未加入 29" in people_text(await ask(boss, f"/people {TUOLI}"))


async def test_replace_official_takes_the_organ_and_gives_a_fresh_code_the_report_stays(bot, fake_tg):
    store = bot.store
    report = store.active_report(CLERK)
    assert report is not None and report.organ == HATU
    old = fake_tg.user(CLERK, "张三")
    admin = fake_tg.user(ADMIN_A, "王管理")
    got = await ask(admin, "/replace_official 哈图镇")  # the short name is enough when it is one organ
    new_code = got[1].text.removeprefix("/join ")
    assert say("people.replaced", organ=HATU, removed=["张三（501）"], others=[], reports=1, revoked=0, hours=72,
               link=f"https://t.me/nianbao_test_bot?start={new_code}") == got[0].text
    told = [item for item in fake_tg.world.outputs if item.chat_id == CLERK][-1]
    assert told.text == say("admin.you_were_removed", county=TUOLI, role=say("admin.role_official"))
    # the old clerk can no longer draft for the organ; the report is still the organ's
    assert texts(await ask(old, "/start")) == say("bot.stranger", id=CLERK)
    assert texts(await ask(old, "2024")) == say("bot.stranger", id=CLERK)
    assert store.organs_of(CLERK) == [] and store.roles_of(CLERK) == []
    kept = store.report(report.id)
    assert kept is not None and kept.organ == HATU and kept.version == report.version
    # the new clerk joins with the fresh code and goes on with the organ's report
    new = fake_tg.user(NEW_CLERK, "王五")
    joined = texts(await ask(new, f"/start {new_code}"))
    assert say("bot.joined", county=TUOLI, organ=HATU) in joined
    assert store.report(report.id).owner_id == NEW_CLERK and store.active_report(NEW_CLERK).id == report.id
    # each step in the trail
    actions = [e.action for e in store.admin_events(TUOLI)][-2:]
    assert actions == [AdminAction.REMOVE_OFFICIAL, AdminAction.INVITE]
    assert "哈图镇人民政府：王五（502）" in people_text(await ask(admin, "/people"))
    # an organ with nobody yet: its open code is revoked, a fresh one made
    organ = TUOLI + "教育局"
    before = next(i.code for i in store.open_invites(TUOLI, bot.clock()) if i.organ == organ)
    got = await ask(admin, f"/replace_official {organ}")
    fresh = got[1].text.removeprefix("/join ")
    assert "原来没有填报人" in got[0].text and "原来未用的 1 个邀请码已作废" in got[0].text
    assert [i.code for i in store.open_invites(TUOLI, bot.clock()) if i.organ == organ] == [fresh]
    assert texts(await ask(fake_tg.user(503, "赵六"), f"/join {before}")) == say("bot.invite_expired")


async def test_replace_official_names_one_organ_or_says_why_not(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    assert texts(await ask(admin, "/replace_official")) == say("people.replace_usage")
    assert texts(await ask(admin, "/replace_official 人民政府")).startswith("「人民政府」对得上托里县的几个机关")
    missing = texts(await ask(admin, "/replace_official 哈图镇人民政府办公室"))  # never the organ inside it
    assert missing == say("people.organ_not_found", county=TUOLI, name="哈图镇人民政府办公室", organs=[])
    assert bot.store.organs_of(CLERK) == [(TUOLI, HATU)]


async def test_strangers_and_other_counties_admins_are_refused_people_and_replace(bot, fake_tg):
    stranger = fake_tg.user(STRANGER, "路人")
    for command in ("/people", f"/people {TUOLI}", "/replace_official 哈图镇人民政府"):
        assert texts(await ask(stranger, command)) == say("bot.stranger", id=STRANGER)
    other = fake_tg.user(ADMIN_B, "裕民管理")
    refused = say("admin.not_your_county", county=TUOLI, counties=[YUMIN])
    assert texts(await ask(other, f"/people {TUOLI}")) == refused
    assert texts(await ask(other, f"/replace_official 哈图镇人民政府 {TUOLI}")) == refused
    # without the county: their own, where there is no such organ
    assert texts(await ask(other, f"/replace_official {HATU}")) == say(
        "people.organ_not_found", county=YUMIN, name=HATU, organs=[])
    own = texts(await ask(other, "/people"))
    assert own.startswith(f"{YUMIN}的人员") and "哈图镇" not in own and "机关 0 个" in own
    reviewer = fake_tg.user(REVIEWER_A, "李审核")
    assert texts(await ask(reviewer, "/people")) == say("admin.admins_only")
    # a forged page button of 托里县 pressed by another county's admin: stale, nothing shown
    from nianbao.workflow import people_admin
    from nianbao.workflow.access import identify

    services = bot.process.services
    outsider = identify(bot.store, bot.config, ADMIN_B, "裕民管理")
    assert people_admin.press(services.admin, outsider, f"W{TUOLI}", "2") is None
    assert bot.store.organs_of(CLERK) == [(TUOLI, HATU)]
    assert not [e for e in bot.store.admin_events(TUOLI) if e.actor_id in (ADMIN_B, STRANGER, REVIEWER_A)]
