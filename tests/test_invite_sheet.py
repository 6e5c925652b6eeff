"""workflow/invite_sheet.py: the printable A4 sheet of invite cards (.docx) and the invite table (.xlsx)."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
import segno
from docx.oxml.ns import qn
from docx.shared import Mm

from nianbao.text import say
from nianbao.workflow.invite_sheet import InviteCard, invite_sheet_docx, invite_sheet_xlsx, qr_png
from nianbao.workflow.roster import parse_roster

COUNTY = "托里县"
BOT = "nianbao_bot"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ORGANS = [
    ("哈图镇人民政府", "镇"), ("铁厂沟镇人民政府", "镇"), ("乌雪特乡人民政府", "乡"), ("城区街道办事处", "街道"),
    ("自然资源局", "县直部门"), ("教育局", "县直部门"), ("卫生健康委员会", "县直部门"), ("财政局", "县直部门"),
    ("发展和改革委员会", "县直部门"), ("政务服务和公共资源交易中心", "县直部门"),
]


def make_cards(count: int = 30) -> list[InviteCard]:
    cards = []
    for n in range(count):
        organ, level = ORGANS[n] if n < len(ORGANS) else (f"第{n}中学", "其他")
        code = f"K7M{n:02d}Q9X"
        cards.append(InviteCard(organ=f"{COUNTY}{organ}", level_name=level, code=code,
                                link=f"https://t.me/{BOT}?start={code}", expires="2025年3月31日 18:00"))
    return cards


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def image_blob(document, shape) -> bytes:
    rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    return document.part.related_parts[rid].blob


@pytest.fixture(scope="module")
def thirty():
    cards = make_cards(30)
    return cards, docx.Document(io.BytesIO(invite_sheet_docx(COUNTY, cards, BOT)))


def test_every_card_is_on_the_sheet(thirty):
    cards, document = thirty
    text = all_text(document)
    assert document.paragraphs[0].text == say("roster.sheet_title", county=COUNTY) == "托里县政务公开年报助手邀请码"
    assert f"@{BOT}" in text and "有效期至 2025年3月31日 18:00" in text and "共 30 个机关" in text
    for card in cards:
        assert card.organ in text and card.code in text and card.link in text
        assert f"/join {card.code}" in text
    (table,) = document.tables
    assert len(table.rows) == 30
    for row, card in zip(table.rows, cards):
        right = "\n".join(p.text for p in row.cells[1].paragraphs)
        assert right.splitlines()[0] == card.organ
        assert f"类型：{card.level_name}" in right and card.code in right and card.link in right


def test_thirty_qr_images_each_segnos_png_of_its_link(thirty):
    cards, document = thirty
    shapes = list(document.inline_shapes)
    assert len(shapes) == 30
    for shape, card in zip(shapes, cards):
        blob = image_blob(document, shape)
        assert blob.startswith(PNG_SIGNATURE)
        expected = io.BytesIO()
        segno.make_qr(card.link, error="m").save(expected, kind="png", scale=10, border=2)
        assert blob == expected.getvalue() == qr_png(card.link)
        assert abs(shape.width - Mm(30)) < Mm(0.5) and shape.width == shape.height
    assert len({image_blob(document, shape) for shape in shapes}) == 30


def test_qr_is_a_full_qr_not_micro():
    assert segno.make_qr("https://t.me/x?start=A").is_micro is False
    short = qr_png("A")  # segno.make would choose a Micro QR for this, which phones do not read
    assert short.startswith(PNG_SIGNATURE)


def test_rows_never_split_and_cut_lines_are_dashed(thirty):
    _, document = thirty
    (table,) = document.tables
    for row in table.rows:
        cant_split = row._tr.trPr.find(qn("w:cantSplit"))
        assert cant_split is not None and cant_split.get(qn("w:val")) in (None, "true", "1")
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders} == {
        "top": "dashed", "left": "dashed", "bottom": "dashed", "right": "dashed", "insideH": "dashed", "insideV": "nil"}


def test_a4_and_chinese_fonts(thirty):
    _, document = thirty
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体"
    title_fonts = document.paragraphs[0].runs[0]._r.rPr.rFonts
    assert title_fonts.get(qn("w:eastAsia")) == "黑体"
    for fonts in document.element.body.iter(qn("w:rFonts")):
        assert fonts.get(qn("w:eastAsia")) and fonts.get(qn("w:eastAsiaTheme")) is None


def test_one_expiry_or_several():
    cards = make_cards(2)
    mixed = [cards[0], InviteCard(cards[1].organ, cards[1].level_name, cards[1].code, cards[1].link, "2025年4月1日 09:00")]
    text = all_text(docx.Document(io.BytesIO(invite_sheet_docx(COUNTY, mixed, "@" + BOT))))
    assert "有效期见各张卡片" in text and "2025年4月1日 09:00" in text and "@@" not in text


def test_card_without_level_and_with_control_characters():
    card = InviteCard("托里县便民\x07热线", "", "ABCD2345", "https://t.me/b?start=ABCD2345", "明天")
    document = docx.Document(io.BytesIO(invite_sheet_docx(COUNTY, [card], BOT)))
    text = all_text(document)
    assert "托里县便民热线" in text and "类型：" not in text


def test_no_cards():
    document = docx.Document(io.BytesIO(invite_sheet_docx(COUNTY, [], BOT)))
    assert document.tables == [] and "共 0 个机关" in all_text(document)


def test_xlsx_read_back():
    cards = make_cards(30)
    book = openpyxl.load_workbook(io.BytesIO(invite_sheet_xlsx(COUNTY, cards)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("机关全称", "类型", "邀请码", "链接", "有效期至")
    assert rows[1:] == [(c.organ, c.level_name, c.code, c.link, c.expires) for c in cards]
    assert sheet.cell(row=2, column=4).hyperlink.target == cards[0].link
    assert sheet.freeze_panes == "A2"


def test_xlsx_is_read_back_as_a_roster():
    cards = make_cards(30)
    roster = parse_roster(invite_sheet_xlsx(COUNTY, cards), "邀请码.xlsx", COUNTY)
    assert roster.problems == []
    assert [e.name for e in roster.entries] == [c.organ for c in cards]


def test_xlsx_text_beginning_with_equals_is_not_a_formula():
    card = InviteCard("=1+1", "", "=HYPERLINK(\"x\")", "=2", "")
    sheet = openpyxl.load_workbook(io.BytesIO(invite_sheet_xlsx(COUNTY, [card]))).worksheets[0]
    assert [sheet.cell(row=2, column=column).data_type for column in (1, 3, 4)] == ["s", "s", "s"]
    assert sheet.cell(row=2, column=1).value == "=1+1"
