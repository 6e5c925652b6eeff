"""Page setup, paragraph styles, header and footer of the official draft, as templates/document.toml says.

Word picks the font of Chinese text from ``w:eastAsia`` (python-docx's ``font.name`` sets only the Latin
slots), and a theme-font attribute (``w:eastAsiaTheme`` …) overrides an explicit name, so every style's
theme attributes are stripped and all four font slots are written explicitly.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from typing import Any

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from ..text import TEMPLATES

THEME_FONT_ATTRIBUTES = tuple(qn(f"w:{name}") for name in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"))
ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
# Elements that follow w:outlineLvl inside w:pPr (schema order).
_AFTER_OUTLINE_LEVEL = ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


@cache
def styling() -> dict[str, Any]:
    """templates/document.toml, read once."""
    with (TEMPLATES / "document.toml").open("rb") as fh:
        return tomllib.load(fh)


def style_name(key: str) -> str:
    """The Word style name of a styles.<key> entry, e.g. "heading1" → "一级标题"."""
    return styling()["styles"][key]["name"]


def text_width_mm() -> float:
    page = styling()["page"]
    return page["width_mm"] - page["left_mm"] - page["right_mm"]


def text_height_mm() -> float:
    page = styling()["page"]
    return page["height_mm"] - page["top_mm"] - page["bottom_mm"]


def text_ems(text: str) -> float:
    """Printed width of ``text`` in ems of its font size: CJK characters and full-width punctuation (also
    the "ambiguous" ones such as “ ” and —, full-width in Chinese fonts) take one em, digits and Latin
    letters about half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def style_spec(key: str) -> dict[str, Any]:
    """A styles.<key> entry with what it inherits through based_on filled in."""
    return _inherited(styling()["styles"], key)


def set_fonts(rpr, east_asia: str, latin: str | None = None) -> None:
    """Name the font in all four slots of ``rpr``'s w:rFonts, dropping theme references."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(attribute, None)
    latin = latin or east_asia
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def strip_theme_fonts(document: Document) -> None:
    for fonts in document.styles.element.iter(qn("w:rFonts")):
        for attribute in THEME_FONT_ATTRIBUTES:
            fonts.attrib.pop(attribute, None)


def setup_page(document: Document) -> None:
    page = styling()["page"]
    section = document.sections[0]
    section.page_width, section.page_height = Mm(page["width_mm"]), Mm(page["height_mm"])
    section.top_margin, section.bottom_margin = Mm(page["top_mm"]), Mm(page["bottom_mm"])
    section.left_margin, section.right_margin = Mm(page["left_mm"]), Mm(page["right_mm"])
    section.header_distance, section.footer_distance = Mm(page["header_mm"]), Mm(page["footer_mm"])


def define_styles(document: Document) -> None:
    """Create (or rewrite) every paragraph style of document.toml, in its order."""
    strip_theme_fonts(document)
    specs = styling()["styles"]
    _set_defaults(document, specs["normal"])
    for key, spec in specs.items():
        inherited = _inherited(specs, key)
        name = spec["name"]
        style = (document.styles[name] if name in document.styles
                 else document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH))
        style.quick_style = True
        if "based_on" in spec:
            style.base_style = document.styles[specs[spec["based_on"]]["name"]]
        _apply(style, spec, inherited)


def _inherited(specs: dict[str, dict], key: str) -> dict[str, Any]:
    """The spec of ``key`` with what it inherits filled in (fonts and size are needed to compute indents)."""
    spec = specs[key]
    parent = _inherited(specs, spec["based_on"]) if "based_on" in spec else {}
    return {**parent, **spec}


def _set_defaults(document: Document, normal: dict[str, Any]) -> None:
    """docDefaults: Chinese fonts, zh-CN language, no spacing after paragraphs (the template has 10 pt)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, normal["font"], normal.get("latin"))
    language = styling()["language"]
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), language["latin"])
    lang.set(qn("w:eastAsia"), language["east_asia"])
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")


def _apply(style, spec: dict[str, Any], inherited: dict[str, Any]) -> None:
    font, paragraph = style.font, style.paragraph_format
    if "font" in spec or "latin" in spec:
        set_fonts(style.element.get_or_add_rPr(), inherited["font"], inherited.get("latin"))
    if "size_pt" in spec:
        font.size = Pt(spec["size_pt"])
    if "bold" in spec:
        font.bold = spec["bold"]
    if "color" in spec:
        font.color.rgb = RGBColor.from_string(spec["color"])
    if "align" in spec:
        paragraph.alignment = ALIGNMENTS[spec["align"]]
    if "line_exact_pt" in spec:
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.line_spacing = Pt(spec["line_exact_pt"])
    if "space_before_pt" in spec:
        paragraph.space_before = Pt(spec["space_before_pt"])
    if "space_after_pt" in spec:
        paragraph.space_after = Pt(spec["space_after_pt"])
    if "keep_with_next" in spec:
        paragraph.keep_with_next = spec["keep_with_next"]
    if "page_break_before" in spec:
        paragraph.page_break_before = spec["page_break_before"]
    if "first_line_chars" in spec:
        _indent_first_line(style, spec["first_line_chars"], inherited["size_pt"])
    if "outline_level" in spec:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(spec["outline_level"]))
        style.element.get_or_add_pPr().insert_element_before(level, *_AFTER_OUTLINE_LEVEL)


def _indent_first_line(style, chars: int, size_pt: float) -> None:
    """Indent by characters (w:firstLineChars, what Word's 「首行缩进 2 字符」 writes) and by length as a fallback."""
    style.paragraph_format.first_line_indent = Pt(chars * size_pt)
    indent = style.element.get_or_add_pPr().find(qn("w:ind"))
    indent.set(qn("w:firstLineChars"), str(chars * 100))


def add_page_number(document: Document) -> None:
    """Footer 「— 1 —」, the PAGE field between the configured dashes: odd pages right, even pages left,
    each one character in from the edge (GB/T 9704 7.5). Word, WPS and LibreOffice use the even-page
    footer only when settings.xml says w:evenAndOddHeaders."""
    footer = styling()["footer"]
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    indent = Pt(footer["indent_chars"] * style_spec("footer")["size_pt"])
    for part, align in ((section.footer, footer["odd_align"]), (section.even_page_footer, footer["even_align"])):
        paragraph = part.paragraphs[0]
        paragraph.style = document.styles[style_name("footer")]
        paragraph.alignment = ALIGNMENTS[align]
        if align == "right":
            paragraph.paragraph_format.right_indent = indent
        elif align == "left":
            paragraph.paragraph_format.left_indent = indent
        paragraph.add_run(footer["prefix"])
        _add_field(paragraph, "PAGE", "1")
        paragraph.add_run(footer["suffix"])


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin / instruction / separate / cached result / end): Word, WPS and LibreOffice all update it."""
    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def add_header_line(document: Document, text: str) -> None:
    """The same header line on odd and even pages (the footers differ, so both headers must be set)."""
    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        paragraph = header.paragraphs[0]
        paragraph.style = document.styles[style_name("header")]
        paragraph.add_run(text)
