"""Last year's approved report in the store: 上年结转 proposed from its 结转下年度, cross-year rules live."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from botkit import RunningBot, answer, last_with_buttons, running_bot
from nianbao.workflow.storage import Status, Store
from nianbao.dialogs.interview import Interview
from nianbao.report.model import Report
from nianbao.report.synth import consistent_report
from nianbao.text import say

ORGAN, COUNTY = "托里县哈图镇人民政府", "托里县"


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path) as running:
        yield running


def approve_last_year(store: Store, carried_forward: list[int], year: int = 2024) -> None:
    interview = Interview.new(today=date(year + 1, 1, 10), organ=ORGAN, county=COUNTY)
    report = consistent_report(year=year, organ=ORGAN, scale=3)
    report.county = COUNTY
    report.applications.carried_forward = carried_forward
    interview.report = report
    row = store.create_report(42, ORGAN, COUNTY, year, interview.to_json(), activate=False)
    store.set_status(row.id, Status.SUBMITTED, row.version, actor=42)
    store.set_status(row.id, Status.APPROVED, row.version + 1, actor=43)


async def reach_carried_over(bot: RunningBot) -> object:
    user = await bot.official(1301)
    for line in ("/new 2025", "托里县哈图镇人民政府院内，0901-3651234", "#table_zeros", "#yes", "3", "#nat_yes"):
        await answer(user, line)
    return user


async def test_carried_over_is_proposed_from_last_years_carried_forward(bot):
    approve_last_year(bot.store, [2, 0, 0, 0, 0, 1])
    user = await reach_carried_over(bot)
    question = last_with_buttons(user)
    assert "上年结转" in question.text and "2 0 0 0 0 1" in question.text + str(question.buttons)
    await answer(user, "#default")
    stored = Report.from_data(json.loads(bot.store.active_report(1301).interview_json)["report"])
    assert stored.year == 2025 and stored.applications.carried_over == [2, 0, 0, 0, 0, 1]


async def test_a_carried_over_that_does_not_carry_on_warns_with_both_years(bot):
    approve_last_year(bot.store, [2, 0, 0, 0, 0, 1])
    user = await reach_carried_over(bot)
    got = await answer(user, "1 0 0 0 0 0")
    text = "\n".join(item.text or "" for item in got)
    assert "2024" in text and "上年结转" in text  # the warning names last year and the row, and asks to confirm


async def test_without_last_year_nothing_is_proposed_from_it(bot):
    user = await reach_carried_over(bot)
    question = last_with_buttons(user)
    assert "上年结转" in question.text
    assert "2 0 0 0 0 1" not in question.text + str(question.buttons)


async def test_the_document_rows_name_last_years_in_force(bot):
    approve_last_year(bot.store, [0] * 6)
    last = Interview.from_json(bot.store.previous_year(COUNTY, ORGAN, 2025).interview_json).report
    in_force = last.proactive.normative_documents.in_force
    user = await bot.official(1302)
    await answer(user, "/new 2025")
    got = await answer(user, "托里县哈图镇人民政府院内，0901-3651234")
    got += await answer(user, "0 0 0")  # 规章
    text = "\n".join(item.text or "" for item in got)
    assert f"去年现行有效 {in_force} 件" in text  # the 行政规范性文件 row's question


async def test_a_clerk_sends_last_years_word_file_and_its_carried_forward_is_proposed(bot):
    from botkit import quiet
    from nianbao.report.docx_render import render_docx

    user = await bot.official(1303)  # the bot's clock is in January: the draft /join made is last year's
    year = bot.store.active_report(1303).year
    last = consistent_report(year=year - 1, organ=ORGAN, scale=3)
    last.county = COUNTY
    last.applications.carried_forward = [2, 0, 0, 0, 0, 1]
    before = len(user.replies)
    await user.send_document(render_docx(last, draft=False), f"哈图镇{year - 1}年年报.docx")
    await quiet(user, before, 20)
    said = "\n".join(item.text or "" for item in user.replies[before:])
    assert f"正在读取{year - 1}年的年报" in said and f"已读取{year - 1}年的年报" in said and "2 0 0 0 0 1" in said
    assert bot.store.previous_year(COUNTY, ORGAN, year) is None  # shown first, kept on 「导入」
    got = await answer(user, "#yes")
    assert got[0].text == say("bot.import_stored", stored=[(ORGAN, year - 1)], kept=[], count=1, more=0)
    assert "报告哪一年" in got[-1].text  # and the question the clerk was at, again
    stored = bot.store.previous_year(COUNTY, ORGAN, year)
    assert stored is not None and stored.year == year - 1
    for line in ("#default", "托里县哈图镇人民政府院内，0901-3651234", "#table_zeros", "#yes", "3", "#nat_yes"):
        await answer(user, line)
    question = last_with_buttons(user)
    assert "2 0 0 0 0 1" in question.text + str(question.buttons)  # proposed from the file's 结转下年度


async def test_a_file_that_is_no_report_gets_one_line_and_nothing_is_stored(bot):
    from botkit import quiet

    user = await bot.official(1304)
    before = len(user.replies)
    await user.send_document(b"\x00\x01 not a report at all" * 50, "random.bin")
    await quiet(user, before, 20)
    said = [item.text for item in user.replies[before:]]
    assert any(text.startswith("没能读出这个文件：") for text in said), said
    assert bot.store.previous_year(COUNTY, ORGAN, bot.store.active_report(1304).year) is None


async def test_a_new_draft_asks_once_for_last_years_file_unless_the_store_has_it(bot):
    other = await bot.official(1305, organ="托里县库普乡人民政府")
    year = bot.store.active_report(1305).year
    assert any(say("bot.ask_last_year", year=year - 1) == item.text for item in other.replies)
    approve_last_year(bot.store, [0] * 6, year=year - 1)  # the organ's report of the year before, approved
    user = await bot.official(1306)
    assert bot.store.active_report(1306).year == year
    assert not any(say("bot.ask_last_year", year=year - 1) == item.text for item in user.replies)


async def test_a_county_admin_sends_three_files_and_imports_each_on_confirmation(fake_tg, tmp_path):
    from botkit import quiet
    from nianbao.report.docx_render import render_docx

    admin_id, organs = 8101, ["托里县哈图镇人民政府", "托里县库普乡人民政府", "托里县城区街道办事处"]
    async with running_bot(fake_tg, tmp_path, counties={COUNTY: {"admins": [admin_id]}}) as running:
        for organ in organs:
            running.store.create_invite(COUNTY, organ, by=admin_id, ttl=timedelta(hours=1), now=running.clock())
        admin = fake_tg.user(admin_id, "王管理")
        for i, organ in enumerate(organs + ["裕民县吉也克镇人民政府"]):
            report = consistent_report(seed=i, year=2024, organ=organ, scale=3)
            report.applications.carried_forward = [i, 0, 0, 0, 0, 0]
            before = len(admin.replies)
            await admin.send_document(render_docx(report, draft=False), f"{i}.docx")
            await quiet(admin, before, 20)
            reply = admin.replies[-1]
            if i == 3:  # not one of the county's organs: said, nothing held
                assert "不是托里县已有的机关" in reply.text and "没有可以导入的年报" in reply.text and not reply.buttons
                continue
            assert f"→ {organ} 2024年" in reply.text and reply.buttons
            await answer(admin, "#yes")
            assert admin.replies[-1].text == say("bot.import_stored", stored=[(organ, 2024)], kept=[], count=1, more=0)
        for i, organ in enumerate(organs):
            row = running.store.previous_year(COUNTY, organ, 2025)
            assert row is not None and Report.from_data(json.loads(row.interview_json)["report"]) \
                .applications.carried_forward == [i, 0, 0, 0, 0, 0]


async def test_a_county_admin_sends_one_zip_and_imports_the_matched_reports_with_one_tap(fake_tg, tmp_path):
    """A zip of the county's reports: each file matched and listed; a junk file, a stranger's report,
    a second report of the same organ and a zip inside the zip are named and skipped; one 「全部导入」."""
    import io
    import zipfile

    from botkit import quiet
    from nianbao.report.docx_render import render_docx

    admin_id, organs = 8102, ["托里县哈图镇人民政府", "托里县库普乡人民政府", "托里县城区街道办事处"]
    async with running_bot(fake_tg, tmp_path, counties={COUNTY: {"admins": [admin_id]}}) as running:
        for organ in organs:
            running.store.create_invite(COUNTY, organ, by=admin_id, ttl=timedelta(hours=1), now=running.clock())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for i, organ in enumerate(organs + ["裕民县吉也克镇人民政府"]):
                report = consistent_report(seed=i, year=2024, organ=organ, scale=3)
                report.applications.carried_forward = [i + 1, 0, 0, 0, 0, 0]
                archive.writestr(f"县里/{organ[3:]}2024年年报.docx", render_docx(report, draft=False))
            archive.writestr("县里/哈图镇（重复）.docx", render_docx(consistent_report(year=2024, organ=organs[0]), draft=False))
            archive.writestr("__MACOSX/._哈图镇.docx", b"resource fork")
            archive.writestr("说明.txt", "请查收。")
            archive.writestr("旧的.zip", b"PK\x05\x06" + bytes(18))
        admin = fake_tg.user(admin_id, "王管理")
        before = len(admin.replies)
        await admin.send_document(buffer.getvalue(), "托里县2024年年报.zip")
        await quiet(admin, before, 30)
        reply = admin.replies[-1]
        for organ in organs:
            assert f"→ {organ} 2024年" in reply.text
        assert "不是托里县已有的机关" in reply.text and "跳过" in reply.text and "说明.txt" in reply.text
        assert "._哈图镇" not in reply.text
        assert "3 份对上了托里县的机关" in reply.text
        assert ("全部导入（3 份）", reply.buttons[0][0][1]) in reply.buttons[0], reply.buttons
        for organ in organs:
            assert running.store.previous_year(COUNTY, organ, 2025) is None  # nothing kept before the tap
        got = await answer(admin, "#yes")
        assert got[0].text.startswith("已导入 3 份：")
        for i, organ in enumerate(organs):
            row = running.store.previous_year(COUNTY, organ, 2025)
            assert row is not None and Report.from_data(json.loads(row.interview_json)["report"]) \
                .applications.carried_forward == [i + 1, 0, 0, 0, 0, 0]


async def test_a_clerk_pastes_last_years_report_in_two_pieces_and_it_is_read(bot):
    """Telegram cuts a long paste into 4,096-character messages: the pieces are joined, read on 「读取」."""
    from pathlib import Path

    from botkit import quiet

    user = await bot.official(1307)
    year = bot.store.active_report(1307).year
    text = (Path(__file__).parent / "data" / "hatu-2024-report.txt").read_text(encoding="utf-8")
    text = text.replace("2024", str(year - 1))
    heading = text.index("一、总体情况")  # a longer report than the sample: more words in its 一
    text = text[:heading] + "一、总体情况\n" + "我镇坚持依法依规公开政府信息。" * 150 + "\n" + text[heading + len("一、总体情况"):]
    first, rest = text[:4096], text[4096:]
    assert len(rest) >= 300, "the sample is long enough to come in two pieces"
    before = len(user.replies)
    await user.send(first)
    await quiet(user, before, 10)
    assert "还没发完就接着发" in user.replies[-1].text
    assert bot.store.active_report(1307) is not None and user.replies[-1].buttons
    await user.send(rest)
    await quiet(user, len(user.replies), 10)
    assert f"收到{len(first) + len(rest)}字" in user.replies[-1].text
    got = await answer(user, "#read")
    assert f"已读取{year - 1}年的年报" in got[0].text, got[0].text
    got = await answer(user, "#yes")
    assert got[0].text.startswith("已导入 1 份")
    assert bot.store.previous_year(COUNTY, ORGAN, year) is not None


async def test_an_ordinary_long_answer_is_not_taken_for_a_report(bot):
    user = await bot.official(1308)
    before = len(user.replies)
    await user.send("我镇" + "认真做好政府信息公开工作，" * 40)
    from botkit import quiet
    await quiet(user, before, 10)
    assert not any("像是" in (item.text or "") for item in user.replies[before:])
