"""Checks that follow from practice rather than from the format's arithmetic: the organ's level, figures
too large to be likely, narratives left empty.

The organ's level is ``Report.organ_level`` (known from the invite, or asked once). Only when it is not
known does ``organ_level`` below fall back to a guess from the organ's name; the guess errs towards
"unknown" (no warning) where a name is ambiguous: 「兴化市人民政府」 may be a county-level city or a 设区的市.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..text import say
from . import labels
from .findings import Finding
from .model import DocCounts, OrganLevel, Report
from .rulebase import (NARRATIVES, S_APPEALS, S_APPLICATIONS, S_OTHER, S_PROACTIVE, finding, is_blank)

BELOW_PREFECTURE: frozenset[str] = frozenset({"township", "town", "street", "county", "county_department"})

# ---- the organ's level -------------------------------------------------------------------------

# Fallback when Report.organ_level is unknown: a guess from the name. Real names do not always end in
# 人民政府 (「兴化市大营镇」, 「天津市滨海新区寨上街道」), so the ending is matched loosely; a 区 that is not a
# county-level 区 (自治区, 地区, 园区, 社区 …) is skipped; a 市 is never guessed (county-level or 设区的市?).
_GOVERNMENT = r"(?:人民政府|政府|党委|党委政府|党委和政府)?"
_TOWNSHIP = re.compile(rf"(?:乡|苏木){_GOVERNMENT}$")
_TOWN = re.compile(rf"镇{_GOVERNMENT}$")
_STREET = re.compile(r"街道(?:办事处|办|党工委|工委)?$")
_COUNTY_UNIT = r"(?:县|旗|(?<!自治)(?<![地园景社小城辖库山灾牧校矿林])区)"
_COUNTY = re.compile(rf"{_COUNTY_UNIT}(?:人民政府|政府)$")
_COUNTY_DEPARTMENT = re.compile(rf"{_COUNTY_UNIT}.*(?:局|委员会|委|办公室|办)$")


def guessed_level(name: str | None) -> OrganLevel | None:
    """乡/镇/街道/县级政府/县直部门 as the organ's name suggests; None when the name does not say."""
    name = (name or "").strip()
    for pattern, level in ((_TOWNSHIP, "township"), (_TOWN, "town"), (_STREET, "street"),
                           (_COUNTY, "county"), (_COUNTY_DEPARTMENT, "county_department")):
        if pattern.search(name):
            return level  # type: ignore[return-value]
    return None


def organ_level(report: Report) -> OrganLevel | None:
    """The organ's level: as recorded, else guessed from its name (see module docstring)."""
    return report.organ_level or guessed_level(report.organ)


def level_name(report: Report) -> str:
    """How a message names the organ's level: 「乡镇、街道」, 「县级人民政府」 …"""
    return say(f"rules.level_{organ_level(report) or 'other'}")


def below_prefecture(report: Report) -> bool:
    """Below 设区的市 (cannot make 规章); False when neither the level nor the name tells."""
    if report.below_prefecture is not None:
        return report.below_prefecture
    return organ_level(report) in BELOW_PREFECTURE


# ---- 规章 -----------------------------------------------------------------------------------------


def regulations_findings(report: Report) -> list[Finding]:
    """二、规章 ≠ 0 at an organ below 设区的市: only 国务院部门 and the governments of provinces and 设区的市
    make 规章 (national-format-2021.md), so the figures almost surely belong to 行政规范性文件."""
    regulations = report.proactive.regulations if report.proactive else None
    if regulations is None or None in regulations.values() or not any(regulations.values()):
        return []
    if not below_prefecture(report):
        return []
    return [finding(
        "regulations_township", S_PROACTIVE, severity="warning", label=labels.PROACTIVE_LABELS["regulations"],
        numbers=dict(zip(labels.DOCS_KEYS, regulations.values())),
        paths=("organ", "proactive.regulations"), level=level_name(report),
        normative_label=labels.PROACTIVE_LABELS["normative_documents"])]


# ---- counts too large to be likely ------------------------------------------------------------

# The largest count that is plausible in one cell, by level: a township's 10⁷ is the example
# (a city's 行政许可 11,398,889 is real); larger organs get room in proportion. Above it is a warning that
# asks for confirmation (a slip of the keyboard adds digits), never a refusal.
PLAUSIBLE_MAX: dict[str, int] = {
    "township": 10**7, "town": 10**7, "street": 10**7,
    "county": 10**8, "county_department": 10**8,
    "other": 10**9,
}


def plausible_max(report: Report) -> int:
    return PLAUSIBLE_MAX[organ_level(report) or "other"]


def _counts(report: Report) -> Iterator[tuple[str, str, str | None, str | None, int]]:
    """(section, path, row label, column label, value) of every answered count."""
    from .rules import ROW_LABELS, appeal_group_label  # the labels of the tables' rows

    proactive = report.proactive
    if proactive is not None:
        for key in ("regulations", "normative_documents"):
            docs: DocCounts | None = getattr(proactive, key)
            for column, value in zip(labels.DOCS_COLUMNS, docs.values() if docs else ()):
                if value is not None:
                    yield S_PROACTIVE, f"proactive.{key}", labels.PROACTIVE_LABELS[key], column, value
        for key in ("licensing", "penalties", "enforcement"):
            value = getattr(proactive, key)
            if value is not None:
                yield S_PROACTIVE, f"proactive.{key}", labels.PROACTIVE_LABELS[key], None, value
    for path, label in ROW_LABELS.items():
        if not path.startswith("applications."):
            continue
        for column, value in zip(labels.APPLICANT_COLUMNS, report.get(path) or ()):
            yield S_APPLICATIONS, path, label, column, value
    for key, _ in labels.APPEAL_GROUPS:
        for column, value in zip(labels.APPEAL_RESULT_COLUMNS, report.get(f"appeals.{key}") or ()):
            yield S_APPEALS, f"appeals.{key}", appeal_group_label(key), column, value
    fee = report.processing_fee
    if fee is not None and fee.cases is not None:
        yield S_OTHER, "processing_fee.cases", say("rules.name_fee_cases"), None, fee.cases


def count_findings(report: Report) -> list[Finding]:
    """One warning per count above ``plausible_max`` for the organ's level."""
    limit = plausible_max(report)
    findings = []
    for section, path, row, column, value in _counts(report):
        if value > limit:
            findings.append(finding(
                "count_implausible", section, severity="warning", label=row, row=row, column=column,
                numbers={"value": value, "limit": limit}, paths=(path,), level=level_name(report),
                column_label=column))
    return findings


# ---- empty narratives ----------------------------------------------------------------------------


def empty_narrative_findings(report: Report) -> list[Finding]:
    """A narrative answered with nothing in it: blank, or only 「待填写」."""
    findings = []
    for item in NARRATIVES:
        text: str | None = report.get(item.path)
        if text is not None and is_blank(text):
            findings.append(finding("narrative_empty", item.section, severity="warning", label=item.label,
                                    paths=(item.path,)))
    return findings
