"""The .docx draft, read back with python-docx: page, fonts, section order, and the three national tables
cell for cell (text, merge span and number of every cell), draft marker, and unanswered values."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn

from nianbao.report import labels
from nianbao.report.docx_render import render_docx, write_docx
from nianbao.report.model import Appeals, Applications, DocCounts, Overview, Proactive, Report
from nianbao.report.synth import consistent_report, distinct_report
from nianbao.text import say

INCOMPLETE_NOTE = "（本表尚有未填写项）"
DASH = "—"
TEXT_WIDTH_TWIPS = round((210 - 28 - 26) / 25.4 * 1440)
# (row, column) of table 二's ten value cells: 规章 ×3, 行政规范性文件 ×3, 许可, 处罚, 强制, 收费.
TABLE_TWO_VALUES = [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3), (6, 1), (9, 1), (10, 1), (13, 1)]


@cache
def _rendered(kind: str, draft: bool = True) -> bytes:
    report = {"distinct": distinct_report, "empty": Report, "sample": consistent_report}[kind]()
    return render_docx(report, draft=draft)


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


# ---- reading the document back ---------------------------------------------------------------------


def body_items(document) -> list[tuple[str, str]]:
    """(style name, text) per body paragraph and ("table", "") per table, in document order."""
    items = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = docx.text.paragraph.Paragraph(child, document)
            items.append((paragraph.style.name, paragraph.text))
        elif child.tag == qn("w:tbl"):
            items.append(("table", ""))
    return items


def style_value(style, find):
    """The first value ``find(style)`` gives along the style's base-style chain."""
    while style is not None:
        value = find(style)
        if value is not None:
            return value
        style = style.base_style
    return None


def east_asia_font(style) -> str | None:
    def find(s):
        rpr = s.element.rPr
        fonts = rpr.rFonts if rpr is not None else None
        return fonts.get(qn("w:eastAsia")) if fonts is not None else None
    return style_value(style, find)


def style_size_pt(style) -> float:
    return style_value(style, lambda s: s.font.size).pt


class Grid:
    """A Word table as its layout grid: which merged region (top-left cell) covers each grid position."""

    def __init__(self, table):
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        self.text: dict[tuple[int, int], str] = {}
        self.align: dict[tuple[int, int], str | None] = {}
        vmerge: dict[tuple[int, int], str | None] = {}
        self.rows = list(table._tbl.tr_lst)
        for r, tr in enumerate(self.rows):
            c = 0
            for tc in tr.tc_lst:
                text = "".join(t.text for t in tc.iter(qn("w:t")))
                for k in range(tc.grid_span):
                    vmerge[(r, c + k)] = tc.vMerge
                    if tc.vMerge == "continue":
                        # a continued cell must hang under a vertical merge that was started above
                        assert vmerge[(r - 1, c + k)] in ("restart", "continue"), (r, c)
                        self.origin[(r, c + k)] = self.origin[(r - 1, c + k)]
                    else:
                        self.origin[(r, c + k)] = (r, c)
                if tc.vMerge == "continue":
                    assert text == "", f"merged-away cell ({r}, {c}) carries text {text!r}"
                else:
                    self.text[(r, c)] = text
                    jc = tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}")
                    self.align[(r, c)] = jc.get(qn("w:val")) if jc is not None else None
                c += tc.grid_span
        self.width = len(table._tbl.tblGrid.gridCol_lst)
        assert all(c < self.width for _, c in self.origin)
        assert len(self.origin) == len(self.rows) * self.width, "every row covers the whole grid"

    def cell(self, r: int, c: int) -> tuple[str, set[tuple[int, int]]]:
        """The text of the region whose top-left is (r, c), and every grid position it covers."""
        assert self.origin[(r, c)] == (r, c), f"({r}, {c}) is not the top-left of a cell"
        return self.text[(r, c)], {pos for pos, origin in self.origin.items() if origin == (r, c)}


def rect(r: int, c: int, rows: int = 1, cols: int = 1) -> set[tuple[int, int]]:
    return {(r + i, c + j) for i in range(rows) for j in range(cols)}


