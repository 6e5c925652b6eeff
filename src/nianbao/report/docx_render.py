"""The report as the official Word draft: GB/T 9704 page and fonts, the six sections, the three national tables.

Styling is data (templates/document.toml, applied by docx_styles); the tables' cell layout is docx_tables;
every Chinese word that is not a national-format label comes from templates (say / render_file).
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.text.paragraph import Paragraph

from ..text import render_file, say
from . import labels
from .docx_styles import add_header_line, add_page_number, define_styles, setup_page, styling, text_width_mm
from .docx_tables import TableLayout, add_table, applications_layout, appeals_layout, proactive_layout
from .model import Report

_PT_PER_MM = 72 / 25.4
# Control characters XML cannot hold (pasted text may carry them); line breaks are split off before.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def render_docx(report: Report, *, draft: bool = True, title: str | None = None) -> bytes:
    """The .docx file's bytes; a draft carries the 「草稿」 marker in the header and the title.

    ``title`` replaces ``report.title`` (a county roll-up's 「…年度报告汇总」).
    """
    document = _new_document(draft)
    _title(document, title or report.title, draft)
    _add(document, render_file(
        "document/opening.j2", organ=report.organ, year=report.year,
        parts=[heading.split("、", 1)[1] for heading in labels.SECTION_HEADINGS],
    ), "body")
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
    _narrative(document, report.other_matters)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_docx(report: Report, path: str | Path, *, draft: bool = True) -> None:
    Path(path).write_bytes(render_docx(report, draft=draft))


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
    """The title, broken before 「政府信息公开工作年度报告」 when it does not fit one line (a clean,
    symmetric break as GB/T 9704 asks, rather than wherever Word wraps)."""
    suffix = render_file("document/draft_title_suffix.j2", marker=say("common.draft_marker")) if draft else ""
    head, found, tail = title.rpartition(labels.TITLE_SUFFIX)
    paragraph = _add(document, "", "title")
    if not found or not head or _fits_one_line(title + suffix, styling()["styles"]["title"]["size_pt"]):
        paragraph.add_run(_NOT_XML.sub("", title + suffix))
    else:
        paragraph.add_run(_NOT_XML.sub("", head)).add_break(WD_BREAK.LINE)
        paragraph.add_run(_NOT_XML.sub("", labels.TITLE_SUFFIX + tail + suffix))


def _fits_one_line(text: str, size_pt: float) -> bool:
    # Full-width characters take one em, Latin letters and digits about half.
    ems = sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)
    return ems * size_pt <= text_width_mm() * _PT_PER_MM


def _overview(document: Document, report: Report) -> None:
    _heading1(document, 0)
    for key, label in labels.OVERVIEW_TOPICS:
        _add(document, label, "heading2")
        _narrative(document, report.overview and getattr(report.overview, key))


def _heading1(document: Document, index: int) -> None:
    _add(document, labels.SECTION_HEADINGS[index], "heading1")


def _narrative(document: Document, text: str | None) -> None:
    """One paragraph per non-blank line; 「（待填写）」 when nothing has been written yet."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or [say("common.to_be_filled")]:
        _add(document, line, "body")


def _table(document: Document, layout: TableLayout) -> None:
    add_table(document, layout)
    if layout.incomplete:
        _add(document, render_file("document/table_incomplete.j2"), "table_note")
