"""`nianbao diff LAST THIS`: two years' figures side by side, changes marked, then the cross-year checks.

LAST and THIS are report files or anything `nianbao import` reads. Every row of tables 二、三、四 is one
line 「label：last → this」 (table 三's rows with their 总计, 四's groups with theirs); a changed line starts
with 「*」 and ends with what changed (「自然人 +2」). The cross-year checks are ``rules.cross_year_findings``:
二、上年结转 against last year's 四、结转下年度 per column, and 现行有效 against last year's 现行有效 +
本年制发 − 本年废止. Exit codes: 0 (warnings allowed), 2 a file could not be read.
"""

from __future__ import annotations

import argparse
from typing import Iterator

from ..cli import EXIT_OK, load_report, print_findings
from ..report import labels
from ..report.model import Report
from ..report.rules import cross_year_findings
from ..text import say
from . import vocabulary as v

Cells = list[int | str | None]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("last", metavar="LAST", help=say("importing.arg_last"))
    p.add_argument("this", metavar="THIS", help=say("importing.arg_this"))


def _load(path: str) -> Report:
    if path.lower().endswith(".json"):
        return load_report(path)
    from .command import read_any

    return read_any(path).report


def run(args: argparse.Namespace) -> int:
    import sys

    last, this = _load(args.last), _load(args.this)
    print(say("importing.diff_title", last=last.title, this=this.title))
    section = None
    for heading, label, before, after, columns in rows(last, this):
        if heading != section:
            section = heading
            print(heading)
        changes = [say("importing.diff_change", column=c, delta=_delta(a, b))
                   for c, a, b in zip(columns, before, after) if a != b]
        mark = say("importing.diff_mark") + " " if changes else "  "
        print(mark + say("importing.diff_row", label=label, last=_show(before, columns), this=_show(after, columns),
                  changed=bool(changes), changes=changes))
    print(say("importing.diff_checks"))
    print_findings(cross_year_findings(this, last), sys.stdout)
    return EXIT_OK


def rows(last: Report, this: Report) -> Iterator[tuple[str, str, Cells, Cells, tuple[str, ...]]]:
    """(section heading, row label, last year's cells, this year's cells, column names) in printed order."""
    s2, s3, s4 = labels.SECTION_HEADINGS[1:4]
    for key, label in labels.PROACTIVE_LABELS.items():
        if key in ("regulations", "normative_documents"):
            yield s2, label, _docs(last, key), _docs(this, key), labels.DOCS_COLUMNS
        else:
            yield s2, label, [_plain(last.get(f"proactive.{key}"))], [_plain(this.get(f"proactive.{key}"))], ("",)
    columns3 = (*labels.APPLICANT_COLUMNS, labels.TOTAL)
    for path, label in v.ROW_NAMES.items():
        if path != v.OUTCOMES_TOTAL:
            yield s3, label, _with_total(last.get(path), 6), _with_total(this.get(path), 6), columns3
    yield (s3, labels.OUTCOMES_TOTAL_LABEL, _with_total(_outcomes(last), 6), _with_total(_outcomes(this), 6),
           columns3)
    columns4 = (*labels.APPEAL_RESULT_COLUMNS, labels.TOTAL)
    for key, label in labels.APPEAL_GROUPS:
        name = label if key == "review" else f"{labels.LITIGATION_HEADER} {label}"
        yield s4, name, _with_total(last.get(f"appeals.{key}"), 4), _with_total(this.get(f"appeals.{key}"), 4), columns4


def _docs(report: Report, key: str) -> Cells:
    docs = report.get(f"proactive.{key}")
    return docs.values() if docs is not None else [None] * 3


def _plain(value) -> int | str | None:
    return value if value is None or isinstance(value, int) else str(value)


def _outcomes(report: Report) -> list[int] | None:
    return report.applications.outcomes_total if report.applications else None


def _with_total(cells: list[int] | None, width: int) -> Cells:
    return [None] * (width + 1) if cells is None else [*cells, sum(cells)]


def _show(cells: Cells, columns: tuple[str, ...]) -> str:
    text = [say("importing.diff_missing") if c is None else str(c) for c in cells]
    if len(columns) > 3 and columns[-1] == labels.TOTAL:
        return " ".join(text[:-1]) + " | " + text[-1]
    return " / ".join(text)


def _delta(a, b) -> str:
    try:
        from decimal import Decimal

        diff = Decimal(str(b)) - Decimal(str(a))
        return f"+{diff}" if diff > 0 else str(diff)
    except Exception:
        return f"{a if a is not None else say('importing.diff_missing')}→{b if b is not None else say('importing.diff_missing')}"
