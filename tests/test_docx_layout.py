"""Page layout of the .docx, read back from its XML: table 三 never leaves a row without its group label,
the title breaks only between words, page numbers odd right / even left, the 「本表尚有未填写项」 note stays
with its table, the 落款, the opening paragraph, and the file's core properties. The last test looks at
the pages themselves (LibreOffice → PDF → text), when LibreOffice is installed."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta, timezone
from functools import cache

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from nianbao.report import docx_render, labels
from nianbao.report.docx_render import render_docx
from nianbao.report.docx_tables import applications_layout, row_heights_pt, split_layout
from nianbao.report.model import Applications, Contact, Report
from nianbao.report.synth import consistent_report
from nianbao.text import say

from test_render import Grid, body_items, east_asia_font, read, tables

SIGNED = date(2025, 1, 20)
NOTE = "（本表尚有未填写项）"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@cache
def _busy(draft: bool = True) -> bytes:
    """A report with applications in every row of table 三 and long narratives before it."""
    return render_docx(_busy_report(), draft=draft, signed_on=SIGNED)


def _busy_report() -> Report:
    report = consistent_report(scale=40)
    long = "本机关认真贯彻落实《条例》，扎实推进政务公开工作，持续提升公开质量和实效。" * 6
    report.overview.proactive = long
    report.overview.on_request += long
    return report


def _rows_keep_next(tr) -> bool:
    """Every cell paragraph of the row is kept with the next (Word's way to keep a row with the next row)."""
    paragraphs = list(tr.iter(qn("w:p")))
    return bool(paragraphs) and all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in paragraphs)


def _right_chars(paragraph) -> int:
    return int(paragraph._p.pPr.ind.get(qn("w:rightChars")))


# ---- page numbers ------------------------------------------------------------------------------------


def test_page_numbers_odd_right_even_left_in_four_point_song():
    document = read(_busy())
    settings = document.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert not section.even_page_footer.is_linked_to_previous
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and odd.paragraph_format.right_indent.pt == 14  # 空一字
    assert even.alignment == WD_ALIGN_PARAGRAPH.LEFT and even.paragraph_format.left_indent.pt == 14
    for paragraph in (odd, even):
        assert paragraph.text == "— 1 —"  # 一字线 either side of the PAGE field
        assert [t.text.strip() for t in paragraph._p.iter(qn("w:instrText"))] == ["PAGE"]
    footer = document.styles["Footer"]
    fonts = footer.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia")} == {"宋体"}  # digits too
    assert footer.font.size.pt == 14  # 4号


def test_draft_marker_heads_odd_and_even_pages_and_final_has_none():
    marker = say("common.draft_marker")
    section = read(_busy()).sections[0]
    assert marker in section.header.paragraphs[0].text and marker in section.even_page_header.paragraphs[0].text
    final = read(_busy(draft=False)).sections[0]
    texts = [p.text for part in (final.header, final.even_page_header) for p in part.paragraphs]
    assert not any(marker in text for text in texts)


# ---- title ---------------------------------------------------------------------------------------------


def _title_lines(report: Report, **options) -> list[str]:
    return body_items(read(render_docx(report, signed_on=SIGNED, **options)))[0][1].split("\n")


@pytest.mark.parametrize("organ,draft,expected", [
    ("托里县哈图镇人民政府", True, ["托里县哈图镇人民政府", "2024年政府信息公开工作年度报告（草稿）"]),
    ("托里县哈图镇人民政府", False, ["托里县哈图镇人民政府", "2024年政府信息公开工作年度报告"]),
    ("萧县政府", False, ["萧县政府2024年政府信息公开工作年度报告"]),  # fits one line
    ("巴音郭楞蒙古自治州和静县巴音布鲁克镇人民政府", False,
     ["巴音郭楞蒙古自治州和静县", "巴音布鲁克镇人民政府", "2024年政府信息公开工作年度报告"]),
    ("新疆维吾尔自治区塔城地区托里县市场监督管理局", False,
     ["新疆维吾尔自治区塔城地区", "托里县市场监督管理局", "2024年政府信息公开工作年度报告"]),
    (None, True, [say("common.organ_to_be_filled"), "2024年政府信息公开工作年度报告（草稿）"]),
])
def test_title_breaks_between_organ_and_year_and_only_between_words(organ, draft, expected):
    assert _title_lines(Report(organ=organ, year=2024), draft=draft) == expected


