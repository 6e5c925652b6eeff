"""workflow/roster.py: a county admin's list of organs (text lines, .csv, .xlsx) → one entry per organ."""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.text import say
from nianbao.workflow.roster import MAX_BYTES, MAX_ROWS, Roster, RosterEntry, check_xlsx, level_name, parse_roster

COUNTY = "托里县"


def xlsx(rows: list[list], *, title: str = "名单") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def names(roster: Roster) -> list[str]:
    return [entry.name for entry in roster.entries]


def one_problem_with(roster: Roster, *words: str) -> str:
    matching = [p for p in roster.problems if all(word in p for word in words)]
    assert len(matching) == 1, roster.problems
    return matching[0]


# ---- text lines ----

def test_text_lines_with_every_separator():
    text = "\n".join([
        "哈图镇人民政府 乡镇 张三 13912345678",
        "托里县自然资源局\t县直部门\t李四\t0901-1234567",
        "铁厂沟镇人民政府，乡镇，王五，0901-7654321",
        "乌雪特乡人民政府、乡镇",
        "托里县教育局,部门,赵六,13800000000",
        "托里县城区街道办事处  街道  钱七",
        "",
        "托里县卫生健康委员会",
    ])
    roster = parse_roster(text.encode(), "", COUNTY)
    assert roster.problems == []
    assert roster.entries == [
        RosterEntry("托里县哈图镇人民政府", "town", "张三", "13912345678", 1),
        RosterEntry("托里县自然资源局", "county_department", "李四", "0901-1234567", 2),
        RosterEntry("托里县铁厂沟镇人民政府", "town", "王五", "0901-7654321", 3),
        RosterEntry("托里县乌雪特乡人民政府", "township", None, None, 4),
        RosterEntry("托里县教育局", "county_department", "赵六", "13800000000", 5),
        RosterEntry("托里县城区街道办事处", "street", "钱七", None, 6),
        RosterEntry("托里县卫生健康委员会", None, None, None, 8),
    ]


def test_text_fields_recognized_by_shape_without_type():
    roster = parse_roster("哈图镇人民政府 张三 13912345678\n托里县财政局 0901-1234567".encode(), "", COUNTY)
    assert roster.problems == []
    first, second = roster.entries
    assert (first.contact, first.phone, first.level) == ("张三", "13912345678", "town")
    assert (second.contact, second.phone, second.level) == (None, "0901-1234567", None)


def test_text_full_width_digits_and_spaces_are_normalized():
    roster = parse_roster("哈图镇人民政府　乡镇　张三　１３９１２３４５６７８".encode(), "list.txt", COUNTY)
    assert roster.problems == []
    assert roster.entries[0].phone == "13912345678"


def test_text_county_as_a_word_of_its_own_is_dropped():
    roster = parse_roster("托里县 哈图镇人民政府 乡镇".encode(), "", COUNTY)
    assert names(roster) == ["托里县哈图镇人民政府"]


def test_text_with_header_and_a_line_leaving_a_field_out():
    text = "机关全称 类型 联系人 电话\n哈图镇人民政府 张三 13912345678\n托里县财政局 县直部门 李四 13912345679"
    roster = parse_roster(text.encode(), "", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.level, e.contact, e.phone, e.line) for e in roster.entries] == [
        ("托里县哈图镇人民政府", "town", "张三", "13912345678", 2),
        ("托里县财政局", "county_department", "李四", "13912345679", 3),
    ]


# ---- csv ----

CSV = "机关全称,类型,联系人,电话\n哈图镇人民政府,乡镇,张三,13912345678\n托里县自然资源局,县直部门,李四,0901-1234567\n" \
      "\"托里县城区街道办事处\",街道,,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding(encoding):
    roster = parse_roster(CSV.encode(encoding), "名单.csv", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.level, e.contact, e.phone, e.line) for e in roster.entries] == [
        ("托里县哈图镇人民政府", "town", "张三", "13912345678", 2),
        ("托里县自然资源局", "county_department", "李四", "0901-1234567", 3),
        ("托里县城区街道办事处", "street", None, None, 4),
    ]


