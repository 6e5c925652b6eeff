"""The national vocabulary as the importer reads it: canonical text, cell values, row and column keys.

Labels are compared after ``canon``: NFKC (full-width digits and brackets become ASCII), no blanks, no
quotes, 「1、」 as 「1.」, and the drift of national-format-2021.md mapped back (「内容事务」「这一情况」
「事业型」「钩稽」). Row keys are the distinctive words of each label of labels.py (「国家秘密」「另行制作」),
so 「（三）不予公开 1.属于国家秘密」, 「不予公开1、属于国家秘密」 and a label wrapped over three lines all find
the same row; the rightmost key in a row's label text wins (the sub-row names itself last).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from ..report import labels

_DRIFT = (("内容事务", "内部事务"), ("这一情况", "这一情形"), ("事业型", "事业性"), ("钩稽", "勾稽"))
_DROP = re.compile(r"[\s\u3000“”\"'‘’「」『』]+")


@lru_cache(maxsize=4096)
def canon(text: str) -> str:
    out = _DROP.sub("", unicodedata.normalize("NFKC", text))
    out = re.sub(r"(?<=\d)、", ".", out)
    for old, new in _DRIFT:
        out = out.replace(old, new)
    return out


# ---- cell values -------------------------------------------------------------------------------

BLANK = "blank"  # a cell printed blank, 「/」 or 「—」: nothing was given
_BLANKS = {"", "/", "-", "--", "—", "——", "–", "_", "无", "\\", "×"}
_INT = re.compile(r"\d+")
_DEC = re.compile(r"\d+\.\d+")


@lru_cache(maxsize=4096)
def value(text: str) -> int | Decimal | str | None:
    """A cell's value: an int, a Decimal (「9.63211」), BLANK, or None when the text is not a value."""
    t = canon(text)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    if t.endswith("件") and t[:-1].isdigit():
        t = t[:-1]
    if t in _BLANKS:
        return BLANK
    if _INT.fullmatch(t):
        return int(t)  # 「00」 is 0
    if _DEC.fullmatch(t):
        return Decimal(t)
    return None


def is_value(text: str) -> bool:
    return value(text) is not None


def has_number(cells: tuple[str, ...] | list[str]) -> bool:
    return any(value(c) not in (None, BLANK) for c in cells)


# ---- table 三: rows ---------------------------------------------------------------------------------

NEW, CARRIED_OVER, CARRIED_FORWARD = ("applications.new", "applications.carried_over",
                                     "applications.carried_forward")
OUTCOMES_TOTAL = "outcomes_total"
_OUTCOME_KEYS = {
    "granted": "予以公开", "partial": "部分公开",
    "state_secret": "国家秘密", "prohibited_by_law": "禁止公开", "security_stability": "三安全一稳定",
    "third_party": "第三方合法权益", "internal_affairs": "内部事务", "process_info": "过程性信息",
    "enforcement_files": "行政执法案卷", "query_matters": "行政查询",
    "not_held": "不掌握", "needs_creation": "另行制作", "still_unclear": "仍不明确",
    "petition": "信访举报", "repeated": "重复申请", "publications": "公开出版物", "excessive": "大量反复",
    "reconfirm": "重新出具", "no_correction": "逾期不补正", "unpaid_fee": "缴纳费用",
}
# row path → key word (the last key in a label's text decides)
ROW_KEYS: dict[str, str] = {NEW: "本年新收", CARRIED_OVER: "上年结转", CARRIED_FORWARD: "结转下年度"}
for _row in labels.OUTCOME_ROWS:
    _leaf = _row.key or _row.group.key
    if _leaf in _OUTCOME_KEYS:
        ROW_KEYS["applications." + ".".join(_row.path)] = _OUTCOME_KEYS[_leaf]
OTHER_OTHER = "applications.other.other"
_OTHER_OTHER = re.compile(r"(?:^|\d\.|\))其他$")
GROUP_KEYS = {"applications.withheld": "不予公开", "applications.unable": "无法提供",
              "applications.not_processed": "不予处理", "applications.other": "其他处理"}
_OUTCOMES_TOTAL = re.compile(r"(?:^|\(七\)|办理结果)总计$")

# row path → its printed label (for messages)
ROW_NAMES: dict[str, str] = {NEW: labels.NEW_LABEL, CARRIED_OVER: labels.CARRIED_OVER_LABEL,
                             CARRIED_FORWARD: labels.CARRIED_FORWARD_LABEL,
                             OUTCOMES_TOTAL: labels.OUTCOMES_TOTAL_LABEL}
