"""The county admin's downloads: the progress table (.xlsx) and the drafts' archive (.zip)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from nianbao.workflow import exports
from nianbao.workflow.exports import (DATE_FORMAT, NAME_BYTES, ProgressLine, drafts_zip, progress_xlsx, safe_name,
                                      unique_name)

UTC = timezone.utc
GENERATED = datetime(2025, 3, 1, 16, 5, 30, tzinfo=UTC)   # 2025-03-02 00:05 in Beijing
HEADER = ["机关", "类型", "状态", "版本", "错误", "警告", "提交时间", "通过时间", "审核人", "最近活动"]
STATES = ["未开始", "填写中", "审核中", "已退回", "已通过"]
INJECTIONS = ["=1+1", '=HYPERLINK("http://example.com","点我")', "+86 991 1234567", "-2+3", "@SUM(A1:A9)",
              "\t=1", "=cmd|' /C calc'!A0"]


def thirty_lines() -> list[ProgressLine]:
    lines = []
    for i in range(30):
        state = STATES[i % 5]
        started = state != "未开始"
        submitted = datetime(2025, 1, 10, 3, i, 15, 123456, tzinfo=UTC) if state in ("审核中", "已退回", "已通过") else None
        lines.append(ProgressLine(
            organ=INJECTIONS[i] if i < len(INJECTIONS) else f"托里县第{i}机关",
            level_name="乡镇" if i % 2 else "县级部门",
            state=state,
            version=(i % 3) + 1 if started else None,
            errors=i % 4 if started else None,
            warnings=i % 7 if started else None,
            submitted=submitted,
            approved=datetime(2025, 1, 20, 23, 30, tzinfo=UTC) if state == "已通过" else None,
            reviewer=("=2*3" if i == 9 else "李审核") if state in ("已退回", "已通过") else None,
            last_activity=datetime(2025, 2, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))) + timedelta(days=i),
        ))
    return lines


def beijing(when: datetime | None) -> datetime | None:
    return None if when is None else when.astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None, microsecond=0)


@pytest.fixture(scope="module")
def table() -> bytes:
    return progress_xlsx("托里县", thirty_lines(), GENERATED, states=STATES + ["已撤回"])


def test_the_progress_sheet_reads_back_cell_by_cell(table):
    book = openpyxl.load_workbook(io.BytesIO(table))
    assert book.sheetnames == ["进度", "汇总"]
    sheet = book["进度"]
    assert sheet["A1"].value == "托里县年报填报进度（2025年3月2日 00:05 生成，北京时间）"
    assert [cell.value for cell in sheet[2]] == HEADER
    assert all(cell.font.bold for cell in sheet[2])
    assert sheet.max_row == 32
    for row, line in enumerate(thirty_lines(), start=3):
        got = [cell.value for cell in sheet[row]]
        assert got == [line.organ, line.level_name, line.state, line.version, line.errors, line.warnings,
                       beijing(line.submitted), beijing(line.approved), line.reviewer,
                       beijing(line.last_activity)], row
        for column in (7, 8, 10):
            cell = sheet.cell(row=row, column=column)
            if cell.value is not None:
                assert cell.is_date and isinstance(cell.value, datetime) and cell.number_format == DATE_FORMAT
        for column in (4, 5, 6):
            assert sheet.cell(row=row, column=column).data_type == "n"
    # a UTC time of 03:00 is 11:00 in Beijing, and the UTC evening is the next day there
    assert sheet["G5"].value == datetime(2025, 1, 10, 11, 2, 15)
    assert sheet["H7"].value == datetime(2025, 1, 21, 7, 30)


def test_the_progress_sheet_is_set_up_for_reading(table):
    sheet = openpyxl.load_workbook(io.BytesIO(table))["进度"]
    assert sheet.freeze_panes == "B3"
    assert sheet.auto_filter.ref == "A2:J32"
    assert "A1:J1" in {str(merged) for merged in sheet.merged_cells.ranges}
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJ"}
    assert widths["A"] > widths["D"] and widths["G"] >= 16
    assert all(width for width in widths.values())
    book = openpyxl.load_workbook(io.BytesIO(table))
    assert book.properties.title.startswith("托里县年报填报进度")
    assert book.properties.created == datetime(2025, 3, 1, 16, 5, 30)


def test_the_summary_counts_organs_per_state(table):
    sheet = openpyxl.load_workbook(io.BytesIO(table))["汇总"]
    assert [cell.value for cell in sheet[2]] == ["状态", "机关数"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert rows == [["未开始", 6], ["填写中", 6], ["审核中", 6], ["已退回", 6], ["已通过", 6], ["已撤回", 0],
                    ["合计", 30]]
    extra = progress_xlsx("托里县", thirty_lines()[:2], GENERATED)  # no order given: as they come
    rows = [[cell.value for cell in row] for row in openpyxl.load_workbook(io.BytesIO(extra))["汇总"].iter_rows(min_row=3)]
    assert rows == [["未开始", 1], ["填写中", 1], ["合计", 2]]


def test_formula_like_text_stays_text(table):
    book = openpyxl.load_workbook(io.BytesIO(table))
    sheet = book["进度"]
    for row, text in enumerate(INJECTIONS, start=3):
        cell = sheet.cell(row=row, column=1)
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, text
    assert sheet["I12"].value == "=2*3" and sheet["I12"].data_type == "s" and sheet["I12"].quotePrefix
    assert not sheet["A10"].quotePrefix  # plain names get no prefix
    with zipfile.ZipFile(io.BytesIO(table)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in package.read(name).decode() and "<f " not in package.read(name).decode()
    # and the evaluated view (what a formula would have cached) is the text itself
    values = openpyxl.load_workbook(io.BytesIO(table), data_only=True)["进度"]
    assert values["A3"].value == "=1+1"


def test_a_county_name_or_state_that_looks_like_a_formula_stays_text():
    data = progress_xlsx("=1+2", [ProgressLine("机关", "乡镇", "-已退回", None, None, None, None, None, None, None)],
                         GENERATED)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["进度"]["A1"].data_type == "s" and book["进度"]["A1"].quotePrefix
    assert book["进度"]["C3"].value == "-已退回" and book["进度"]["C3"].quotePrefix
    assert book["汇总"]["A3"].value == "-已退回" and book["汇总"]["A3"].quotePrefix


def test_text_xml_cannot_carry_is_dropped_and_naive_times_refused():
    data = progress_xlsx("托里县", [ProgressLine("财政\x00局\x1b", "乡镇", "填写中", 1, 0, 0, None, None, None, None)],
                         GENERATED)
    assert openpyxl.load_workbook(io.BytesIO(data))["进度"]["A3"].value == "财政局"
    with pytest.raises(ValueError, match="naive"):
        progress_xlsx("托里县", [], datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        progress_xlsx("托里县", [ProgressLine("机关", "乡镇", "审核中", 1, 0, 0, datetime(2025, 1, 1), None, None,
                                              None)], GENERATED)


def test_an_empty_county_still_has_both_sheets():
    book = openpyxl.load_workbook(io.BytesIO(progress_xlsx("托里县", [], GENERATED, states=STATES)))
    assert book["进度"].max_row == 2
    assert [[c.value for c in row] for row in book["汇总"].iter_rows(min_row=8)] == [["合计", 0]]


# ------------------------------------------------------------------------------------------------ zip

def docx(i: int) -> bytes:
    return b"PK\x03\x04" + bytes(range(256)) * (i + 1)


def open_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def test_the_archive_holds_each_draft_with_its_mark_and_the_table(table):
    files = [("托里县财政局", "approved", docx(0)), ("托里县教育局", "draft", docx(1)),
             ("托里县卫生健康委员会", "submitted", docx(2)), ("哈图镇人民政府", "returned", docx(3))]
    data = drafts_zip("托里县", files, table, when=datetime(2025, 3, 1, 16, 5, 30, tzinfo=UTC))
    archive = open_zip(data)
    assert archive.namelist() == ["托里县/进度.xlsx", "托里县/托里县财政局.docx", "托里县/托里县教育局-草稿.docx",
                                  "托里县/托里县卫生健康委员会-待审核.docx", "托里县/哈图镇人民政府-已退回.docx"]
    for (_, _, content), name in zip(files, archive.namelist()[1:]):
        assert archive.read(name) == content
    assert archive.read("托里县/进度.xlsx") == table
    inner = openpyxl.load_workbook(io.BytesIO(archive.read("托里县/进度.xlsx")))
    assert inner["进度"]["A3"].value == "=1+1"
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.flag_bits & 0x800
        assert info.date_time == (2025, 3, 2, 0, 5, 30)  # Beijing time


def test_names_are_flagged_utf8_in_both_headers():
    data = drafts_zip("托里县", [("财政局", "draft", b"x")], b"table")
    # central directory entries: signature PK\x01\x02, the flags at offset 8
    central = [m.start() for m in re.finditer(rb"PK\x01\x02", data)]
    assert len(central) == 2
    for offset in central:
        flags, = struct.unpack("<H", data[offset + 8:offset + 10])
        assert flags & 0x800
        name_length, = struct.unpack("<H", data[offset + 28:offset + 30])
        name = data[offset + 46:offset + 46 + name_length].decode("utf-8")
        assert name.startswith("托里县/")
        local, = struct.unpack("<I", data[offset + 42:offset + 46])
        local_flags, = struct.unpack("<H", data[local + 6:local + 8])
        assert data[local:local + 4] == b"PK\x03\x04" and local_flags & 0x800


def test_duplicate_and_odd_organ_names_become_safe_distinct_file_names():
    files = [
        ("财政局", "draft", b"1"),
        ("财政局", "draft", b"2"),           # the same organ twice
        ("财政局（2）", "draft", b"3"),       # looks like the numbered one
        ("ABC", "approved", b"4"),
        ("abc", "approved", b"5"),           # the same on Windows and macOS
        ('a/b\\c:d*e?f"g<h>i|j', "returned", b"6"),
        ("..隐藏的机关.", "submitted", b"7"),
        ("  空格\n换行\t机关  ", "approved", b"8"),
        ("", "approved", b"9"),
        ("CON", "approved", b"10"),
        ("nul", "approved", b"11"),         # Windows' device names, also in lower case
        ("nul", "draft", b"11a"),           # 「nul-草稿」 is no device name
        ("机关\u202excod.exe", "approved", b"12"),   # a right-to-left override hiding an extension
        ("零\u200b宽", "approved", b"13"),
        ("很长的机关名称" * 40, "draft", b"14"),
        ("进度", "approved", b"15"),          # a .docx: no clash with 进度.xlsx
    ]
    archive = open_zip(drafts_zip("托里县/../etc", files, b"table"))
    names = archive.namelist()
    folder = "托里县_.._etc"
    assert names[0] == f"{folder}/进度.xlsx"
    got = [name.split("/", 1)[1] for name in names[1:]]
    assert got[:14] == [
        "财政局-草稿.docx", "财政局（2）-草稿.docx", "财政局（2）（2）-草稿.docx", "ABC.docx", "abc（2）.docx",
        "a_b_c_d_e_f_g_h_i_j-已退回.docx", "隐藏的机关-待审核.docx", "空格 换行 机关.docx", "未命名.docx",
        "_CON.docx", "_nul.docx", "nul-草稿.docx", "机关xcod.exe.docx", "零宽.docx",
    ]
    assert got[14].endswith("…-草稿.docx") and len(got[14].encode()) <= NAME_BYTES
    assert got[15] == "进度.docx"
    assert len({name.casefold() for name in names}) == len(names)
    for name, (_, _, content) in zip(names[1:], files):
        assert archive.read(name) == content
    for name in names:
        part = name.split("/", 1)[1]
        assert not set(part) & set('/\\:*?"<>|') and not part.startswith((".", " "))
        assert all(ord(char) >= 32 for char in name)


def test_the_helpers_alone():
    assert safe_name("...") == "未命名"
    assert safe_name("a" * 500, limit=20) == "a" * 17 + "…"
    used: set[str] = set()
    assert [unique_name("x", "", ".docx", used) for _ in range(3)] == ["x.docx", "x（2）.docx", "x（3）.docx"]
    long = "长" * 100
    first, second = unique_name(long, "-草稿", ".docx", used), unique_name(long, "-草稿", ".docx", used)
    assert first != second and all(len(name.encode()) <= NAME_BYTES for name in (first, second))
    assert second.endswith("…（2）-草稿.docx")


def test_unknown_states_and_too_much_are_refused(monkeypatch):
    with pytest.raises(ValueError, match="unknown state"):
        drafts_zip("托里县", [("财政局", "not_started", b"x")], b"")
    with pytest.raises(TypeError):
        drafts_zip("托里县", [("财政局", "draft", "text")], b"")
    assert exports.MAX_ZIP_BYTES == 200 * 1024 * 1024
    monkeypatch.setattr(exports, "MAX_ZIP_BYTES", 1000)
    drafts_zip("托里县", [("财政局", "draft", b"x" * 500)], b"y" * 500)  # exactly at the bound
    with pytest.raises(ValueError, match="at most 1000"):
        drafts_zip("托里县", [("财政局", "draft", b"x" * 500)], b"y" * 501)
    monkeypatch.setattr(exports, "MAX_FILES", 2)
    with pytest.raises(ValueError, match="at most 2"):
        drafts_zip("托里县", [("a", "draft", b"")] * 3, b"")
