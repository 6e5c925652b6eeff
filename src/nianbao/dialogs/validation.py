"""What the interview checks after each answer: the national rules, plus one check that can speak early.

``rules.check`` can only judge 勾稽关系 (rule A) once 四、结转下年度 is known; but as soon as the outcome
rows given so far add up to more than 一 + 二 in a column, the row just typed is wrong, and the official
should hear it then: that is ``outcomes_exceed``. "Not answered yet" findings are for 进度 and the review,
not for the flow, so they are left out here.
"""

from __future__ import annotations

from ..report import labels, rules
from ..report.findings import Finding
from ..report.model import Report
from ..text import say
from .catalogue import overlaps


def rule_findings(report: Report) -> list[Finding]:
    """``rules.check`` without its "missing" findings, which cost half of its time and are not used here.

    (tests/test_interview_catalogue.py checks this stays equal to filtering ``rules.check``.)
    """
    return rules.rule_findings(report)


def flow_findings(report: Report, last_year: Report | None = None) -> list[Finding]:
    """What the flow checks after an answer; with last year's report, the cross-year rules too."""
    cross = rules.cross_year_findings(report, last_year) if last_year is not None else []
    return rule_findings(report) + outcomes_exceed(report) + cross


def outcomes_exceed(report: Report) -> list[Finding]:
    """Per applicant column: the outcome rows answered so far exceed 一 + 二."""
    apps = report.applications
    if apps is None or apps.new is None or apps.carried_over is None:
        return []
    answered = [(path, row) for path, (_, row) in zip(rules.OUTCOME_PATHS, apps.outcomes()) if row is not None]
    if not answered:
        return []
    paths = (rules.NEW, rules.CARRIED_OVER, *(path for path, _ in answered))
    findings = []
    for i, column in enumerate(labels.APPLICANT_COLUMNS):
        available = apps.new[i] + apps.carried_over[i]
        done = sum(row[i] for _, row in answered)
        if done > available:
            numbers = {"available": available, "done": done, "diff": done - available}
            findings.append(Finding(
                "outcomes_exceed", "error", rules.S_APPLICATIONS,
                say("interview.outcomes_exceed", column=column, results=labels.RESULTS_LABEL, **numbers),
                column=column, numbers=numbers, paths=paths))
    return findings


def key(finding: Finding) -> tuple:
    """What makes two findings "the same problem" (its figures may differ)."""
    return (finding.rule, finding.section, finding.row, finding.column)


def involves(finding: Finding, paths: set[str] | frozenset[str]) -> bool:
    return any(overlaps(a, b) for a in finding.paths for b in paths)
