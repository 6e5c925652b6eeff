"""The report as the official Word draft: GB/T 9704 page and fonts, the six sections, the three national
tables, the 落款 (organ and date) and the file's document properties.

Styling is data (templates/document.toml, applied by docx_styles); the tables' cell layout is docx_tables;
every Chinese word that is not a national-format label comes from templates (say / render_file).
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from ..text import render_file, say
from . import labels
from .docx_styles import (add_header_line, add_page_number, define_styles, setup_page, style_spec, styling,
                          text_ems, text_height_mm, text_width_mm)
from .docx_tables import TableLayout, add_table, applications_layout, appeals_layout, proactive_layout, split_layout
from .model import Report

_PT_PER_MM = 72 / 25.4
# Control characters XML cannot hold (pasted text may carry them); line breaks are split off before.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


# A four-digit year (and the character after it) right before the report name in a title.
_YEAR_AT_END = re.compile(r"\d{4}\D?$")


def render_docx(report: Report, *, draft: bool = True, title: str | None = None,
                signed_on: date | None = None) -> bytes:
    """The .docx file's bytes; a draft carries the 「草稿」 marker in the header and the title.

    ``title`` replaces ``report.title`` (a county roll-up's 「…年度报告汇总」); ``signed_on`` is the date of
    the 落款 (default: today).
    """
    title = title or report.title
    document = _new_document(draft)
    _title(document, title, draft)
    _add(document, _opening(report), "body")
    _overview(document, report)
    _heading1(document, 1)
    _table(document, proactive_layout(report.proactive))
    _heading1(document, 2)
    _table(document, applications_layout(report.applications))
    _heading1(document, 3)
    _table(document, appeals_layout(report.appeals))
    _heading1(document, 4)
    for index, (label, text) in enumerate(((labels.PROBLEMS_LABEL, report.problems),
                                           (labels.IMPROVEMENTS_LABEL, report.improvements))):
        _add(document, render_file("document/numbered_heading.j2", index=index, label=label), "heading2")
        _narrative(document, text)
    _heading1(document, 5)
    last = _narrative(document, report.other_matters)
    _signature(document, report.organ, signed_on or date.today(), after=last)
    _properties(document, title, report.organ)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_docx(report: Report, path: str | Path, *, draft: bool = True, signed_on: date | None = None) -> None:
    Path(path).write_bytes(render_docx(report, draft=draft, signed_on=signed_on))


def _new_document(draft: bool) -> Document:
    return docx.Document(io.BytesIO(_blank(draft)))


@cache
def _blank(draft: bool) -> bytes:
    """The styled empty document (page, styles, header, footer), built once: restyling costs more than a render."""
    document = docx.Document()
    setup_page(document)
    define_styles(document)
    add_page_number(document)
    if draft:
        add_header_line(document, render_file("document/draft_header.j2", marker=say("common.draft_marker")))
    # python-docx's template carries a thumbnail of another document; a published file must not.
    package = document.part.package
    for key, relationship in list(package.rels.items()):
        if relationship.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            package.rels.pop(key)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add(document: Document, text: str, style_key: str) -> Paragraph:
    """A paragraph in a document.toml style; sets w:pStyle directly since python-docx's lookup by name
    scans all ~170 styles of the template on every paragraph."""
    paragraph = document.add_paragraph(_NOT_XML.sub("", text))
    paragraph._p.style = _style_ids()[style_key]
    return paragraph


@cache
def _style_ids() -> dict[str, str]:
    """document.toml style key → w:styleId in the blank document."""
    styles = docx.Document(io.BytesIO(_blank(False))).styles
    return {key: styles[spec["name"]].style_id for key, spec in styling()["styles"].items()}


def _title(document: Document, title: str, draft: bool) -> None:
    """The title, one line or broken only between words (see ``_title_lines``)."""
    suffix = render_file("document/draft_title_suffix.j2", marker=say("common.draft_marker")) if draft else ""
    paragraph = _add(document, "", "title")
    lines = _title_lines(title, suffix)
    for index, line in enumerate(lines):
        run = paragraph.add_run(_NOT_XML.sub("", line))
        if index < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _title_lines(title: str, suffix: str) -> list[str]:
    """One line when it fits; else the organ, then the year and the report name — 「托里县哈图镇人民政府」 /
    「2024年政府信息公开工作年度报告」 — so that Word never wraps the title mid-word (GB/T 9704: 回行时词意
    完整、排列对称). An organ name too long for a line is itself broken only where document.toml [title] allows."""
    if _fits_one_line(title + suffix):
        return [title + suffix]
    head, found, _ = title.rpartition(labels.TITLE_SUFFIX)
    year = _YEAR_AT_END.search(head)
    organ = head[:year.start()] if year else head
    if not found or not organ:
        return [title + suffix]  # not a title of the usual shape: left to Word
    name = title[len(organ):]
    lines = _organ_lines(organ)
    if _fits_one_line(name + suffix) or not suffix:
        return [*lines, name + suffix]
    return [*lines, name, suffix]


def _organ_lines(organ: str) -> list[str]:
    """The organ name on as few lines as it needs, cut only at word boundaries, the longest line shortest."""
    if _fits_one_line(organ):
        return [organ]
    bounds = [0, *_organ_cuts(organ), len(organ)]
    # best[j]: (lines, longest line in ems, lines) for organ[:bounds[j]]; a line is organ[bounds[i]:bounds[j]].
    best: list[tuple[int, float, list[str]] | None] = [(0, 0.0, [])] + [None] * (len(bounds) - 1)
    for j in range(1, len(bounds)):
        for i in range(j):
            line = organ[bounds[i]:bounds[j]]
            if best[i] is None or not _fits_one_line(line):
                continue
            count, longest, lines = best[i]
            candidate = (count + 1, max(longest, text_ems(line)), [*lines, line])
            if best[j] is None or candidate[:2] < best[j][:2]:
                best[j] = candidate
    return best[-1][2] if best[-1] else [organ]  # no word boundary helps: left to Word


def _organ_cuts(organ: str) -> list[int]:
    """Positions in ``organ`` where a line may break: after a division (…县|), before an organ kind
    (|人民政府), never inside a kept word (市场) nor next to punctuation that belongs to its neighbour."""
    words = styling()["title"]
    cuts: set[int] = set()
    for word in words["organ_break_after"]:
        cuts.update(m.end() for m in re.finditer(re.escape(word), organ))
    for word in words["organ_break_before"]:
        cuts.update(m.start() for m in re.finditer(re.escape(word), organ))
    for word in words["organ_keep"]:
        for m in re.finditer(re.escape(word), organ):
            cuts.difference_update(range(m.start() + 1, m.end()))
    return sorted(
        cut for cut in cuts
        if 0 < cut < len(organ)
        and unicodedata.category(organ[cut]) not in ("Pe", "Pf", "Po")   # no line starts with 」）、
        and unicodedata.category(organ[cut - 1]) not in ("Ps", "Pi")     # none ends with （「
    )


def _fits_one_line(text: str) -> bool:
    """Whether ``text`` fits one line of the title."""
    return text_ems(text) * style_spec("title")["size_pt"] <= text_width_mm() * _PT_PER_MM


def _opening(report: Report) -> str:
    contact = report.contact
    return render_file(
        "document/opening.j2", organ=report.organ, year=report.year,
        parts=[heading.split("、", 1)[1] for heading in labels.SECTION_HEADINGS],
        portal=contact and contact.portal, address=contact and contact.address, phone=contact and contact.phone,
    )


def _overview(document: Document, report: Report) -> None:
    _heading1(document, 0)
    for key, label in labels.OVERVIEW_TOPICS:
        _add(document, label, "heading2")
        _narrative(document, report.overview and getattr(report.overview, key))


def _heading1(document: Document, index: int) -> None:
    _add(document, labels.SECTION_HEADINGS[index], "heading1")


def _narrative(document: Document, text: str | None) -> Paragraph:
    """One paragraph per non-blank line; 「（待填写）」 when nothing has been written yet. Returns the last."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or [say("common.to_be_filled")]:
        paragraph = _add(document, line, "body")
    return paragraph


def _table(document: Document, layout: TableLayout) -> None:
    """The table, kept on one page (with the section heading before it and the 「本表尚有未填写项」 note
    after it); a table taller than a page goes in parts, each from the top of a page (see split_layout)."""
    page_pt = text_height_mm() * _PT_PER_MM - style_spec("heading1")["line_exact_pt"]
    if layout.incomplete:
        page_pt -= style_spec("table_note")["line_exact_pt"] + style_spec("table_note").get("space_after_pt", 0)
    parts = split_layout(layout, page_pt)
    for index, part in enumerate(parts):
        if index:
            _add(document, "", "table_break")
        add_table(document, part, keep_with_next=layout.incomplete and index == len(parts) - 1)
    if layout.incomplete:
        _add(document, render_file("document/table_incomplete.j2"), "table_note")


# ---- 落款 and document properties ---------------------------------------------------------------------


def _signature(document: Document, organ: str | None, signed_on: date, *, after: Paragraph) -> None:
    """The organ's name over the date, right-aligned as GB/T 9704 7.3.5 places them on a stamped document:
    the date four characters in from the right, the name centred over it (or, when the name is the longer,
    two characters in and the date centred under it). Kept on the page of the report's last paragraph."""
    spec, style = styling()["signature"], style_spec("signature")
    name = organ or say("common.organ_to_be_filled")
    dated = render_file("document/signed_date.j2", year=signed_on.year, month=signed_on.month, day=signed_on.day)
    name_ems, date_ems = text_ems(name), text_ems(dated)
    date_right = spec["date_right_chars"]
    name_right = date_right + (date_ems - name_ems) / 2
    if name_right < spec["organ_min_right_chars"]:
        name_right = spec["organ_min_right_chars"]
        line_ems = text_width_mm() * _PT_PER_MM / style["size_pt"]
        date_right = min(name_right + (name_ems - date_ems) / 2, max(line_ems - date_ems, 0))
    after.paragraph_format.keep_with_next = True
    name_paragraph = _add(document, name, "signature")
    name_paragraph.paragraph_format.space_before = Pt(spec["blank_lines_before"] * style["line_exact_pt"])
    _indent_right(name_paragraph, name_right, style["size_pt"])
    date_paragraph = _add(document, dated, "signature")
    date_paragraph.paragraph_format.keep_with_next = False
    _indent_right(date_paragraph, date_right, style["size_pt"])


def _indent_right(paragraph: Paragraph, chars: float, size_pt: float) -> None:
    """Right indent in characters (w:rightChars, as Word writes 「右缩进 N 字符」) and in length as a fallback."""
    paragraph.paragraph_format.right_indent = Pt(chars * size_pt)
    paragraph._p.pPr.ind.set(qn("w:rightChars"), str(round(chars * 100)))


def _properties(document: Document, title: str, organ: str | None) -> None:
    """Title, author and dates of the file (shown by Word's 「属性」 and by file lists when published),
    replacing the template's 「python-docx」 author, description and 2013 dates."""
    properties = document.core_properties
    now = datetime.now(timezone.utc).replace(microsecond=0)
    properties.title = _NOT_XML.sub("", title)
    properties.author = properties.last_modified_by = _NOT_XML.sub("", organ or "")
    properties.comments = ""
    properties.created = properties.modified = now
    properties.revision = 1
