"""What an imported report printed besides its cells — totals, subtotals — and the import's own record,
kept in a side file beside the report file: ``REPORT.json`` → ``REPORT.printed.json``.

The report file holds no totals (the model derives them and forbids unknown keys), so the printed ones
live here; ``nianbao check REPORT.json`` reads the side file when it is there and runs rules B–D
(``rules.check_printed``) on it, plus two checks of what only some layouts print: the 法人或其他组织小计
column of an 8-column table 三, and subtotal rows of （三）…（六）.

Side file (JSON, UTF-8; every key but ``format`` optional):
  format          "nianbao-printed/1"
  source, form    the imported file's name and its form (docx / html / pdf / text / json)
  complete        false when some cell or narrative could not be read (then ``gaps`` lists them)
  gaps, notes     the import's lines, as printed by `nianbao import`
  row_totals      table 三's 总计 column by row path, "outcomes_total" for the （七）总计 row
  outcomes_total  the （七）总计 row, six applicant columns
  appeal_totals   table 四's 总计 by group: review, litigation_direct, litigation_after_review
  legal_subtotals table 三's 法人或其他组织小计 column by row path
  group_subtotals subtotal rows by group path (applications.withheld …), six columns
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..report.findings import Finding
from ..report.model import Report
from ..report.rulebase import S_APPLICATIONS, where
from ..report.rules import PrintedTotals, check_printed
from ..text import say
from . import vocabulary as v

FORMAT = "nianbao-printed/1"
Count = Annotated[int, Field(ge=0, le=9_223_372_036_854_775_807)]
Six = Annotated[list[Count], Field(min_length=6, max_length=6)]
Line = Annotated[str, Field(max_length=2000)]


class Printed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["nianbao-printed/1"] = FORMAT
    source: Annotated[str, Field(max_length=500)] | None = None
    form: Annotated[str, Field(max_length=10)] | None = None
    complete: bool | None = None
    gaps: Annotated[list[Line], Field(max_length=500)] = []
    notes: Annotated[list[Line], Field(max_length=500)] = []
    row_totals: dict[str, Count] = {}
    outcomes_total: Six | None = None
    appeal_totals: dict[str, Count] = {}
    legal_subtotals: dict[str, Count] = {}
    group_subtotals: dict[str, Six] = {}

    def totals(self) -> PrintedTotals:
        return PrintedTotals(dict(self.row_totals), self.outcomes_total and list(self.outcomes_total),
                             dict(self.appeal_totals))

    def has_totals(self) -> bool:
        return bool(self.row_totals or self.outcomes_total or self.appeal_totals
                    or self.legal_subtotals or self.group_subtotals)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT} | self.model_dump(mode="json", exclude_defaults=True),
                          ensure_ascii=False, indent=2) + "\n"


def side_path(report_path: str | Path) -> Path:
    """``报告.json`` → ``报告.printed.json`` (any other name: the name + ``.printed.json``)."""
    path = Path(report_path)
    stem = path.name[:-5] if path.name.endswith(".json") else path.name
    return path.with_name(stem + ".printed.json")


def check(report: Report, printed: Printed) -> list[Finding]:
    """Rules B–D on the printed totals, then the 小计 column and the subtotal rows."""
    known = set(v.ROW_NAMES)
    totals = printed.totals()
    totals.row_totals = {k: n for k, n in totals.row_totals.items() if k in known}
    totals.appeal_totals = {k: n for k, n in totals.appeal_totals.items()
                            if k in ("review", "litigation_direct", "litigation_after_review")}
    return [*check_printed(report, totals), *_legal_subtotals(report, printed), *_group_subtotals(report, printed)]


def _numbers(shown: int, real: int) -> dict[str, int]:
    return {"printed": shown, "computed": real, "difference": shown - real, "diff": abs(shown - real)}


def _legal_subtotals(report: Report, printed: Printed):
    apps = report.applications
    for path, shown in printed.legal_subtotals.items():
        if path == v.OUTCOMES_TOTAL:
            cells = apps.outcomes_total if apps else None
        else:
            cells = report.get(path) if path in v.ROW_NAMES else None
        if cells is not None and shown != sum(cells[1:]):
            numbers = _numbers(shown, sum(cells[1:]))
            message = say("importing.subtotal_column", where=where(S_APPLICATIONS, v.ROW_NAMES[path], "row"), **numbers)
            yield Finding("C", "error", S_APPLICATIONS, message, v.ROW_NAMES[path], say("importing.subtotal"),
                          numbers, (path,))


def _group_subtotals(report: Report, printed: Printed):
    for path, shown in printed.group_subtotals.items():
        group = report.get(path) if path in v.GROUP_NAMES else None
        rows = [row for _, row in group.answered()] if group is not None else []
        if not rows or any(r is None for r in rows):
            continue
        real = [sum(col) for col in zip(*rows)]
        for label, a, b in zip(v.APPLICANTS, shown, real):
            if a != b:
                numbers = _numbers(a, b)
                message = say("importing.subtotal_row", where=where(S_APPLICATIONS, label, "column"),
                              group=v.GROUP_NAMES[path], **numbers)
                yield Finding("B", "error", S_APPLICATIONS, message, v.GROUP_NAMES[path], label, numbers, (path,))


MAX_SIDE_BYTES = 1_000_000


def load_side(report_path: str | Path) -> tuple[Path, "Printed | str | None"]:
    """(side file path, its Printed — or a reason it is unusable — or None when there is none)."""
    side = side_path(report_path)
    try:
        if not side.is_file():
            return side, None
        if side.stat().st_size > MAX_SIDE_BYTES:
            return side, f"> {MAX_SIDE_BYTES // 1000} KB"
        return side, Printed.model_validate_json(side.read_bytes())
    except OSError as exc:
        return side, str(exc.strerror or exc)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        return side, str(exc).splitlines()[0][:200]
