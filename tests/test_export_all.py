"""/export_all and `nianbao admin export`: one zip of every organ's latest .docx (drafts marked) and 进度.xlsx,
read back — through the fake Bot API for the chat, through main() for the server's command line."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from botkit import TODAY, ask, texts
from countykit import (ADMIN, APPROVED, COUNTY, DRAFTING, LEVELS, OTHER_ADMIN, RETURNED, REVIEWER_NAME, STRANGER,
                       SUBMITTED, WARNED, YEAR, YUMIN, build_county, county_bot)
from nianbao.cli import main
from nianbao.report.rules import check
from nianbao.text import say
from nianbao.workflow import progress_admin
from nianbao.workflow.storage import Store

MARKS = {"已通过": "", "待审核": "-待审核", "已退回": "-已退回", "填写中": "-草稿"}
TYPES = {"town": "乡镇", "township": "乡镇", "street": "街道", "county_department": "县直部门",
         "county": "县级人民政府", "other": "其他"}


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with county_bot(fake_tg, tmp_path) as running:
        yield running


def title_of(docx_bytes: bytes) -> str:
    return Document(io.BytesIO(docx_bytes)).paragraphs[0].text.replace("\n", "")


def check_archive(archive: bytes, county) -> None:
    """Every organ with a report has its .docx, marked unless approved; 进度.xlsx has the 30 organs."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        names = zipped.namelist()
        assert all(name.startswith(f"{COUNTY}/") for name in names)
        with_report = [*APPROVED, *SUBMITTED, *RETURNED, *DRAFTING]
        assert len(names) == len(with_report) + 1
        for organ in with_report:
            state = county.state(organ)
            name = f"{COUNTY}/{organ}{MARKS[state]}.docx"
            assert name in names, (name, names)
            title = title_of(zipped.read(name))
            assert organ in title and str(YEAR) in title
            assert ("草稿" in title) == (state != "已通过")  # the draft marker in the title itself
        table = load_workbook(io.BytesIO(zipped.read(f"{COUNTY}/进度.xlsx")))
    sheet = table["进度"]
    header = [cell.value for cell in sheet[2]]
    assert header == ["机关", "类型", "状态", "版本", "错误", "警告", "提交时间", "通过时间", "审核人", "最近活动"]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 30 and set(rows) == set(LEVELS)
    for organ, row in rows.items():
        state = county.state(organ)
        assert row["状态"] == state, organ
        assert row["类型"] == TYPES[LEVELS[organ]], organ
        report = county.reports.get(organ)
        if state == "未开始":
            assert row["错误"] is None and row["警告"] is None
        elif report is None:  # opened, nothing answered: nothing wrong yet (unanswered items are not counted)
            assert (row["错误"], row["警告"]) == (0, 0)
        else:
            findings = [f for f in check(report) if f.rule != "missing"]
            assert (row["错误"], row["警告"]) == (sum(f.is_error for f in findings),
                                                 sum(not f.is_error for f in findings)), organ
        assert (row["提交时间"] is not None) == (state in ("待审核", "已退回", "已通过")), organ
        assert (row["通过时间"] is not None) == (state == "已通过"), organ
        assert row["审核人"] == (REVIEWER_NAME if state in ("已退回", "已通过") else None), organ
        assert row["版本"] == (1 if state in ("待审核", "已退回", "已通过") else None), organ
        assert (row["最近活动"] is not None) == (state != "未开始"), organ
    assert rows[WARNED]["警告"] >= 1
    summary = {state: count for state, count in table["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary == {"未开始": 13, "填写中": 3, "待审核": 4, "已退回": 2, "已通过": 8, "合计": 30}


async def test_export_all_sends_one_zip_of_the_drafts_and_the_table(bot, fake_tg):
    admin = fake_tg.user(ADMIN, "王管理")
    got = await ask(admin, f"/export_all {YEAR}", timeout=30)
    assert got[0].text == say("admin.export_started", county=COUNTY, year=YEAR)
    [archive] = [item for item in got if item.kind == "document"]
    assert archive.filename == f"{COUNTY}{YEAR}年年报.zip"
    assert "30 个机关，17 份 Word（9 份未通过" in archive.caption
    check_archive(archive.document, bot.county)
    # the audit trail: who took the county's drafts
    [event] = [e for e in bot.store.admin_events(COUNTY) if e.action == progress_admin.EXPORT_ACTION]
    assert event.actor_id == ADMIN and json.loads(event.detail)["documents"] == 17


async def test_an_export_past_the_upload_limit_is_refused_with_the_command_line(bot, fake_tg, monkeypatch):
    monkeypatch.setattr(progress_admin, "TELEGRAM_UPLOAD_BYTES", 200_000)  # 17 reports of ≥ 30 KB: too big
    got = await ask(fake_tg.user(ADMIN, "王管理"), "/export_all")
    assert not [item for item in got if item.kind == "document"]
    said = texts(got)
    assert "一个 zip 放不下" in said
    assert f"nianbao admin export --county {COUNTY} --year {YEAR} -o" in said


async def test_strangers_and_other_countys_admins_are_refused(bot, fake_tg):
    stranger = await ask(fake_tg.user(STRANGER, "路人"), "/export_all")
    assert texts(stranger) == say("bot.stranger", id=STRANGER)
    other = await ask(fake_tg.user(OTHER_ADMIN, "裕民管理"), f"/export_all {COUNTY}")
    assert texts(other) == say("admin.not_your_county", county=COUNTY, counties=[YUMIN])
    assert not [item for item in stranger + other if item.kind == "document"]
    # 裕民县's own export holds none of 托里县's organs
    own = await ask(fake_tg.user(OTHER_ADMIN, "裕民管理"), "/export_all")
    [archive] = [item for item in own if item.kind == "document"]
    with zipfile.ZipFile(io.BytesIO(archive.document)) as zipped:
        assert zipped.namelist() == [f"{YUMIN}/进度.xlsx"]


def test_the_command_line_writes_the_same_zip_and_never_overwrites(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    county = build_county(store, TODAY)
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "123456:ABCdef"\n[database]\nurl = {json.dumps(url)}\n', encoding="utf-8")
    out = tmp_path / "导出"
    argv = ["admin", "export", "--county", COUNTY, "--year", str(YEAR), "-o", str(out), "--config", str(config)]

    assert main(argv) == 0
    written = out / f"{COUNTY}{YEAR}年年报.zip"
    said = capsys.readouterr().out
    assert str(written) in said and "30 个机关，17 份 Word（其中 9 份未通过" in said
    check_archive(written.read_bytes(), county)

    before = written.read_bytes()
    assert main(argv) == 2
    assert "已存在，没有覆盖" in capsys.readouterr().err
    assert written.read_bytes() == before

    assert main([*argv[:3], "额敏县", *argv[4:]]) == 2  # no such county in the database
    assert "没有额敏县的机关" in capsys.readouterr().err
