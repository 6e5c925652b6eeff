"""The report as an HTML fragment laid out as its .docx: the title, the six sections with their headings
and paragraphs, the three tables cell for cell, the 落款.

Nothing is laid out twice: the tables are docx_tables' layouts (the same ``Cell`` rows, labels from
labels.py, the same dash for an unanswered cell, the same totals), turned into ``<table>`` rows with
``rowspan``/``colspan`` where Word has vMerge/gridSpan; the headings and the opening paragraph come from
labels.py and the document templates as in docx_render. Pages are rendered with ``HTML_ENV``: nianbao.text's
sandboxed, strict environment with autoescape on, so whatever an official typed (an organ's name, a
paragraph) is text, never markup. Styles: static/draft.css (each table scrolls sideways in its own box
on a phone; the page never does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..report import labels
from ..report.docx_render import _YEAR_AT_END, _opening, _organ_cuts
from ..report.docx_tables import Cell, TableLayout, applications_layout, appeals_layout, proactive_layout
from ..report.docx_styles import styling
from ..report.model import Report
from ..text import make_environment, render_file, say, template_source

CSS_FILE = "draft.css"  # in nianbao/web/static/


def _html_environment() -> ImmutableSandboxedEnvironment:
    """nianbao.text's environment (sandboxed, StrictUndefined, the same filters) escaping for HTML."""
    env = make_environment()
    env.autoescape = True
    return env


HTML_ENV = _html_environment()


@cache
def _compiled(relative: str):
    return HTML_ENV.from_string(template_source(relative))


def render_html(relative: str, /, **values: Any) -> Markup:
    """The HTML template ``templates/<relative>`` rendered with ``values`` (escaped unless Markup)."""
    return Markup(_compiled(relative).render(**values).strip())


# ---- the tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlCell:
    tag: str                 # "th" or "td"
    text: str
    colspan: int = 1
    rowspan: int = 1
    scope: str | None = None  # th only: col, colgroup, row, rowgroup
    classes: str = ""


@dataclass(frozen=True)
class HtmlTable:
    name: str                # the layout's name: proactive, applications, appeals
    caption: str
    head: list[list[HtmlCell]]
    body: list[list[HtmlCell]]
    incomplete: bool


def html_table(layout: TableLayout, caption: str) -> HtmlTable:
    """``layout`` as HTML rows: a cell that starts a vertical merge spans the rows that continue it, the
    continuing cells are left out; labels are headers (column headers in a row of labels only, row
    headers beside numbers), numbers are data cells."""
    covering = [_columns(row) for row in layout.rows]
    missing = styling()["table"]["missing_cell"]
    rows: list[list[HtmlCell]] = []
    for r, row in enumerate(layout.rows):
        labels_only = not any(cell.is_value for cell in row)
        out = []
        for column, cell in covering[r]:
            if cell.merge == "continue":
                continue
            rowspan = 1
            if cell.merge == "restart":
                while r + rowspan < len(layout.rows) and _at(covering[r + rowspan], column).merge == "continue":
                    rowspan += 1
            if cell.is_value:
                classes = "nb-num" + (" nb-missing" if cell.text == missing else "")
                out.append(HtmlCell("td", cell.text, cell.span, rowspan, classes=classes))
                continue
            if labels_only or r < layout.header_rows:
                scope = "colgroup" if cell.span > 1 else "col"
            else:
                scope = "rowgroup" if rowspan > 1 else "row"
            out.append(HtmlCell("th", cell.text, cell.span, rowspan, scope,
                                "nb-left" if cell.align == "left" else ""))
        rows.append(out)
    return HtmlTable(layout.name, caption, rows[:layout.header_rows], rows[layout.header_rows:], layout.incomplete)


def _columns(row: tuple[Cell, ...]) -> list[tuple[int, Cell]]:
    """(first grid column, cell) of each cell of a row."""
    out, column = [], 0
    for cell in row:
        out.append((column, cell))
        column += cell.span
    return out


def _at(row: list[tuple[int, Cell]], column: int) -> Cell:
    """The cell of ``row`` that starts at grid ``column`` (a cell that covers it from further left is no
    continuation of a merge started there)."""
    return next((cell for start, cell in row if start == column), Cell())


def tables(report: Report) -> list[HtmlTable]:
    """Tables 二, 三 and 四 of the report, each captioned with its section's heading."""
    layouts = (proactive_layout(report.proactive), applications_layout(report.applications),
               appeals_layout(report.appeals))
    return [html_table(layout, labels.SECTION_HEADINGS[index]) for index, layout in enumerate(layouts, 1)]


# ---- the report -----------------------------------------------------------------------------------


def title_pieces(title: str, suffix: str = "") -> list[str]:
    """The title in the pieces a line may break between (the organ at its word boundaries, as the .docx
    title breaks; then the year and the report's name): each is kept whole on a line when it fits."""
    head, found, _ = title.rpartition(labels.TITLE_SUFFIX)
    year = _YEAR_AT_END.search(head)
    organ = head[:year.start()] if year else head
    if not found or not organ:
        return [title + suffix]
    bounds = [0, *_organ_cuts(organ), len(organ)]
    return [*(organ[a:b] for a, b in pairwise(bounds)), title[len(organ):] + suffix]


def paragraphs(text: str | None) -> list[str]:
    """A narrative's paragraphs as the .docx prints them: one per non-blank line, 「（待填写）」 when empty."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or [say("common.to_be_filled")]


def draft_html(report: Report, *, title: str | None = None, draft: bool = False,
               signed_on: date | None = None) -> Markup:
    """The report as an HTML fragment (an ``<article lang="zh-CN">``), laid out as render_docx lays out
    the .docx; ``title`` replaces ``report.title`` (a roll-up's), ``draft`` adds the 「（草稿）」 after it,
    ``signed_on`` is the 落款's date (default: today). Safe to put into a page as is (Markup)."""
    suffix = render_file("document/draft_title_suffix.j2", marker=say("common.draft_marker")) if draft else ""
    signed_on = signed_on or date.today()
    overview = [(label, paragraphs(report.overview and getattr(report.overview, key)))
                for key, label in labels.OVERVIEW_TOPICS]
    problems = [(render_file("document/numbered_heading.j2", index=index, label=label), paragraphs(text))
                for index, (label, text) in enumerate(((labels.PROBLEMS_LABEL, report.problems),
                                                       (labels.IMPROVEMENTS_LABEL, report.improvements)))]
    return render_html(
        "web/draft.j2",
        title=title_pieces(title or report.title, suffix),
        opening=_opening(report),
        headings=labels.SECTION_HEADINGS,
        overview=overview,
        tables=tables(report),
        incomplete_note=render_file("document/table_incomplete.j2"),
        problems=problems,
        other_matters=paragraphs(report.other_matters),
        organ=report.organ or say("common.organ_to_be_filled"),
        signed=render_file("document/signed_date.j2", year=signed_on.year, month=signed_on.month, day=signed_on.day),
    )
