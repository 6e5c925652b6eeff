"""The rules of the 2021 national format: what `nianbao check` and the interview say about a report.

``check(report, last_year=None)`` runs every rule whose cells are all answered (a rule that needs an
unanswered cell is skipped silently: the interview calls it after every answer) and adds one "missing"
warning per unanswered section or row group. ``check_printed`` checks the totals printed in a table that
came from outside (an import), which ``check`` cannot see because the model derives them.

Findings come back errors first, then warnings, then "missing", each group in printed order.
``rule_findings`` is ``check`` without cross-year and "missing" findings (what the interview runs).
Repeated text (against last year's report and the default paragraphs) is ``repetition.repetition_findings``.

Rule ids (severity):
  A                        error    三, per column: 一 + 二 = （七）总计 + 四 (勾稽关系); the 总计 column only
                                    when two or more columns are off (with one it repeats that column).
  B                        error    三, per column: printed （七）总计 = sum of the 21 outcome rows (check_printed;
                                    for the model's own totals it always holds).
  C                        error    三, per row: printed 总计 = sum of its six columns (check_printed; for the
                                    （七） row the six true sums, so one wrong printed （七） cell is B only).
  D                        error    四, per group: printed 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 (check_printed).
  regulations_township     warning  an organ below 设区的市 reports 规章 ≠ 0: it cannot make 规章. Decided from
                                    Report.organ_level, a guess from the name when unknown (practice_checks;
                                    the id is kept from when only 乡镇/街道 were checked).
  in_force_below_issued    warning  二, 规章 / 行政规范性文件: 现行有效件数 < 本年制发件数.
  last_year_not_previous   warning  the last-year report given is not for year − 1; cross-year rules skipped.
  carried_over_mismatch    warning  三, per column: 二、上年结转 ≠ last year's 四、结转下年度.
  in_force_continuity      warning  二: 现行有效 ≠ last year's 现行有效 + 制发 − 废止 (amendments break it).
  section5_short           warning  五: 存在的主要问题 / 改进情况 shorter than one sentence — fewer than
                                    MIN_SENTENCE_CHARS non-blank characters, or no sentence-ending 。！？.
  narrative_year           warning  a narrative names a year other than the report's (a copy of last year's
                                    report). Ignored: years inside 〔〕《》 and （…修订）; allowed: year + 1 in
                                    改进情况 and 六 (next year's plans), year − 1 in 存在的主要问题 and 改进情况.
  narrative_empty          warning  a narrative answered with nothing: blank, or only 「待填写」.
  narrative_<topic>        warning  a narrative names a figure, or "none", next to 申请 / 许可 / 处罚 / 强制 /
                                    复议 / 诉讼 / 上年结转 / 结转下年度 / 办结 / 信息处理费 that the tables
                                    contradict (narrative_figures; narrative_fee also covers 六's own text).
  processing_fee_mismatch  warning  六, 信息处理费: one of 件数 / 金额 is 0 and the other is not.
  count_implausible        warning  a count above what the organ's level makes plausible (practice_checks).
  missing                  warning  a section or row group still unanswered (one per group; one per section
                                    when the whole section is unanswered). The organ/county/year group has
                                    ``section = labels.TITLE_SUFFIX`` since it belongs to no section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Iterator

from ..text import say
from . import labels
from .findings import Finding
from .model import DocCounts, Report, all_leaf_paths, format_amount
from .narrative_figures import narrative_figure_findings
from .practice_checks import count_findings, empty_narrative_findings, regulations_findings
from .rulebase import (IDENTITY_SECTION, NARRATIVES, S_APPEALS, S_APPLICATIONS, S_OTHER, S_OVERVIEW,  # noqa: F401
                       S_PROACTIVE, S_PROBLEMS, SECTION5_PATHS, is_blank, years_named)
from .rulebase import finding as _finding

MIN_SENTENCE_CHARS = 15

# ---- paths and labels of table 三 --------------------------------------------------------------

NEW, CARRIED_OVER, CARRIED_FORWARD = (
    "applications.new", "applications.carried_over", "applications.carried_forward")
OUTCOMES_TOTAL_KEY = "outcomes_total"  # PrintedTotals.row_totals key of the （七）总计 row
OUTCOME_PATHS = tuple("applications." + ".".join(row.path) for row in labels.OUTCOME_ROWS)
BALANCE_PATHS = (NEW, CARRIED_OVER, *OUTCOME_PATHS, CARRIED_FORWARD)
TABLE3_COLUMNS = (*labels.APPLICANT_COLUMNS, labels.TOTAL)

# Row label an official reads, by report-file path (plus the derived （七）总计 row).
ROW_LABELS: dict[str, str] = {
    NEW: labels.NEW_LABEL,
    CARRIED_OVER: labels.CARRIED_OVER_LABEL,
    **{path: row.full_label for path, row in zip(OUTCOME_PATHS, labels.OUTCOME_ROWS)},
    OUTCOMES_TOTAL_KEY: labels.OUTCOMES_TOTAL_LABEL,
    CARRIED_FORWARD: labels.CARRIED_FORWARD_LABEL,
}
DOC_ROWS = ("regulations", "normative_documents")


def appeal_group_label(key: str) -> str:
    """「行政复议」, 「行政诉讼 未经复议直接起诉」, 「行政诉讼 复议后起诉」."""
    label = labels.APPEAL_LABELS[key]
    return label if key == "review" else f"{labels.LITIGATION_HEADER} {label}"


# ---- the public API --------------------------------------------------------------------------


@dataclass
class PrintedTotals:
    """Totals printed in a table that came from outside (an import); the model never stores them."""

    row_totals: dict[str, int] = field(default_factory=dict)  # 三 总计 column by row path, + "outcomes_total"
    outcomes_total: list[int] | None = None                   # printed （七）总计 row, six columns
    appeal_totals: dict[str, int] = field(default_factory=dict)  # 四 总计 by group key ("review", …)

    @classmethod
    def of(cls, report: Report) -> "PrintedTotals":
        """The totals a correct table would print for ``report`` (answered cells only)."""
        rows = {path: report.get(path) for path in BALANCE_PATHS}
        row_totals = {path: sum(cells) for path, cells in rows.items() if cells is not None}
        outcomes = report.applications.outcomes_total if report.applications else None
        if outcomes is not None:
            row_totals[OUTCOMES_TOTAL_KEY] = sum(outcomes)
        groups = {key: report.get(f"appeals.{key}") for key, _ in labels.APPEAL_GROUPS}
        appeal_totals = {key: sum(cells) for key, cells in groups.items() if cells is not None}
        return cls(row_totals, outcomes, appeal_totals)


def rule_findings(report: Report) -> list[Finding]:
    """Every rule of one report whose cells are answered, in family order; no "missing" findings."""
    return [
        *balance_findings(report),
        *proactive_findings(report),
        *narrative_findings(report),
        *processing_fee_findings(report),
        *count_findings(report),
    ]


def check(report: Report, last_year: Report | None = None) -> list[Finding]:
    """Every rule whose cells are answered, then one "missing" warning per unanswered group."""
    findings = rule_findings(report)
    if last_year is not None:
        findings += cross_year_findings(report, last_year)
    return _ordered(findings) + missing_findings(report)


def check_printed(report: Report, printed: PrintedTotals) -> list[Finding]:
    """Rules B (printed （七）总计), C (printed row 总计) and D (printed table-四 总计)."""
    return [*_rule_b(report, printed), *_rule_c(report, printed), *_rule_d(report, printed)]


def unanswered(report: Report) -> list[str]:
    """Dotted paths still unanswered, in ``all_leaf_paths`` order (a 规章 row with a blank is unanswered)."""
    return [path for path in _leaf_paths() if _is_unanswered(report, path)]


# ---- helpers -------------------------------------------------------------------------------------


@cache
def _leaf_paths() -> tuple[str, ...]:
    return tuple(all_leaf_paths())


@cache
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _is_unanswered(report: Report, path: str) -> bool:
    value: object = report
    for step in _steps(path):  # Report.get without re-splitting: check() runs after every answer
        value = getattr(value, step)
        if value is None:
            return True
    return isinstance(value, DocCounts) and None in value.values()


def _ordered(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error] + [f for f in findings if not f.is_error]


# ---- A: 勾稽关系 ------------------------------------------------------------------------------------


def balance_findings(report: Report) -> list[Finding]:
    """Rule A, per column: 一 + 二 = （七）总计 + 四; skipped until all 24 rows are answered.

    The 总计 column is reported only when two or more columns are off: with one, it says the same again.
    """
    apps = report.applications
    if apps is None or None in (apps.new, apps.carried_over, apps.carried_forward):
        return []
    outcomes = apps.outcomes_total
    if outcomes is None:
        return []
    columns = list(zip(apps.new, apps.carried_over, outcomes, apps.carried_forward))  # type: ignore[arg-type]
    columns.append(tuple(map(sum, zip(*columns))))
    findings = []
    for label, (new, over, done, forward) in zip(TABLE3_COLUMNS, columns):
        left, right = new + over, done + forward
        if left == right:
            continue
        if label == labels.TOTAL and len(findings) < 2:
            continue  # the 总计 column only repeats the one column that is off
        findings.append(_finding(
            "A", S_APPLICATIONS, label=label, kind="column", paths=BALANCE_PATHS,
            numbers={"new": new, "carried_over": over, "outcomes_total": done,
                     "carried_forward": forward, "left": left, "right": right,
                     "difference": left - right, "diff": abs(left - right)}))
    return findings


# ---- B, C, D: printed totals ---------------------------------------------------------------------


def _difference(printed: int, computed: int) -> dict[str, int]:
    return {"printed": printed, "computed": computed,
            "difference": printed - computed, "diff": abs(printed - computed)}


def _rule_b(report: Report, printed: PrintedTotals) -> Iterator[Finding]:
    if printed.outcomes_total is None:
        return
    if len(printed.outcomes_total) != len(labels.APPLICANT_COLUMNS):
        raise ValueError("PrintedTotals.outcomes_total must hold the six applicant columns")
    computed = report.applications.outcomes_total if report.applications else None
    if computed is None:
        return
    for label, shown, real in zip(labels.APPLICANT_COLUMNS, printed.outcomes_total, computed):
        if shown != real:
            yield _finding("B", S_APPLICATIONS, label=label, kind="column", row=labels.OUTCOMES_TOTAL_LABEL,
                           numbers=_difference(shown, real), paths=OUTCOME_PATHS,
                           outcomes_label=labels.OUTCOMES_TOTAL_LABEL)


def _rule_c(report: Report, printed: PrintedTotals) -> Iterator[Finding]:
    for key, shown in printed.row_totals.items():
        if key not in ROW_LABELS:
            raise ValueError(f"unknown table-三 row in PrintedTotals.row_totals: {key!r}")
        if key == OUTCOMES_TOTAL_KEY:  # against the true （七）: a wrong printed （七） cell is B's alone
            cells = report.applications.outcomes_total if report.applications else None
            paths = OUTCOME_PATHS
        else:
            cells, paths = report.get(key), (key,)
        if cells is None:
            continue
        if shown != sum(cells):
            yield _finding("C", S_APPLICATIONS, label=ROW_LABELS[key], kind="row", column=labels.TOTAL,
                           numbers=_difference(shown, sum(cells)), paths=paths, total_label=labels.TOTAL)


def _rule_d(report: Report, printed: PrintedTotals) -> Iterator[Finding]:
    for key, shown in printed.appeal_totals.items():
        if key not in labels.APPEAL_LABELS:
            raise ValueError(f"unknown table-四 group in PrintedTotals.appeal_totals: {key!r}")
        computed = report.appeals.total(key) if report.appeals else None
        if computed is not None and shown != computed:
            yield _finding("D", S_APPEALS, label=appeal_group_label(key), row=appeal_group_label(key),
                           column=labels.TOTAL,
                           numbers=_difference(shown, computed), paths=(f"appeals.{key}",),
                           total_label=labels.TOTAL, parts=labels.APPEAL_RESULT_COLUMNS)


# ---- 二: 主动公开 ------------------------------------------------------------------------------------


def proactive_findings(report: Report) -> list[Finding]:
    proactive = report.proactive
    if proactive is None:
        return []
    findings = regulations_findings(report)
    for key in DOC_ROWS:
        docs: DocCounts | None = getattr(proactive, key)
        if docs and docs.issued is not None and docs.in_force is not None and docs.in_force < docs.issued:
            findings.append(_finding(
                "in_force_below_issued", S_PROACTIVE, severity="warning", label=labels.PROACTIVE_LABELS[key],
                numbers={"issued": docs.issued, "in_force": docs.in_force}, paths=(f"proactive.{key}",)))
    return findings


# ---- cross-year ------------------------------------------------------------------------------------


def cross_year_findings(report: Report, last: Report) -> list[Finding]:
    if report.year is not None and last.year is not None and last.year != report.year - 1:
        return [_finding("last_year_not_previous", IDENTITY_SECTION, severity="warning",
                         numbers={"year": report.year, "last_year": last.year}, paths=("year",))]
    return [*_carried_over(report, last), *_in_force_continuity(report, last)]


def _carried_over(report: Report, last: Report) -> Iterator[Finding]:
    this = report.get(CARRIED_OVER)
    before = last.get(CARRIED_FORWARD)
    if this is None or before is None:
        return
    for label, now, then in zip(labels.APPLICANT_COLUMNS, this, before):
        if now != then:
            yield _finding("carried_over_mismatch", S_APPLICATIONS, severity="warning", label=label, kind="column",
                           row=labels.CARRIED_OVER_LABEL, paths=(CARRIED_OVER,),
                           numbers={"this": now, "last": then, "difference": now - then, "diff": abs(now - then)},
                           last_year=last.year)


def _in_force_continuity(report: Report, last: Report) -> Iterator[Finding]:
    for key in DOC_ROWS:
        now: DocCounts | None = report.get(f"proactive.{key}")
        then: DocCounts | None = last.get(f"proactive.{key}")
        if now is None or then is None or None in (*now.values(), then.in_force):
            continue
        expected = then.in_force + now.issued - now.repealed  # type: ignore[operator]
        if now.in_force != expected:
            yield _finding(
                "in_force_continuity", S_PROACTIVE, severity="warning", label=labels.PROACTIVE_LABELS[key],
                paths=(f"proactive.{key}",),
                numbers={"in_force": now.in_force, "last_in_force": then.in_force, "issued": now.issued,
                         "repealed": now.repealed, "expected": expected,
                         "diff": abs(now.in_force - expected)})  # type: ignore[operator]


# ---- narratives: 一、五、六 ------------------------------------------------------------------------


_SENTENCE_END = re.compile(r"[。！？!?]")


def is_short(text: str) -> bool:
    """Shorter than one sentence: < MIN_SENTENCE_CHARS non-blank characters, or no 。！？ at all."""
    compact = "".join(text.split())
    return len(compact) < MIN_SENTENCE_CHARS or not _SENTENCE_END.search(compact)


def narrative_findings(report: Report) -> list[Finding]:
    findings = empty_narrative_findings(report)
    for item in NARRATIVES:
        text: str | None = report.get(item.path)
        if text is None or is_blank(text):
            continue
        if item.path in SECTION5_PATHS and is_short(text):
            findings.append(_finding(
                "section5_short", item.section, severity="warning", label=item.label, paths=(item.path,),
                numbers={"length": len("".join(text.split()))}, min_chars=MIN_SENTENCE_CHARS))
        if report.year is not None:
            allowed = {report.year + offset for offset in (0, *item.other_years)}
            stray = sorted(years_named(text) - allowed)
            if stray:
                findings.append(_finding(
                    "narrative_year", item.section, severity="warning", label=item.label,
                    paths=(item.path, "year"), years=stray,
                    numbers={"year": report.year, "mentioned": "、".join(map(str, stray))}))
    return findings + narrative_figure_findings(report)


def processing_fee_findings(report: Report) -> list[Finding]:
    fee = report.processing_fee
    if fee is None or fee.cases is None or fee.amount_yuan is None:
        return []
    if (fee.cases == 0) == (fee.amount_yuan == 0):
        return []
    return [_finding("processing_fee_mismatch", S_OTHER, severity="warning", label=say("rules.name_fee"),
                     numbers={"cases": fee.cases, "amount": format_amount(fee.amount_yuan)},
                     paths=("processing_fee.cases", "processing_fee.amount_yuan"))]


# ---- missing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A row group reported as one "missing" finding: its leaf paths and how each is named."""

    section: str
    label: str
    paths: tuple[str, ...]
    names: tuple[str, ...] | None = None  # None: numbered sub-rows (第1、3项)


