"""Tables 二, 三 and 四 of a ``Source`` into report cells and printed totals, by the national vocabulary.

Every row of every grid is read the same way: its trailing cells that are values (numbers, or blank /
「/」 / 「—」) are its values, the text before them its label. A label that names a row of table 二 or 三
(vocabulary.py) places the values by the column order its table's header printed (headers.py); an
unlabelled row of numbers under table 四's header is table 四's row; rows of labels only are headers or
titles. Nothing is placed by where a row stands: a table split over pages, a header repeated, a stray
empty row or a subtotal row change nothing. What cannot be placed — a blank cell, a short row, an
unknown label with numbers, a row found twice with different numbers — is recorded with where it was.
"""

from __future__ import annotations

from decimal import Decimal

from ..report.model import Report
from ..text import say
from . import headers as h
from . import vocabulary as v
from .document import Row, Source
from .printed import Printed


class TableReader:
    def __init__(self, report: Report, printed: Printed) -> None:
        self.report, self.printed = report, printed
        self.found: dict[str, str] = {}             # report path → where its value was read
        self.problems: dict[str, list[str]] = {}    # report path → why it was not placed
        self.unplaced: list[str] = []               # source rows nothing could be done with
        self.notes: list[str] = []
        self.layout_2019 = False
        self._headers: dict[str, list[tuple[str, ...]]] = {}
        self._header_open: str | None = None
        self._context: str | None = None
        self._proactive_kinds: list[str] | None = None
        self._seen_groups: dict[str, str] = {}

    # -- driving -------------------------------------------------------------------------------------
    def read(self, source: Source) -> None:
        for grid in source.grids:
            for row in grid.rows:
                self._row(row)
        self._after()

    def _row(self, row: Row) -> None:
        label_cells, values = _split(row.cells)
        label = v.canon("".join(label_cells))
        numbers = v.has_number(values)
        proactive = v.match_proactive_row(label) if label else None
        applications = v.match_applications_row(label) if label and proactive is None else None
        table = v.header_table(label) if not numbers else None
        if table is not None or (proactive is None and applications is None and not numbers):
            if table is not None:
                self._header(table, row.cells)
            return
        self._header_open = None
        if proactive is not None:
            self._context = "proactive"
            self._proactive(proactive, values, row)
        elif applications is not None:
            self._context = "applications"
            self._applications(*applications, values, row)
        elif self._context == "appeals" and (not label or len(values) >= 12):
            self._appeals(values, row)
        elif label in v.OLD_PROACTIVE_ROWS:
            self.layout_2019 = True
        else:
            shown = "、".join(c for c in values if c)
            self.unplaced.append(say("importing.unplaced_row", where=row.where, label=label or "—", values=shown))

    def _header(self, table: str, cells: tuple[str, ...]) -> None:
        if table == "any":
            table = self._header_open or self._context or ""
            if not table:
                return
        if self._header_open != table:
            self._headers[table] = []
        self._headers[table].append(cells)
        self._header_open = self._context = table
        if table == "proactive":
            text = v.canon("".join(cells))
            kinds = h.proactive_kinds(cells)
            if text.startswith("第二十条"):
                self._proactive_kinds = None  # a new block
            elif kinds is None and self._proactive_kinds is not None:  # flat text: one column a line
                kinds = self._proactive_kinds + (h.proactive_kinds(("信息内容", *cells)) or [])
            if kinds is not None:
                self._proactive_kinds = kinds
                self.layout_2019 |= "old" in kinds

    # -- placing -------------------------------------------------------------------------------------
    def _place(self, path: str, value: object, where: str) -> None:
        if path in self.found:
            if self.report.get(path) != value and path not in self.problems:
                self._problem(path, say("importing.gap_twice", where=self.found[path], other=where))
                self.report.clear(path)
            return
        if path in self.problems:
            return
        self.found[path] = where
        self.report.set(path, value)

    def _problem(self, path: str, line: str) -> None:
        self.problems.setdefault(path, []).append(line)

    def _cells(self, path: str, names: list[str], texts: list[str], where: str, *, amount: bool = False) -> list:
        """The values of ``texts`` (each named for messages), or None for each cell that is not a count."""
        out = []
        for name, text in zip(names, texts):
            got = v.value(text)
            if isinstance(got, int) and not isinstance(got, bool):
                out.append(Decimal(got) if amount else got)
            elif isinstance(got, Decimal) and amount:
                out.append(got)
            else:
                reason = "importing.gap_blank" if got == v.BLANK else "importing.gap_not_count"
                self._problem(path, say(reason, where=where, column=name, text=text))
                out.append(None)
        return out

    # -- 二 ---------------------------------------------------------------------------------------------
    def _proactive(self, key: str, values: list[str], row: Row) -> None:
        path = f"proactive.{key}"
        kinds = self._proactive_kinds or []
        if key in ("regulations", "normative_documents"):
            if "old" in kinds:
                self._problem(path, say("importing.gap_2019_documents", where=row.where))
                return
            wanted = [k for k in kinds if k in ("issued", "repealed", "in_force")]
            if len(wanted) != 3:
                wanted = ["issued", "repealed", "in_force"]
                self._note("importing.note_national_columns", table=say("importing.table_proactive"))
            cells = _fit(values, 3)
            if cells is None:
                self._problem(path, say("importing.gap_short", where=row.where, got=len(values), want=3))
                return
            names = [say(f"importing.column_{k}") for k in wanted]
            for kind, got in zip(wanted, self._cells(path, names, cells, row.where)):
                if got is not None:
                    self._place(f"{path}.{kind}", got, row.where)
            return
        want = "fees" if key == "fees" else "decisions"
        if kinds and want not in kinds:
            self._problem(path, say("importing.gap_2019_column", where=row.where))
            return
        cells = _fit(values, len(kinds) if kinds else 1)
        if not cells:
            self._problem(path, say("importing.gap_short", where=row.where, got=0, want=1))
            return
        text = cells[kinds.index(want)] if kinds else cells[-1]
        got = self._cells(path, [say(f"importing.column_{want}")], [text], row.where, amount=key == "fees")[0]
        if got is not None:
            self._place(path, got, row.where)

    # -- 三 ---------------------------------------------------------------------------------------------
    def _applicant_kinds(self, n_values: int) -> list[int | str] | None:
        kinds = h.applicant_kinds(self._headers.get("applications", []))
        if kinds is None:
            kinds = h.national_applicant_kinds(n_values)
            if kinds is not None:
                self._note("importing.note_national_columns", table=say("importing.table_applications"))
        return kinds

    def _applications(self, kind: str, path: str, values: list[str], row: Row) -> None:
        if kind != "row" and not v.has_number(values):
            return  # a group's label on a line of its own (text), or a blank printed total
        kinds = self._applicant_kinds(len(values))
        name = v.ROW_NAMES.get(path) or v.GROUP_NAMES.get(path, path)
        cells = _fit(values, len(kinds)) if kinds else None
        if cells is None:
            if kind == "row":
                self._problem(path, say("importing.gap_short", where=row.where, got=len(values),
                                        want=len(kinds) if kinds else 7))
            elif v.has_number(values):
                self.unplaced.append(say("importing.unplaced_row", where=row.where, label=name,
                                         values="、".join(c for c in values if c)))
            return
        by_kind = dict(zip(kinds, cells))
        names = [say("importing.column_applicant", column=c) for c in v.APPLICANTS]
        if kind == "group":
            self._seen_groups[path] = row.where
            six = self._cells(f"{path}#subtotal", names, [by_kind[c] for c in range(6)], row.where)
            if None not in six:
                self.printed.group_subtotals[path] = six
            return
        target = f"{path}#printed" if kind == "total" else path
        six = self._cells(target, names, [by_kind[c] for c in range(6)], row.where)
        if kind == "total":
            if None not in six:
                self.printed.outcomes_total = six
        elif None not in six:
            self._place(path, six, row.where)
        for extra, store in (("total", self.printed.row_totals), ("subtotal", self.printed.legal_subtotals)):
            if extra in by_kind and isinstance(v.value(by_kind[extra]), int):
                store[path] = v.value(by_kind[extra])

    # -- 四 ---------------------------------------------------------------------------------------------
    def _appeals(self, values: list[str], row: Row) -> None:
        kinds = h.appeal_kinds(self._headers.get("appeals", []))
        if kinds is None:
            kinds = h.national_appeal_kinds(len(values))
            if kinds is not None:
                self._note("importing.note_national_columns", table=say("importing.table_appeals"))
        cells = _fit(values, len(kinds)) if kinds else None
        if cells is None or kinds is None:
            for key in ("review", "litigation_direct", "litigation_after_review"):
                self._problem(f"appeals.{key}", say("importing.gap_short", where=row.where, got=len(values),
                                                    want=len(kinds) if kinds else 15))
            return
        groups: dict[str, list] = {}
        for (key, leaf), text in zip(kinds, cells):
            path = f"appeals.{key}"
            column = say("importing.column_appeal", column=v.APPEAL_LEAVES[leaf])
            got = self._cells(path if leaf < 4 else f"{path}#printed", [column], [text], row.where)[0]
            if leaf == 4:
                if got is not None:
                    self.printed.appeal_totals[key] = got
            else:
                groups.setdefault(key, [None] * 4)[leaf] = got
        for key, four in groups.items():
            if None not in four:
                self._place(f"appeals.{key}", four, row.where)

    # -- after all rows --------------------------------------------------------------------------------
    def _after(self) -> None:
        other = "applications.other"
        if other in self._seen_groups and not any(p.startswith(other + ".") for p in self.found):
            self.layout_2019 = True
            for key in ("no_correction", "unpaid_fee", "other"):
                self._problem(f"{other}.{key}", say("importing.gap_2019_other", where=self._seen_groups[other]))
        if self.layout_2019:
            self._note("importing.note_2019")

    def _note(self, key: str, **values: object) -> None:
        line = say(key, **values)
        if line not in self.notes:
            self.notes.append(line)


def _split(cells: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(label cells, trailing value cells) of a row."""
    at = len(cells)
    while at > 0 and v.is_value(cells[at - 1]):
        at -= 1
    return [c for c in cells[:at] if c], list(cells[at:])


def _fit(values: list[str], n: int) -> list[str] | None:
    """The last ``n`` value cells, padding blanks at the end dropped first; None when fewer than ``n``."""
    values = list(values)
    while len(values) > n and v.value(values[-1]) == v.BLANK:
        values.pop()
    return values[-n:] if len(values) >= n else None
