"""The three tables of the national format: their cell-for-cell layout, and that layout as a Word table.

A layout is plain data (rows of ``Cell``: text, horizontal span, vertical merge) built from labels.py and the
model, so the national layout reads top to bottom here; ``add_table`` only turns it into ``w:tbl`` XML.
Unanswered values print as the configured dash, never as 0; totals come from the model's properties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal
from xml.sax.saxutils import escape

from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from . import labels
from .docx_styles import style_name, style_spec, styling, text_ems, text_width_mm
from .model import Appeals, Applications, Proactive, format_amount, row_total

Merge = Literal["restart", "continue"] | None
_PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Cell:
    text: str = ""
    span: int = 1              # grid columns covered (w:gridSpan)
    merge: Merge = None        # vertical merge with the cells below (w:vMerge)
    align: str = "center"
    is_value: bool = False     # a number cell (as opposed to a label)


@dataclass(frozen=True)
class TableLayout:
    name: str                  # key of its column widths in document.toml [table.columns]
    rows: tuple[tuple[Cell, ...], ...]
    header_rows: int = 0       # repeated at the top of every page (w:tblHeader)
    keep_together: bool = False  # the table stays on one page (every row kept with the next)

    @property
    def incomplete(self) -> bool:
        """Some value cell is unanswered (printed as the dash)."""
        missing = styling()["table"]["missing_cell"]
        return any(cell.is_value and cell.text == missing for row in self.rows for cell in row)


def _value(value: int | Decimal | None, span: int = 1) -> Cell:
    if value is None:
        text = styling()["table"]["missing_cell"]
    elif isinstance(value, Decimal):
        text = format_amount(value)
    else:
        text = str(value)
    return Cell(text, span=span, is_value=True)


def _label(text: str, span: int = 1, merge: Merge = None) -> Cell:
    return Cell(text, span=span, merge=merge, align="left")


def _continued(span: int = 1) -> Cell:
    return Cell(span=span, merge="continue")


# ---- 二、主动公开政府信息情况 -----------------------------------------------------------------------


def proactive_layout(proactive: Proactive | None) -> TableLayout:
    rows: list[tuple[Cell, ...]] = []
    for title, columns, items in labels.PROACTIVE_BLOCKS:
        rows.append((Cell(title, span=4),))
        if len(columns) == 3:
            rows.append((Cell(labels.ITEM_COLUMN), *(Cell(column) for column in columns)))
        else:
            rows.append((Cell(labels.ITEM_COLUMN), Cell(columns[0], span=3)))
        for key, label in items:
            value = getattr(proactive, key) if proactive is not None else None
            if len(columns) == 3:
                counts = value.values() if value is not None else [None] * 3
                rows.append((_label(label), *(_value(v) for v in counts)))
            else:
                rows.append((_label(label), _value(value, span=3)))
    return TableLayout("proactive", tuple(rows), keep_together=True)


# ---- 三、收到和处理政府信息公开申请情况 --------------------------------------------------------------

_LABEL_COLUMNS = 3  # 一…四 | （一）…（七） | 1.…8.
_NUMBER_COLUMNS = len(labels.APPLICANT_COLUMNS) + 1  # six applicant columns and 总计


def _counts(row: list[int] | None) -> tuple[Cell, ...]:
    """Six applicant columns and the row's 总计."""
    values = row if row is not None else [None] * len(labels.APPLICANT_COLUMNS)
    return (*(_value(v) for v in values), _value(row_total(row)))


