"""The plain-text form: the real hatu-2024 report as copied from its Word file (each cell checked against
what the text prints), and tables flattened to pipes or to label-and-numbers lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from importkit import Style, to_text
from nianbao.importing import import_bytes
from nianbao.report import labels
from nianbao.report.model import all_leaf_paths
from nianbao.report.synth import distinct_report

# A real township report as published (public), copied from the project's reference folder.
HATU = Path(__file__).resolve().parent / "data" / "hatu-2024-report.txt"


@pytest.fixture(scope="module")
def hatu():
    return import_bytes(HATU.read_bytes(), HATU.name)


def _printed_numbers(text: str, start: str, end: str) -> list[str]:
    """Every number the text prints between two headings, in order (cells are tab-prefixed lines)."""
    part = text[text.index(start):text.index(end)]
    return re.findall(r"^\t(\d+)$", part, flags=re.M)


def test_hatu_every_cell_is_what_the_text_prints(hatu):
    text = HATU.read_text(encoding="utf-8")
    r = hatu.report
    assert hatu.complete, hatu.gaps
    assert (r.organ, r.year, hatu.form) == ("托里县哈图镇人民政府", 2024, "text")
    # 二: printed 0 0 0 / 0 0 0 / 0 / 0 / 0 / 「00」
    two = _printed_numbers(text, labels.SECTION_HEADINGS[1], labels.SECTION_HEADINGS[2])
    assert two == ["0"] * 9 + ["00"]
    p = r.proactive
    read = [*p.regulations.values(), *p.normative_documents.values(), p.licensing, p.penalties, p.enforcement]
    assert read == [int(n) for n in two[:9]] and str(p.fees) == "0"
    # 三: 25 rows × 7 numbers, the （七）总计 row and the 总计 column printed
    three = _printed_numbers(text, labels.SECTION_HEADINGS[2], labels.SECTION_HEADINGS[3])
    assert len(three) == 25 * 7
    rows = [three[i:i + 7] for i in range(0, len(three), 7)]
    cells = [r.applications.new, r.applications.carried_over, *(c for _, c in r.applications.outcomes())]
    for printed, (row) in zip(rows[:23], cells):
        assert row == [int(n) for n in printed[:6]]
    assert r.applications.carried_forward == [int(n) for n in rows[24][:6]]
    assert hatu.printed.outcomes_total == [int(n) for n in rows[23][:6]]
    assert set(hatu.printed.row_totals.values()) == {0} and len(hatu.printed.row_totals) == 25
    # 四: 15 numbers, 总计 of each group printed
    four = _printed_numbers(text, labels.SECTION_HEADINGS[3], labels.SECTION_HEADINGS[4])
    assert len(four) == 15
    assert [r.appeals.review, r.appeals.litigation_direct, r.appeals.litigation_after_review] == [[0] * 4] * 3
    assert hatu.printed.appeal_totals == {"review": 0, "litigation_direct": 0, "litigation_after_review": 0}


def test_hatu_narratives_are_the_paragraphs_printed(hatu):
    lines = [line.strip() for line in HATU.read_text(encoding="utf-8").splitlines()]
    r = hatu.report

    def after(heading: str) -> str:
        return lines[lines.index(heading) + 2 if lines[lines.index(heading) + 1] == "" else lines.index(heading) + 1]

    assert r.overview.proactive == after("（一）主动公开政府信息方面。")
    assert r.overview.on_request == after("（二）依申请公开政府信息方面。")
    assert r.overview.management == after("（三）政府信息管理情况。")
    assert r.overview.platforms == after("（四）政府信息公开平台建设情况。")
    assert r.overview.oversight == after("（五）监督保障情况。")
    problems = next(line for line in lines if line.startswith("存在问题："))
    improvements = next(line for line in lines if line.startswith("改进情况："))
    assert r.problems == problems.removeprefix("存在问题：")
    assert r.improvements == improvements.removeprefix("改进情况：")
    assert r.other_matters == after(labels.SECTION_HEADINGS[5])  # as printed, its stray 」 included
    assert (r.processing_fee.cases, str(r.processing_fee.amount_yuan)) == (0, "0")  # 「没有产生信息公开处理费」
    assert r.county is None  # not printed in a report: never guessed
    assert hatu.notes  # the untitled opening paragraph of 一 is said to be left out


@pytest.mark.parametrize("pipes,cells", [(True, False), (False, False), (False, True)], ids=["pipes", "flat", "cells"])
@pytest.mark.parametrize("style", [Style(), Style(eight=True, subtotals=True, drop_three=True, normative="规范性文件",
                                                  fullwidth=True, stray_rows=True)], ids=["plain", "drifted"])
def test_flattened_tables_read_cell_exact(pipes, cells, style):
    report = distinct_report()
    result = import_bytes(to_text(report, style, pipes=pipes, cells=cells), "report.txt", county=report.county)
    assert result.complete, result.gaps
    assert result.report.to_data() == report.to_data()
    assert all(result.report.get(p) is not None for p in all_leaf_paths())
