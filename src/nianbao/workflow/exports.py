"""What a county admin downloads, transport-free: the progress table (.xlsx) and every draft in one .zip.

``progress_xlsx`` writes the sheet 「进度」 (one row per organ: state, version, the check's errors and
warnings, when it was submitted and approved, by whom, the last activity) and the sheet 「汇总」 (organs
per state). Times are given timezone-aware (the store's UTC) and written as Excel date-times in Beijing
time — naive, as Excel has no time zones — with a date format, so they sort and filter as dates. Every
text cell is organ or user text: one that starts like a formula (= + - @, tab, carriage return) is kept
as a plain string with Excel's quote prefix, so neither opening nor editing the cell evaluates it
(no formula injection), and characters XML cannot carry are dropped.

``drafts_zip`` packs the drafts as ``<县>/<机关><标记>.docx`` (the marks 「-草稿」「-待审核」「-已退回」 come
from templates/text/exports.toml; approved reports have none) next to ``<县>/进度.xlsx``. Names are made
safe for Windows, macOS and Linux alike: no / \\ : * ? " < > |, no control or invisible format characters
(a right-to-left override could disguise an extension), no leading or trailing dots and spaces, no
reserved device names (CON, NUL, COM1 …), at most NAME_BYTES bytes of UTF-8 each, and names that
collide — also when they differ only in case — numbered 「（2）」「（3）」. Names are UTF-8 with the
zip's UTF-8 flag (bit 11) set, so Windows' own unzip shows Chinese names rather than mojibake. The
archive is built in memory; more than MAX_ZIP_BYTES of content is refused before any work.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..text import say

try:
    LOCAL: tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database (Windows without the tzdata package)
    LOCAL = timezone(timedelta(hours=8), "CST")  # China has kept UTC+8, without summer time, since 1991

MAX_ZIP_BYTES = 200 * 1024 * 1024   # the drafts and the table together, uncompressed
MAX_FILES = 10_000
NAME_BYTES = 180                    # one file name in UTF-8 (file systems allow 255)
FOLDER_BYTES = 120
MAX_CELL = 32_767                   # Excel's limit for the text of one cell
DATE_FORMAT = "yyyy-mm-dd hh:mm"
STATE_KEYS = ("draft", "submitted", "returned", "approved")


@dataclass(frozen=True)
class ProgressLine:
    """One organ's row of the progress table. ``state`` is the short state name (「审核中」): the version
    has its own column. None leaves a cell empty. Times are timezone-aware."""

    organ: str
    level_name: str
    state: str
    version: int | None
    errors: int | None
    warnings: int | None
    submitted: datetime | None
    approved: datetime | None
    reviewer: str | None
    last_activity: datetime | None


_COLUMNS = ("organ", "level", "state", "version", "errors", "warnings", "submitted", "approved", "reviewer",
            "last_activity")
_DATE_COLUMNS = frozenset({"submitted", "approved", "last_activity"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot carry (openpyxl refuses it): C0 controls except tab, newline, carriage return.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HEADER_FILL = PatternFill("solid", fgColor="FFE8EEF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="FF7F8FA6"))


# ------------------------------------------------------------------------------------------- the table

def progress_xlsx(county: str, lines: Sequence[ProgressLine], generated: datetime, *,
                  states: Sequence[str] = ()) -> bytes:
    """The county's progress table as .xlsx bytes. ``generated`` (aware) is named in each sheet's title
    row and the workbook's properties. ``states`` orders the summary (each listed, also with no organ);
    states not listed follow in the order they first appear."""
    local_generated = _local(generated)
    title = say("exports.progress_title", county=county, generated=local_generated)
    workbook = Workbook()
    workbook.properties.title = _clean_text(title)
    workbook.properties.creator = "nianbao"
    workbook.properties.created = _utc_naive(generated)

    sheet = workbook.active
    sheet.title = say("exports.progress_sheet")
    header = [say(f"exports.column_{key}") for key in _COLUMNS]
    _title_row(sheet, title, len(header))
    _header_row(sheet, header)
    widths = [_display_width(text) + 2 for text in header]  # room for the filter's drop-down button
    for row, line in enumerate(lines, start=3):
        values = [line.organ, line.level_name, line.state, line.version, line.errors, line.warnings,
                  _local_naive(line.submitted), _local_naive(line.approved), line.reviewer,
                  _local_naive(line.last_activity)]
        cells = _put(sheet, row, values)
        for column, (key, value) in enumerate(zip(_COLUMNS, values), start=1):
            if key in _DATE_COLUMNS:
                if value is not None:
                    cells[column - 1].number_format = DATE_FORMAT
                widths[column - 1] = max(widths[column - 1], len("2025-01-01 00:00"))
            elif value is not None:
                widths[column - 1] = max(widths[column - 1], _display_width(str(value)))
    last = get_column_letter(len(header))
    sheet.freeze_panes = "B3"                   # the title, the header and the organ stay in view
    sheet.auto_filter.ref = f"A2:{last}{len(lines) + 2}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    _widths(sheet, widths)

    _summary_sheet(workbook, title, lines, states)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _summary_sheet(workbook: Workbook, title: str, lines: Sequence[ProgressLine], states: Sequence[str]):
    sheet = workbook.create_sheet(say("exports.summary_sheet"))
    header = [say("exports.summary_state"), say("exports.summary_count")]
    _title_row(sheet, title, len(header))
    _header_row(sheet, header)
    counts = dict.fromkeys(states, 0)
    for line in lines:
        counts[line.state] = counts.get(line.state, 0) + 1
    for row, (state, count) in enumerate(counts.items(), start=3):
        _put(sheet, row, [state, count])
    for cell in _put(sheet, len(counts) + 3, [say("exports.summary_total"), len(lines)]):
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    _widths(sheet, [max([_display_width(header[0]), *map(_display_width, counts)]), _display_width(header[1])])


def _title_row(sheet, title: str, columns: int) -> None:
    _put(sheet, 1, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A1"].alignment = Alignment(vertical="center")
    sheet.row_dimensions[1].height = 24


def _header_row(sheet, header: list[str]) -> None:
    for cell in _put(sheet, 2, header):
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")


def _widths(sheet, widths: list[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), 60)


def _display_width(text: str) -> int:
    """Columns of a fixed-width font: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text[:200])


