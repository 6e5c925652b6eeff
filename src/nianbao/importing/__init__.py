"""Importing a published report: any form it was published in → a report file and its printed totals.

    result = import_bytes(data, "哈图镇2023年年报.docx", year=None, organ=None, county=None)
    result.report     # Report: every value read, nothing invented (what was not read stays unanswered)
    result.printed    # Printed: the totals the tables printed, and the import's record (printed.py)
    result.gaps       # one Chinese line per value not read, naming where it looked
    result.notes      # what was read in an unusual way (2019 layout, national column order assumed …)
    result.form       # "docx" | "html" | "pdf" | "text" | "json"
    result.complete   # no gaps

A file that is no report, a scanned PDF, a broken or truncated file, a zip bomb: ``ImportRefused`` with
one line (``.message``). Modules: guard (limits, form), read_docx / read_html / read_pdf / read_text (each
form into document.Source), tables and headers (the three tables), narrative (title, sections), gaps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..report.model import Report
from ..text import say
from .document import ImportRefused, Source
from .gaps import gap_lines
from .guard import decode, sniff
from .narrative import NarrativeReader
from .printed import Printed, side_path  # noqa: F401  (the API)
from .tables import TableReader

__all__ = ["ImportRefused", "ImportResult", "Printed", "import_bytes", "side_path"]

FORM_NAMES = ("docx", "html", "pdf", "text", "json")
MIN_FOUND = 3  # fewer values and headings than this: not a report


@dataclass
class ImportResult:
    report: Report
    printed: Printed
    form: str
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    year: int | None = None  # the year the title names (also when it is before 2021 and not in the report)
    cells_read: int = 0

    @property
    def complete(self) -> bool:
        return not self.gaps


def import_bytes(data: bytes, filename: str, *, year: int | None = None, organ: str | None = None,
                 county: str | None = None) -> ImportResult:
    form = sniff(data, filename)
    if form == "json":
        result = _json(data)
    else:
        result = _document(_read(form, data), form)
    _identity(result, year=year, organ=organ, county=county)
    result.printed.source = filename[-500:] or None
    result.printed.form = result.form
    result.printed.complete = result.complete
    result.printed.gaps, result.printed.notes = list(result.gaps), list(result.notes)
    return result


def _read(form: str, data: bytes) -> Source:
    if form == "docx":
        from .read_docx import read_docx
        return read_docx(data)
    if form == "pdf":
        from .read_pdf import read_pdf
        return read_pdf(data)
    if form == "html":
        from .read_html import read_html
        return read_html(data)
    from .read_text import read_text
    return read_text(decode(data))


def _document(source: Source, form: str) -> ImportResult:
    report, printed = Report(), Printed()
    tables, words = TableReader(report, printed), NarrativeReader(report)
    tables.read(source)
    words.read(source)
    found = len(tables.found) + sum(1 for p in source.paragraphs if _is_heading(p))
    if found < MIN_FOUND:
        raise ImportRefused(say("importing.refused_not_report"))
    problems = {**words.problems, **tables.problems}
    result = ImportResult(report, printed, form, notes=[*tables.notes, *words.notes], year=words.year,
                          cells_read=sum(_size(report.get(path)) for path in tables.found))
    result.gaps = gap_lines(report, problems, tables.unplaced, len(source.grids))
    return result


def _size(value: object) -> int:
    return len(value) if isinstance(value, list) else int(value is not None)


def _is_heading(paragraph: str) -> bool:
    from .vocabulary import section_of
    return section_of(paragraph) is not None


def _json(data: bytes) -> ImportResult:
    from ..report.file_errors import MAX_NESTING, describe_validation_error, too_deep  # the report file's own reading

    text = decode(data)
    if too_deep(text):
        raise ImportRefused(say("importing.refused_json", reason=say("importing.reason_deep", limit=MAX_NESTING)))
    try:
        json.loads(text)
        report = Report.from_json(text)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        raise ImportRefused(say("importing.refused_report_file", count=len(problems), first=problems[0])) from None
    except (ValueError, RecursionError) as exc:
        raise ImportRefused(say("importing.refused_json", reason=str(exc)[:200])) from None
    return ImportResult(report, Printed(), "json", notes=[say("importing.note_json")], year=report.year)


def _identity(result: ImportResult, *, year: int | None, organ: str | None, county: str | None) -> None:
    report = result.report
    if organ:
        if report.organ and report.organ != organ:
            result.notes.append(say("importing.note_organ_given", printed=report.organ, given=organ))
        report.organ = organ
    if year is not None:
        if result.year is not None and result.year != year:
            result.notes.append(say("importing.note_year_given", printed=result.year, given=year))
        result.year = year
    if county:
        report.county = county
    if result.form == "json":
        return
    if result.year is not None and report.year is None:
        if 2021 <= result.year <= 2100:
            report.year = result.year
        else:
            result.notes.append(say("importing.note_year_old", year=result.year))
    result.gaps = [g for g in result.gaps if not _about_identity(g)]
    if report.organ is None:
        result.gaps.insert(0, say("importing.gap", name=say("importing.name_organ"), reason=say("importing.gap_title")))
    if report.year is None:
        result.gaps.insert(1 if report.organ is None else 0,
                           say("importing.gap", name=say("importing.name_year"),
                               reason=say("importing.gap_title") if result.year is None
                               else say("importing.gap_year_old", year=result.year)))


def _about_identity(line: str) -> bool:
    return line.startswith((say("importing.gap", name=say("importing.name_organ"), reason=""),
                            say("importing.gap", name=say("importing.name_year"), reason="")))
