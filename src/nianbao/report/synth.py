"""Synthetic reports for tests and benchmarks: deterministic, complete and consistent.

``consistent_report`` looks like a real organ's figures (most applications from 自然人 and granted),
scaled by ``scale``; ``distinct_report`` makes every table cell a different number so that a cell printed
in the wrong place cannot go unnoticed. Both pass ``rules.check`` with no findings at all.

The narrative paragraphs below are sample data (never shown to users as the bot's own words).
"""

from __future__ import annotations

import itertools
import random
from functools import cache

from . import labels
from .model import (Appeals, Applications, DocCounts, Overview, ProcessingFee, Proactive, Report,
                    sum_columns)

# Relative weight of each applicant column and outcome row (by group, in printed order):
# scale × row × column ≈ one cell.
COLUMN_WEIGHTS = (1.0, 0.3, 0.02, 0.03, 0.05, 0.1)
OUTCOME_WEIGHTS = {
    "granted": (1.0,), "partial": (0.2,),
    "withheld": (0.01, 0.02, 0.01, 0.05, 0.03, 0.05, 0.02, 0.03),
    "unable": (0.5, 0.1, 0.05),
    "not_processed": (0.1, 0.1, 0.02, 0.01, 0.02),
    "other": (0.05, 0.01, 0.1),
}
CARRIED_WEIGHT = 0.1  # 上年结转 / 结转下年度, relative to a granted cell
APPEAL_WEIGHT = 0.002

_OVERVIEW = {
    "proactive": "{year}年，{organ}通过县政府门户网站和公示栏主动公开政府信息，全年公示栏公开信息{items}条。",
    "on_request": "{year}年，{organ}{applications}{appeals}",
    "management": "本机关严格落实信息发布“三审三校”制度，确保信息依法、及时、准确公开。",
    "platforms": "本机关由专人负责信息发布，及时更新公开栏目，保障群众便捷获取政府信息。",
    "oversight": "本机关把政府信息公开纳入年度工作考核，全年未发生责任追究事项。",
}
_APPLICATIONS_NONE = "未收到政府信息公开申请。"
_APPLICATIONS_SOME = "共收到政府信息公开申请{new}件，上年结转{over}件，办结{done}件，结转下年度{forward}件。"
_APPEALS_NONE = "全年未发生因政府信息公开引起的行政复议、行政诉讼。"
_APPEALS_SOME = "全年因政府信息公开被申请行政复议、提起行政诉讼共{appeals}件。"
_PROBLEMS = "一是工作人员业务能力有待提升；二是公开渠道较为单一，新媒体平台利用不足。"
_IMPROVEMENTS = "一是加强业务培训，提升工作人员能力；二是拓展公开渠道，对{next_year}年工作进行周密部署。"
_OTHER_MATTERS_NONE = "本机关按照国办函〔2020〕109号规定的收费标准，本年度没有产生信息处理费。"
_OTHER_MATTERS_FEE = "本机关按照国办函〔2020〕109号规定的收费标准，本年度收取信息处理费{cases}件，共{amount}元。"


def consistent_report(seed: int = 0, scale: int = 10, organ: str = "托里县哈图镇人民政府",
                      year: int = 2024) -> Report:
    """A complete report with no findings; ``scale`` ≈ applications in the busiest cell (0: none at all)."""
    rng = random.Random(seed)

    def cell(weight: float) -> int:
        return round(scale * weight * rng.uniform(0.5, 1.5))

    def row(weight: float) -> list[int]:
        return [cell(weight * c) for c in COLUMN_WEIGHTS]

    outcomes = [row(w) for group in labels.OUTCOME_GROUPS for w in OUTCOME_WEIGHTS[group.key]]
    applications = balanced_applications(outcomes, row(CARRIED_WEIGHT), row(CARRIED_WEIGHT))
    issued = cell(0.01)
    repealed = min(cell(0.005), issued)
    proactive = Proactive(
        regulations=DocCounts(issued=0, repealed=0, in_force=0),
        normative_documents=DocCounts(issued=issued, repealed=repealed, in_force=issued + cell(0.05)),
        licensing=cell(0.5), penalties=cell(0.2), enforcement=cell(0.05),
        fees=f"{cell(0.01) / 100:.2f}",
    )
    appeals = Appeals(**{key: [cell(APPEAL_WEIGHT) for _ in labels.APPEAL_RESULT_COLUMNS]
                         for key, _ in labels.APPEAL_GROUPS})
    cases = cell(0.002)
    fee = ProcessingFee(cases=cases, amount_yuan=str(cases * 100))
    return fill_narratives(Report(organ=organ, county=organ[:3], year=year, proactive=proactive,
                                   applications=applications, appeals=appeals, processing_fee=fee))


