"""Issue 12's day, end to end through the fake Bot API: a county of 30 organs goes from a roster to 30
invites, to clerks joining by the deep link, to the automatic reminders, to an export and a roll-up of
the approved ones — with no command typed per organ."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile

import openpyxl

from botkit import ask, running_bot, texts
from nianbao.report.synth import consistent_report
from nianbao.workflow.storage import Role, Status

from test_reminders import DAYS, at, quick_ticks  # noqa: F401  (a fixture)
from test_roster_e2e import roster_rows, send_roster, xlsx

TUOLI, ADMIN, REVIEWER = "托里县", 10, 11
CLERKS = (501, 502, 503)  # three of the thirty join; the others are left for the reminders' summary


def sent_to(fake, who: int) -> list:
    return [item for item in fake.world.outputs if item.chat_id == who and item.kind == "message"]


def approve(store, clerk: int, now) -> str:
    """The clerk's draft filled (a consistent report of its organ) and approved by the county's reviewer."""
    row = store.active_report(clerk)
    data = json.loads(row.interview_json)
    report = consistent_report(seed=clerk, year=row.year, organ=row.organ, scale=2)
    report.county = TUOLI
    data["report"] = json.loads(report.to_json())
    version = store.save_answer(row.id, row.version, json.dumps(data, ensure_ascii=False), [], clerk, now)
    version = store.set_status(row.id, Status.SUBMITTED, version, actor=clerk, now=now).report.version
    store.set_status(row.id, Status.APPROVED, version, actor=REVIEWER, now=now)
    return row.organ


async def test_thirty_organs_from_roster_to_reminders_export_and_rollup(fake_tg, tmp_path, quick_ticks):  # noqa: F811
    async with running_bot(fake_tg, tmp_path, counties={TUOLI: {"admins": [ADMIN]}}) as bot:
        bot.clock_now[0] = at(16)  # a day before the first reminder
        store = bot.store
        store.grant(REVIEWER, TUOLI, Role.REVIEWER, by=ADMIN)
        admin = fake_tg.user(ADMIN, "王管理")

        # 1. the roster: thirty organs, thirty codes, one file sent
        got = await send_roster(fake_tg, admin, xlsx(roster_rows()))
        assert "新生成邀请码 30 个" in texts(got)
        codes = {invite.organ: invite.code for invite in store.open_invites(TUOLI, bot.clock())}
        assert len(codes) == 30

        # 2. three clerks open their deep links (/start CODE): each is in at once, on a draft
        organs = sorted(codes)[:3]
        for clerk, organ in zip(CLERKS, organs):
            said = texts(await ask(fake_tg.user(clerk, f"填报人{clerk}"), f"/start {codes[organ]}", timeout=20))
            assert organ in said
            assert store.active_report(clerk).organ == organ

        # 3. the reminders come by themselves: 15 days before, to the three, and a summary to the admin
        before = {who: len(sent_to(fake_tg, who)) for who in (*CLERKS, ADMIN)}
        bot.clock_now[0] = at(DAYS[0])
        await fake_tg.wait_for(lambda: all(len(sent_to(fake_tg, w)) > before[w] for w in (*CLERKS, ADMIN)), 15)
        await asyncio.sleep(0.5)  # more ticks: nothing twice
        for clerk in CLERKS:
            [reminder] = sent_to(fake_tg, clerk)[before[clerk]:]
            assert f"还剩 {DAYS[0]} 天" in reminder.text
        [summary] = sent_to(fake_tg, ADMIN)[before[ADMIN]:]
        assert "已提醒 3 个机关" in summary.text and "27 个机关" in summary.text

        # 4. two drafts approved; the export holds every draft, the roll-up only the approved two
        approved = [approve(store, clerk, bot.clock()) for clerk in CLERKS[:2]]
        year = store.active_report(CLERKS[0]).year
        got = await ask(admin, f"/export_all {year}", timeout=60)
        [archive] = [item for item in got if item.kind == "document"]
        with zipfile.ZipFile(io.BytesIO(archive.document)) as zipped:
            names = zipped.namelist()
            table = openpyxl.load_workbook(io.BytesIO(zipped.read(f"{TUOLI}/进度.xlsx"))).active
        assert sum(name.endswith(".docx") for name in names) == 3
        assert sum("-草稿" in name for name in names) == 1  # the third clerk's, not approved
        states = [row[2] for row in table.iter_rows(min_row=3, values_only=True) if row[0]]
        assert len(states) == 30 and states.count("已通过") == 2 and states.count("未开始") == 27

        got = await ask(admin, f"/rollup 全部 {year}", timeout=60)
        [docx_file] = [item for item in got if item.kind == "document" and item.filename.endswith(".docx")]
        [json_file] = [item for item in got if item.kind == "document" and item.filename.endswith(".json")]
        assert "各机关" in docx_file.filename and "汇总" in docx_file.filename
        total = json.loads(json_file.document)  # the approved two, summed cell by cell
        parts = [consistent_report(seed=clerk, year=year, organ=organ, scale=2)
                 for clerk, organ in zip(CLERKS[:2], approved)]
        assert total["applications"]["new"] == [a + b for a, b in zip(*(p.applications.new for p in parts))]
        assert organs[2] in texts(got)  # the one not approved is named as still to come
