"""Issue 9, counted through the real bot over the fake Telegram: how many actions (a message typed or a
button pressed) an official needs from /join to the .docx, and what the bot no longer asks.

Before issue 9 (measured with the code of then, the same answers): the zero report took 22 actions
from /join, the report with applications below 34, full-figures.script 54.
"""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from botkit import RunningBot, answer, db_url, documents, make_config, script_answers
from nianbao.workflow.storage import Store
from nianbao.report.model import Report
from nianbao.report.rules import check

TUOLI = "托里县"
ADMIN = 8001
# What a county admin sets once for the county's organs (config.example.toml documents each).
COUNTY = {
    "admins": [ADMIN],
    "portal": "托里县人民政府门户网站",
    "narratives": {
        "default_channels": "政府门户网站、政务公开栏",
        "review_practice": "{{ we }}公开政府信息前，由经办人初审、分管领导审核、主要领导审签，并进行保密审查。",
        "assessment": "县人民政府将政务公开工作纳入年度绩效考核。",
        "improvements": "一是参加县里组织的政务公开业务培训；二是研究开通政务新媒体，扩大信息传播面。",
    },
}
BEFORE = {"zero": 22, "applications": 34, "full figures": 54}
CONTACT = "托里县哈图镇人民政府院内，0901-3651234"

ZERO = ["#default",        # the year proposed (January: last year)
        CONTACT,           # asked once per organ
        "#table_zeros",    # 二 all 0
        "#none_at_all",    # 三 no application, 四 no appeal either
        "#done",           # 一: the county's channels, as proposed
        "4",               # items published
        "#no",             # no 责任追究
        "#all",            # every default paragraph, after one preview
        "#gen"]
APPLICATIONS = ["#default", CONTACT, "#table_zeros",
                "#yes", "3", "#nat_yes",  # 3 new applications, all from 自然人
                "#zeros", "自然人2", "#zeros",     # none carried over; 2 granted, none partly
                "四1", "自然人1",                   # (四)1 不掌握: 1
                "#default", "#no",                # 结转 as computed; no appeal
                "#done", "约30", "#no", "#all",
                "#zeros",                         # no 信息处理费 (asked: there were applications)
                "#gen"]


@pytest.fixture
async def bot(fake_tg, tmp_path):
    store = Store.open(db_url(tmp_path))
    running = await RunningBot(fake_tg, store, make_config(fake_tg, db_url(tmp_path), counties={TUOLI: COUNTY})).start()
    yield running
    await running.stop()
    store.close()


async def play(bot: RunningBot, user_id: int, lines: list[str], **official) -> tuple[int, Report, str]:
    """/join and every line, one action each; the actions counted, the stored report, the draft's text."""
    user = await bot.official(user_id, **official)  # /join CODE
    actions = 1
    for line in lines:
        got = await answer(user, line)
        assert got, line
        actions += 1
    [doc] = await documents(user)
    body = "\n".join(p.text for p in Document(io.BytesIO(doc.document)).paragraphs)
    report = Report.from_data(json.loads(bot.store.active_report(user_id).interview_json)["report"])
    return actions, report, body


async def test_a_zero_report_takes_at_most_ten_actions(bot):
    actions, report, body = await play(bot, 1101, ZERO)
    assert actions <= 10, actions
    assert actions < BEFORE["zero"]
    assert [f for f in check(report) if f.is_error or f.rule == "missing"] == []
    overview = report.overview
    assert overview.proactive == "全年，我镇主动公开政府信息4条。"
    assert overview.platforms == "我镇通过托里县人民政府门户网站、政务公开栏公开政府信息。"
    assert overview.management.startswith("我镇公开政府信息前，由经办人初审")
    assert overview.oversight == "县人民政府将政务公开工作纳入年度绩效考核。全年未发生政府信息公开工作责任追究事项。"
    assert report.other_matters == "全年未收取信息处理费。\n本年度无其他需要报告的事项。"
    assert report.contact.portal == "托里县人民政府门户网站" and report.contact.phone == "0901-3651234"
    for text in (overview.on_request, report.problems, report.improvements):
        assert text and text in body


