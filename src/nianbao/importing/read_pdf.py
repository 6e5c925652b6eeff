"""A PDF's text layer into a ``Source`` — no OCR: a scanned PDF is refused with one line.

pdfplumber, not pypdf: the national tables are drawn with ruling lines, and pdfplumber's table finder
reads the cells from those lines, so a label wrapped over three lines stays in its cell, a blank cell
stays in its column and merged cells come back as covered (None) — the same grid a .docx gives. pypdf
only gives a text stream in which a wrapped label breaks its row and a blank cell vanishes, so a row
would be read by position alone. pdfplumber costs ~100 ms for a 4-page report (pypdf ~40 ms): within
the 300 ms budget.

Text outside the tables becomes paragraphs: a line starts a new paragraph when it is indented, when the
line before ended short of the right margin, or after a table; running headers and page numbers
(「— 1 —」) are dropped. The blank pdfplumber puts between a CJK character and a digit of another font
(「2024 年」) is removed; blanks between two Latin characters are kept.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from ..text import say
from .document import Grid, GridNamer, ImportRefused, Source
from .guard import MAX_PDF_PAGES

_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d+\s*(?:页)?(?:\s*/\s*\d+)?[-—–－\s]*$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")


def read_pdf(data: bytes) -> Source:
    import pdfplumber  # imported when a PDF comes: pdfminer is slow to import
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImportRefused(say("importing.refused_pdf", reason=type(exc).__name__)) from None
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise ImportRefused(say("importing.refused_pdf", reason=type(exc).__name__)) from None
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise ImportRefused(say("importing.refused_pdf_pages", limit=MAX_PDF_PAGES))
        try:
            pages = [_page(page) for page in pdf.pages]
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused(say("importing.refused_pdf", reason=type(exc).__name__)) from None
    if not any(text for items, _ in pages for kind, text, *_ in items if kind == "line") and \
            not any(kind == "table" for items, _ in pages for kind, *_ in items):
        raise ImportRefused(say("importing.refused_scanned"))
    return _assemble(pages)


def _page(page):
    """[("line", text, x0, x1, top) | ("table", rows, top)], and the page's (left, right) text edges."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    items = [("table", t.extract(), t.bbox[1]) for t in tables]
    outside = page.filter(lambda obj: not any(_inside(obj, box) for box in boxes)) if boxes else page
    lines = outside.extract_text_lines(return_chars=False)
    for line in lines:
        items.append(("line", _CJK_SPACE.sub("", line["text"]).strip(), line["x0"], line["x1"], line["top"]))
    items.sort(key=lambda item: item[-1])
    edges = (min((l["x0"] for l in lines), default=0), max((l["x1"] for l in lines), default=page.width))
    return items, (edges, page.height)


def _inside(obj, box) -> bool:
    x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
    y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
    return box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1


def _assemble(pages) -> Source:
    running = Counter(text for items, _ in pages for kind, text, *_ in items if kind == "line")
    source, namer = Source("pdf"), GridNamer()
    paragraph: list[str] = []
    last_x1 = None

    def flush() -> None:
        if paragraph:
            source.blocks.append("".join(paragraph))
            paragraph.clear()

    for items, ((left, right), height) in pages:
        for item in items:
            if item[0] == "table":
                flush()
                last_x1 = None
                source.blocks.append(_grid(item[1], namer))
                continue
            _, text, x0, x1, top = item
            if not text or _PAGE_NUMBER.match(text) or (running[text] > 1 and len(pages) > 1
                                                        and (top < height * 0.1 or top > height * 0.9)):
                continue
            indented = x0 - left > 8
            short_before = last_x1 is not None and last_x1 < right - 20
            if indented or short_before or last_x1 is None:
                flush()
            paragraph.append(text)
            last_x1 = x1
    flush()
    return source


def _grid(rows: list[list[str | None]], namer: GridNamer) -> Grid:
    grid, name = namer.new()
    for index, row in enumerate(rows):
        grid.add([_CJK_SPACE.sub("", c) for c in row if c is not None], GridNamer.row(name, index))
    return grid
