"""The report file (see report-file.md) as pydantic models: the single source of truth.

Every answerable value may be missing (``None``): in a draft that means "not answered yet", which is
never the same as 0. Totals (总计 columns, （七）总计, table 四 总计) are properties, never stored.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any, Iterator, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from ..text import say
from . import labels

# ---- value types ------------------------------------------------------------------------------

Count = Annotated[int, Field(ge=0, le=9_223_372_036_854_775_807)]  # any BIGINT: the format has no cap
Row6 = Annotated[list[Count], Field(min_length=6, max_length=6)]
Row4 = Annotated[list[Count], Field(min_length=4, max_length=4)]

_NUMBER_LIST = re.compile(r"\[\s*((?:\d+,\s*)*\d+)\s*\]")
_DECIMAL_RE = re.compile(r"^\d{1,12}(\.\d{1,8})?$")


def _parse_amount(value: Any) -> Decimal:
    """Amounts are decimal strings ("0", "1.25", "00"); ints are tolerated, floats never (binary)."""
    if isinstance(value, Decimal):
        if not value.is_finite() or value < 0:
            raise ValueError("amount must be a non-negative decimal")
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('amount must be a decimal string such as "0" or "1.25"')
    text = str(value).strip()
    if not _DECIMAL_RE.match(text):
        raise ValueError(f'amount must be a non-negative decimal string such as "1.25", got {value!r}')
    return Decimal(text)


def format_amount(value: Decimal) -> str:
    """Plain decimal text: "00" → "0", never an exponent; trailing zeros typed by the user are kept."""
    text = format(value, "f")
    if "." in text:
        whole, frac = text.split(".")
        return f"{int(whole)}.{frac}"
    return str(int(text))


Amount = Annotated[
    Decimal,
    BeforeValidator(_parse_amount),
    PlainSerializer(format_amount, return_type=str),
]
# Control characters (C0, DEL, C1) never reach a stored text — from a report file, an answer or the
# store: invisible in the chat, they break the .docx XML or hide text. A paragraph keeps its line
# breaks (each as \n) and tabs; a one-line value (a name, an address, a channel) keeps none
# and is trimmed. Anything not a string is left to the type check (the models are strict).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What str.splitlines() breaks on — a line or page break pasted from Word (\x0b, \x0c) included — is \n.
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean_text(value: Any) -> Any:
    """A paragraph without control characters except its line breaks (as newlines) and tabs."""
    return _CONTROLS.sub("", _BREAKS.sub("\n", value)) if isinstance(value, str) else value


def clean_line(value: Any) -> Any:
    """A one-line value without any control character, trimmed."""
    return _LINE_CONTROLS.sub("", value).strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(clean_text), Field(max_length=20_000)]


def Line(min_length: int = 0, max_length: int = 200) -> Any:
    """A one-line string of the report (an organ, a county, a contact's address, a channel)."""
    return Annotated[str, BeforeValidator(clean_line), Field(min_length=min_length, max_length=max_length)]


class _Part(BaseModel):
    # strict: "3", 3.0 and true are not counts; extra: a mistyped key is an error, not silently lost.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)

    def answered(self) -> Iterator[tuple[str, Any]]:
        for name in type(self).model_fields:
            yield name, getattr(self, name)


# ---- 一、总体情况 ---------------------------------------------------------------------------------


class Overview(_Part):
    proactive: Text | None = None
    on_request: Text | None = None
    management: Text | None = None
    platforms: Text | None = None
    oversight: Text | None = None


# ---- 二、主动公开 ---------------------------------------------------------------------------------


class DocCounts(_Part):
    issued: Count | None = None
    repealed: Count | None = None
    in_force: Count | None = None

    def values(self) -> list[int | None]:
        return [self.issued, self.repealed, self.in_force]


class Proactive(_Part):
    regulations: DocCounts | None = None
    normative_documents: DocCounts | None = None
    licensing: Count | None = None
    penalties: Count | None = None
    enforcement: Count | None = None
    fees: Amount | None = None


# ---- 三、申请 -------------------------------------------------------------------------------------


class Withheld(_Part):
    state_secret: Row6 | None = None
    prohibited_by_law: Row6 | None = None
    security_stability: Row6 | None = None
    third_party: Row6 | None = None
    internal_affairs: Row6 | None = None
    process_info: Row6 | None = None
    enforcement_files: Row6 | None = None
    query_matters: Row6 | None = None


class Unable(_Part):
    not_held: Row6 | None = None
    needs_creation: Row6 | None = None
    still_unclear: Row6 | None = None


class NotProcessed(_Part):
    petition: Row6 | None = None
    repeated: Row6 | None = None
    publications: Row6 | None = None
    excessive: Row6 | None = None
    reconfirm: Row6 | None = None


class OtherHandling(_Part):
    no_correction: Row6 | None = None
    unpaid_fee: Row6 | None = None
    other: Row6 | None = None


def sum_columns(rows: list[list[int]], width: int) -> list[int]:
    return [sum(r[i] for r in rows) for i in range(width)]


class Applications(_Part):
    new: Row6 | None = None
    carried_over: Row6 | None = None
    granted: Row6 | None = None
    partial: Row6 | None = None
    withheld: Withheld | None = None
    unable: Unable | None = None
    not_processed: NotProcessed | None = None
    other: OtherHandling | None = None
    carried_forward: Row6 | None = None

    def outcome(self, row: labels.OutcomeRow) -> list[int] | None:
        """The six counts of one of the 21 outcome rows, or None if not answered yet."""
        value = getattr(self, row.group.key)
        if row.key is None or value is None:
            return value
        return getattr(value, row.key)

    def outcomes(self) -> Iterator[tuple[labels.OutcomeRow, list[int] | None]]:
        for row in labels.OUTCOME_ROWS:
            yield row, self.outcome(row)

    @property
    def outcomes_total(self) -> list[int] | None:
        """（七）总计 per applicant column: the sum of the 21 outcome rows; None until all are known."""
        rows = [v for _, v in self.outcomes()]
        if any(v is None for v in rows):
            return None
        return sum_columns(rows, 6)  # type: ignore[arg-type]

    @classmethod
    def zeros(cls) -> "Applications":
        zero = [0] * 6
        return cls(
            new=zero, carried_over=zero, granted=zero, partial=zero,
            withheld=Withheld(**{k: zero for k in Withheld.model_fields}),
            unable=Unable(**{k: zero for k in Unable.model_fields}),
            not_processed=NotProcessed(**{k: zero for k in NotProcessed.model_fields}),
            other=OtherHandling(**{k: zero for k in OtherHandling.model_fields}),
            carried_forward=zero,
        )


def row_total(row: list[int] | None) -> int | None:
    """The 总计 column of a table-三 row."""
    return None if row is None else sum(row)


# ---- 四、复议诉讼 ---------------------------------------------------------------------------------


class Appeals(_Part):
    review: Row4 | None = None
    litigation_direct: Row4 | None = None
    litigation_after_review: Row4 | None = None

    def total(self, key: str) -> int | None:
        """总计 of one of the three groups: 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
        row = getattr(self, key)
        return None if row is None else sum(row)

    @classmethod
    def zeros(cls) -> "Appeals":
        return cls(review=[0] * 4, litigation_direct=[0] * 4, litigation_after_review=[0] * 4)


# ---- 六 ---------------------------------------------------------------------------------------


class ProcessingFee(_Part):
    cases: Count | None = None
    amount_yuan: Amount | None = None


OrganLevel = Literal["township", "town", "street", "county", "county_department", "other"]
"""乡 / 镇 / 街道 / 县级人民政府 / 县直部门 / 其他 (设区的市 and above)."""

class Contact(_Part):
    """Where the report is published and whom to ask: printed in the opening paragraph."""
    portal: Line(max_length=200) | None = None    # e.g. 托里县人民政府门户网站（www…）
    address: Line(max_length=200) | None = None
    phone: Line(max_length=50) | None = None


# ---- what the default paragraphs state, as the official answered it -----------------------------

Channel = Line(min_length=1, max_length=30)


class Published(_Part):
    """一（一）: how many items were published proactively this year; ``approx`` when said with 「约」."""

    count: Count | None = None
    approx: bool | None = None


class Facts(_Part):
    """The answers the default paragraphs of 一 and 六 rest on (nothing in a default is made up).

    Asked by the interview, never printed as such: the paragraphs quote them, so they are kept to
    recompose a paragraph after an edit, to propose them again next year, and for the checks. Not
    report values in the national format's sense (``all_leaf_paths`` leaves them out, so an older
    report file without them is complete). A text answered 「没有」 is "".
    """

    channels: Annotated[list[Channel], Field(max_length=12)] | None = None  # 一（四）: 政府门户网站、政务公开栏 …
    published: Published | None = None                                     # 一（一）: items published
    accountability: Count | None = None         # 一（五）: cases of 责任追究 this year (0: none)
    accountability_note: Text | None = None     # 一（五）: what was pursued, one line
    work_points: Text | None = None             # 六: 落实上级年度政务公开工作要点
    proposals: Text | None = None               # 六: 人大代表建议和政协提案办理
    innovation: Text | None = None              # 六: 创新做法


# ---- the report file ---------------------------------------------------------------------------


class Report(_Part):
    format: Literal["gov-info-annual-report/2021"] = labels.FORMAT_ID
    organ: Line(min_length=2, max_length=100) | None = None
    county: Line(min_length=2, max_length=50) | None = None
    year: Annotated[int, Field(ge=2021, le=2100)] | None = None
    # The organ's level decides what it may make (规章 only 设区的市 and above) and how the default
    # paragraphs name it (我镇/我乡/我街道/本机关). "other": any organ not listed (市级 and above).
    organ_level: OrganLevel | None = None
    contact: Contact | None = None
    facts: Facts | None = None  # what the default paragraphs rest on (see Facts)
    overview: Overview | None = None
    proactive: Proactive | None = None
    applications: Applications | None = None
    appeals: Appeals | None = None
    problems: Text | None = None
    improvements: Text | None = None
    processing_fee: ProcessingFee | None = None
    other_matters: Text | None = None

    # -- file I/O --
    @classmethod
    def from_json(cls, text: str | bytes) -> "Report":
        return cls.model_validate_json(text)

    @classmethod
    def from_data(cls, data: dict) -> "Report":
        # Validate through JSON so a dict read from a file obeys exactly the file's rules.
        return cls.model_validate_json(json.dumps(data, ensure_ascii=False))

    def to_data(self) -> dict:
        """The report file as JSON-ready data; unanswered values are left out, never written as 0."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> str:
        """Indented JSON, each row of counts on one line so the file reads like the printed table."""
        text = json.dumps(self.to_data(), ensure_ascii=False, indent=2)
        return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(n.strip() for n in m.group(1).split(",")) + "]", text) + "\n"

    # -- paths: "applications.withheld.state_secret" --
    def get(self, path: str) -> Any:
        node: Any = self
        for part in path.split("."):
            if node is None:
                return None
            node = getattr(node, part)
        return node

    def set(self, path: str, value: Any) -> None:
        """Set one value by dotted path, creating the sections on the way; validated on assignment."""
        *parents, leaf = path.split(".")
        node: BaseModel = self
        for part in parents:
            child = getattr(node, part)
            if child is None:
                annotation = type(node).model_fields[part].annotation
                child = _model_of(annotation)()
                setattr(node, part, child)
                child = getattr(node, part)
            node = child
        setattr(node, leaf, value)

    def clear(self, path: str) -> None:
        *parents, leaf = path.split(".")
        node = self.get(".".join(parents)) if parents else self
        if node is not None:
            setattr(node, leaf, None)

    @property
    def title(self) -> str:
        organ = self.organ or say("common.organ_to_be_filled")
        year = f"{self.year}年" if self.year else ""
        return f"{organ}{year}{labels.TITLE_SUFFIX}"

    @property
    def below_prefecture(self) -> bool | None:
        """Below 设区的市: may not make 规章 (立法法). None when the level is not known."""
        if self.organ_level is None:
            return None
        return self.organ_level != "other"

    @property
    def is_township(self) -> bool:
        """乡镇人民政府 / 街道办事处: organs that cannot make 规章."""
        name = self.organ or ""
        return any(marker in name for marker in ("乡人民政府", "镇人民政府", "街道办事处", "乡政府", "镇政府"))


def _model_of(annotation: Any) -> type[BaseModel]:
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    raise TypeError(f"not a section: {annotation!r}")


NOT_REPORT_VALUES = ("format", "organ_level", "contact", "facts")


def input_paths() -> list[str]:
    """What the interview asks besides the report values: the organ's level and contact, and every
    fact (``Published`` is one answer, like ``DocCounts``)."""
    facts = [f"facts.{name}" for name in Facts.model_fields]
    return ["organ_level", "contact", *facts]


def all_leaf_paths() -> list[str]:
    """Every answerable value's dotted path, in printed order (used by `check` for 'not answered')."""
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            if model is Report and name in NOT_REPORT_VALUES:
                continue  # not the report's answers: layout version, level and contact (from the organ), facts
            sub = _model_of(field.annotation) if _is_section(field.annotation) else None
            if sub is not None and sub not in (DocCounts,):
                walk(sub, f"{prefix}{name}.")
            else:
                out.append(f"{prefix}{name}")

    walk(Report, "")
    return out


def _is_section(annotation: Any) -> bool:
    try:
        _model_of(annotation)
        return True
    except TypeError:
        return False