@cache
def missing_groups() -> tuple[tuple[str, tuple[Group, ...]], ...]:
    """Every leaf path in exactly one group, groups by section, in printed order."""
    identity = Group(IDENTITY_SECTION, say("rules.name_identity"), ("organ", "county", "year"),
                     (say("rules.name_organ"), say("rules.name_county"), say("rules.name_year")))
    applications = [Group(S_APPLICATIONS, labels.NEW_LABEL, (NEW,)),
                    Group(S_APPLICATIONS, labels.CARRIED_OVER_LABEL, (CARRIED_OVER,))]
    for group in labels.OUTCOME_GROUPS:
        base = f"applications.{group.key}"
        paths = (base,) if group.is_single else tuple(f"{base}.{key}" for key, _ in group.rows)
        applications.append(Group(S_APPLICATIONS, group.label, paths))
    applications.append(Group(S_APPLICATIONS, labels.CARRIED_FORWARD_LABEL, (CARRIED_FORWARD,)))
    sections = (
        (IDENTITY_SECTION, (identity,)),
        (S_OVERVIEW, tuple(Group(S_OVERVIEW, label, (f"overview.{key}",)) for key, label in labels.OVERVIEW_TOPICS)),
        (S_PROACTIVE, tuple(Group(S_PROACTIVE, label, (f"proactive.{key}",))
                            for key, label in labels.PROACTIVE_LABELS.items())),
        (S_APPLICATIONS, tuple(applications)),
        (S_APPEALS, tuple(Group(S_APPEALS, appeal_group_label(key), (f"appeals.{key}",))
                          for key, _ in labels.APPEAL_GROUPS)),
        (S_PROBLEMS, (Group(S_PROBLEMS, labels.PROBLEMS_LABEL, ("problems",)),
                      Group(S_PROBLEMS, labels.IMPROVEMENTS_LABEL, ("improvements",)))),
        (S_OTHER, (Group(S_OTHER, say("rules.name_fee"), ("processing_fee.cases", "processing_fee.amount_yuan"),
                         (say("rules.name_fee_cases"), say("rules.name_fee_amount"))),
                   Group(S_OTHER, say("rules.name_other_matters"), ("other_matters",)))),
    )
    grouped = [p for _, groups in sections for g in groups for p in g.paths]
    assert sorted(grouped) == sorted(_leaf_paths()), "a report-file path belongs to no missing-group"
    return sections