def tables(data: bytes) -> list[Grid]:
    return [Grid(t) for t in read(data).tables]


# ---- page, styles, order ---------------------------------------------------------------------------


def test_page_is_a4_with_gbt_9704_margins():
    section = read(_rendered("distinct")).sections[0]
    measured = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                section.left_margin, section.right_margin]
    assert [round(v.mm, 1) for v in measured] == [210, 297, 37, 35, 28, 26]


def test_sections_appear_in_order_with_their_sub_headings():
    report = distinct_report()
    items = body_items(read(_rendered("distinct")))
    styles = {name for name, _ in items}
    heading1 = [text for name, text in items if name == "一级标题"]
    heading2 = [text for name, text in items if name == "二级标题"]
    assert heading1 == list(labels.SECTION_HEADINGS)
    assert heading2 == [label for _, label in labels.OVERVIEW_TOPICS] + [
        "（一）" + labels.PROBLEMS_LABEL, "（二）" + labels.IMPROVEMENTS_LABEL]
    assert {"公文标题", "公文正文"} <= styles

    # Title, opening, then 一 … 六 with each narrative under its heading and each table under its section.
    sequence = [text if name != "table" else "<table>" for name, text in items]
    assert items[0][0] == "公文标题" and items[1][0] == "公文正文"
    position = {text: sequence.index(text) for text in heading1 + heading2}
    for key, label in labels.OVERVIEW_TOPICS:
        assert sequence[position[label] + 1] == getattr(report.overview, key)
    for index in (1, 2, 3):
        assert sequence[position[labels.SECTION_HEADINGS[index]] + 1] == "<table>"
    assert sequence[position["（一）" + labels.PROBLEMS_LABEL] + 1] == report.problems
    assert sequence[position["（二）" + labels.IMPROVEMENTS_LABEL] + 1] == report.improvements
    assert sequence[position[labels.SECTION_HEADINGS[5]] + 1:-2] == [report.other_matters]
    assert [name for name, _ in items[-2:]] == ["落款"] * 2 and items[-2][1] == report.organ  # then the date


def test_fonts_are_set_through_east_asia_and_theme_fonts_are_gone():
    document = read(_rendered("distinct"))
    styles = document.styles
    assert east_asia_font(styles["公文标题"]) == "方正小标宋简体"
    assert east_asia_font(styles["公文正文"]) == "仿宋_GB2312"
    assert east_asia_font(styles["一级标题"]) == "黑体"
    assert east_asia_font(styles["二级标题"]) == "楷体_GB2312"
    assert east_asia_font(styles["表格文字"]) in ("仿宋_GB2312", "宋体")
    theme = document.styles.element.xpath(
        "//w:rFonts[@w:asciiTheme or @w:eastAsiaTheme or @w:hAnsiTheme or @w:cstheme]")
    assert theme == []


def test_title_body_and_table_sizes_and_spacing():
    styles = read(_rendered("distinct")).styles
    title, body = styles["公文标题"], styles["公文正文"]
    assert style_size_pt(title) == 22 and title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert style_size_pt(body) == 16
    assert style_size_pt(styles["一级标题"]) == style_size_pt(styles["二级标题"]) == 16
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28 <= body.paragraph_format.line_spacing.pt <= 29
    assert body.element.pPr.ind.get(qn("w:firstLineChars")) == "200"  # 首行缩进 2 字符
    assert body.paragraph_format.first_line_indent.pt == 32
    assert 9 <= style_size_pt(styles["表格文字"]) <= 10.5


def test_footer_page_number_is_a_page_field_between_dashes():
    footer = read(_rendered("distinct")).sections[0].footer
    paragraph = footer.paragraphs[0]
    assert paragraph.text == "— 1 —"
    instructions = [t.text.strip() for t in paragraph._p.iter(qn("w:instrText"))]
    kinds = [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(qn("w:fldChar"))]
    assert instructions == ["PAGE"] and kinds == ["begin", "separate", "end"]


