"""The one shape every reader produces: a published report as paragraphs and grids, in reading order.

A ``Grid`` is a table as its rows of cell texts — a merged cell once (the cells it covers left out), a
blank cell as ``""`` — and each row says where it was found (「第2个表格第5行」, 「第120行」) so that a
cell the mapping cannot place is named where a person can look. Readers know file formats and nothing
of the national format; ``tables`` and ``narrative`` know the national format and nothing of files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import say


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    where: str


@dataclass
class Grid:
    rows: list[Row] = field(default_factory=list)

    def add(self, cells: list[str] | tuple[str, ...], where: str) -> None:
        self.rows.append(Row(tuple(c.strip() for c in cells), where))


Block = str | Grid  # a paragraph's text, or a table


@dataclass
class Source:
    form: str                                           # "docx" | "html" | "pdf" | "text"
    blocks: list[Block] = field(default_factory=list)

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]

    @property
    def paragraphs(self) -> list[str]:
        return [b for b in self.blocks if isinstance(b, str)]


class GridNamer:
    """Names the n-th table and its rows for gap messages: 「第2个表格第5行」."""

    def __init__(self) -> None:
        self.count = 0

    def new(self) -> tuple[Grid, str]:
        self.count += 1
        return Grid(), say("importing.where_table", n=self.count)

    @staticmethod
    def row(table: str, index: int) -> str:
        return say("importing.where_table_row", table=table, n=index + 1)


class ImportRefused(Exception):
    """A file that cannot be imported at all (not a report, scanned, broken, a bomb): one Chinese line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
