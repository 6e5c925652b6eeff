"""The invites of a roster to print and hand out (issue 12 item 2): an A4 .docx of cut-out cards, and a .xlsx.

Each card is one row of a two-column table — the link's QR code on the left, on the right the organ,
its type, the code in large letters, the link, how to join without scanning (/join CODE to the bot)
and the expiry — framed by dashed cut lines; a row never splits across pages, so a card stays whole.
The card says everything by itself: once cut out, the page's instruction is no longer with it.

The QR codes are drawn by segno (pure Python, writes the PNG itself); ``qr_png`` is the one place that
decides how. All fixed text is templates/text/roster.toml; Chinese fonts go in w:eastAsia as the
report's docx does (report/docx_styles.set_fonts).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..report.docx_styles import set_fonts, strip_theme_fonts
from ..text import say

# Page and card geometry (mm).
PAGE = {"width": 210, "height": 297, "top": 14, "bottom": 14, "left": 18, "right": 18}
QR_MM = 30  # printed size of a QR code (scans well from a phone at ~3 cm)
QR_COLUMN_MM = 38
CARD_MIN_MM = 37  # a card row's least height
# segno: QR (never Micro QR), error correction M, 10 px per module, 2 modules of quiet zone (the cell's
# white margin adds to it).
QR_ERROR = "m"
QR_SCALE = 10
QR_BORDER = 2
# Fonts: Chinese (w:eastAsia) and Latin slots.
BODY_FONT, BODY_LATIN = "宋体", "Times New Roman"
HEAD_FONT, HEAD_LATIN = "黑体", "Arial"
CODE_LATIN = "Arial"
CUT_LINE = {"val": "dashed", "sz": "6", "space": "0", "color": "7F7F7F"}  # sz in eighths of a point
GREY = RGBColor(0x40, 0x40, 0x40)

# What follows w:spacing inside w:rPr (schema order).
_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
                  "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
                  "w:oMath")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class InviteCard:
    organ: str  # the organ's full name
    level_name: str  # 「镇」「县直部门」… ("" when not known)
    code: str  # what /join takes
    link: str  # the deep link (https://t.me/<bot>?start=<code>), also the QR code's content
    expires: str  # as printed, e.g. 「2025年3月31日 18:00」


def qr_png(link: str) -> bytes:
    """The QR code of ``link`` as a PNG (what the sheet prints)."""
    buffer = io.BytesIO()
    import segno

    segno.make_qr(link, error=QR_ERROR).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def invite_sheet_docx(county: str, cards: list[InviteCard], bot_name: str) -> bytes:
    """An A4 .docx: title, instruction, then one cut-out card per invite."""
    bot_name = _clean(bot_name).lstrip("@")
    document = Document()
    _setup(document)
    _paragraph(document, say("roster.sheet_title", county=_clean(county)), font=HEAD_FONT, latin=HEAD_LATIN,
               size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    expiries = {card.expires for card in cards}
    instruction = say("roster.sheet_instruction", bot_name=bot_name,
                      expires=_clean(next(iter(expiries))) if len(expiries) == 1 else None)
    for line in instruction.splitlines():
        _paragraph(document, line, size=10.5, after=0, first_line=True)
    _paragraph(document, say("roster.sheet_count", count=len(cards)), size=10.5, after=8, first_line=True)
    if cards:
        _cards(document, cards, bot_name)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def invite_sheet_xlsx(county: str, cards: list[InviteCard]) -> bytes:
    """A .xlsx of the invites: 机关全称 / 类型 / 邀请码 / 链接 / 有效期至, one row per card (a header row
    ``workflow.roster.parse_roster`` reads back as a roster)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = say("roster.xlsx_sheet")
    header = [say(f"roster.xlsx_{key}") for key in ("organ", "level", "code", "link", "expires")]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for card in cards:
        sheet.append([_text_cell(value) for value in (card.organ, card.level_name, card.code, card.link, card.expires)])
        row = sheet.max_row
        for cell in sheet[row]:
            if cell.data_type == "f":  # a value beginning with 「=」 is text here, never a formula
                cell.data_type = "s"
        link = sheet.cell(row=row, column=4)
        if card.link.startswith(("https://", "http://", "tg://")):
            link.hyperlink = _text_cell(card.link)
            link.style = "Hyperlink"
        sheet.cell(row=row, column=3).font = Font(bold=True)
    for letter, width in zip("ABCDE", (40, 12, 14, 46, 22)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.oddHeader.center.text = _clean(say("roster.sheet_title", county=_clean(county)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- the .docx ----

def _clean(text: str) -> str:
    """Text XML can hold (a control character would make python-docx refuse the whole sheet)."""
    return _XML_ILLEGAL.sub("", str(text))


def _text_cell(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE["width"]), Mm(PAGE["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE["top"]), Mm(PAGE["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE["left"]), Mm(PAGE["right"])
    strip_theme_fonts(document)
    normal = document.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), BODY_FONT, BODY_LATIN)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _paragraph(container, text: str = "", *, font: str = BODY_FONT, latin: str = BODY_LATIN, size: float = 10.5,
               bold: bool = False, align=WD_ALIGN_PARAGRAPH.LEFT, after: float = 0, first_line: bool = False,
               paragraph=None):
    paragraph = paragraph if paragraph is not None else container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(0)
    if first_line:
        fmt.first_line_indent = Pt(size * 2)
    if text:
        _run(paragraph, text, font=font, latin=latin, size=size, bold=bold)
    return paragraph


def _run(paragraph, text: str, *, font: str = BODY_FONT, latin: str = BODY_LATIN, size: float = 10.5,
         bold: bool = False, color: RGBColor | None = None, spacing_pt: float | None = None):
    run = paragraph.add_run(_clean(text))
    set_fonts(run._r.get_or_add_rPr(), font, latin)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    if spacing_pt is not None:  # character spacing, in twentieths of a point
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(round(spacing_pt * 20)))
        rpr = run._r.get_or_add_rPr()
        rpr.insert_element_before(spacing, *_AFTER_SPACING)
    return run


def _cards(document, cards: list[InviteCard], bot_name: str) -> None:
    width = PAGE["width"] - PAGE["left"] - PAGE["right"]
    table = document.add_table(rows=len(cards), cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_borders(table)
    _cell_margins(table, top=2.5, bottom=2.5, left=2.5, right=3)
    widths = (Mm(QR_COLUMN_MM), Mm(width - QR_COLUMN_MM))
    for column, column_width in zip(table.columns, widths):
        column.width = column_width
    for row, card in zip(table.rows, cards):
        _keep_whole(row)
        row.height = Mm(CARD_MIN_MM)  # at least: a long name may take two lines
        left, right = row.cells
        for cell, cell_width in zip((left, right), widths):
            cell.width = cell_width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        picture = _paragraph(left, paragraph=left.paragraphs[0], align=WD_ALIGN_PARAGRAPH.CENTER)
        picture.add_run().add_picture(io.BytesIO(qr_png(card.link)), width=Mm(QR_MM), height=Mm(QR_MM))
        _card_text(right, card, bot_name)


def _card_text(cell, card: InviteCard, bot_name: str) -> None:
    _paragraph(cell, card.organ, paragraph=cell.paragraphs[0], font=HEAD_FONT, latin=HEAD_LATIN, size=14,
               bold=True, after=2)
    if card.level_name:
        _paragraph(cell, say("roster.card_level", level=card.level_name), size=10.5, after=2)
    code = _paragraph(cell, after=2)
    _run(code, say("roster.card_code"), size=10.5)
    _run(code, card.code, font=HEAD_FONT, latin=CODE_LATIN, size=22, bold=True, spacing_pt=2)
    for text in (say("roster.card_link", link=card.link), say("roster.card_join", bot_name=bot_name, code=card.code),
                 say("roster.card_expires", expires=card.expires)):
        line = _paragraph(cell, after=0)
        _run(line, text, size=9, color=GREY)


def _keep_whole(row) -> None:
    """w:cantSplit: Word moves the whole card to the next page rather than cut it."""
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    properties.append(cant_split)


def _table_borders(table) -> None:
    """Dashed cut lines round every card (outside and between rows); none between QR code and text."""
    properties = table._tbl.tblPr
    for old in properties.findall(qn("w:tblBorders")):
        properties.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        if edge == "insideV":
            element.set(qn("w:val"), "nil")
        else:
            for key, value in CUT_LINE.items():
                element.set(qn(f"w:{key}"), value)
        borders.append(element)
    _insert_in_order(properties, borders, after=("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                                                 "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW",
                                                 "w:jc", "w:tblCellSpacing", "w:tblInd"))


def _cell_margins(table, **mm: float) -> None:
    properties = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for edge, value in mm.items():
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(round(value * 1440 / 25.4)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    _insert_in_order(properties, margins, after=("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                                                 "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW",
                                                 "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
                                                 "w:shd", "w:tblLayout"))


def _insert_in_order(parent, element, after: tuple[str, ...]) -> None:
    """Put ``element`` after the last child named in ``after`` (the schema's order), else first."""
    names = {qn(name) for name in after}
    position = 0
    for index, child in enumerate(parent):
        if child.tag in names:
            position = index + 1
    parent.insert(position, element)
