"""A county admin's list of organs to invite (issue 12 item 2): lines of text, a .csv or a .xlsx → entries.

Transport-free: ``parse_roster`` takes the bytes the admin sent and returns the organs (one invite each)
with the problems found, one Chinese line each (templates/text/roster.toml) naming the line or row and
showing a good line. It never raises on bad input: a file that cannot be read at all gives no entries
and one message saying why.

What is read:
  .xlsx  the first sheet (sniffed by the zip header "PK"; an old .xls is refused with a hint), after a
         check of the zip's declared sizes against zip bombs (``check_xlsx``);
  .csv   UTF-8 (with or without BOM) or GB18030/GBK, separated by commas, tabs or 「，」;
  text   one organ per line; fields separated by a tab, a comma, 「，」「、」, two or more spaces, or a
         single space (organs' names have none). A line may be just a name.
The first row is a header when it names a column (机关全称/机关名称/单位名称/名称, 类型/机关类型,
联系人, 电话/联系电话 …, in any order); without one the name is the first field and the others are
recognized by what they are (a level word → 类型, digits → 电话, else 联系人), in the order
名称 类型 联系人 电话 where that does not settle it.

Per row:
  name   NFKC, spaces dropped; the county put in front when it does not begin with it (as /invite does);
         organ_name_problem: "not_chinese" → row skipped; "no_organ_word" → row skipped unless the row
         says 「确认」 (in the 类型 cell or as a field of its own); 3–50 characters.
  level  from the 类型 word (乡镇 → 乡 or 镇 by the name, 街道, 县直部门 …); blank → from the name's end
         (catalogue organ_kinds) or 县级人民政府 for 「<县>人民政府」, else None. An unknown word is a
         problem, the entry is kept with the level from the name.
  phone  digits, 「-」 and spaces, 7–20 characters with at least 7 digits; otherwise a problem and the
         entry is kept with phone None (an invite does not need a phone).
  A later row with the same full name is dropped with a problem; a cell over 100 characters refuses
  its row. More than MAX_ROWS rows (not counting the header and blank rows) refuses the whole list.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field

from ..dialogs.catalogue import load_catalogue
from ..dialogs.organ_names import organ_name_problem
from ..dialogs.proposals import level_from_name
from ..report.model import OrganLevel
from ..text import say

MAX_ROWS = 500  # organs in one list
MAX_BYTES = 2_000_000  # the file or text as sent
MAX_CELL = 100  # characters in one cell
MAX_COLUMNS = 20  # columns of a sheet read (a roster has four)
MAX_SCAN = 5_000  # sheet rows looked at (blank ones included); rows below are not read
MAX_UNPACKED = 32_000_000  # declared unpacked size of all members of a .xlsx
MAX_MEMBERS = 1_000
MAX_RATIO = 200  # declared unpacked / packed size of a member bigger than 1 MB
NAME_LENGTH = (3, 50)
HEADER_ROWS = 5  # a sheet's header may follow a title row or two

CONFIRM_WORD = "确认"
# 类型 words → OrganLevel; "township_or_town": 乡 or 镇 by the name (as /invite's level words).
LEVEL_WORDS: dict[str, str] = {
    "乡": "township", "镇": "town", "乡镇": "township_or_town", "乡镇人民政府": "township_or_town",
    "街道": "street", "街道办事处": "street", "街道办": "street",
    "县直部门": "county_department", "部门": "county_department", "县直单位": "county_department",
    "县直机关": "county_department", "县属部门": "county_department",
    "县政府": "county", "县级人民政府": "county", "县人民政府": "county", "其他": "other",
}
LEVELS: tuple[str, ...] = ("township", "town", "street", "county", "county_department", "other")
# Endings the no_organ_word message names (organ_names.ORGAN_ENDINGS has many more).
SHOWN_ENDINGS = ("人民政府", "办事处", "局", "委员会", "办公室", "中心")

_HEADERS = {
    "name": ("机关全称", "机关名称", "单位名称", "单位全称", "名称", "机关", "单位"),
    "type": ("类型", "机关类型", "单位类型", "级别", "类别"),
    "contact": ("联系人", "联系人姓名", "姓名", "填报人"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "电话号码"),
}
_HEADER_OF = {word: column for column, words in _HEADERS.items() for word in words}
_COLUMNS = ("name", "type", "contact", "phone")
_PHONE = re.compile(r"[0-9\- ]{7,20}")
_TEXT_FIELDS = re.compile(r"\t|[,，、]| {2,}")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RosterEntry:
    name: str  # the full name, county in front
    level: OrganLevel | None
    contact: str | None
    phone: str | None
    line: int  # line (text, csv) or row (sheet) number in the source, 1-based


@dataclass
class Roster:
    entries: list[RosterEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def level_name(level: str | None) -> str:
    """The Chinese name of an OrganLevel (「镇」「县直部门」…), "" for None."""
    return say(f"roster.level_{level}") if level in LEVELS else ""


def parse_roster(data: bytes, filename: str, county: str) -> Roster:
    """The organs listed in ``data`` (a .xlsx, a .csv or text; ``filename`` only helps tell which), their
    names completed with ``county``. Problems are messages for the admin; see the module for the rules."""
    county = unicodedata.normalize("NFKC", county or "").strip()
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        return _refused("too_big", limit=MAX_BYTES // 1_000_000)
    if not data.strip():
        return _refused("empty", example=say("roster.example_line"))
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        return _refused("old_xls")
    kind = "xlsx" if data.startswith(b"PK") or name.endswith((".xlsx", ".xlsm")) else \
        "csv" if name.endswith((".csv", ".tsv")) else "text"
    if kind == "xlsx":
        rows, refusal = _xlsx_rows(data)
    else:
        text, refusal = _decode(data)
        rows = []
        if refusal is None:
            rows, refusal = _csv_rows(text) if kind == "csv" else (_text_rows(text), None)
    if refusal is not None:
        return Roster([], [refusal])
    return _read(rows, county, text=kind == "text")


def check_xlsx(data: bytes) -> str | None:
    """None when ``data`` is a whole zip that unpacks small and holds a workbook, else the message."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        return say("roster.bad_xlsx")
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED or any(
            m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        return say("roster.bomb", limit=MAX_UNPACKED // 1_000_000)
    if "xl/workbook.xml" not in {m.filename for m in members}:
        return say("roster.not_xlsx")
    try:  # a truncated file: the central directory may survive while a part does not
        if archive.testzip() is not None:
            return say("roster.bad_xlsx")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError, RuntimeError):
        return say("roster.bad_xlsx")
    return None


# ---- reading the source into rows: (line number, cells) ----

Rows = list[tuple[int, list[str]]]


def _refused(key: str, **values) -> Roster:
    return Roster([], [say(f"roster.{key}", **values)])


def _xlsx_rows(data: bytes) -> tuple[Rows, str | None]:
    refusal = check_xlsx(data)
    if refusal is not None:
        return [], refusal
    import openpyxl

    rows: Rows = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's "no default style" and the like
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                for number, values in enumerate(
                        sheet.iter_rows(max_row=MAX_SCAN, max_col=MAX_COLUMNS, values_only=True), start=1):
                    cells = [_cell_text(value) for value in values]
                    if any(cells):
                        rows.append((number, cells))
            finally:
                book.close()
    except Exception:  # openpyxl raises many kinds on a damaged workbook; none may escape
        return [], say("roster.bad_xlsx")
    return rows, None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number: 13912345678.0
    return str(value)


def _decode(data: bytes) -> tuple[str, str | None]:
    binary = say("roster.binary", example=say("roster.example_line"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return "", binary
    elif b"\x00" in data:
        return "", binary
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return "", binary
    controls = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\r\n")
    if controls > max(2, len(text) // 100):  # random bytes that happen to decode
        return "", binary
    return text, None


def _csv_rows(text: str) -> tuple[Rows, str | None]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(("\t", ",", "，"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","
    rows: Rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        start = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start, [_ILLEGAL.sub("", cell) for cell in cells[:MAX_COLUMNS]]))
            start = reader.line_num + 1
    except csv.Error:
        return [], say("roster.bad_csv")
    return rows, None


def _text_rows(text: str) -> Rows:
    rows: Rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", _ILLEGAL.sub("", raw)).strip()
        if not line:
            continue
        cells = [cell.strip() for cell in _TEXT_FIELDS.split(line)]
        if len(cells) == 1:
            cells = line.split()  # single spaces: names have none
        rows.append((number, cells[:MAX_COLUMNS]))
    return rows


# ---- rows → entries ----

def _normal(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip()


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column of each known header word in a header row, None when the row is not a header."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _HEADER_OF.get(re.sub(r"\s+", "", _normal(cell)).rstrip("*＊:："))
        if column is not None and column not in columns:
            columns[column] = index
    return columns or None


def _is_type_cell(cell: str) -> bool:
    word = re.sub(r"[\s,，、;；]+", "", cell).replace(CONFIRM_WORD, "")
    return word in LEVEL_WORDS or (not word and CONFIRM_WORD in cell)


def _looks_like_phone(cell: str) -> bool:
    return sum(ch.isdigit() for ch in cell) >= 3


def _by_shape(cells: list[str], county: str) -> dict[str, str]:
    """A row without a header: the first field the name (a county of its own before it dropped, as
    /invite does), the others by what they look like — or by position, 名称 类型 联系人 电话, where
    two would take one place."""
    if len(cells) > 1 and county and cells[0] == county:
        cells = cells[1:]
    confirm = CONFIRM_WORD in cells[1:]
    cells = [cells[0], *("" if cell == CONFIRM_WORD else cell for cell in cells[1:])]
    found: dict[str, str] = {"name": cells[0]}
    for cell in filter(None, cells[1:]):
        column = "type" if _is_type_cell(cell) else "phone" if _looks_like_phone(cell) else "contact"
        if column in found:
            found = dict(zip(_COLUMNS, cells))  # ambiguous: by position
            break
        found[column] = cell
    if confirm:
        found["type"] = f"{found.get('type', '')} {CONFIRM_WORD}".strip()
    return found


def _read(rows: Rows, county: str, text: bool) -> Roster:
    """Entries of ``rows``. The header is the first of the first HEADER_ROWS rows naming the name column
    (rows above it, a sheet's title, are skipped); a first row naming only other columns is refused."""
    if not rows:
        return _refused("empty", example=say("roster.example_line"))
    columns = None
    for at, (_, cells) in enumerate(rows[:HEADER_ROWS]):
        found = _header(cells)
        if found is not None and "name" in found:
            columns, rows = found, rows[at + 1:]
            break
        if found is not None and at == 0 and len(found) >= 2:
            return _refused("no_name_column")
    if columns is not None and not rows:
        return _refused("only_header", example=say("roster.example_line"))
    if len(rows) > MAX_ROWS:
        return _refused("too_many", limit=MAX_ROWS, count=len(rows))
    kinds = load_catalogue().organ_kinds
    roster = Roster()
    seen: dict[str, int] = {}
    for line, cells in rows:
        cells = [_normal(cell) for cell in cells]
        if columns is None or (text and len(cells) != len(columns)):
            found = _by_shape(cells, county)  # a typed line that left a field out: by what the fields are
        else:
            found = {column: cells[index] if index < len(cells) else "" for column, index in columns.items()}
        if not any(cell.strip() for cell in found.values()):
            continue  # a row with something only in columns we do not read
        entry = _entry(line, found, county, kinds, roster.problems)
        if entry is None:
            continue
        if entry.name in seen:
            roster.problems.append(say("roster.duplicate", line=line, name=entry.name, first=seen[entry.name]))
            continue
        seen[entry.name] = line
        roster.entries.append(entry)
    if not roster.entries and not roster.problems:  # only blank or unreadable cells
        return _refused("empty", example=say("roster.example_line"))
    return roster


def _entry(line: int, found: dict[str, str], county: str, kinds, problems: list[str]) -> RosterEntry | None:
    example = say("roster.example_line")
    cells = {column: _normal(_ILLEGAL.sub("", value or "")) for column, value in found.items()}
    for cell in cells.values():
        if len(cell) > MAX_CELL:
            problems.append(say("roster.cell_too_long", line=line, cell=cell, limit=MAX_CELL, example=example))
            return None
    typed = re.sub(r"\s+", "", cells.get("name", ""))
    if not typed:
        problems.append(say("roster.no_name", line=line, example=example))
        return None
    name = typed if not county or typed.startswith(county) else county + typed
    problem = organ_name_problem(name, typed=typed)
    if problem != "not_chinese" and not NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1]:
        problems.append(say("roster.name_length", line=line, name=typed, short=len(name) < NAME_LENGTH[0],
                            limit=NAME_LENGTH[1], example=example))
        return None
    type_cell = cells.get("type", "")
    confirmed = CONFIRM_WORD in type_cell
    if problem == "not_chinese" or not name.isprintable() or "/" in name:
        problems.append(say("roster.not_chinese", line=line, name=typed, example=example))
        return None
    if problem == "no_organ_word" and not confirmed:
        problems.append(say("roster.no_organ_word", line=line, name=name, endings=SHOWN_ENDINGS,
                            confirm=CONFIRM_WORD, example=say("roster.example_confirm_line")))
        return None
    level = _level(line, type_cell, name, county, kinds, problems)
    phone = cells.get("phone", "") or None
    if phone is not None and not (_PHONE.fullmatch(phone) and sum(ch.isdigit() for ch in phone) >= 7):
        problems.append(say("roster.bad_phone", line=line, phone=phone, example=say("roster.example_phone")))
        phone = None
    contact = re.sub(r"\s+", " ", cells.get("contact", "")) or None
    return RosterEntry(name=name, level=level, contact=contact, phone=phone, line=line)


def _level(line: int, type_cell: str, name: str, county: str, kinds, problems: list[str]) -> str | None:
    by_name = level_from_name(name, kinds)
    if by_name is None and county and name in (f"{county}人民政府", f"{county}政府"):
        by_name = "county"
    word = re.sub(r"[\s,，、;；]+", "", type_cell).replace(CONFIRM_WORD, "")
    if not word:
        return by_name
    level = LEVEL_WORDS.get(word)
    if level is None:
        problems.append(say("roster.bad_type", line=line, word=word, level=level_name(by_name),
                            words=say("roster.level_words"), example=say("roster.example_line")))
        return by_name
    if level == "township_or_town":
        if by_name in ("township", "town"):
            return by_name
        return "town" if name.endswith(("镇人民政府", "镇政府", "镇")) else "township"
    return level