for _row in labels.OUTCOME_ROWS:
    ROW_NAMES["applications." + ".".join(_row.path)] = _row.full_label
GROUP_NAMES = {f"applications.{g.key}": g.label for g in labels.OUTCOME_GROUPS if not g.is_single}


def match_applications_row(label: str) -> tuple[str, str] | None:
    """("row", path) / ("group", path) / ("total", "outcomes_total") for a table-三 label, or None."""
    if not label:
        return None
    if _OUTCOMES_TOTAL.search(label):
        return "total", OUTCOMES_TOTAL
    if _OTHER_OTHER.search(label):
        return "row", OTHER_OTHER
    best: tuple[int, str, str] | None = None
    for kind, keys in (("row", ROW_KEYS), ("group", GROUP_KEYS)):
        for path, key in keys.items():
            at = label.rfind(key)
            if at >= 0 and (best is None or at + len(key) > best[0]):
                best = (at + len(key), kind, path)
    return None if best is None else (best[1], best[2])


# ---- table 二: rows --------------------------------------------------------------------------------

PROACTIVE_ROWS = {"规章": "regulations", "行政规范性文件": "normative_documents",
                  "规范性文件": "normative_documents", "行政许可": "licensing", "行政处罚": "penalties",
                  "行政强制": "enforcement", "行政事业性收费": "fees"}
OLD_PROACTIVE_ROWS = ("其他对外管理服务事项", "政府集中采购")  # the 2019 layout's extra rows


def match_proactive_row(label: str) -> str | None:
    plain = re.sub(r"^(?:\d+\.|\(\S{1,3}\))", "", label)
    return PROACTIVE_ROWS.get(plain)


# ---- headers ---------------------------------------------------------------------------------------

DOC_COLUMNS = tuple(canon(c) for c in labels.DOCS_COLUMNS)
OLD_DOC_COLUMNS = ("本年新制作数量", "本年新公开数量", "对外公开总数量")
DECISIONS = canon(labels.DECISIONS_COLUMN)
OLD_DECISIONS = ("上一年项目数量", "本年增/减")
FEES = "本年收费金额"
APPLICANTS = tuple(canon(c) for c in labels.APPLICANT_COLUMNS)
LEGAL_GROUP = canon(labels.LEGAL_PERSON_HEADER)
SUBTOTAL = "小计"
TOTAL = canon(labels.TOTAL)
APPEAL_LEAVES = (*labels.APPEAL_RESULT_COLUMNS, labels.TOTAL)

_HEADER_WORDS = {
    "proactive": ("信息内容", *DOC_COLUMNS, DECISIONS, FEES, *OLD_DOC_COLUMNS, *OLD_DECISIONS,
                  "采购项目数量", "第二十条"),
    "applications": ("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                     LEGAL_GROUP, "勾稽关系"),
    "appeals": ("行政复议", "行政诉讼", "结果维持", "结果纠正", "尚未审结", "未经复议直接起诉", "复议后起诉"),
}


_COLUMN_WORDS = {"总计", "合计", "小计", "其他", "法人或其他组织小计", "其他结果"}


def header_table(text: str) -> str | None:
    """Which table a row of labels without numbers heads, if any; "any" for a column label that several
    tables print (「总计」 alone on its line belongs to the header being read)."""
    if text in _COLUMN_WORDS:
        return "any"
    for table, words in _HEADER_WORDS.items():
        if any(word in text for word in words):
            return table
    return None


# ---- sections ----------------------------------------------------------------------------------

_NUMERALS = "一二三四五六"
_SECTION_KEYS = (
    ("总体情况",),
    ("主动公开",),
    ("收到", "申请"),
    ("复议", "诉讼"),
    ("问题", "改进"),
    ("其他需要报告",),
)


def section_of(paragraph: str) -> int | None:
    """0…5 when ``paragraph`` is one of the six section headings (drift tolerated), else None."""
    text = canon(paragraph)
    if len(text) > 40 or len(text) < 3 or text[0] not in _NUMERALS or text[1] not in "、.,":
        return None
    index = _NUMERALS.index(text[0])
    keys = _SECTION_KEYS[index]
    if index == 4:
        return index if any(k in text for k in keys) else None
    return index if all(k in text for k in keys) else None
