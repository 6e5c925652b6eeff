"""A web page into a ``Source``: the article's paragraphs and tables, without the site around it.

Tables are expanded by neither rowspan nor colspan: each <td>/<th> is one cell, the cells a span covers
are simply absent, which is what ``tables`` expects. A table holding tables is layout: its cells are
read as blocks. Text is split into paragraphs at block elements and <br>. The article is the smallest
element holding both the 「一、总体情况」 heading and the last section heading found; what lies outside
it (menus, footers, 「打印」「关闭」) is dropped, except a title line before it (the page's <h1> is often
outside the article's <div>).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..text import say
from . import vocabulary as v
from .document import Grid, GridNamer, ImportRefused, Source
from .guard import decode

_SKIP = {"script", "style", "noscript", "template", "head", "title", "select", "button", "iframe", "svg", "object"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
          "footer", "nav", "aside", "blockquote", "pre", "center", "dl", "dt", "dd", "form", "main", "td", "th",
          "tr", "caption", "hr", "address", "figure", "figcaption"}
_CHARSET = re.compile(rb"charset\s*=|encoding\s*=", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def read_html(data: bytes) -> Source:
    try:
        if _CHARSET.search(data[:4096]):
            root = lxml.html.fromstring(data)
        else:  # no declared charset: lxml would guess Latin-1; UTF-8 or GBK as for text files
            root = lxml.html.fromstring(_XML_DECLARATION.sub("", decode(data), count=1))
    except (etree.ParserError, ValueError) as exc:
        raise ImportRefused(say("importing.refused_html", reason=type(exc).__name__)) from None
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    blocks = _article(walker.blocks)
    source = Source("html")
    source.blocks = [b for b, _ in blocks]
    return source


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[tuple[str | Grid, etree._Element]] = []
        self.line: list[str] = []
        self.owner: etree._Element | None = None
        self.namer = GridNamer()

    def flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self.line)).strip()
        if text and self.owner is not None:
            self.blocks.append((text, self.owner))
        self.line = []

    def text(self, text: str | None, owner: etree._Element) -> None:
        if text:
            if not self.line:
                self.owner = owner
            self.line.append(text)

    def walk(self, node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIP or not tag:
            return
        if tag == "table" and not node.xpath(".//table"):
            self.flush()
            self.blocks.append((self._grid(node), node))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        self.text(node.text, node)
        for child in node:
            self.walk(child)
            self.text(child.tail, node)
        if block:
            self.flush()

    def _grid(self, table: etree._Element) -> Grid:
        grid, name = self.namer.new()
        rows = [tr for tr in table.iter("tr") if tr.xpath("ancestor::table[1]")[0] is table]
        for index, tr in enumerate(rows):
            cells = [_cell_text(td) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
            grid.add(cells, GridNamer.row(name, index))
        return grid


def _cell_text(td: etree._Element) -> str:
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            return
        if node.tag == "br":
            parts.append("\n")
        parts.append(node.text or "")
        for child in node:
            visit(child)
            parts.append(child.tail or "")
        if node.tag in _BLOCK:
            parts.append("\n")

    visit(td)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n")).strip()


def _article(blocks: list[tuple[str | Grid, etree._Element]]) -> list[tuple[str | Grid, etree._Element]]:
    headings = [i for i, (b, _) in enumerate(blocks) if isinstance(b, str) and v.section_of(b) is not None]
    if not headings:
        return blocks
    first, last = headings[0], headings[-1]
    container = _common_ancestor(blocks[first][1], blocks[last][1])
    inside = set(container.iter())  # the elements themselves, kept alive (see _common_ancestor)
    kept = [(i, block) for i, block in enumerate(blocks) if block[1] in inside]
    start = kept[0][0] if kept else first
    title = [block for i, block in enumerate(blocks[:start]) if isinstance(block[0], str) and "报告" in block[0]
             and len(block[0]) <= 80]
    return title[-1:] + [block for _, block in kept]


def _common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    # lxml makes a Python proxy per element on demand and drops it when unreferenced, so an id() of a
    # dropped proxy is reused by the next: compare the elements themselves, kept alive in the set.
    ancestors = {a, *a.iterancestors()}
    node = b
    while node not in ancestors:
        parent = node.getparent()
        if parent is None:
            return node
        node = parent
    return node
