"""County admins end to end: invite, bind the group, edit a prompt and see it used, progress, rollup, remind."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from docx import Document

from botkit import ask, complete_report, running_bot, settled, texts
from nianbao.workflow.storage import Status
from nianbao.report.model import Report
from nianbao.report.rollup import rollup, rollup_organ, rollup_title
from nianbao.text import say

TUOLI, YUMIN = "托里县", "裕民县"
SUPER, ADMIN_A, ADMIN_B = 1, 10, 20


@pytest.fixture
async def bot(fake_tg, tmp_path):
    counties = {TUOLI: {"admins": [ADMIN_A]}, YUMIN: {"admins": [ADMIN_B]}}
    async with running_bot(fake_tg, tmp_path, admins={"super_admins": [SUPER]}, counties=counties) as running:
        yield running


async def test_invite_code_makes_an_official_of_that_organ(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    got = await ask(admin, "/invite 哈图镇人民政府")
    assert "托里县哈图镇人民政府" in got[0].text and "72 小时" in got[0].text
    code = got[1].text.removeprefix("/join ")
    newcomer = fake_tg.user(301, "赵六")
    joined = texts(await ask(newcomer, got[1].text))
    assert say("bot.joined", county=TUOLI, organ="托里县哈图镇人民政府") in joined
    assert bot.store.organs_of(301) == [(TUOLI, "托里县哈图镇人民政府")]
    assert len(code) == 8


async def test_super_admin_appoints_county_admin_who_binds_a_group(bot, fake_tg):
    boss = fake_tg.user(SUPER, "省管理员")
    got = texts(await ask(boss, "/grant_admin 30 额敏县"))
    assert "额敏县" in got
    newcomer = fake_tg.user(30, "县管理员")
    group = fake_tg.group(-3003, "额敏县审核群")
    got = await settled(fake_tg, newcomer.send_in_group(group, "/bind_review_group"))
    assert texts(got) == say("admin.group_bound", county="额敏县")
    assert bot.store.review_group("额敏县") == -3003
    # a county admin cannot appoint admins, and a super admin of several counties must name one
    assert texts(await ask(fake_tg.user(ADMIN_A), "/grant_admin 31 托里县")) == say("admin.super_only")
    assert texts(await ask(boss, "/progress")) == say("admin.name_county", example="/progress 2024 托里县")


async def test_prompt_override_is_checked_previewed_saved_and_used_in_its_county_only(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    shown = await ask(admin, "/prompt organ")
    assert say("admin.origin_shipped") in shown[0].text and "proposal" in shown[0].text
    assert shown[1].text.startswith("报告机关的全称是什么")

    # an unknown variable is shown before saving, and nothing is saved
    problems = await ask(admin, "/set_prompt year\n请写年度，例如{{ organ_name }}")
    assert "organ_name" in texts(problems) and "没有保存" in texts(problems)
    assert bot.store.override(TUOLI, "prompts.year") is None

    # corrected as the reply the bot asks for: a preview on the sample report, then 「保存」
    fixed = "托里县专用：请写报告年度。{% if proposal %}建议：{{ proposal }}{% endif %}"
    preview = await settled(fake_tg, admin.send(fixed, reply_to=problems[-1]))
    assert "托里县专用：请写报告年度。建议：2024年" in preview[-1].text
    saved = await ask(admin, "#save")
    assert "已保存" in texts(saved)
    assert (await ask(admin, "/prompt year"))[0].text.startswith(f"{TUOLI}「prompts.year」现在用的是{say('admin.origin_chat')}")

    # used by a new official of 托里县 — and not by one of 裕民县
    mine = await bot.official(401, organ="托里县库普乡人民政府", county=TUOLI)
    other = await bot.official(402, organ="裕民县吉也克镇人民政府", county=YUMIN)
    assert "托里县专用：请写报告年度。建议：2024年" in texts(mine.replies)  # the first question asked
    assert "托里县专用" not in texts(other.replies) and "报告哪一年的工作" in texts(other.replies)

    # the text may also come as the reply to the bot's question; 「取消」 keeps nothing
    asked = await ask(admin, "/set_prompt county")
    assert asked[-1].reply_markup.get("force_reply")
    await admin.send("所属县？{{ proposal }}", reply_to=asked[-1])
    preview = await admin.wait_reply(1)
    assert "所属县？托里县" in preview[0].text
    assert "已取消" in texts(await ask(admin, "#cancel"))
    assert bot.store.override(TUOLI, "prompts.county") is None

    # reset: back to the shipped question for the next official
    assert "已恢复" in texts(await ask(admin, "/reset_prompt year"))
    later = await bot.official(403, organ="托里县铁厂沟镇人民政府", county=TUOLI)
    assert "托里县专用" not in texts(later.replies)


async def test_narrative_override_reaches_the_report(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    await ask(admin, "/set_narrative management\n{{ we }}建立了政务公开工作台账，{{ year }}年度无差错。")
    await ask(admin, "#save")
    official = await bot.official(501, organ="托里县库普乡人民政府", county=TUOLI)
    complete_report(bot, 501, organ="托里县库普乡人民政府", county=TUOLI)
    # the script wrote its own paragraph; the official goes back to it and takes the county's proposal
    shown = texts(await ask(official, "/edit 19"))  # 一（三）: the 19th question asked
    assert "我乡建立了政务公开工作台账，2024年度无差错。" in shown
    await ask(official, "#default")
    report = Report.from_data(json.loads(bot.store.active_report(501).interview_json)["report"])
    assert report.overview.management == "我乡建立了政务公开工作台账，2024年度无差错。"


async def test_progress_rollup_and_remind(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    await ask(admin, "/invite 库普乡人民政府")  # invited, not started
    await bot.official(601, organ="托里县哈图镇人民政府", county=TUOLI)
    await bot.official(602, organ="托里县自然资源局", county=TUOLI)
    drafting = await bot.official(603, organ="托里县铁厂沟镇人民政府", county=TUOLI)
    await ask(drafting, "#default")  # the year answered (organ, county, level from the invite): step 5
    complete_report(bot, 601)
    complete_report(bot, 602, "full-figures.script", organ="托里县自然资源局", county=TUOLI)
    for official in (601, 602):
        row = bot.store.active_report(official)
        row = bot.store.set_status(row.id, Status.SUBMITTED, row.version, actor=official, now=bot.clock()).report
        bot.store.set_status(row.id, Status.APPROVED, row.version, actor=ADMIN_A, now=bot.clock())

    progress = texts(await ask(admin, "/progress"))
    assert "托里县库普乡人民政府：未开始" in progress
    assert "托里县铁厂沟镇人民政府：填写中（第 5/" in progress
    assert "托里县哈图镇人民政府：已通过（第 1 版）" in progress
    assert "截止 2025年1月31日，还剩 21 天" in progress

    got = await ask(admin, "/rollup 2024 全部")  # a township and a department: all organs (/rollup alone asks)
    [data_file, word_file] = [i for i in got if i.kind == "document"]
    title = rollup_title(TUOLI, 2024, rollup_organ(TUOLI, "all"))
    assert word_file.filename == f"{title}.docx" and data_file.filename == f"{title}.json"
    summed = Report.from_json(data_file.document)
    reports = [Report.from_data(json.loads(bot.store.active_report(u).interview_json)["report"]) for u in (601, 602)]
    expected = rollup(reports, county=TUOLI, year=2024, organ=rollup_organ(TUOLI, "all"))
    assert summed == expected
    assert summed.proactive.licensing == sum(r.proactive.licensing for r in reports) > 0
    assert summed.applications.new == [a + b for a, b in zip(*(r.applications.new for r in reports))]
    body = "".join(p.text for p in Document(io.BytesIO(word_file.document)).paragraphs).replace("\n", "")
    assert title in body and "草稿" not in body
    waiting = got[-1].text
    assert "托里县库普乡人民政府" in waiting and "托里县铁厂沟镇人民政府" in waiting and "哈图镇" not in waiting

    # remind: only the official who has not submitted (603); 601 and 602 are approved
    bot.clock_now[0] += timedelta(days=5)
    got = await settled(fake_tg, admin.send("/remind"))
    reminders = [i for i in got if i.chat_id == 603]
    assert len(reminders) == 1 and "还剩 16 天" in reminders[0].text
    assert not [i for i in got if i.chat_id in (601, 602)]
    assert texts(i for i in got if i.chat_id == ADMIN_A) == say("admin.reminded", count=1, county=TUOLI, year=2024)


async def test_rollup_without_approved_reports_says_so(bot, fake_tg):
    admin = fake_tg.user(ADMIN_B, "裕民管理")
    await bot.official(701, organ="裕民县吉也克镇人民政府", county=YUMIN)
    got = await ask(admin, "/rollup")
    assert not [i for i in got if i.kind == "document"]
    assert "还没有可汇总的报告" in got[0].text and "裕民县吉也克镇人民政府" in got[1].text


async def test_help_for_admins_lists_their_commands(bot, fake_tg):
    got = texts(await ask(fake_tg.user(ADMIN_A), "/help"))
    assert "/invite" in got and "/grant_admin" not in got
    assert "/grant_admin" in texts(await ask(fake_tg.user(SUPER), "/help"))