def missing_findings(report: Report, *, template: str = "missing") -> list[Finding]:
    """One finding per unanswered group (per section when all of it is unanswered).

    ``template="gap"`` words each as a short place name (「三、「（六）其他处理」第2项」) for a list.
    """
    findings = []
    for section, groups in missing_groups():
        gaps = [(g, [p for p in g.paths if _is_unanswered(report, p)]) for g in groups]
        gaps = [(g, paths) for g, paths in gaps if paths]
        if not gaps:
            continue
        whole = [g for g, paths in gaps if len(paths) == len(g.paths)]
        if len(groups) > 1 and len(whole) == len(groups):
            paths = tuple(p for g in groups for p in g.paths)
            findings.append(Finding("missing", "warning", section, say(f"rules.{template}_section", section=section),
                                    numbers={"count": len(paths)}, paths=paths))
            continue
        findings += [_missing_group(g, paths, template) for g, paths in gaps]
    return findings


def _missing_group(group: Group, paths: list[str], prefix: str) -> Finding:
    common = dict(severity="warning", label=group.label, numbers={"count": len(paths)}, paths=paths)
    if len(paths) == len(group.paths):
        return _finding("missing", group.section, template=f"{prefix}_group", **common)  # type: ignore[arg-type]
    indexes = [group.paths.index(p) for p in paths]
    if group.names is None:  # sub-rows of 三 are numbered 1. 2. … in the form
        template, items = "subrows", [i + 1 for i in indexes]
    else:
        template, items = "items", [group.names[i] for i in indexes]
    return _finding("missing", group.section, template=f"{prefix}_{template}", items=items,
                    **common)  # type: ignore[arg-type]
