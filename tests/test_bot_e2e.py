"""The real Application against the fake Telegram server over HTTP: officials drafting on their phones."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from botkit import answer, documents, running_bot, script_answers
from nianbao.report.model import Report
from nianbao.text import say


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path) as running:
        yield running


def texts(items) -> str:
    return "\n".join((i.text or i.caption or "") for i in items)


async def test_stranger_gets_one_explanation_and_nothing_else(bot, fake_tg):
    stranger = fake_tg.user(999, "路人")
    for attempt in ("/start", "/new", "/drafts", "/export", "你好", "/review"):
        await stranger.send(attempt)
        [reply] = await stranger.wait_reply(1)
        assert reply.text == say("bot.stranger", id=999)
        assert reply.kind == "message" and not reply.buttons
    assert bot.store.reports_of(999) == []


async def test_whoami_tells_anyone_their_telegram_id(bot, fake_tg):
    stranger = fake_tg.user(424242, "路人")
    await stranger.send("/whoami")
    [reply] = await stranger.wait_reply(1)
    assert reply.text == say("bot.whoami", id=424242, telegram=[424242]) and "424242" in reply.text


async def test_menu_is_set_in_chinese(bot, fake_tg):
    commands = {c["command"]: c["description"] for c in fake_tg.commands()}
    assert {"start", "new", "drafts", "back", "edit", "review", "help", "cancel", "export"} <= set(commands)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in commands.values())


async def test_full_interview_from_start_to_docx(bot, fake_tg):
    user = await bot.official(1001)
    for line in script_answers("hatu-2024.script"):
        got = await answer(user, line)
        assert got, line
    [doc_item] = await documents(user)
    assert doc_item.filename == "托里县哈图镇人民政府2024年政府信息公开工作年度报告（草稿）.docx"
    document = Document(io.BytesIO(doc_item.document))
    body = "".join(p.text for p in document.paragraphs).replace("\n", "")  # the title breaks its line
    assert "托里县哈图镇人民政府2024年政府信息公开工作年度报告（草稿）" in body
    assert "公示栏公开信息4条" in body
    # what the bot stored is what the official answered, and every answer is in the audit log
    row = bot.store.active_report(1001)
    stored = Report.from_data(json.loads(row.interview_json)["report"])
    assert stored.applications.new == [0] * 6 and stored.year == 2024
    assert stored.organ_level == "town"  # from the invite: never asked
    logged = bot.store.answers(row.id)
    steps = [a.step for a in logged]
    assert steps[0] == "year" and not {"organ", "county", "organ_level"} & set(steps)  # the invite told them
    assert len(steps) == len(set(steps)) >= 15  # every accepted answer once, in order
    assert all(a.user_id == 1001 for a in logged)


async def test_export_sends_the_report_file(bot, fake_tg):
    user = await bot.official(1002)
    await answer(user, "#default")  # the year
    got = await answer(user, "/export")
    [document] = [i for i in got if i.kind == "document"]
    data = json.loads(document.document)
    assert data["organ"] == "托里县哈图镇人民政府" and document.filename.endswith(".json")


async def test_stale_button_changes_nothing(bot, fake_tg):
    user = await bot.official(1003)
    first = next(i for i in reversed(user.replies) if i.buttons)
    await answer(user, "#default")          # the year accepted: version moves on
    row = bot.store.active_report(1003)
    await user.press(first, first.callback_data[0])   # the same button again, from the old message
    await fake_tg.wait_for(lambda: len(fake_tg.answered_callbacks) >= 2)
    assert fake_tg.answered_callbacks[-1].get("text") == say("bot.button_stale")
    assert bot.store.active_report(1003).version == row.version


async def test_two_officials_interleaved_without_crosstalk(bot, fake_tg):
    a = await bot.official(2001, organ="托里县哈图镇人民政府")
    b = await bot.official(2002, organ="托里县庙尔沟镇人民政府")
    await answer(a, "#default")
    await answer(b, "#default")
    await answer(a, "哈图镇人民政府院内，0901-3651234")
    await answer(b, "庙尔沟镇人民政府，0901-3659999")
    ra = json.loads(bot.store.active_report(2001).interview_json)["report"]
    rb = json.loads(bot.store.active_report(2002).interview_json)["report"]
    assert ra["organ"] == "托里县哈图镇人民政府" and rb["organ"] == "托里县庙尔沟镇人民政府"
    assert ra["contact"]["phone"] == "0901-3651234" and rb["contact"]["phone"] == "0901-3659999"
    assert bot.store.organ_profile("托里县", "托里县庙尔沟镇人民政府").phone == "0901-3659999"
    assert all("庙尔沟" not in (i.text or "") for i in a.replies)
    # each was greeted with their own organ, and no button of b's names a's
    assert "托里县庙尔沟镇人民政府" in texts(b.replies[:3]) and "哈图" not in texts(b.replies[:3])
    assert not any("哈图" in label for item in b.replies for row in item.buttons for label, _ in row)


async def test_the_year_answered_is_the_drafts_year_and_never_a_duplicate(bot, fake_tg):
    user = await bot.official(1005)
    await answer(user, "2023")      # not the proposal (2024): the draft becomes the 2023 report
    first = bot.store.active_report(1005)
    assert first.year == 2023
    await answer(user, "/new")      # a draft for 2024 (last year)
    second = bot.store.active_report(1005)
    assert second.id != first.id and second.year == 2024
    got = await answer(user, "2023")  # the organ has a 2023 report already
    assert say("bot.year_taken", organ="托里县哈图镇人民政府", year=2023) in texts(got)
    again = bot.store.active_report(1005)
    assert again.year == 2024 and json.loads(again.interview_json)["step"] == "year"
    assert sorted(r.year for r in bot.store.reports_of(1005)) == [2023, 2024]