async def test_a_report_with_applications_takes_at_most_sixty_percent_of_the_actions_of_before(bot):
    actions, report, _ = await play(bot, 1102, APPLICATIONS)
    assert actions <= 0.6 * BEFORE["applications"], actions
    apps = report.applications
    assert apps.new == [3, 0, 0, 0, 0, 0] and apps.granted == [2, 0, 0, 0, 0, 0]
    assert apps.unable.not_held == [1, 0, 0, 0, 0, 0] and apps.withheld.state_secret == [0] * 6
    assert report.overview.on_request == ("全年新收政府信息公开申请3件；办结3件，其中予以公开2件、无法提供1件。"
                                          "未发生因政府信息公开引起的行政复议、行政诉讼。")
    assert [f for f in check(report) if f.is_error or f.rule == "missing"] == []


async def test_the_full_figures_script_through_the_bot(bot):
    """Every group with figures (the stress case): fewer actions than before, counted for the record."""
    lines = script_answers("full-figures.script")
    actions, report, _ = await play(bot, 1103, lines, organ="托里县自然资源局", level="county_department")
    assert actions == len(lines) + 1 < BEFORE["full figures"]
    assert actions <= 38
    assert report.organ_level == "county_department"


async def test_level_and_contact_are_asked_once_per_organ(bot, fake_tg):
    user = await bot.official(1104, organ="托里县自然资源局")  # no level word in the invite
    asked = user.replies[-1]
    assert "本机关是哪一级" in asked.text and asked.buttons[0][0][0] == "县直部门"  # proposed from the name
    await answer(user, "#default")  # the level
    await answer(user, "#default")  # the year
    got = await answer(user, "城区文化路18号，0901-3652001")
    assert "「规章」" in got[-1].text
    profile = bot.store.organ_profile(TUOLI, "托里县自然资源局")
    assert (profile.level, profile.address, profile.phone) == ("county_department", "城区文化路18号", "0901-3652001")
    # the organ's next report: /new 2023 names the year, the rest is known — the first question is 二
    got = await answer(user, "/new 2023")
    row = bot.store.active_report(1104)
    assert row.year == 2023 and "「规章」" in got[-1].text
    stored = Report.from_data(json.loads(row.interview_json)["report"])
    assert (stored.year, stored.organ_level, stored.contact.phone) == (2023, "county_department", "0901-3652001")


async def test_invite_makes_one_code_per_organ_line_with_its_level(bot, fake_tg):
    admin = fake_tg.user(ADMIN, "王管理")
    got = await answer(admin, "/invite 哈图镇人民政府\n库普乡人民政府\n托里县自然资源局 县直部门\n托里县政务服务中心")
    codes = [i.text for i in got if (i.text or "").startswith("/join ")]
    assert len(codes) == 4
    organs = bot.store.organs_in_county(TUOLI)
    assert {"托里县哈图镇人民政府", "托里县库普乡人民政府", "托里县自然资源局", "托里县政务服务中心"} <= set(organs)
    levels = {o: bot.store.organ_profile(TUOLI, o).level for o in organs}
    assert levels["托里县哈图镇人民政府"] == "town" and levels["托里县库普乡人民政府"] == "township"
    assert levels["托里县自然资源局"] == "county_department" and levels["托里县政务服务中心"] is None
    # two names on one line are two organs too, never one merged name
    got = await answer(admin, "/invite 铁厂沟镇人民政府 庙尔沟镇人民政府")
    assert sum((i.text or "").startswith("/join ") for i in got) == 2
    assert "托里县铁厂沟镇人民政府庙尔沟镇人民政府" not in bot.store.organs_in_county(TUOLI)