def applications_layout(applications: Applications | None) -> TableLayout:
    a = applications
    legal_persons = labels.APPLICANT_COLUMNS[1:]
    header = (
        (Cell(labels.BALANCE_NOTE, span=_LABEL_COLUMNS, merge="restart"),
         Cell(labels.APPLICANT_HEADER, span=_NUMBER_COLUMNS)),
        (_continued(_LABEL_COLUMNS), Cell(labels.APPLICANT_COLUMNS[0], merge="restart"),
         Cell(labels.LEGAL_PERSON_HEADER, span=len(legal_persons)), Cell(labels.TOTAL, merge="restart")),
        (_continued(_LABEL_COLUMNS), _continued(), *(Cell(column) for column in legal_persons), _continued()),
    )
    rows = [
        (_label(labels.NEW_LABEL, span=_LABEL_COLUMNS), *_counts(a and a.new)),
        (_label(labels.CARRIED_OVER_LABEL, span=_LABEL_COLUMNS), *_counts(a and a.carried_over)),
    ]
    for index, row in enumerate(labels.OUTCOME_ROWS):
        results = Cell(labels.RESULTS_LABEL, merge="restart") if index == 0 else _continued()
        if row.group.is_single:
            names: tuple[Cell, ...] = (_label(row.label, span=2),)
        else:
            first_of_group = row.key == row.group.rows[0][0]
            group = Cell(row.group.label, merge="restart") if first_of_group else _continued()
            names = (group, _label(row.label))
        rows.append((results, *names, *_counts(a and a.outcome(row))))
    rows.append((_continued(), _label(labels.OUTCOMES_TOTAL_LABEL, span=2), *_counts(a and a.outcomes_total)))
    rows.append((_label(labels.CARRIED_FORWARD_LABEL, span=_LABEL_COLUMNS), *_counts(a and a.carried_forward)))
    # Kept on one page: a page break inside the table would leave the continued rows under an empty
    # 「三、本年度办理结果」 / 「（三）不予公开」 cell (Word and WPS do not repeat a vertically merged label).
    # Only Word knows where pages break, so the table is kept whole and Word moves it, with its heading,
    # to the next page when it does not fit what is left of the page; at the usual sizes it takes about
    # three quarters of a page. A table taller than a page (very large counts wrap in the number
    # columns) is cut by ``split_layout`` into parts that each fit one page, every part under the
    # header with the merged labels started again.
    return TableLayout("applications", (*header, *rows), header_rows=len(header), keep_together=True)


# ---- 四、政府信息公开行政复议、行政诉讼情况 ------------------------------------------------------------


def appeals_layout(appeals: Appeals | None) -> TableLayout:
    columns = (*labels.APPEAL_RESULT_COLUMNS, labels.TOTAL)
    width = len(columns)
    litigation = labels.APPEAL_GROUPS[1:]
    header = (
        (Cell(labels.REVIEW_HEADER, span=width), Cell(labels.LITIGATION_HEADER, span=width * len(litigation))),
        (*(Cell(column, merge="restart") for column in columns), *(Cell(label, span=width) for _, label in litigation)),
        (*(_continued() for _ in columns), *(Cell(column) for _ in litigation for column in columns)),
    )
    values: list[Cell] = []
    for key, _ in labels.APPEAL_GROUPS:
        row = getattr(appeals, key) if appeals is not None else None
        counts = row if row is not None else [None] * len(labels.APPEAL_RESULT_COLUMNS)
        total = appeals.total(key) if appeals is not None else None
        values.extend((*(_value(v) for v in counts), _value(total)))
    return TableLayout("appeals", (*header, tuple(values)), header_rows=len(header), keep_together=True)


# ---- a table taller than a page ----------------------------------------------------------------------


def _column_widths_mm(layout: TableLayout) -> list[float]:
    weights = styling()["table"]["columns"][layout.name]
    return [text_width_mm() * w / sum(weights) for w in weights]


def fitted_size_pt(cell: Cell, usable_pt: float) -> float:
    """The table's font size; for a number too wide for its cell a smaller one, so that a number is never
    broken over two lines (down to [table] min_number_pt)."""
    size = style_spec("table")["size_pt"]
    if not cell.is_value or not cell.text:
        return size
    fitted = math.floor(usable_pt / text_ems(cell.text) * 2) / 2  # Word sizes are in half points
    return max(min(size, fitted), styling()["table"]["min_number_pt"])


def _usable_pt(width_mm: float) -> float:
    """A cell's text width: its width less the left and right cell margins."""
    return (width_mm - 2 * styling()["table"]["cell_margin_mm"]) * _PT_PER_MM


def row_heights_pt(layout: TableLayout) -> list[float]:
    """An estimate of each row's printed height (it matches LibreOffice's to a point): the tallest unmerged
    cell's wrapped lines, at least the configured row height. Vertically merged cells are left out (the
    rows they span hold their few lines)."""
    table = styling()["table"]
    widths = _column_widths_mm(layout)
    line, border_pt = style_spec("table")["line_exact_pt"], 1.0
    minimum = table["row_min_height_mm"] * _PT_PER_MM
    heights = []
    for row in layout.rows:
        height, column = minimum, 0
        for cell in row:
            usable = _usable_pt(sum(widths[column:column + cell.span]))
            if cell.merge is None and cell.text:
                lines = math.ceil(text_ems(cell.text) * fitted_size_pt(cell, usable) / usable)
                height = max(height, lines * line + border_pt)
            column += cell.span
        heights.append(height)
    return heights