@pytest.mark.parametrize("delimiter", ["\t", "，"])
def test_csv_with_tabs_or_chinese_commas(delimiter):
    roster = parse_roster(CSV.replace(",", delimiter).encode(), "名单.CSV", COUNTY)
    assert roster.problems == []
    assert len(roster.entries) == 3


def test_csv_quoted_field_with_a_comma_in_the_contact():
    data = "机关全称,联系人\n托里县财政局,\"张三,李四\"\n".encode()
    assert parse_roster(data, "a.csv", COUNTY).entries[0].contact == "张三,李四"


# ---- xlsx ----

def test_xlsx_with_header():
    data = xlsx([["机关全称", "类型", "联系人", "电话"],
                 ["哈图镇人民政府", "乡镇", "张三", 13912345678],
                 ["托里县自然资源局", "县直部门", "李四", "0901-1234567"],
                 [None, None, None, None],
                 ["城区街道办事处", "街道", None, 13912345679.0]])
    roster = parse_roster(data, "名单.xlsx", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.level, e.contact, e.phone, e.line) for e in roster.entries] == [
        ("托里县哈图镇人民政府", "town", "张三", "13912345678", 2),
        ("托里县自然资源局", "county_department", "李四", "0901-1234567", 3),
        ("托里县城区街道办事处", "street", None, "13912345679", 5),
    ]


def test_xlsx_sniffed_without_a_filename():
    data = xlsx([["机关全称"], ["托里县财政局"]])
    assert names(parse_roster(data, "", COUNTY)) == ["托里县财政局"]


def test_header_in_another_order_with_other_columns():
    data = xlsx([["序号", "联系电话", "单位名称", "联系人", "机关类型"],
                 [1, "13912345678", "哈图镇人民政府", "张三", "乡镇"],
                 [2, None, "托里县财政局", "李四", "县直单位"]])
    roster = parse_roster(data, "x.xlsx", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.level, e.contact, e.phone) for e in roster.entries] == [
        ("托里县哈图镇人民政府", "town", "张三", "13912345678"),
        ("托里县财政局", "county_department", "李四", None),
    ]


def test_header_below_a_title_row():
    data = xlsx([["托里县2024年政务公开年报填报机关名单"], [], ["名称", "类型"], ["哈图镇人民政府", "乡镇"]])
    roster = parse_roster(data, "x.xlsx", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.line) for e in roster.entries] == [("托里县哈图镇人民政府", 4)]


def test_no_header_is_positional():
    data = xlsx([["哈图镇人民政府", "乡镇", "张三", "13912345678"],
                 ["托里县财政局", None, "李四", "0901-1234567"]])
    roster = parse_roster(data, "x.xlsx", COUNTY)
    assert roster.problems == []
    assert [(e.name, e.level, e.contact, e.phone, e.line) for e in roster.entries] == [
        ("托里县哈图镇人民政府", "town", "张三", "13912345678", 1),
        ("托里县财政局", None, "李四", "0901-1234567", 2),
    ]


def test_header_without_name_column_is_refused():
    roster = parse_roster(xlsx([["类型", "联系人"], ["乡镇", "张三"]]), "x.xlsx", COUNTY)
    assert roster.entries == [] and roster.problems == [say("roster.no_name_column")]


def test_only_a_header():
    roster = parse_roster(xlsx([["机关全称", "类型"]]), "x.xlsx", COUNTY)
    assert roster.entries == [] and len(roster.problems) == 1 and "只有表头" in roster.problems[0]


