"""The report as a web page (web/draft_html.py), read back with lxml: the same order of title, headings,
paragraphs and tables as the .docx, the three tables cell for cell as Word's (text, merged region), every
number the report's, unanswered cells as the docx prints them, user text escaped, accessible markup."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources

import lxml.html
import pytest

from nianbao.report import labels
from nianbao.report.docx_render import render_docx
from nianbao.report.model import Report
from nianbao.report.synth import consistent_report, distinct_report
from nianbao.text import say
from nianbao.web.draft_html import draft_html
from test_render import DASH, INCOMPLETE_NOTE, TABLE_TWO_VALUES, _table_three_rows, body_items, read, tables

SIGNED = date(2025, 1, 10)
REPORTS = {"distinct": distinct_report, "sample": consistent_report, "empty": Report}


@cache
def docx_of(kind: str) -> bytes:
    return render_docx(REPORTS[kind](), draft=True, signed_on=SIGNED)


@cache
def html_of(kind: str) -> str:
    return str(draft_html(REPORTS[kind](), draft=True, signed_on=SIGNED))


def parsed(html: str):
    return lxml.html.fragment_fromstring(html)


class HtmlGrid:
    """An HTML table as its layout grid, as test_render.Grid reads a Word table: which cell (by its
    top-left grid position) covers each position, and each cell's text."""

    def __init__(self, table) -> None:
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        self.text: dict[tuple[int, int], str] = {}
        self.tags: dict[tuple[int, int], str] = {}
        self.rows = table.xpath("./thead/tr | ./tbody/tr | ./tr")
        for r, tr in enumerate(self.rows):
            c = 0
            for cell in tr.xpath("./th | ./td"):
                while (r, c) in self.origin:  # covered by a cell that spans rows from above
                    c += 1
                rows, cols = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
                for i in range(rows):
                    for j in range(cols):
                        assert (r + i, c + j) not in self.origin, f"({r + i}, {c + j}) covered twice"
                        self.origin[(r + i, c + j)] = (r, c)
                self.text[(r, c)] = cell.text_content()
                self.tags[(r, c)] = cell.tag
                c += cols
        self.width = max(c for _, c in self.origin) + 1
        assert len(self.origin) == len(self.rows) * self.width, "every row covers the whole grid"


def html_tables(kind: str) -> list[HtmlGrid]:
    return [HtmlGrid(t) for t in parsed(html_of(kind)).iter("table")]


@pytest.mark.parametrize("kind", REPORTS)
def test_the_three_tables_are_the_docx_tables_cell_for_cell(kind):
    words, pages = tables(docx_of(kind)), html_tables(kind)
    assert len(words) == len(pages) == 3
    for word, page in zip(words, pages, strict=True):
        assert (len(page.rows), page.width) == (len(word.rows), word.width)
        assert page.origin == word.origin  # the same merged regions (rowspan/colspan = vMerge/gridSpan)
        assert page.text == word.text      # the same labels, numbers and dashes in each


def test_every_number_is_the_reports_own():
    report = distinct_report()
    two, three, four = html_tables("distinct")
    values = [v for key in ("regulations", "normative_documents") for v in getattr(report.proactive, key).values()]
    values += [report.proactive.licensing, report.proactive.penalties, report.proactive.enforcement, "9.63211"]
    assert [two.text[position] for position in TABLE_TWO_VALUES] == [str(v) for v in values]
    assert all(two.tags[position] == "td" for position in TABLE_TWO_VALUES)
    rows = _table_three_rows(report.applications)  # the 25 rows from the report file's own keys
    for i, row in enumerate(rows):
        assert [three.text[(3 + i, 3 + j)] for j in range(7)] == [str(v) for v in row], i
    appeals = report.appeals
    expected = [v for key, _ in labels.APPEAL_GROUPS for v in (*getattr(appeals, key), appeals.total(key))]
    assert [four.text[(3, c)] for c in range(15)] == [str(v) for v in expected]


def test_labels_are_the_national_formats():
    two, three, four = html_tables("distinct")
    assert two.text[(0, 0)] == labels.PROACTIVE_BLOCKS[0][0] and two.text[(1, 0)] == labels.ITEM_COLUMN
    assert three.text[(0, 0)] == labels.BALANCE_NOTE and three.text[(5, 0)] == labels.RESULTS_LABEL
    assert [three.text[(2, 4 + i)] for i in range(5)] == list(labels.APPLICANT_COLUMNS[1:])
    assert three.text[(7, 2)] == "1.属于国家秘密" and three.text[(26, 1)] == labels.OUTCOMES_TOTAL_LABEL
    assert four.text[(0, 0)] == labels.REVIEW_HEADER and four.text[(0, 5)] == labels.LITIGATION_HEADER


