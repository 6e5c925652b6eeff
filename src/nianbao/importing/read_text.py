"""Plain text into a ``Source`` — a report copied from a page or a PDF, its tables flattened.

Lines before 「二、主动公开政府信息情况」 and from 「五、…」 on are paragraphs, one per line. Lines of
sections 二–四 are table rows, in whichever of these forms the copy has:

- cells on lines of their own, each starting with a tab, rows separated by blank lines (Word's
  「复制为文本」, like hatu-2024-report.txt); a line without the tab continues the cell above;
- pipes: 「规章 | 0 | 0 | 0 |」 — one row a line; lines of a lone 「|」 are dropped;
- Markdown (a page or PDF converted): heading markers and bold marks are dropped;
- a label followed by its numbers, blank-separated: 「一、本年新收政府信息公开申请数量 0 0 0 0 0 0 0」, the
  label possibly wrapped over the lines before, or the numbers on lines after (one cell a line).

A text without any section heading is read as tables throughout.
"""

from __future__ import annotations

import re

from ..text import say
from . import vocabulary as v
from .document import Grid, Source

_PIPE = re.compile(r"\s*[|｜]\s*")
# Text converted from a page or a PDF to Markdown marks its headings and emphasis: 「## 一、总体情况」, 「**…**」.
_MARKDOWN = re.compile(r"^#{1,6}[ \t]*|^[ \t]*>[ \t]?|\*\*")


def read_text(text: str) -> Source:
    lines = [_MARKDOWN.sub("", line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    source = Source("text")
    tables: list[tuple[int, str]] = []
    has_heading = any(v.section_of(line) is not None for line in lines if not line.startswith("\t"))
    in_tables = not has_heading
    for number, line in enumerate(lines, 1):
        section = v.section_of(line) if not line.startswith("\t") else None
        if section is not None:
            if tables:
                source.blocks.append(_rows(tables))
                tables = []
            in_tables = section in (1, 2, 3)
            source.blocks.append(line.strip())
        elif in_tables:
            tables.append((number, line))
        elif line.strip():
            source.blocks.append(line.strip())
    if tables:
        source.blocks.append(_rows(tables))
    return source


def _where(number: int) -> str:
    return say("importing.where_line", n=number)


def _rows(lines: list[tuple[int, str]]) -> Grid:
    content = [(n, line) for n, line in lines if line.strip()]
    tabbed = sum(line.startswith("\t") for _, line in content)
    if content and tabbed * 2 >= len(content):
        return _tab_rows(lines)
    return _flat_rows(lines)


def _tab_rows(lines: list[tuple[int, str]]) -> Grid:
    grid = Grid()
    cells: list[str] = []
    start, blank_before = 0, True
    for number, line in lines:
        if not line.strip():
            blank_before = True
            continue
        if line.startswith("\t"):
            if blank_before and cells:
                grid.add(cells, _where(start))
                cells = []
            if not cells:
                start = number
            cells.append(line.strip())
        elif cells:
            cells[-1] += line.strip()  # a cell wrapped over lines: 「不予」「公开」
        blank_before = False
    if cells:
        grid.add(cells, _where(start))
    return grid


def _flat_rows(lines: list[tuple[int, str]]) -> Grid:
    grid = Grid()
    label: list[str] = []
    values: list[str] = []
    start = 0

    def emit() -> None:
        if label or values:
            grid.add((["".join(label)] if label else []) + values, _where(start))
        label.clear()
        values.clear()

    for number, raw in lines:
        line = raw.strip()
        if not line or _PIPE.fullmatch(line):
            continue
        if "|" in line or "｜" in line:
            emit()
            cells = _PIPE.split(line.strip("|｜ "))
            while cells and not cells[-1]:
                cells.pop()
            grid.add(cells, _where(number))
            continue
        tokens = line.split()
        cut = len(tokens)
        while cut > 0 and v.is_value(tokens[cut - 1]):
            cut -= 1
        head, tail = "".join(tokens[:cut]), tokens[cut:]
        if head and (values or (v.header_table(v.canon(head)) and not tail)):
            emit()  # a new label after numbers, or a header line: a row of its own
        if head and v.header_table(v.canon(head)) and not tail and not label:
            grid.add([head], _where(number))
            continue
        if not label and not values:
            start = number
        if head:
            label.append(head)
        values.extend(tail)
    emit()
    return grid