def _clean_text(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)[:MAX_CELL]


def _put(sheet, row: int, values: list) -> list:
    """Write ``values`` into ``row``; its cells. Every text is cleaned, and one that Excel would read as
    a formula stays text: a string cell (never openpyxl's formula type — openpyxl makes any value
    starting with 「=」 a formula) with the quote prefix, as if typed with a leading apostrophe."""
    cells = []
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            value = _clean_text(value)
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str) and value.startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
        cells.append(cell)
    return cells


def _local(when: datetime) -> datetime:
    if not isinstance(when, datetime):
        raise TypeError(f"a time is a datetime, not {when!r}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: pass a timezone-aware (UTC) time")
    return when.astimezone(LOCAL)


def _local_naive(when: datetime | None) -> datetime | None:
    """Beijing wall-clock time without tzinfo (what an Excel date-time is), to the second."""
    if when is None:
        return None
    return _local(when).replace(tzinfo=None, microsecond=0)


def _utc_naive(when: datetime) -> datetime:
    return _local(when).astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


# ------------------------------------------------------------------------------------------- the drafts

def drafts_zip(county: str, files: Sequence[tuple[str, str, bytes]], progress: bytes, *,
               when: datetime | None = None) -> bytes:
    """A .zip of ``<county>/<organ><mark>.docx`` for each (organ, state_key, docx) — state_key one of
    STATE_KEYS — and ``<county>/进度.xlsx`` (``progress``). ``when`` (aware; default now) stamps the
    entries in Beijing time."""
    if len(files) > MAX_FILES:
        raise ValueError(f"{len(files)} files: at most {MAX_FILES} in one archive")
    total = len(progress)
    for item in files:
        organ, state, data = item
        if state not in STATE_KEYS:
            raise ValueError(f"unknown state {state!r}: one of {', '.join(STATE_KEYS)}")
        if not isinstance(organ, str) or not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"each file is (organ: str, state: str, docx: bytes), not {item!r:.80}")
        total += len(data)
    if total > MAX_ZIP_BYTES:
        raise ValueError(f"{total} bytes to pack: at most {MAX_ZIP_BYTES}")

    stamp = _local(when if when is not None else datetime.now(timezone.utc))
    date_time = max(stamp.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    folder = safe_name(county, limit=FOLDER_BYTES)
    used: set[str] = set()
    entries = [(unique_name(say("exports.progress_file"), "", ".xlsx", used), progress)]
    for organ, state, data in files:
        entries.append((unique_name(organ, say(f"exports.mark_{state}"), ".docx", used), data))

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.flag_bits |= 0x800  # UTF-8 names (zipfile sets it for non-ASCII ones anyway)
            archive.writestr(info, bytes(data))
    return out.getvalue()


_FORBIDDEN = frozenset('/\\:*?"<>|')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
                       *(f"{device}{n}" for device in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³"))})
_ELLIPSIS = "…"


def safe_name(text: str, *, limit: int = NAME_BYTES) -> str:
    """``text`` as one file or folder name: forbidden and invisible characters out, whitespace runs one
    space, no dots or spaces at either end, not a reserved device name, at most ``limit`` bytes of UTF-8
    (cut marked 「…」); 「未命名」 when nothing is left."""
    name = _clean_name(text)
    if not name:
        name = say("exports.unnamed")
    return _fix_reserved(_cut(name, limit))


def unique_name(stem: str, mark: str, suffix: str, used: set[str]) -> str:
    """``<stem><mark><suffix>`` made safe and not yet in ``used`` (compared ignoring case, as Windows and
    macOS do); the stem numbered 「（2）」「（3）」 … when taken. The name is added to ``used``."""
    base = _clean_name(stem) or say("exports.unnamed")
    mark = _clean_name(mark) if mark.strip() else ""
    number = 1
    while True:
        tail = mark + suffix
        if number == 1:
            name = _cut(base, NAME_BYTES - len(tail.encode()))
        else:
            numbered = say("exports.numbered", name="", number=number)
            short = _cut(base, NAME_BYTES - len((numbered + tail).encode()))
            name = say("exports.numbered", name=short, number=number)
        name = _fix_reserved(name + tail)
        key = unicodedata.normalize("NFC", name).casefold()
        if key not in used:
            used.add(key)
            return name
        number += 1


def _clean_name(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char.isspace():
            out.append(" ")
        elif char in _FORBIDDEN:
            out.append("_")
        elif category in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, bidi/zero-width marks, lone surrogates
            continue
        else:
            out.append(char)
    return " ".join("".join(out).split()).strip(". ")


def _cut(name: str, limit: int) -> str:
    if len(name.encode()) <= limit:
        return name
    room = limit - len(_ELLIPSIS.encode())
    while name and len(name.encode()) > room:
        name = name[:-1]
    return name.rstrip(". ") + _ELLIPSIS


def _fix_reserved(name: str) -> str:
    stem = name.split(".", 1)[0].rstrip(" ")
    return "_" + name if stem.upper() in _RESERVED else name