def test_roll_up_title_breaks_before_the_year_too():
    lines = _title_lines(Report(organ="托里县乡镇（街道）", year=2024), draft=False,
                         title="托里县乡镇（街道）2024年政府信息公开工作年度报告汇总")
    assert lines == ["托里县乡镇（街道）", "2024年政府信息公开工作年度报告汇总"]


def test_organ_breaks_never_cut_a_kept_word_or_start_a_line_with_closing_punctuation():
    assert docx_render._organ_cuts("托里县市场监督管理局") == [3]        # 托里县 | 市场…, never 市 | 场
    assert docx_render._organ_cuts("托里县乡镇（街道）") == [3, 5]       # never 乡 | 镇, never 街道 | ）
    assert docx_render._organ_cuts("托里县哈图镇人民政府") == [3, 6]     # 托里县 | 哈图镇 | 人民政府


def test_year_digits_are_in_the_title_font():
    title = read(_busy()).styles["公文标题"]
    fonts = title.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia")} == {"方正小标宋简体"}
    assert east_asia_font(title) == "方正小标宋简体"


# ---- table 三: one page, or parts that each carry their labels ---------------------------------------------


def test_table_three_is_kept_on_one_page_with_its_heading():
    document = read(_busy())
    three = tables(_busy())[1]
    assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in three.rows)
    assert [_rows_keep_next(tr) for tr in three.rows] == [True] * 27 + [False]  # complete: nothing follows it
    assert document.styles["一级标题"].paragraph_format.keep_with_next
    # it fits a page below its heading with room to spare (LibreOffice measures within a point of this)
    page_pt = docx_render.text_height_mm() * 72 / 25.4 - 28.95
    assert sum(row_heights_pt(applications_layout(_busy_report().applications))) < page_pt - 30


def test_large_counts_shrink_instead_of_wrapping_so_the_table_still_fits():
    report = consistent_report(scale=2_000_000)  # seven-digit counts
    layout = applications_layout(report.applications)
    assert split_layout(layout, 580) == [layout]
    data = render_docx(report, signed_on=SIGNED)
    assert len(tables(data)) == 3
    three = read(data).tables[1]._tbl
    sizes = [int(sz.get(qn("w:val"))) for sz in three.iter(qn("w:sz"))]
    assert sizes and all(12 <= size < 20 for size in sizes)  # smaller than 10 pt, never below 6 pt


def _label_texts(grid: Grid, row: int) -> list[str]:
    return [grid.text[grid.origin[(row, c)]] for c in range(3)]


def test_a_table_taller_than_a_page_goes_in_parts_each_with_its_group_labels(monkeypatch):
    full = tables(_busy())[1]
    report = _busy_report()
    report.applications.withheld = None  # incomplete: the note must stay with the last part
    monkeypatch.setattr(docx_render, "text_height_mm", lambda: 150)
    data = render_docx(report, signed_on=SIGNED)
    document = read(data)
    grids = tables(data)
    parts = grids[1:-1]
    assert len(parts) >= 2
    printed = []
    for grid in parts:
        assert [grid.text.get((r, 0)) for r in range(3)] == [labels.BALANCE_NOTE, None, None]  # header again
        for r in range(3, len(grid.rows)):
            labels_here = _label_texts(grid, r)
            assert all(labels_here[:2]), f"row {r} stands under an empty label cell: {labels_here}"
            printed.append(labels_here)
        assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in grid.rows)
    assert printed == [_label_texts(full, r) for r in range(3, 28)]  # every row once, in order, same labels
    # the parts are divided by a page break, and the note follows the last part, kept with it
    body = list(document.element.body.iterchildren())
    tbls = [i for i, child in enumerate(body) if child.tag == qn("w:tbl")]
    for before, after in zip(tbls[1:-2], tbls[2:-1]):
        (between,) = body[before + 1:after]
        style = document.styles.element.get_by_id(between.pPr.pStyle.val)
        assert style.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None
    last_part = parts[-1]
    assert _rows_keep_next(last_part.rows[-1])
    note = docx.text.paragraph.Paragraph(body[tbls[-2] + 1], document)
    assert note.text == NOTE


