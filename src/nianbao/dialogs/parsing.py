"""Forgiving answer parsing: what officials type on phones → exact values for the report file.

Each ``parse_*`` takes the raw text and returns a value or raises :class:`AnswerError`, whose message
(templates/text/parsing.toml) says what was wrong, then what was expected, with an example. Numbers
are exact (``int`` / ``Decimal``), never guessed: anything not clearly one reading is an error.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Literal, Mapping, Sequence

from ..report import labels
from ..text import say
from .numerals import CHINESE_NUMERAL_CHARS, chinese_to_int, read_number, scaled

MAX_COUNT = 2**63 - 1  # what a BIGINT column holds: the cap of report.model.Count (the format has none)
AMOUNT_LIMIT = Decimal(10) ** 12  # report amounts have at most 12 integer digits
FIRST_YEAR = 2021  # the 2021 national format's first reporting year (report.model.Report.year)
SHORT_MAX_CHARS = 200  # a number, a row of numbers, a yes/no: never longer


class AnswerError(ValueError):
    """Bad input. ``str(err)`` / ``err.message`` is a ready Chinese message: what was expected + an example.

    ``kind`` names the problem ("wrong_count", "negative", …) for callers and tests; never shown.
    """

    def __init__(self, message: str, *, kind: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def _fail(kind: str, expected: str, **values: object) -> AnswerError:
    return AnswerError(f"{say('parsing.' + kind, **values)}\n{expected}", kind=kind)


def _quote(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# ---- cleaning -----------------------------------------------------------------------------------

# Zero-width characters phones and copy-paste slip in; line separators become newlines.
_INVISIBLE = {ord(ch): None for ch in "\u200b\u200c\u200d\u2060\ufeff"}
_LINE_BREAKS = {0x2028: "\n", 0x2029: "\n"}
_BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_MINUS = {0x2212: "-"}  # NFKC leaves the math minus sign alone


def _is_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in "\n\t") or category == "Cs" or ord(ch) in _BIDI_CONTROLS


def check_input(text: str, *, max_chars: int = 2000, expected: str | None = None) -> str:
    """Reject empty, overlong and control-character input; return it trimmed (inner newlines kept).

    ``expected`` is the "what to type, e.g. …" line appended to the message (a generic one if None).
    """
    expected = say("parsing.expect_any") if expected is None else expected
    cleaned = (
        text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).translate(_LINE_BREAKS).strip()
    )
    if not cleaned:
        raise _fail("empty", expected)
    if any(_is_control(ch) for ch in cleaned):
        raise _fail("control", expected)
    if len(cleaned) > max_chars:
        raise _fail("too_long", expected, length=len(cleaned), limit=max_chars)
    return cleaned


def normalize(text: str) -> str:
    """NFKC (full-width digits and punctuation → ASCII), trimmed, runs of whitespace → one space."""
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_MINUS)
    return " ".join(text.split())


def _short_answer(text: str, expected: str) -> str:
    """A one-line answer, cleaned and normalized, with a closing 。/./! dropped."""
    answer = normalize(check_input(text, max_chars=SHORT_MAX_CHARS, expected=expected)).rstrip("。.! ")
    if not answer:
        raise _fail("unreadable", expected, text=_quote(text.strip()))
    return answer


# ---- numbers ------------------------------------------------------------------------------------

_ZERO_WORDS = ("没有", "暂无", "没", "无", "否")  # where a count is asked, these mean 0
# 「无此类情况」「没有发生」「未发生」「本年度未收到此类申请」「未收取」: nothing happened → 0 (a count or a
# row), 否 (yes/no). A bare 「未」 is not one; the words are matched on the whole answer only.
_NONE_HAPPENED = re.compile(
    r"(?:本年度?|今年|全年|本年内)?(?:暂无|并无|没有|从未|未曾|无|没|未)"
    r"(?P<rest>(?:发生|出现|收到|产生|收取|收费|受理|办理)?过?"
    r"(?:此类|这类|该类|相关|类似|任何|上述|这种|此项|这项)?"
    r"(?:情况|情形|事项|案件|案例|申请|费用|记录)?)"
)


def _none_happened(answer: str) -> bool:
    """The whole answer says nothing of the kind happened (「无此类情况」, 「没有发生」, 「未发生」)."""
    m = _NONE_HAPPENED.fullmatch(answer.replace(" ", ""))
    return m is not None and (bool(m["rest"]) or m[0] in _ZERO_WORDS)

_NUMBER = (
    rf"[0-9]+(?:\.[0-9]+)?[万亿]?"
    rf"|[{CHINESE_NUMERAL_CHARS}]+(?:点[{CHINESE_NUMERAL_CHARS}]+)?"
    rf"|{'|'.join(_ZERO_WORDS)}"
)
_GROUPED = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?[万亿]?"  # "1,200": only where one number is asked
_SIGN = r"(?P<sign>[-负])?"
_COUNT_UNIT = r"(?: ?(?:件|个(?!人)|项|次|宗|条|份))?"  # not 个 of 个人 (an alias of 自然人)
_SINGLE_COUNT = re.compile(rf"(?:共计|总计|共|一共|总共|合计)? ?{_SIGN}(?P<num>{_GROUPED}|{_NUMBER}){_COUNT_UNIT}")
_ANY_NUMBER = re.compile(_NUMBER)


def _number_value(token: str, expected: str) -> Decimal:
    if token in _ZERO_WORDS:
        return Decimal(0)
    try:
        return read_number(token.replace(",", ""))
    except ValueError:
        raise _fail("unreadable", expected, text=_quote(token)) from None


def _count_value(sign: str | None, token: str, expected: str) -> int:
    value = _number_value(token, expected)
    if sign and value:
        raise _fail("negative", expected)
    if value != value.to_integral_value():
        raise _fail("not_integer", expected)
    if value > MAX_COUNT:
        raise _fail("too_big", expected, limit=MAX_COUNT)
    return int(value)


def parse_count(text: str) -> int:
    """"3", "３", "三", "十二", "两百", "一千零五", "1,200", "1万", "无", "没有", "零", "否", "0件",
    "无此类情况", "未发生" → int ≥ 0 (at most MAX_COUNT)."""
    expected = say("parsing.expect_count")
    answer = _short_answer(text, expected)
    if _none_happened(answer):
        return 0
    m = _SINGLE_COUNT.fullmatch(answer)
    if m is None:
        numbers_only = not _SEPARATORS.sub("", _ANY_NUMBER.sub("", answer))
        if numbers_only and len(_ANY_NUMBER.findall(answer)) > 1:
            raise _fail("not_one_number", expected)
        raise _fail("unreadable", expected, text=_quote(answer))
    return _count_value(m["sign"], m["num"], expected)


# ---- rows of counts ---------------------------------------------------------------------------------

# Short names officials use for the column labels, by column, in the order given by labels.py.
# The first alias of a long label is its short name in examples ("制发3 现行有效1").
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    **dict(zip(labels.APPLICANT_COLUMNS, (
        ("个人", "群众", "公民", "居民", "村民"),
        ("企业", "公司", "商业"),
        ("科研", "研究机构", "科研单位"),
        ("公益组织", "公益", "社会组织"),
        ("律所", "律师", "律师事务所", "法律服务", "法律机构"),
        ("其它",),
    ))),
    **dict(zip(labels.APPEAL_RESULT_COLUMNS, (
        ("维持",),
        ("纠正",),
        ("其他", "其它", "其它结果"),
        ("未审结", "未结", "审理中"),
    ))),
    **dict(zip(labels.DOCS_COLUMNS, (
        ("制发", "本年制发", "新制发", "印发"),
        ("废止", "本年废止"),
        ("现行有效", "现行", "有效"),
    ))),
}

_ALL_ZERO = re.compile(r"(?:全部|全都|都|全|均|一律)?(?:为|是)?(?:0|〇|零|无|没有)件?")
_ROW_NUMBER = re.compile(rf"{_SIGN}(?P<num>{_NUMBER}){_COUNT_UNIT}")
_DIGIT_DASH = re.compile(r"(?<=[0-9])-(?=[0-9])")  # "3-0-0" is a row, not negatives
_SEPARATORS = re.compile(r"[\s,;、/|和及]+")
_CONNECTORS = re.compile(r"^(?:其中|另外|还有)|(?:[:=]|为|是|有|共|(?<![总合])计)+$")
# Rows whose table prints a 总计 column (table 三's applicant columns, table 四's result groups): a
# number more than the columns, or one named 总计/合计, is that total — checked, then left out.
_TOTALLED = frozenset({labels.APPLICANT_COLUMNS, labels.APPEAL_RESULT_COLUMNS})
_TOTAL_NAMES = (labels.TOTAL, "合计")


@lru_cache(maxsize=64)
def _row_spec(columns: tuple[str, ...], extra: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], str]:
    """(name → column for every accepted label, the "expected" line) for one set of columns.

    Where the row has a total, its names (总计, 合计) map to labels.TOTAL, which is not a column.
    """
    names = {alias: col for col in columns for alias in DEFAULT_ALIASES.get(col, ())}
    for alias, col in extra:
        if col not in columns:
            raise ValueError(f"alias {alias!r} names {col!r}, not one of {columns}")
        names[alias] = col
    names.update({col: col for col in columns})
    if columns in _TOTALLED:
        names.update({name: labels.TOTAL for name in _TOTAL_NAMES})

    def short(col: str) -> str:
        return col if len(col) <= 4 else next(iter(DEFAULT_ALIASES.get(col, ())), col)

    n = len(columns)
    example = [3] + [0] * (n - 2) + [1] if n > 1 else [3]
    labelled = f"{short(columns[0])}3" + (f" {short(columns[-1])}1" if n > 1 else "")
    expected = say(
        "parsing.expect_counts", n=n, columns=columns,
        example=" ".join(map(str, example)), labelled=labelled,
    )
    return names, expected


def parse_counts(text: str, columns: Sequence[str], *, aliases: Mapping[str, str] | None = None) -> list[int]:
    """One count per column, in column order.

    Positional ("3 0 0 0 0 1", "3，0，…", "3、0、…", "3;0") or labelled ("自然人3 其他1",
    "自然人：3，其他：1", "商业企业2件"; unnamed columns 0); a lone 0/无/没有/全部为0/无此类情况 → all
    zeros. Where the table has a 总计 column, the total may follow ("3 0 0 0 0 1 4", "自然人3 总计3"):
    it must equal the sum. ``aliases`` (alias → column) add to DEFAULT_ALIASES.
    """
    columns = tuple(columns)
    names, expected = _row_spec(columns, tuple(sorted((aliases or {}).items())))
    answer = _short_answer(text, expected)
    if _ALL_ZERO.fullmatch(answer.replace(" ", "")) or _none_happened(answer):
        return [0] * len(columns)
    answer = _DIGIT_DASH.sub(" ", answer)

    entries: list[tuple[str | None, int]] = []  # (column named before the number, or None; count)
    position = 0
    for m in _ROW_NUMBER.finditer(answer):
        column = _label(answer[position:m.start()], names, columns, expected)
        entries.append((column, _count_value(m["sign"], m["num"], expected)))
        position = m.end()
    try:
        dangling = _label(answer[position:], names, columns, expected)
    except AnswerError as err:
        if entries or err.kind != "unknown_label":
            raise
        raise _fail("unreadable", expected, text=_quote(answer)) from None  # no number at all
    if dangling is not None:
        raise _fail("missing_number", expected, label=dangling)
    if not entries:
        raise _fail("unreadable", expected, text=_quote(answer))

    totalled = columns in _TOTALLED
    named = [column for column, _ in entries if column is not None]
    if not named:
        if len(entries) == 1 and entries[0][1] == 0:  # "否", "暂无", "〇件": nothing in any column
            return [0] * len(columns)
        if totalled and len(entries) == len(columns) + 1:  # the last number is the row's 总计
            counts = [value for _, value in entries]
            return _without_total(counts[:-1], counts[-1], expected)
        if len(entries) != len(columns):
            raise _fail("wrong_count", expected, got=len(entries), n=len(columns), totalled=totalled)
        return [value for _, value in entries]
    if len(named) != len(entries):
        raise _fail("mixed_labels", expected)
    if len(set(named)) != len(named):
        raise _fail("duplicate_label", expected, label=next(c for c in named if named.count(c) > 1))
    counts = dict(entries)
    row = [counts.get(column, 0) for column in columns]
    return _without_total(row, counts[labels.TOTAL], expected) if labels.TOTAL in counts else row


def _without_total(row: list[int], total: int, expected: str) -> list[int]:
    """The row, once its typed 总计 is checked against the sum of its columns."""
    if sum(row) != total:
        raise _fail("wrong_total", expected, total=total, sum=sum(row), n=len(row),
                    example=" ".join(map(str, [*row, sum(row)])))
    return row


def _label(between: str, names: Mapping[str, str], columns: Sequence[str], expected: str) -> str | None:
    """The column named in the text before a number (None if only separators)."""
    pieces = [_CONNECTORS.sub("", p) for p in _SEPARATORS.split(between)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return None
    column = _resolve(pieces[0], names, columns, expected)
    if len(pieces) > 1:  # two names before one number: the first has no number
        raise _fail("missing_number", expected, label=column)
    return column


def _resolve(piece: str, names: Mapping[str, str], columns: Sequence[str], expected: str) -> str:
    if piece in names:
        return names[piece]
    if not piece.isalpha():  # emoji, stray symbols: not an attempt at a label
        raise _fail("unreadable", expected, text=_quote(piece))
    # A unique part of a name is enough ("公益组织" → 社会公益组织); two letters at least.
    matches = {col for name, col in names.items() if len(piece) >= 2 and piece in name}
    if len(matches) == 1:
        return matches.pop()
    if matches:
        raise _fail("ambiguous_label", expected, label=piece, candidates=[c for c in columns if c in matches])
    raise _fail("unknown_label", expected, label=_quote(piece))


# ---- amounts ------------------------------------------------------------------------------------

# Words before an amount: 「共计1.25万元」「约1.25万元」「合计人民币200元」 (in any order, each once or so).
_AMOUNT_LEAD = r"(?:(?:共计|总计|合计|一共|总共|共|大约|约为|约|人民币|¥) ?)*"
_AMOUNT = re.compile(rf"{_AMOUNT_LEAD}{_SIGN}(?P<num>{_GROUPED}|{_NUMBER})(?P<unit>万元|元|块钱|块)?")
_LOOSE_SPACE = re.compile(r" (?![0-9])|(?<![0-9]) ")  # "1.5 万元" is fine; "1 5" stays two numbers
_PLACES = {"yuan": 2, "wan": 8}  # 元 to the 分; 万元 as the report file allows


def _places(value: Decimal) -> int:
    """Decimal places without trailing zeros (not ``normalize()``: it rounds to 28 digits)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    written = "".join(map(str, digits))
    return max(0, -exponent - (len(written) - len(written.rstrip("0"))))


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros or exponent: 15000.0 → 15000, 1.5000 → 1.5."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_amount(text: str, *, unit: Literal["yuan", "wan"]) -> Decimal:
    """An amount in the unit asked: bare numbers are in that unit; 元 or 万 in the answer say otherwise.

    unit="wan": "1.5" → 1.5, "1.5万" / "1.5万元" / "15000元" → 1.5. unit="yuan": "200" / "200元" → 200,
    "1.5万" → 15000. 元 has at most 2 decimals, 万元 at most 8; negative is an error. Exact Decimal.
    """
    expected = say(f"parsing.expect_amount_{unit}")
    answer = _LOOSE_SPACE.sub("", _short_answer(text, expected))
    if _none_happened(answer):
        return Decimal(0)
    m = _AMOUNT.fullmatch(answer)
    if m is None:
        raise _fail("unreadable", expected, text=_quote(answer))
    value = _number_value(m["num"], expected)
    if m["sign"] and value:
        raise _fail("negative", expected)
    if m["unit"] == "万元":
        value = scaled(value, 4)
    typed_in_yuan = bool(m["unit"]) or "¥" in answer or any(big in m["num"] for big in "万亿")
    if typed_in_yuan and _places(value) > _PLACES["yuan"]:
        raise _fail("too_many_decimals", expected, unit=say("parsing.unit_yuan"), places=_PLACES["yuan"])
    if typed_in_yuan and unit == "wan":
        value = scaled(value, -4)
    if _places(value) > _PLACES[unit]:
        raise _fail("too_many_decimals", expected, unit=say(f"parsing.unit_{unit}"), places=_PLACES[unit])
    if value >= AMOUNT_LIMIT:
        raise _fail("too_big", expected, limit=f"{AMOUNT_LIMIT - 1:f}")
    return _plain(value)