def test_thirty_organs_mixed_levels():
    towns = ["哈图镇人民政府", "铁厂沟镇人民政府", "庙尔沟镇人民政府", "托里镇人民政府", "多拉特镇政府"]
    townships = ["乌雪特乡人民政府", "阿克别里斗乡人民政府", "库甫乡人民政府", "加尔巴斯乡政府", "额敏乡人民政府"]
    streets = ["城区街道办事处", "新城街道办事处", "老城街道", "东城街道办事处", "西城街道办事处"]
    departments = ["自然资源局", "教育局", "财政局", "卫生健康委员会", "发展和改革委员会", "人力资源和社会保障局",
                   "民政局", "司法局", "交通运输局", "水利局", "农业农村局", "文化体育广播电视和旅游局",
                   "市场监督管理局", "政务服务和公共资源交易中心", "人民政府办公室"]
    rows = [["机关全称", "类型", "联系人", "电话"]]
    expected = []
    for index, name in enumerate(towns + townships + streets + departments):
        kind = "乡镇" if name in towns + townships else "街道" if name in streets else "县直部门"
        full = name if index % 2 else COUNTY + name  # half without the county
        rows.append([full, kind, f"联系人{index}", f"0901-{6200000 + index}"])
        level = ("town" if name in towns else "township" if name in townships
                 else "street" if name in streets else "county_department")
        expected.append((COUNTY + name, level))
    random.Random(12).shuffle(rows[1:])
    roster = parse_roster(xlsx(rows), "30.xlsx", COUNTY)
    assert roster.problems == []
    assert len(roster.entries) == 30
    assert sorted((e.name, e.level) for e in roster.entries) == sorted(expected)
    assert {e.line for e in roster.entries} == set(range(2, 32))


# ---- names ----

def test_missing_county_prefix_is_added_once():
    roster = parse_roster("哈图镇人民政府\n托里县铁厂沟镇人民政府".encode(), "", COUNTY)
    assert names(roster) == ["托里县哈图镇人民政府", "托里县铁厂沟镇人民政府"]


def test_bad_names():
    text = "abc\n1e9\n托里县哈图\n哈图 确认\n托里县便民热线 县直部门 确认\n/etc/passwd\n托里县 \n" + "局" * 60
    roster = parse_roster(text.encode(), "", COUNTY)
    assert [(e.name, e.level) for e in roster.entries] == [("托里县哈图", None), ("托里县便民热线", "county_department")]
    assert one_problem_with(roster, "第1行", "「abc」", "不是机关名称", "例如：哈图镇人民政府 乡镇")
    assert one_problem_with(roster, "第2行", "「1e9」", "不是机关名称")
    assert one_problem_with(roster, "第3行", "托里县哈图", "不像机关全称", "确认")
    assert one_problem_with(roster, "第6行", "不是机关名称")
    assert one_problem_with(roster, "第7行", "「托里县」", "不像机关全称")  # only the county: no organ's name
    assert one_problem_with(roster, "第8行", "太长")
    assert len(roster.problems) == 6


def test_line_of_only_the_county():
    roster = parse_roster("托里县".encode(), "", COUNTY)
    assert roster.entries == []
    assert one_problem_with(roster, "第1行", "不像机关全称")


def test_name_in_a_sheet_with_spaces_inside():
    roster = parse_roster(xlsx([["机关全称"], ["托里县 自然资源局"]]), "x.xlsx", COUNTY)
    assert names(roster) == ["托里县自然资源局"]


def test_confirm_in_the_type_cell_of_a_sheet():
    data = xlsx([["机关全称", "类型"], ["便民服务热线", "县直部门 确认"], ["便民服务热线二", None]])
    roster = parse_roster(data, "x.xlsx", COUNTY)
    assert [(e.name, e.level) for e in roster.entries] == [("托里县便民服务热线", "county_department")]
    assert one_problem_with(roster, "第3行", "托里县便民服务热线二", "确认")


def test_unknown_type_word_keeps_the_entry():
    roster = parse_roster(xlsx([["机关全称", "类型"], ["哈图镇人民政府", "事业单位"], ["托里县财政局", "单位"]]),
                          "x.xlsx", COUNTY)
    assert [(e.name, e.level) for e in roster.entries] == [("托里县哈图镇人民政府", "town"), ("托里县财政局", None)]
    assert "已按名称定为镇" in one_problem_with(roster, "第2行", "「事业单位」", "乡镇、街道、县直部门")
    assert "留空" in one_problem_with(roster, "第3行", "「单位」")