@pytest.mark.parametrize("fraction", [0.6, 0.7, 0.8])
def test_split_cuts_between_groups_and_restarts_the_merged_labels(fraction):
    layout = applications_layout(Applications.zeros())
    heights = row_heights_pt(layout)
    parts = split_layout(layout, sum(heights) * fraction)
    assert len(parts) >= 2 and sum(len(part.rows) - 3 for part in parts) == 25
    for part in parts:
        assert part.rows[:3] == layout.rows[:3] and part.keep_together
        assert sum(row_heights_pt(part)) <= sum(heights) * fraction
    for part in parts[1:]:
        first = part.rows[3]  # the first data row after the repeated header
        assert first[0].text == labels.RESULTS_LABEL and first[0].merge == "restart"
        assert first[1].merge != "continue" and first[1].text.startswith("（")  # a group, never its middle


# ---- the 「本表尚有未填写项」 note ------------------------------------------------------------------------------


def test_the_incomplete_note_is_kept_with_the_last_row_of_its_table():
    report = _busy_report()
    report.applications.carried_forward = None
    report.proactive.licensing = None
    data = render_docx(report, signed_on=SIGNED)
    two, three, four = tables(data)
    assert _rows_keep_next(two.rows[-1]) and _rows_keep_next(three.rows[-1])
    assert not _rows_keep_next(four.rows[-1])  # complete: not chained to what follows
    items = body_items(read(data))
    after = [items[i + 1][1] for i, (name, _) in enumerate(items) if name == "table"]
    assert after[:2] == [NOTE, NOTE]


# ---- 落款 ----------------------------------------------------------------------------------------------------


def test_signature_is_organ_over_date_right_aligned_and_last():
    document = read(_busy())
    paragraphs = document.paragraphs
    organ, dated = paragraphs[-2], paragraphs[-1]
    assert (organ.text, dated.text) == ("托里县哈图镇人民政府", "2025年1月20日")
    assert organ.style.name == dated.style.name == "落款"
    assert organ.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert organ.style.paragraph_format.first_line_indent.pt == 0
    # stamped document (GB/T 9704 7.3.5.1): the date 4 characters in, the organ centred over it
    assert _right_chars(dated) == 400 and _right_chars(organ) == 225  # 4 + (6.5 − 10) / 2
    assert organ.paragraph_format.space_before.pt > 28  # a blank line or more above (room for the seal)
    assert organ.style.paragraph_format.keep_with_next and paragraphs[-3].paragraph_format.keep_with_next
    assert paragraphs[-3].text == _busy_report().other_matters


def test_signature_of_a_long_organ_and_of_a_missing_one():
    long = read(render_docx(Report(organ="巴音郭楞蒙古自治州和静县巴音布鲁克镇人民政府"), signed_on=date(2025, 12, 3)))
    organ, dated = long.paragraphs[-2:]
    assert dated.text == "2025年12月3日"
    assert _right_chars(organ) == 200 and _right_chars(dated) > 400  # the date centred under the name
    missing = read(render_docx(Report(), signed_on=SIGNED)).paragraphs
    assert missing[-2].text == say("common.organ_to_be_filled")


def test_signature_date_defaults_to_today():
    today = date.today()
    assert read(render_docx(Report(organ="某镇人民政府"))).paragraphs[-1].text == f"{today.year}年{today.month}月{today.day}日"


# ---- core properties ------------------------------------------------------------------------------------------