# ---- yes/no, year, choice, text -------------------------------------------------------------------

_YES = frozenset({"是", "是的", "有", "有的", "对", "对的", "好", "好的", "确认", "确定", "嗯", "要", "行",
                  "可以", "同意", "y", "yes", "ok", "1", "√"})
_NO = frozenset({"否", "不", "不是", "没有", "没有的", "没", "无", "不对", "不要", "不用", "n", "no", "0", "×"})


def parse_yes_no(text: str) -> bool:
    """是/有/对/好/确认/y/yes/1 → True; 否/没有/无/不/no/n/0, 无此类情况/没有发生/未发生 → False."""
    expected = say("parsing.expect_yes_no")
    answer = _short_answer(text, expected).casefold()
    if answer in _YES:
        return True
    if answer in _NO or _none_happened(answer):
        return False
    raise _fail("unreadable", expected, text=_quote(answer))


_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": 1, "上年": 1, "上一年": 1, "前年": 2}
_YEAR_SUFFIX = re.compile(r"(?:年度|年)$")


def parse_year(text: str, *, today_year: int) -> int:
    """"2024", "2024年", "二〇二四", "24", "去年", "今年" → a year between 2021 and today_year."""
    expected = say("parsing.expect_year", first=FIRST_YEAR, last=today_year, example=today_year - 1)
    answer = _short_answer(text, expected).replace(" ", "")
    if answer in _RELATIVE_YEARS:
        year = today_year - _RELATIVE_YEARS[answer]
    else:
        digits = _YEAR_SUFFIX.sub("", answer)
        try:
            year = int(digits) if re.fullmatch(r"[0-9]{2}|[0-9]{4}", digits) else chinese_to_int(digits)
        except ValueError:
            raise _fail("unreadable", expected, text=_quote(answer)) from None
        year += 2000 if year < 100 else 0  # "24" → 2024
    if not FIRST_YEAR <= year <= today_year:
        raise _fail("out_of_range", expected, year=year)
    return year