def test_level_words():
    text = "\n".join(["哈图镇人民政府 乡镇", "乌雪特乡人民政府 乡镇", "某某镇 乡", "托里县人民政府", "托里县人民政府办公室 其他",
                      "托里县城区街道办事处", "托里县政府 县政府"])
    roster = parse_roster(text.encode(), "", COUNTY)
    assert roster.problems == []
    assert [e.level for e in roster.entries] == ["town", "township", "township", "county", "other", "street", "county"]
    assert level_name("town") == "镇" and level_name("county_department") == "县直部门" and level_name(None) == ""


# ---- phones, cells, duplicates, bounds ----

@pytest.mark.parametrize("phone", ["abc", "123", "139-1234-5678-9999-0000", "0901 12a4567", "电话待定", "1" * 21])
def test_bad_phone_keeps_the_entry_without_phone(phone):
    roster = parse_roster(xlsx([["机关全称", "电话"], ["托里县财政局", phone]]), "x.xlsx", COUNTY)
    assert [(e.name, e.phone) for e in roster.entries] == [("托里县财政局", None)]
    problem = one_problem_with(roster, "第2行", "不像电话号码", "0901-1234567 或 13912345678")
    assert "\n" not in problem


@pytest.mark.parametrize("phone", ["13912345678", "0901-1234567", "0901 1234567", "1234567", "0901-12345678-123"])
def test_good_phones(phone):
    roster = parse_roster(xlsx([["机关全称", "电话"], ["托里县财政局", phone]]), "x.xlsx", COUNTY)
    assert roster.problems == [] and roster.entries[0].phone == phone


def test_bad_phone_message_example():
    roster = parse_roster("机关全称,类型,联系人,电话\n财政局,,,\n教育局,县直部门,张三,abc\n".encode(), "a.csv", COUNTY)
    assert roster.problems == ["第3行：电话「abc」不像电话号码，已留空（机关照样生成邀请码），例如 0901-1234567 或 13912345678"]


def test_duplicates_later_ones_dropped():
    text = "哈图镇人民政府 乡镇 张三\n托里县财政局\n托里县哈图镇人民政府 乡镇 李四\n托里县财政局"
    roster = parse_roster(text.encode(), "", COUNTY)
    assert [(e.name, e.contact) for e in roster.entries] == [("托里县哈图镇人民政府", "张三"), ("托里县财政局", None)]
    assert roster.problems == [say("roster.duplicate", line=3, name="托里县哈图镇人民政府", first=1),
                               say("roster.duplicate", line=4, name="托里县财政局", first=2)]


def test_cell_over_100_characters_refuses_its_row():
    roster = parse_roster(xlsx([["机关全称", "联系人"], ["托里县财政局", "张" * 101], ["托里县教育局", "张" * 100]]),
                          "x.xlsx", COUNTY)
    assert names(roster) == ["托里县教育局"]
    assert one_problem_with(roster, "第2行", "太长", "100")


def test_500_rows_pass_501_are_refused():
    lines = [f"托里县第{n}中学" for n in range(1, MAX_ROWS + 2)]
    ok = parse_roster("\n".join(lines[:MAX_ROWS]).encode(), "", COUNTY)
    assert len(ok.entries) == MAX_ROWS and ok.problems == []
    refused = parse_roster(xlsx([["机关全称"], *([line] for line in lines)]), "x.xlsx", COUNTY)
    assert refused.entries == [] and refused.problems == [say("roster.too_many", limit=MAX_ROWS, count=MAX_ROWS + 1)]
    text = parse_roster("\n".join(lines).encode(), "", COUNTY)
    assert text.entries == [] and len(text.problems) == 1 and "501" in text.problems[0]


def test_too_big_and_empty():
    assert parse_roster(b"a" * (MAX_BYTES + 1), "", COUNTY).problems == [say("roster.too_big", limit=2)]
    for empty in (b"", b" \n\t\n"):
        roster = parse_roster(empty, "", COUNTY)
        assert roster.entries == [] and len(roster.problems) == 1 and "空" in roster.problems[0]


def test_old_xls_is_refused_with_a_hint():
    roster = parse_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "名单.xls", COUNTY)
    assert roster.problems == [say("roster.old_xls")]


# ---- hostile and broken files ----

