"""A .docx into a ``Source``: the body's paragraphs and tables in order.

A table cell spanning columns (w:gridSpan) is one cell; a cell continuing a vertical merge (w:vMerge
without "restart") is left out — its text is the first cell's. A table whose cells hold tables is a
layout table: its cells are read as blocks of their own. Text in content controls (w:sdt) is read;
headers, footers and text boxes are not (the 「草稿」 line of a nianbao draft is in the header).

The file is a zip: ``guard.check_zip`` bounds what it unpacks to before python-docx reads it.
"""

from __future__ import annotations

import io
import zipfile

from docx.oxml.ns import qn

from ..text import say
from .document import Grid, GridNamer, ImportRefused, Source
from .guard import check_zip

_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_SPAN, _VMERGE, _VAL = qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")


def read_docx(data: bytes) -> Source:
    check_zip(data)
    import docx  # python-docx: imported here, after the zip was found safe
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, EOFError) as exc:
        raise ImportRefused(say("importing.refused_docx", reason=type(exc).__name__)) from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged document part
        raise ImportRefused(say("importing.refused_docx", reason=type(exc).__name__)) from None
    source = Source("docx")
    _blocks(document.element.body, source, GridNamer())
    return source


def _blocks(parent, source: Source, namer: GridNamer) -> None:
    for child in parent.iterchildren():
        if child.tag == _P:
            source.blocks.append(_text(child))
        elif child.tag == _TBL:
            _table(child, source, namer)
        elif child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _blocks(content, source, namer)


def _table(tbl, source: Source, namer: GridNamer) -> None:
    if any(tc.find(f".//{_TBL}") is not None for tc in tbl.iter(_TC)):
        for tc in tbl.iter(_TC):  # a layout table: its cells are the page
            if tc.getparent().getparent() is tbl:
                _blocks(tc, source, namer)
        return
    grid, name = namer.new()
    for index, tr in enumerate(tr for tr in tbl.iterchildren(_TR)):
        cells = []
        for tc in tr.iterchildren(_TC):
            props = tc.find(qn("w:tcPr"))
            merge = props.find(_VMERGE) if props is not None else None
            if merge is not None and merge.get(_VAL, "continue") != "restart":
                continue
            cells.append("\n".join(_text(p) for p in tc.iter(_P)))
        grid.add(cells, GridNamer.row(name, index))
    source.blocks.append(grid)


def _text(p) -> str:
    out = []
    for node in p.iter(_T, _TAB, _BR, _CR):
        if node.tag == _T:
            out.append(node.text or "")
        elif node.tag == _TAB:
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)
