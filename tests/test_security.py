"""Nobody sees or changes what is not theirs — tried through the fake Telegram server, forged data included."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta

import pytest

from botkit import RunningBot, ask, complete_report, running_bot, settled, texts
from nianbao.workflow.storage import Status
from nianbao.text import say

TUOLI, YUMIN = "托里县", "裕民县"
ADMIN_A, ADMIN_B, REVIEWER_A, REVIEWER_B = 10, 20, 11, 21
GROUP_A, GROUP_B = -1001, -1002
STRANGER = 999


@pytest.fixture
async def bot(fake_tg, tmp_path):
    counties = {TUOLI: {"admins": [ADMIN_A], "review_group": GROUP_A},
                YUMIN: {"admins": [ADMIN_B], "review_group": GROUP_B}}
    async with running_bot(fake_tg, tmp_path, invites={"ttl_hours": 2}, counties=counties) as running:
        running.store.grant(REVIEWER_A, TUOLI, "reviewer", by=ADMIN_A)
        running.store.grant(REVIEWER_B, YUMIN, "reviewer", by=ADMIN_B)
        fake_tg.group(GROUP_A, "托里县审核群")
        fake_tg.group(GROUP_B, "裕民县审核群")
        yield running


async def submitted(bot: RunningBot, fake, user_id: int, organ: str, county: str):
    """An official whose complete report is under review; returns (official, report row, group post)."""
    official = await bot.official(user_id, organ=organ, county=county)
    complete_report(bot, user_id, organ=organ, county=county)
    offer = await ask(official, "/submit")
    await settled(fake, official.press(offer[-1], offer[-1].callback_data[0]))
    row = bot.store.active_report(user_id)
    assert row.status is Status.SUBMITTED
    group = GROUP_A if county == TUOLI else GROUP_B
    post = next(i for i in reversed(fake.sent(group)) if i.buttons)
    return official, row, post


async def forge_press(fake, user, chat_id: int, message_id: int, data: str) -> list:
    """A callback query Telegram would never build from our buttons: any data, on any message."""
    message = copy.deepcopy(fake.world.chats[chat_id].messages[message_id])
    query = {"id": fake.world.new_callback_query_id(), "from": user.as_dict(), "message": message,
             "chat_instance": "42", "data": data}
    fake.world.callback_queries[query["id"]] = query  # so answerCallbackQuery knows it
    answered = len(fake.answered_callbacks)
    got = await settled(fake, fake.deliver("callback_query", query))
    await fake.wait_for(lambda: len(fake.answered_callbacks) > answered)
    return [fake.answered_callbacks[-1].get("text"), *got]


async def test_a_stranger_can_start_or_read_nothing(bot, fake_tg):
    stranger = fake_tg.user(STRANGER, "路人")
    for attempt in ("/submit", "/history 1", "/progress", "/rollup 2024", "/remind", "/invite 哈图镇人民政府",
                    "/prompt organ", "/set_prompt organ\n你好", "/reset_prompt organ", "/grant_reviewer 999",
                    "/grant_admin 999 托里县", "/narrative proactive", "/help", "/bind_review_group"):
        got = await ask(stranger, attempt)
        assert [i.text for i in got] == [say("bot.stranger", id=STRANGER)], attempt
        assert not got[0].buttons
    assert bot.store.roles_of(STRANGER) == [] and bot.store.organs_in_county(TUOLI) == []
    assert bot.store.override(TUOLI, "prompts.organ") is None
    # in a group a stranger is not answered at all, and binds nothing
    got = await settled(fake_tg, stranger.send_in_group(GROUP_A, "/bind_review_group 托里县"))
    got += await settled(fake_tg, stranger.send_in_group(GROUP_A, "/history 1"))
    assert got == [] and bot.store.review_group(TUOLI) is None


async def test_invite_codes_are_single_use_and_expire(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A)
    code = (await ask(admin, "/invite 哈图镇人民政府"))[1].text.removeprefix("/join ")
    first, second = fake_tg.user(501), fake_tg.user(502)
    assert say("bot.joined", county=TUOLI, organ="托里县哈图镇人民政府") in texts(await ask(first, f"/join {code}"))
    assert texts(await ask(second, f"/start {code}")) == say("bot.invite_used")
    assert bot.store.roles_of(502) == []
    late = (await ask(admin, "/invite 库普乡人民政府"))[1].text.removeprefix("/join ")
    bot.clock_now[0] += timedelta(hours=2)
    assert texts(await ask(second, f"/join {late}")) == say("bot.invite_expired")
    assert texts(await ask(second, "/join ABCDEFGH")) == say("bot.invite_unknown")
    assert bot.store.roles_of(502) == []


async def test_a_reviewer_of_one_county_cannot_decide_for_another(bot, fake_tg):
    _, row_b, post_b = await submitted(bot, fake_tg, 601, "裕民县吉也克镇人民政府", YUMIN)
    _, row_a, post_a = await submitted(bot, fake_tg, 602, "托里县哈图镇人民政府", TUOLI)
    reviewer_a, reviewer_b = fake_tg.user(REVIEWER_A, "托里审核"), fake_tg.user(REVIEWER_B, "裕民审核")
    approve_b = f"d{row_b.id}v{row_b.version}|ok"
    # B's data on A's own post in A's group, and on B's post in B's group: not A's county
    for chat_id, message_id in ((GROUP_A, post_a.message_id), (GROUP_B, post_b.message_id)):
        for data in (approve_b, f"d{row_b.id}v{row_b.version}|back"):
            got = await forge_press(fake_tg, reviewer_a, chat_id, message_id, data)
            assert got == [say("review.not_reviewer")]
    # B's own reviewer, but from A's group: refused too
    got = await forge_press(fake_tg, reviewer_b, GROUP_A, post_a.message_id, approve_b)
    assert got == [say("review.wrong_group", county=YUMIN)]
    # A county admin of A cannot either
    got = await forge_press(fake_tg, fake_tg.user(ADMIN_A), GROUP_B, post_b.message_id, approve_b)
    assert got == [say("review.not_reviewer")]
    assert bot.store.report(row_b.id).status is Status.SUBMITTED
    assert bot.store.history(row_b.id)[-1].action.value == "submit"


async def test_a_group_member_who_is_not_a_reviewer_cannot_decide(bot, fake_tg):
    official, row, post = await submitted(bot, fake_tg, 701, "托里县哈图镇人民政府", TUOLI)
    member = fake_tg.user(STRANGER, "群成员")
    for person in (member, official):  # the official of the same county is no reviewer either
        got = await forge_press(fake_tg, person, GROUP_A, post.message_id, post.callback_data[0])
        assert got == [say("review.not_reviewer")]
    # the reason question is a reply thread: a non-reviewer's reply does not return the report
    asked = await settled(fake_tg, fake_tg.user(REVIEWER_A, "审核员").press(post, post.callback_data[1]))
    question = next(i for i in asked if i.chat_id == GROUP_A)
    got = await settled(fake_tg, member.send_in_group(GROUP_A, "我觉得不行", reply_to=question))
    assert texts(got) == say("review.not_reviewer")
    assert bot.store.report(row.id).status is Status.SUBMITTED


async def test_an_official_cannot_open_another_officials_draft(bot, fake_tg):
    mine = await bot.official(801, organ="托里县哈图镇人民政府", county=TUOLI)
    other = await bot.official(802, organ="托里县库普乡人民政府", county=TUOLI)
    theirs = bot.store.active_report(802)
    drafts = await ask(mine, "/drafts")
    got = await forge_press(fake_tg, mine, 801, drafts[-1].message_id, f"drafts|{theirs.id}")
    assert say("bot.not_your_draft") in texts(got[1:])
    assert bot.store.active_report(801).id != theirs.id
    assert texts(await ask(mine, f"/history {theirs.id}")) == say("review.history_not_found", report_id=theirs.id)
    # nor submit it, with the submit button's data forged
    got = await forge_press(fake_tg, mine, 801, drafts[-1].message_id, f"s{theirs.id}v{theirs.version}|go")
    assert got == [say("bot.button_stale")]
    assert bot.store.report(theirs.id).status is Status.DRAFT
    assert other is not None


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__ }}",
    "{{ organ.__class__.__init__.__globals__ }}",
    "{{ organ['__class__'] }}",
    "{{ columns.pop() }}",
    "{{ range(99999999)|join }}",
    "{% for a in columns %}{% for b in columns %}{% for c in columns %}x{% endfor %}{% endfor %}{% endfor %}",
    "{% for a in organ %}{{ a }}{% endfor %}",
    "{{ 'x' * 999999999 }}",
    "{{ 9 ** 99999999 }}",
    "{% include 'anything' %}",
    "{{ cycler }}",
])
async def test_template_injection_is_refused_before_saving(bot, fake_tg, template):
    admin = fake_tg.user(ADMIN_A)
    got = await ask(admin, f"/set_prompt organ\n{template}")
    assert "没有保存" in texts(got) and not any(i.buttons for i in got)
    assert bot.store.override(TUOLI, "prompts.organ") is None
    # the same again as the reply the bot asks for: refused the same way
    got = await settled(fake_tg, admin.send(template, reply_to=got[-1]))
    assert "没有保存" in texts(got) and bot.store.override(TUOLI, "prompts.organ") is None


async def test_a_county_admin_edits_only_their_own_county(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A)
    got = texts(await ask(admin, "/set_prompt organ 裕民县\n别县的问题"))
    assert got == say("admin.not_your_county", county=YUMIN, counties=[TUOLI])
    assert texts(await ask(admin, "/progress 裕民县")) == got
    # a preview's 「保存」 works only for the admin who asked for it
    preview = await ask(admin, "/set_prompt organ\n托里县的问题")
    other_admin = fake_tg.user(ADMIN_B)
    got = await forge_press(fake_tg, other_admin, ADMIN_A, preview[-1].message_id, preview[-1].callback_data[0])
    assert got == [say("bot.button_stale")]
    assert bot.store.override(TUOLI, "prompts.organ") is None and bot.store.override(YUMIN, "prompts.organ") is None


async def test_garbage_gets_a_clear_message_never_a_traceback(bot, fake_tg, caplog):
    caplog.set_level(logging.ERROR)
    admin = fake_tg.user(ADMIN_A)
    official = await bot.official(901, organ="托里县哈图镇人民政府", county=TUOLI)
    expected = {
        "/history abc": say("review.history_usage"),
        "/history 99999999999999999999": say("review.history_usage"),
        "/history 424242": say("review.history_not_found", report_id="424242"),
        "/progress 1899": say("admin.year_usage", command="progress", example=2024),
        "/rollup 20xx": say("admin.year_usage", command="rollup", example=2024),
        "/remind 2024 2025": say("admin.year_usage", command="remind", example=2024),
        "/grant_reviewer abc": say("admin.grant_reviewer_usage"),
        "/grant_reviewer": say("admin.grant_reviewer_usage"),
        "/invite": say("admin.invite_usage"),
        "/invite /etc/passwd": say("admin.invite_usage"),
        "/bind_review_group": say("admin.bind_usage"),
    }
    for command, reply in expected.items():
        assert texts(await ask(admin, command)) == reply, command
    for command in ("/prompt ../../etc/passwd", "/set_prompt nosuch\n你好", "/reset_narrative", "/narrative a b c"):
        got = texts(await ask(admin, command))
        assert got.startswith("请写") and ("organ" in got or "proactive" in got), command
    # buttons: unknown, malformed, oversized, stale, someone else's
    drafts = await ask(official, "/drafts")
    for data in ("d999999v1|ok", "d1v1|zzz", "dabc|ok", "s424242v1|go", "t00000000|save", "x" * 80, "", "|",
                 "drafts|abc", "drafts|-1", "r1v1|默认"):
        got = await forge_press(fake_tg, official, 901, drafts[-1].message_id, data)
        assert got[0] in (say("bot.button_stale"), None), data
        assert say("bot.sorry") not in texts(got[1:]), data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert say("bot.sorry") not in texts(fake_tg.world.outputs)


def test_a_configured_text_that_fails_on_a_report_falls_back_to_the_shipped_one(tmp_path):
    """Config templates are only syntax-checked at start: one that fails when rendered must not stop interviews."""
    from datetime import date

    from nianbao.workflow.config import Config
    from nianbao.workflow.services import Services
    from nianbao.workflow.storage import Store
    from nianbao.dialogs.interview import Interview
    from nianbao.dialogs.prompts import Prompts
    from nianbao.dialogs.template_vars import sample_variables

    config = Config.model_validate({"telegram": {"token": "1:abc"},
                                    "counties": {TUOLI: {"prompts": {"organ": "{{ no_such_variable }}"},
                                                         "narratives": {"proactive": "{{ organ.nope.deeper }}"}}}})
    store = Store.open("sqlite://")
    try:
        prompts = Services(store, config).prompts_for(TUOLI)
        first = Interview.new(today=date(2025, 1, 10), organ="托里县哈图镇人民政府", county=TUOLI, prompts=prompts).start()
        assert "报告机关的全称是什么" in first[-1].text
        figures = sample_variables("narratives.proactive")
        assert prompts.narrative("proactive", TUOLI, **figures) == Prompts().narrative("proactive", TUOLI, **figures)
        store.set_override(TUOLI, "prompts.organ", "托里县：{{ organ }}", by=ADMIN_A)
        assert prompts.prompt("organ", TUOLI, organ="甲") == "托里县：甲"  # a working one is used
        assert Services(store, config).prompts_for(YUMIN).prompt("organ", YUMIN, proposal=None).startswith("报告机关")
    finally:
        store.close()