def distinct_report() -> Report:
    """Complete and consistent, and every number within each table is different (incl. derived totals)."""
    report = Report(
        organ="克拉玛依市人民政府", county="克拉玛依市", year=2024,  # a 设区的市 may make 规章
        proactive=Proactive(
            regulations=DocCounts(issued=3, repealed=1, in_force=12),
            normative_documents=DocCounts(issued=5, repealed=2, in_force=27),
            licensing=46, penalties=8, enforcement=4, fees="9.63211",
        ),
        applications=_distinct_applications().model_copy(deep=True),
        # 15 different numbers: 1…9, 11, 13, 14 and the totals 10, 26, 47.
        appeals=Appeals(review=[1, 2, 3, 4], litigation_direct=[5, 6, 7, 8], litigation_after_review=[9, 11, 13, 14]),
        processing_fee=ProcessingFee(cases=2, amount_yuan="200"),
    )
    return fill_narratives(report)


@cache
def _distinct_applications() -> Applications:
    """Table 三 whose 175 cells (24 entered rows, （七）总计 and the 总计 column) are pairwise different."""
    width, n_outcomes = len(labels.APPLICANT_COLUMNS), len(labels.OUTCOME_ROWS)
    for attempt in itertools.count():  # deterministic: the first seed that works, every time
        rng = random.Random(attempt)
        values = rng.sample(range(1, 1000), width * (n_outcomes + 2))
        rows = [values[i:i + width] for i in range(0, len(values), width)]
        apps = balanced_applications(rows[:n_outcomes], rows[-2], rows[-1])
        table = [apps.new, apps.carried_over, *(cells for _, cells in apps.outcomes()),
                 apps.outcomes_total, apps.carried_forward]
        cells = [c for r in table for c in (*r, sum(r))]  # type: ignore[misc]
        if len(set(cells)) == len(cells):
            return apps
    raise AssertionError("unreachable")


def balanced_applications(outcomes: list[list[int]], over: list[int], forward: list[int]) -> Applications:
    """Table 三 from the 21 outcome rows (printed order), 二 and 四, with 一 = （七） + 四 − 二.

    四 is raised where needed so that 一 is never negative; the result always satisfies rule A.
    """
    done = sum_columns(outcomes, len(labels.APPLICANT_COLUMNS))
    forward = [max(f, o - d) for f, o, d in zip(forward, over, done)]
    apps = Applications.zeros()
    for row, cells in zip(labels.OUTCOME_ROWS, outcomes, strict=True):
        parent = apps if row.key is None else getattr(apps, row.group.key)
        setattr(parent, row.path[-1], cells)
    apps.new = [d + f - o for d, f, o in zip(done, forward, over)]
    apps.carried_over, apps.carried_forward = over, forward
    return apps


def fill_narratives(report: Report) -> Report:
    """Fill 一、五、六 with sample paragraphs that agree with the report's own figures."""
    apps, appeals, fee = report.applications, report.appeals, report.processing_fee
    assert apps is not None and appeals is not None and fee is not None and report.year is not None
    totals = {"new": sum(apps.new or ()), "over": sum(apps.carried_over or ()),
              "done": sum(apps.outcomes_total or ()), "forward": sum(apps.carried_forward or ())}
    appeals_total = sum(appeals.total(key) or 0 for key, _ in labels.APPEAL_GROUPS)
    words = {
        "year": report.year, "organ": report.organ, "items": 4,
        "applications": (_APPLICATIONS_SOME.format(**totals) if totals["new"] or totals["over"]
                         else _APPLICATIONS_NONE),
        "appeals": _APPEALS_SOME.format(appeals=appeals_total) if appeals_total else _APPEALS_NONE,
    }
    report.overview = Overview(**{key: text.format(**words) for key, text in _OVERVIEW.items()})
    report.problems = _PROBLEMS
    report.improvements = _IMPROVEMENTS.format(next_year=report.year + 1)
    report.other_matters = (_OTHER_MATTERS_FEE.format(cases=fee.cases, amount=fee.amount_yuan) if fee.cases
                            else _OTHER_MATTERS_NONE)
    return report