def _bomb_by_ratio() -> bytes:
    """A real workbook plus a member of 40 MB of zeros (packs to ~40 KB)."""
    buffer = io.BytesIO(xlsx([["机关全称"], ["托里县财政局"]]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", bytes(40_000_000))
    return buffer.getvalue()


def _bomb_by_declared_size() -> bytes:
    """A workbook whose sheet's central-directory entry declares 3 GB unpacked."""
    return declared_huge(xlsx([["机关全称"], ["托里县财政局"]]))


def declared_huge(workbook: bytes) -> bytes:
    """``workbook`` with its sheet's central-directory entry declaring 3 GB unpacked (a zip bomb's header)."""
    data = bytearray(workbook)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, at + 24, 3_000_000_000)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.mark.parametrize("make", [_bomb_by_ratio, _bomb_by_declared_size])
def test_zip_bomb_refused_before_openpyxl(make, monkeypatch):
    import openpyxl as module

    monkeypatch.setattr(module, "load_workbook", lambda *a, **k: pytest.fail("openpyxl reached"))
    data = make()
    assert len(data) < MAX_BYTES
    roster = parse_roster(data, "bomb.xlsx", COUNTY)
    assert roster.entries == [] and roster.problems == [say("roster.bomb", limit=32)]


def test_truncated_xlsx():
    data = xlsx([["机关全称"], ["托里县财政局"]])
    for cut in (len(data) // 2, len(data) - 30, 10, 2):
        roster = parse_roster(data[:cut], "x.xlsx", COUNTY)
        assert roster.entries == [] and roster.problems == [say("roster.bad_xlsx")], cut


def test_damaged_member_of_a_whole_zip():
    data = bytearray(xlsx([["机关全称"], ["托里县财政局"], ["托里县教育局"]]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0xFF  # the central directory is intact; the member fails its CRC
    roster = parse_roster(bytes(data), "x.xlsx", COUNTY)
    assert roster.entries == [] and roster.problems == [say("roster.bad_xlsx")]


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert parse_roster(buffer.getvalue(), "x.xlsx", COUNTY).problems == [say("roster.not_xlsx")]
    assert check_xlsx(xlsx([["a"]])) is None


def test_workbook_with_broken_sheet_xml():
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["机关全称"], ["托里县财政局"]]))) as source, \
            zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            target.writestr(info, body)
    roster = parse_roster(buffer.getvalue(), "x.xlsx", COUNTY)
    assert roster.entries == [] and roster.problems == [say("roster.bad_xlsx")]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("filename", ["", "名单.xlsx", "名单.csv", "名单.txt"])
def test_random_bytes(seed, filename):
    data = random.Random(seed).randbytes(4000)
    for sample in (data, b"PK\x03\x04" + data):
        roster = parse_roster(sample, filename, COUNTY)
        assert roster.entries == [] and len(roster.problems) == 1


def test_random_bytes_from_the_os():
    roster = parse_roster(os.urandom(100_000), "", COUNTY)
    assert roster.entries == [] and len(roster.problems) == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), st.text(max_size=300).map(str.encode)),
       st.sampled_from(["", "a.csv", "a.xlsx", "a.txt"]))
def test_never_raises(data, filename):
    roster = parse_roster(data, filename, COUNTY)
    assert isinstance(roster, Roster)
    assert all(isinstance(p, str) and p for p in roster.problems)
    assert all(e.name.startswith(COUNTY) for e in roster.entries)
    assert roster.entries or roster.problems  # something to tell the admin either way


def test_row_without_a_name():
    roster = parse_roster(xlsx([["机关全称", "联系人"], [None, "张三"], ["托里县财政局", "李四"]]), "x.xlsx", COUNTY)
    assert names(roster) == ["托里县财政局"]
    assert roster.problems == [say("roster.no_name", line=2, example=say("roster.example_line"))]


def test_csv_the_csv_module_refuses():
    data = ("机关全称,联系人\n托里县财政局,\"" + "张" * 140_000 + "\"\n").encode()
    assert len(data) < MAX_BYTES
    assert parse_roster(data, "a.csv", COUNTY).problems == [say("roster.bad_csv")]