def test_core_properties_name_the_report_and_the_organ_and_today():
    started = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    data = render_docx(_busy_report(), signed_on=SIGNED)
    properties = read(data).core_properties
    assert properties.title == _busy_report().title
    assert properties.author == properties.last_modified_by == "托里县哈图镇人民政府"
    for moment in (properties.created, properties.modified):
        assert started - timedelta(seconds=1) <= moment.replace(tzinfo=None) <= started + timedelta(minutes=5)
    assert not properties.comments
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        everything = b"".join(package.read(name) for name in names)
    assert b"python-docx" not in everything and b"2013-" not in everything
    assert not any("thumbnail" in name for name in names)


def test_roll_up_properties_carry_its_own_title():
    title = "托里县乡镇（街道）2024年政府信息公开工作年度报告汇总"
    properties = read(render_docx(Report(organ="托里县乡镇（街道）", year=2024), draft=False, title=title)).core_properties
    assert properties.title == title and properties.author == "托里县乡镇（街道）"


# ---- opening paragraph -------------------------------------------------------------------------------------------


def _opening(contact: Contact | None) -> str:
    report = Report(organ="托里县哈图镇人民政府", year=2024, contact=contact)
    return body_items(read(render_docx(report, signed_on=SIGNED)))[1][1]


def test_opening_cites_the_regulation_and_the_format_notice_once_each():
    text = _opening(None)
    assert "《中华人民共和国政府信息公开条例》（以下简称《条例》）" in text
    assert ("《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
            "（国办公开办函〔2021〕30号）") in text
    assert "2024年1月1日至12月31日" in text and text.count("2024") == 1
    assert "\n" not in text
    assert "联系" not in text and "查阅" not in text  # nothing given: nothing invented


@pytest.mark.parametrize("contact,present,absent", [
    (Contact(portal="托里县人民政府门户网站", address="托里县哈图镇团结路1号", phone="0901-3681234"),
     ["本报告电子版可在托里县人民政府门户网站查阅或下载。", "（地址：托里县哈图镇团结路1号，电话：0901-3681234）。"], []),
    (Contact(phone="0901-3681234"), ["（电话：0901-3681234）。"], ["地址", "查阅"]),
    (Contact(address="托里县哈图镇团结路1号"), ["（地址：托里县哈图镇团结路1号）。"], ["电话", "查阅"]),
    (Contact(portal="托里县人民政府门户网站"), ["托里县人民政府门户网站查阅或下载。"], ["联系", "地址", "电话"]),
])
def test_opening_prints_only_the_contact_details_given(contact, present, absent):
    text = _opening(contact)
    assert text.endswith("。")
    for part in present:
        assert part in text
    for part in absent:
        assert part not in text


# ---- the pages themselves ------------------------------------------------------------------------------------------


def _pages(data: bytes, tmp_path) -> list[str]:
    """The text of every page, LibreOffice's own pagination, whitespace removed."""
    source = tmp_path / "report.docx"
    source.write_bytes(data)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "report.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    return ["".join(page.split()) for page in text.split("\f") if page.strip()]


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice not installed")
def test_on_the_pages_every_row_of_table_three_has_its_group_label(tmp_path, monkeypatch):
    def check(pages: list[str]) -> int:
        seen = 0
        for page in pages:
            for group in labels.OUTCOME_GROUPS:
                if group.rows and any(label[:6] in page for _, label in group.rows):
                    assert group.label in page and labels.RESULTS_LABEL in page, (group.label, page[:200])
                    seen += 1
        return seen

    one_page = _pages(_busy(), tmp_path)
    assert check(one_page) == 4
    assert sum(labels.RESULTS_LABEL in page for page in one_page) == 1  # one table on one page
    assert "—1—" in one_page[0] and "托里县哈图镇人民政府2025年1月20日" in one_page[-1]

    monkeypatch.setattr(docx_render, "text_height_mm", lambda: 150)  # parts, as for a table taller than a page
    in_parts = _pages(render_docx(_busy_report(), signed_on=SIGNED), tmp_path)
    assert check(in_parts) >= 4 and sum(labels.RESULTS_LABEL in page for page in in_parts) >= 2
