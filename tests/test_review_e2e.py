"""Review end to end through the fake Telegram server: two counties, two reviewer groups, at once.

submit → return with a reason (a reply in the group, privacy mode on) → revise → resubmit → approve,
with the report read-only while under review and every step in /history.
"""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from docx import Document

from botkit import RunningBot, ask, complete_report, running_bot, settled, texts
from nianbao.workflow.storage import ReviewAction, Status
from nianbao.report.model import Report
from nianbao.text import say

TUOLI, YUMIN = "托里县", "裕民县"
ADMIN_A, ADMIN_B = 10, 20
REVIEWER_A, REVIEWER_B = 11, 21
OFFICIAL_A, OFFICIAL_B = 101, 201
GROUP_A, GROUP_B = -1001, -1002
ORGAN_A, ORGAN_B = "托里县哈图镇人民政府", "裕民县吉也克镇人民政府"


@pytest.fixture
async def bot(fake_tg, tmp_path):
    counties = {TUOLI: {"admins": [ADMIN_A]}, YUMIN: {"admins": [ADMIN_B]}}
    async with running_bot(fake_tg, tmp_path, counties=counties) as running:
        yield running


def body_of(document_bytes: bytes) -> str:
    document = Document(io.BytesIO(document_bytes))
    return "".join(p.text for p in document.paragraphs).replace("\n", "")


async def county_setup(bot: RunningBot, fake, admin_id: int, reviewer_id: int, group_id: int, title: str):
    """The admin binds the group (inside it) and appoints a reviewer (privately)."""
    group = fake.group(group_id, title)
    admin = fake.user(admin_id, "管理员")
    got = await settled(fake, admin.send_in_group(group, "/bind_review_group"))
    assert [i.chat_id for i in got] == [group_id] and "审核群" in got[0].text
    reply = await ask(admin, f"/grant_reviewer {reviewer_id}")
    assert str(reviewer_id) in texts(reply)
    return group, fake.user(reviewer_id, "审核员")


def post_in(fake, group_id: int):
    """The latest review post (the message with 「通过」/「退回修改」) in a group."""
    return next(i for i in reversed(fake.sent(group_id)) if i.buttons)


async def submit(fake, official) -> list:
    offer = await ask(official, "/submit")
    assert offer[-1].buttons, texts(offer)
    return await settled(fake, official.press(offer[-1], offer[-1].callback_data[0]))