def test_opening_paragraph_names_the_statistics_period_and_the_six_parts():
    opening = body_items(read(_rendered("distinct")))[1][1]
    assert "2024年1月1日至12月31日" in opening and opening.count("2024") == 1  # the year said once
    for heading in labels.SECTION_HEADINGS:
        assert heading.split("、", 1)[1] in opening


# ---- draft marker, title -----------------------------------------------------------------------------


def test_draft_carries_the_marker_in_header_and_title():
    document = read(_rendered("distinct"))
    marker = say("common.draft_marker")
    title = body_items(document)[0][1]
    assert title.replace("\n", "") == distinct_report().title + f"（{marker}）"
    assert marker in document.sections[0].header.paragraphs[0].text


def test_final_prints_no_draft_marker_anywhere():
    document = read(_rendered("distinct", draft=False))
    marker = say("common.draft_marker")
    assert body_items(document)[0][1].replace("\n", "") == distinct_report().title
    texts = [text for _, text in body_items(document)]
    texts += [p.text for p in document.sections[0].header.paragraphs]
    assert not any(marker in text for text in texts)


def test_long_title_breaks_between_the_organ_and_the_year():
    title = body_items(read(_rendered("sample")))[0][1]
    assert title.split("\n") == ["托里县哈图镇人民政府", "2024年" + labels.TITLE_SUFFIX + "（草稿）"]


# ---- the tables, cell for cell ------------------------------------------------------------------------


def test_every_row_is_unsplittable_and_table_three_repeats_its_header():
    grids = tables(_rendered("distinct"))
    for grid in grids:
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in grid.rows)
    repeated = [tr.trPr.find(qn("w:tblHeader")) is not None for tr in grids[1].rows]
    assert repeated == [True] * 3 + [False] * 25


def test_tables_fit_the_text_width():
    for table in read(_rendered("distinct")).tables:
        assert sum(int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.gridCol_lst) <= TEXT_WIDTH_TWIPS


def test_table_two_layout_and_values():
    report = distinct_report()
    grid = tables(_rendered("distinct"))[0]
    assert (len(grid.rows), grid.width) == (14, 4)
    r = 0
    for title, columns, items in labels.PROACTIVE_BLOCKS:
        assert grid.cell(r, 0) == (title, rect(r, 0, 1, 4))
        assert grid.cell(r + 1, 0) == (labels.ITEM_COLUMN, rect(r + 1, 0))
        if len(columns) == 3:
            assert [grid.cell(r + 1, 1 + i) for i in range(3)] == [(c, rect(r + 1, 1 + i)) for i, c in enumerate(columns)]
        else:
            assert grid.cell(r + 1, 1) == (columns[0], rect(r + 1, 1, 1, 3))
        r += 2
        for key, label in items:
            assert grid.cell(r, 0) == (label, rect(r, 0))
            value = getattr(report.proactive, key)
            if isinstance(value, DocCounts):
                expected = [(str(v), rect(r, 1 + i)) for i, v in enumerate(value.values())]
                assert [grid.cell(r, 1 + i) for i in range(3)] == expected
            else:
                assert grid.cell(r, 1) == (str(value), rect(r, 1, 1, 3))
                assert grid.align[(r, 1)] == "center"
            r += 1
    assert r == 14
    assert grid.text[(13, 1)] == "9.63211"  # 万元, exact decimal


def _table_three_rows(a: Applications) -> list[list[int]]:
    """The 25 data rows of table 三 in printed order, from the report file's own keys."""
    w, u, n, o = a.withheld, a.unable, a.not_processed, a.other
    entered = [a.new, a.carried_over, a.granted, a.partial,
               w.state_secret, w.prohibited_by_law, w.security_stability, w.third_party,
               w.internal_affairs, w.process_info, w.enforcement_files, w.query_matters,
               u.not_held, u.needs_creation, u.still_unclear,
               n.petition, n.repeated, n.publications, n.excessive, n.reconfirm,
               o.no_correction, o.unpaid_fee, o.other]
    outcomes = entered[2:]
    seventh = [sum(row[i] for row in outcomes) for i in range(6)]
    return [row + [sum(row)] for row in (*entered, seventh, a.carried_forward)]