def split_layout(layout: TableLayout, page_pt: float) -> list[TableLayout]:
    """``layout`` itself when its estimated height fits ``page_pt``; else parts that each fit, cut between
    rows (between groups where possible), each part repeating the header rows and starting again every
    vertical merge that the cut divides, with its label: no row ever stands under an empty group cell."""
    heights = row_heights_pt(layout)
    if sum(heights) <= page_pt:
        return [layout]
    first, end_all = layout.header_rows, len(layout.rows)
    header, header_pt = layout.rows[:first], sum(heights[:first])
    parts, start = [], first
    while start < end_all:
        end, used = start, header_pt
        while end < end_all and used + heights[end] <= page_pt:
            used += heights[end]
            end += 1
        end = max(end, start + 1)  # a row taller than a page stands alone
        if end < end_all:
            # Prefer a cut that divides the fewest merges (between groups), in the later half of the part.
            candidates = range(start + max(1, (end - start) // 2), end + 1)
            end = min(candidates, key=lambda k: (_continued_cells(layout.rows[k]), -k))
        rows = (*header, *_restarted(layout.rows, start), *layout.rows[start + 1:end])
        parts.append(replace(layout, rows=rows, keep_together=True))
        start = end
    return parts


def _continued_cells(row: tuple[Cell, ...]) -> int:
    return sum(cell.merge == "continue" for cell in row)


def _restarted(rows: tuple[tuple[Cell, ...], ...], index: int) -> tuple[tuple[Cell, ...]]:
    """Row ``index`` with each continued cell replaced by the cell that started its merge (its label)."""
    cells = []
    for column, cell in _with_columns(rows[index]):
        if cell.merge == "continue":
            cell = next(replace(above, merge="restart") for r in range(index - 1, -1, -1)
                        for c, above in _with_columns(rows[r]) if c == column and above.merge == "restart")
        cells.append(cell)
    return (tuple(cells),)


def _with_columns(row: tuple[Cell, ...]) -> list[tuple[int, Cell]]:
    out, column = [], 0
    for cell in row:
        out.append((column, cell))
        column += cell.span
    return out


# ---- the layout as a Word table ---------------------------------------------------------------------


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def add_table(document: Document, layout: TableLayout, *, keep_with_next: bool = False) -> None:
    """Append ``layout`` to the body as a fixed-width table filling the text width; ``keep_with_next``
    keeps its last row on the page of the paragraph that follows (the 「本表尚有未填写项」 note)."""
    table = styling()["table"]
    weights = table["columns"][layout.name]
    total = _twips(text_width_mm())
    widths = [int(total * w / sum(weights)) for w in weights]
    widths[-1] += total - sum(widths)
    paragraph_style = document.styles[style_name("table")].style_id
    border = "".join(
        f'<w:{side} w:val="single" w:sz="{table["border_eighth_pt"]}" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    margin = _twips(table["cell_margin_mm"])
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>",
        f'<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>',
        f"<w:tblBorders>{border}</w:tblBorders>",
        '<w:tblLayout w:type="fixed"/>',
        f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    height = _twips(table["row_min_height_mm"])
    last = len(layout.rows) - 1
    for index, row in enumerate(layout.rows):
        # Never split a row across pages; repeat the header rows on every page and keep them with
        # the first data row (keepNext on a row's paragraphs keeps the row with the next one).
        is_header = index < layout.header_rows
        repeat = "<w:tblHeader/>" if is_header else ""
        keep = ((layout.keep_together or is_header) and index < last) or (index == last and keep_with_next)
        parts.append(f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{height}" w:hRule="atLeast"/>{repeat}</w:trPr>')
        column = 0
        for cell in row:
            parts.append(_cell_xml(cell, sum(widths[column:column + cell.span]), paragraph_style, keep))
            column += cell.span
        if column != len(widths):
            raise ValueError(f"{layout.name} row {index} covers {column} of {len(widths)} columns")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    body = document.element.body
    body.sectPr.addprevious(parse_xml("".join(parts)))


def _cell_xml(cell: Cell, width: int, paragraph_style: str, keep_with_next: bool) -> str:
    span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
    merge = {None: "", "restart": '<w:vMerge w:val="restart"/>', "continue": "<w:vMerge/>"}[cell.merge]
    keep = "<w:keepNext/>" if keep_with_next else ""
    size = fitted_size_pt(cell, _usable_pt(width / 1440 * 25.4))
    half_points = round(size * 2)
    smaller = (f'<w:rPr><w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/></w:rPr>'
               if size < style_spec("table")["size_pt"] else "")
    run = f"<w:r>{smaller}<w:t>{escape(cell.text)}</w:t></w:r>" if cell.text else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{merge}<w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{paragraph_style}"/>{keep}<w:jc w:val="{cell.align}"/></w:pPr>{run}</w:p></w:tc>'
    )