def parse_choice(text: str, choices: Mapping[str, Sequence[str]]) -> str:
    """The key whose name or synonyms match the answer; "1", "2"… pick by position (shown as numbered)."""
    keys = list(choices)
    shown = [next(iter(choices[key]), key) for key in keys]
    expected = say("parsing.expect_choice", options=[f"{i} {name}" for i, name in enumerate(shown, 1)])
    answer = _short_answer(text, expected).casefold()
    position = int(answer) if answer.isascii() and answer.isdigit() else None
    if position is not None and 1 <= position <= len(keys):
        return keys[position - 1]
    matches = [key for key in keys
               if answer in {normalize(name).casefold() for name in (key, *choices[key])}]
    if len(matches) == 1:
        return matches[0]
    raise _fail("no_match", expected, text=_quote(answer))


# Pictographs and emoticons, misc symbols and dingbats (but not the circled digits ❶–➓ used in lists).
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u2775\u2794-\u27BF\uFE0F]")
_BLANK_LINES = re.compile(r"\n{3,}")
_INNER_SPACES = re.compile(r"[ \t\u3000]+")


def parse_text(text: str, *, min_chars: int = 1, max_chars: int = 2000, expected: str | None = None) -> str:
    """Narrative text: trimmed lines, at most one blank line in a row; full-width punctuation kept.

    ``expected`` replaces the generic "type the text, e.g. …" line (say, an organ-name example).
    """
    if expected is None:
        expected = say("parsing.expect_text", min_chars=min_chars, max_chars=max_chars)
    cleaned = unicodedata.normalize("NFC", check_input(text, max_chars=max_chars, expected=expected))
    if _EMOJI.search(cleaned):
        raise _fail("emoji", expected)
    lines = (_INNER_SPACES.sub(" ", line).strip() for line in cleaned.split("\n"))
    result = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if len(result) < min_chars:
        raise _fail("too_short", expected, limit=min_chars)
    return result