async def test_submit_return_revise_resubmit_approve_in_two_counties(bot, fake_tg):
    group_a, reviewer_a = await county_setup(bot, fake_tg, ADMIN_A, REVIEWER_A, GROUP_A, "托里县审核群")
    group_b, reviewer_b = await county_setup(bot, fake_tg, ADMIN_B, REVIEWER_B, GROUP_B, "裕民县审核群")
    official_a = await bot.official(OFFICIAL_A, organ=ORGAN_A, county=TUOLI, name="张三")
    official_b = await bot.official(OFFICIAL_B, organ=ORGAN_B, county=YUMIN, name="李四")
    complete_report(bot, OFFICIAL_A)
    complete_report(bot, OFFICIAL_B, organ=ORGAN_B, county=YUMIN)

    # both submit at once: each county's draft goes to its own group only
    got_a, got_b = await asyncio.gather(submit(fake_tg, official_a), submit(fake_tg, official_b))
    for got, group_id, organ, other in ((got_a, GROUP_A, ORGAN_A, ORGAN_B), (got_b, GROUP_B, ORGAN_B, ORGAN_A)):
        posted = [i for i in fake_tg.sent(group_id) if i.kind == "document"]
        assert len(posted) == 1 and posted[0].filename.endswith("（草稿）.docx") and organ in posted[0].filename
        assert organ in post_in(fake_tg, group_id).text and other not in texts(fake_tg.sent(group_id))
        assert [label for row in post_in(fake_tg, group_id).buttons for label, _ in row] == ["通过", "退回修改"]
    row_a = bot.store.active_report(OFFICIAL_A)
    assert row_a.status is Status.SUBMITTED and row_a.review_round == 1

    # under review the official cannot change anything
    locked = await ask(official_a, "/edit 8")
    assert texts(locked) == say("bot.locked_submitted", title=f"{ORGAN_A}2024年")
    assert bot.store.active_report(OFFICIAL_A).version == row_a.version

    # talk about the post is no decision; county A returns it: the bot asks for the reason, the reviewer replies
    await settled(fake_tg, reviewer_a.send_in_group(group_a, "我看一下", reply_to=post_in(fake_tg, GROUP_A)))
    assert bot.store.active_report(OFFICIAL_A).status is Status.SUBMITTED
    asked = await settled(fake_tg, reviewer_a.press(post_in(fake_tg, GROUP_A), f"d{row_a.id}v{row_a.version}|back"))
    [question] = [i for i in asked if i.chat_id == GROUP_A]
    assert question.reply_markup.get("force_reply") and "原因" in question.text
    reason = "第二部分行政许可数字有误，应为3。"
    got = await settled(fake_tg, reviewer_a.send_in_group(group_a, reason, reply_to=question))
    told = [i for i in got if i.chat_id == OFFICIAL_A]
    assert len(told) == 1 and reason in told[0].text and "退回" in told[0].text
    assert any("已退回" in (i.text or "") for i in got if i.chat_id == GROUP_A)
    assert bot.store.active_report(OFFICIAL_A).status is Status.RETURNED

    # meanwhile county B approves straight away: the final .docx, no 草稿 marker, to group and official
    row_b = bot.store.active_report(OFFICIAL_B)
    got = await settled(fake_tg, reviewer_b.press(post_in(fake_tg, GROUP_B), f"d{row_b.id}v{row_b.version}|ok"))
    finals = [i for i in got if i.kind == "document"]
    assert {i.chat_id for i in finals} == {GROUP_B, OFFICIAL_B}
    for item in finals:
        assert "草稿" not in item.filename and "草稿" not in body_of(item.document)
        assert f"{ORGAN_B}2024年政府信息公开工作年度报告" in body_of(item.document)
    assert bot.store.active_report(OFFICIAL_B).status is Status.APPROVED

    # the official revises (修改第 8 项：行政许可) and resubmits: round 2
    await ask(official_a, "/edit 8")
    await ask(official_a, "3")
    got = await submit(fake_tg, official_a)
    assert any("第 2 版" in (i.text or "") for i in got if i.chat_id == OFFICIAL_A)
    row_a = bot.store.active_report(OFFICIAL_A)
    assert row_a.status is Status.SUBMITTED and row_a.review_round == 2
    assert "第 2 版" in post_in(fake_tg, GROUP_A).text

    # the old round-1 buttons are dead now; the new ones approve
    old_post = next(i for i in fake_tg.sent(GROUP_A) if i.buttons)
    await settled(fake_tg, reviewer_a.press(old_post, old_post.callback_data[0]))
    assert bot.store.active_report(OFFICIAL_A).status is Status.SUBMITTED
    got = await settled(fake_tg, reviewer_a.press(post_in(fake_tg, GROUP_A), f"d{row_a.id}v{row_a.version}|ok"))
    [final] = [i for i in got if i.kind == "document" and i.chat_id == OFFICIAL_A]
    assert "草稿" not in body_of(final.document)
    stored = Report.from_data(json.loads(bot.store.active_report(OFFICIAL_A).interview_json)["report"])
    assert stored.proactive.licensing == 3

    # frozen: no more answers, no second submission
    assert texts(await ask(official_a, "/edit 8")) == say("bot.locked_approved", title=f"{ORGAN_A}2024年")
    assert texts(await ask(official_a, "/submit")) == say("review.already_approved", title=f"{ORGAN_A}2024年")

    # every step recorded: who, which round, the comment; /history shows it
    events = bot.store.history(row_a.id)
    assert [(e.action, e.review_round, e.actor_id) for e in events] == [
        (ReviewAction.SUBMIT, 1, OFFICIAL_A), (ReviewAction.RETURN, 1, REVIEWER_A),
        (ReviewAction.SUBMIT, 2, OFFICIAL_A), (ReviewAction.APPROVE, 2, REVIEWER_A)]
    assert events[1].comment == reason
    shown = texts(await ask(official_a, "/history"))
    assert reason in shown and shown.count("提交") == 2 and "通过第 2 版" in shown and "审核员" in shown
    # the county's reviewer sees it by report id, in the group too
    got = await settled(fake_tg, reviewer_a.send_in_group(group_a, f"/history {row_a.id}"))
    assert reason in texts(got)


async def test_submit_refused_while_incomplete_or_without_group(bot, fake_tg):
    official = await bot.official(OFFICIAL_A, organ=ORGAN_A, county=TUOLI)
    refused = texts(await ask(official, "/submit"))
    assert "还不能提交" in refused and "年度" in refused  # the first of the missing items (the invite told the organ)
    complete_report(bot, OFFICIAL_A)
    assert texts(await ask(official, "/submit")) == say("review.no_group", county=TUOLI)
    assert bot.store.active_report(OFFICIAL_A).status is Status.DRAFT