def _html_sequence(article) -> list[str]:
    """The article's blocks in order as test_render.body_items lists the .docx's: text per paragraph or
    heading, "table" per table, the 落款's organ and date."""
    out = []
    for element in article:
        if element.tag == "section":
            out += _html_sequence(element)
        elif element.tag == "div" and "nb-table-wrap" in element.get("class", ""):
            out.append("table")
        elif "nb-signature" in element.get("class", ""):
            out += [span.text_content() for span in element]
        else:
            out.append(element.text_content())
    return out


@pytest.mark.parametrize("kind", REPORTS)
def test_title_headings_and_paragraphs_come_in_the_docx_order(kind):
    word = [text.replace("\n", "") if name != "table" else "table" for name, text in body_items(read(docx_of(kind)))]
    assert _html_sequence(parsed(html_of(kind))) == word


def test_unanswered_cells_print_the_dash_and_each_table_its_note():
    page = parsed(html_of("empty"))
    numbers = page.xpath("//td")
    assert numbers and {td.text_content() for td in numbers} == {DASH}
    assert all("nb-missing" in td.get("class") for td in numbers)
    notes = page.xpath("//p[contains(@class, 'nb-table-note')]")
    assert [p.text_content() for p in notes] == [INCOMPLETE_NOTE] * 3
    assert not parsed(html_of("distinct")).xpath("//p[contains(@class, 'nb-table-note')]")
    paragraphs = [p.text_content() for p in page.xpath("//p[@class='nb-body']")]
    assert paragraphs.count(say("common.to_be_filled")) == 5 + 2 + 1  # 一's five topics, 五's two, 六


def test_what_an_official_typed_is_text_never_markup():
    report = distinct_report()
    report.organ = '<script>alert("organ")</script>哈图镇人民政府'
    report.problems = "第一行 <b>粗</b> & <img src=x onerror=alert(1)>\n第二行 </p><script>alert(2)</script>"
    report.other_matters = '"引号" \'单引号\' <!-- 注释 -->'
    html = str(draft_html(report))
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "<!--" not in html
    page = parsed(html)
    assert not page.xpath("//script | //img | //b")
    assert page.xpath("//h1")[0].text_content().startswith('<script>alert("organ")</script>')
    texts = [p.text_content() for p in page.xpath("//p[@class='nb-body']")]
    assert "第一行 <b>粗</b> & <img src=x onerror=alert(1)>" in texts
    assert "第二行 </p><script>alert(2)</script>" in texts
    assert '"引号" \'单引号\' <!-- 注释 -->' in texts
    assert page.xpath("//span[@class='nb-signature-organ']")[0].text_content() == report.organ


def test_title_breaks_only_between_the_organs_words_and_carries_the_draft_marker():
    report = consistent_report(organ="托里县哈图镇人民政府")
    pieces = [span.text for span in parsed(str(draft_html(report, draft=True))).xpath("//h1/span")]
    assert "".join(pieces) == report.title + "（草稿）"
    assert pieces[-1] == "2024年政府信息公开工作年度报告（草稿）" and all("哈图" not in p or "哈图镇" in p for p in pieces)
    assert "草稿" not in parsed(str(draft_html(report))).xpath("//h1")[0].text_content()
    title = "托里县2024年政府信息公开工作年度报告汇总"
    assert parsed(str(draft_html(report, title=title))).xpath("//h1")[0].text_content() == title


def test_tables_are_accessible_and_scroll_in_their_own_box():
    page = parsed(html_of("distinct"))
    assert page.tag == "article" and page.get("lang") == "zh-CN"
    wraps = page.xpath("//div[contains(@class, 'nb-table-wrap')]")
    assert len(wraps) == 3
    for wrap, heading in zip(wraps, labels.SECTION_HEADINGS[1:4], strict=True):
        assert wrap.get("tabindex") == "0" and wrap.get("role") == "region" and wrap.get("aria-label") == heading
        [table] = wrap.xpath("./table")
        assert table.xpath("./caption")[0].text_content() == heading
        headers = table.xpath(".//th")
        assert headers and all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in headers)
    three = wraps[1].xpath("./table")[0]
    assert three.xpath("./thead/tr") and len(three.xpath("./thead/tr")) == 3
    assert three.xpath(".//th[@scope='rowgroup' and @rowspan='22']")[0].text_content() == labels.RESULTS_LABEL
    assert {th.text_content() for th in three.xpath("./tbody//th[@scope='row']")} >= {labels.NEW_LABEL, "3.其他"}
    assert "style=" not in html_of("distinct")  # CSP without inline styles
    css = (resources.files("nianbao") / "web" / "static" / "draft.css").read_text(encoding="utf-8")
    wrap_rule = re.search(r"\.nb-table-wrap\s*\{([^}]*)\}", css)[1]
    assert "overflow-x: auto" in wrap_rule and "max-width: 100%" in wrap_rule
    assert re.search(r"\.nb-table-applications\s*\{[^}]*min-width", css)  # wider than a phone: it scrolls