def test_table_three_labels_and_merges_reproduce_the_national_layout():
    grid = tables(_rendered("distinct"))[1]
    assert (len(grid.rows), grid.width) == (28, 10)
    # 3-row header
    assert grid.cell(0, 0) == (labels.BALANCE_NOTE, rect(0, 0, 3, 3))
    assert grid.cell(0, 3) == (labels.APPLICANT_HEADER, rect(0, 3, 1, 7))
    assert grid.cell(1, 3) == (labels.APPLICANT_COLUMNS[0], rect(1, 3, 2, 1))
    assert grid.cell(1, 4) == (labels.LEGAL_PERSON_HEADER, rect(1, 4, 1, 5))
    assert grid.cell(1, 9) == (labels.TOTAL, rect(1, 9, 2, 1))
    for i, column in enumerate(labels.APPLICANT_COLUMNS[1:]):
        assert grid.cell(2, 4 + i) == (column, rect(2, 4 + i))
    # label columns
    assert grid.cell(3, 0) == (labels.NEW_LABEL, rect(3, 0, 1, 3))
    assert grid.cell(4, 0) == (labels.CARRIED_OVER_LABEL, rect(4, 0, 1, 3))
    assert grid.cell(5, 0) == (labels.RESULTS_LABEL, rect(5, 0, 22, 1))
    r = 5
    for group in labels.OUTCOME_GROUPS:
        if group.is_single:
            assert grid.cell(r, 1) == (group.label, rect(r, 1, 1, 2))
            r += 1
            continue
        assert grid.cell(r, 1) == (group.label, rect(r, 1, len(group.rows), 1))
        for _, label in group.rows:
            assert grid.cell(r, 2) == (label, rect(r, 2))
            r += 1
    assert grid.cell(26, 1) == (labels.OUTCOMES_TOTAL_LABEL, rect(26, 1, 1, 2))
    assert grid.cell(27, 0) == (labels.CARRIED_FORWARD_LABEL, rect(27, 0, 1, 3))
    assert grid.text[(7, 2)] == "1.属于国家秘密" and grid.text[(25, 2)] == "3.其他"  # spot checks


def test_table_three_prints_every_number_in_its_own_cell():
    report = distinct_report()
    rows = _table_three_rows(report.applications)
    numbers = [v for row in rows for v in row]
    assert len(numbers) == 175 and len(set(numbers)) == 175, "the fixture must make every cell different"
    grid = tables(_rendered("distinct"))[1]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            assert grid.cell(3 + i, 3 + j) == (str(value), rect(3 + i, 3 + j)), (i, j)
            assert grid.align[(3 + i, 3 + j)] == "center"
    assert [grid.text[(26, 3 + j)] for j in range(6)] == [str(v) for v in report.applications.outcomes_total]


def test_table_four_layout_and_values():
    report = distinct_report()
    grid = tables(_rendered("distinct"))[2]
    assert (len(grid.rows), grid.width) == (4, 15)
    columns = (*labels.APPEAL_RESULT_COLUMNS, labels.TOTAL)
    assert grid.cell(0, 0) == (labels.REVIEW_HEADER, rect(0, 0, 1, 5))
    assert grid.cell(0, 5) == (labels.LITIGATION_HEADER, rect(0, 5, 1, 10))
    for c, column in enumerate(columns):
        assert grid.cell(1, c) == (column, rect(1, c, 2, 1))
        assert grid.cell(2, 5 + c) == (column, rect(2, 5 + c))
        assert grid.cell(2, 10 + c) == (column, rect(2, 10 + c))
    assert grid.cell(1, 5) == ("未经复议直接起诉", rect(1, 5, 1, 5))
    assert grid.cell(1, 10) == ("复议后起诉", rect(1, 10, 1, 5))
    appeals = report.appeals
    expected = [*appeals.review, sum(appeals.review), *appeals.litigation_direct, sum(appeals.litigation_direct),
                *appeals.litigation_after_review, sum(appeals.litigation_after_review)]
    assert len(set(expected)) == 15
    assert [grid.cell(3, c) for c in range(15)] == [(str(v), rect(3, c)) for c, v in enumerate(expected)]


# ---- unanswered values ------------------------------------------------------------------------------------


def _value_cells(grid: Grid, first_row: int, first_col: int) -> list[str]:
    return [text for (r, c), text in grid.text.items() if r >= first_row and c >= first_col]


def test_empty_report_shows_to_be_filled_and_dashes_never_zero():
    data = _rendered("empty")
    items = body_items(read(data))
    pending = say("common.to_be_filled")
    sequence = [text for _, text in items]
    for heading in [label for _, label in labels.OVERVIEW_TOPICS] + [
            "（一）" + labels.PROBLEMS_LABEL, "（二）" + labels.IMPROVEMENTS_LABEL, labels.SECTION_HEADINGS[5]]:
        assert sequence[sequence.index(heading) + 1] == pending
    two, three, four = tables(data)
    values = ([two.text[pos] for pos in TABLE_TWO_VALUES]
              + _value_cells(three, 3, 3) + _value_cells(four, 3, 0))
    assert values == [DASH] * (10 + 175 + 15)
    notes = [i for i, (name, text) in enumerate(items) if text == INCOMPLETE_NOTE]
    assert [items[i - 1][0] for i in notes] == ["table"] * 3


def test_partly_answered_table_prints_what_is_known_and_a_note():
    report = Report(organ="某某镇人民政府", year=2024,
                    overview=Overview(proactive="第一段。\n\n　　第二段。"),
                    proactive=Proactive(regulations=DocCounts(issued=0, repealed=0, in_force=0),
                                        normative_documents=DocCounts(issued=1, repealed=0, in_force=3),
                                        licensing=0, penalties=2, enforcement=0, fees="00"),
                    applications=Applications(new=[1, 2, 3, 4, 5, 6]),
                    appeals=Appeals(review=[0, 1, 0, 0]))
    data = render_docx(report)
    items = body_items(read(data))
    two, three, four = tables(data)
    assert two.text[(13, 1)] == "0"  # "00" prints "0"
    assert [three.text[(3, c)] for c in range(3, 10)] == ["1", "2", "3", "4", "5", "6", "21"]
    assert [three.text[(26, c)] for c in range(3, 10)] == [DASH] * 7  # （七）总计 needs every outcome row
    assert [four.text[(3, c)] for c in range(15)] == ["0", "1", "0", "0", "1"] + [DASH] * 10
    after_tables = [items[i + 1][1] for i, (name, _) in enumerate(items) if name == "table"]
    assert after_tables == [labels.SECTION_HEADINGS[2], INCOMPLETE_NOTE, INCOMPLETE_NOTE]
    # a narrative is split into paragraphs on its lines, blank lines and typed indents dropped
    sequence = [text for _, text in items]
    start = sequence.index(labels.OVERVIEW_TOPICS[0][1])
    assert sequence[start + 1:start + 3] == ["第一段。", "第二段。"]


def test_pasted_control_characters_do_not_break_rendering():
    report = Report(organ="某某镇\x01人民政府", problems="一是\x00问题。\x0b二是问题。\x0c三是问题。")
    sequence = [text for _, text in body_items(read(render_docx(report)))]
    assert sequence[0].startswith("某某镇人民政府")
    start = sequence.index("（一）" + labels.PROBLEMS_LABEL)
    assert sequence[start + 1:start + 4] == ["一是问题。", "二是问题。", "三是问题。"]


@pytest.mark.parametrize("amount,printed", [("00", "0"), ("1.50", "1.50"), ("9.63211", "9.63211")])
def test_fees_print_as_plain_decimals(amount, printed):
    report = Report(proactive=Proactive(fees=Decimal(amount)))
    assert tables(render_docx(report))[0].text[(13, 1)] == printed


def test_write_docx_writes_the_rendered_bytes(tmp_path):
    path = tmp_path / "report.docx"
    write_docx(distinct_report(), path, draft=False)
    assert read(path.read_bytes()).paragraphs[0].text.replace("\n", "") == distinct_report().title
