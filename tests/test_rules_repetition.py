"""Repeated text against last year's report and the default paragraphs (issue 9, item 4)."""

from __future__ import annotations

import time

from nianbao.cli import sample_text
from nianbao.report import labels
from nianbao.report.model import Report
from nianbao.report.repetition import (MAX_CHARS, NGRAM, THRESHOLD_PERCENT, coverage, percent,
                                       repetition_findings)
from nianbao.report.synth import consistent_report

S1, S2, S3, S4, S5, S6 = labels.SECTION_HEADINGS
# Two alphabets with no character in common, so that no n-gram is shared by accident.
OLD = "".join(chr(0x4E00 + i) for i in range(400))
NEW = "".join(chr(0x6000 + i) for i in range(400))


def sample() -> Report:
    return Report.from_json(sample_text())


def test_coverage_is_the_share_of_this_years_text_already_there():
    assert coverage(OLD[:100], OLD) == 1.0
    assert coverage(NEW[:100], OLD) == 0.0
    assert percent(OLD[:60] + NEW[:40], OLD) == 60
    assert percent(OLD[:60] + NEW[:40], OLD[:60] + "另写的一大段" * 100) == 60  # a long reference does not dilute it
    assert coverage(OLD[:NGRAM - 1], OLD) == 0.0


def test_figures_punctuation_and_blanks_do_not_hide_a_copy():
    last = "2023年，我镇共收到政府信息公开申请3件，均已按时答复；全年未发生行政复议、行政诉讼。" * 2
    this = "2024年 我镇共收到政府信息公开申请 15 件 均已按时答复 全年未发生行政复议 行政诉讼" * 2
    assert percent(this, last) == 100


def test_a_copy_of_last_years_section_is_warned_naming_it():
    last, this = sample(), sample()
    last.year = 2023
    this.problems = last.problems.replace("亟待提升", "有待加强")  # touched up, still a copy
    this.improvements = consistent_report().improvements * 3         # rewritten
    found = {f.row or f.section: f for f in repetition_findings(this, last, None)}
    assert "存在的主要问题" in found and "改进情况" not in found
    w = found["存在的主要问题"]
    assert (w.rule, w.severity, w.section, w.paths) == ("narrative_repeated", "warning", S5, ("problems",))
    assert w.numbers["percent"] > THRESHOLD_PERCENT
    assert w.message == f"五、「存在的主要问题」：与2023年报告重复约 {w.numbers['percent']}%（超过 50%），请结合本年实际改写。"


def test_text_moved_to_another_section_still_counts():
    last, this = sample(), sample()
    this.other_matters = last.problems
    this.problems = consistent_report().problems * 3
    assert "other_matters" in {p for f in repetition_findings(this, last, None) for p in f.paths}


def test_independent_texts_are_not_repetitions():
    assert repetition_findings(sample(), consistent_report(year=2023), None) == []
    this = sample()
    this.problems = "政务新媒体更新不及时，个别栏目长期无内容；基层工作人员兼职多，培训覆盖不全。"
    this.improvements = "建立栏目更新台账，每月通报；年内组织两次专题培训，覆盖各村（社区）信息员。"
    previous = sample()
    previous.problems, previous.improvements = consistent_report().problems, consistent_report().improvements
    assert {p for f in repetition_findings(this, previous, None) for p in f.paths}.isdisjoint(
        {"problems", "improvements"})


def test_the_default_paragraph_counts_when_given():
    report = consistent_report()
    default = "一是从事政府信息公开工作的人员业务能力有待提升；二是公开渠道较为单一，政务新媒体利用不足。"
    report.problems = default + "三是公开内容不够丰富。"
    (w,) = repetition_findings(report, None, {"problems": default})
    assert w.row == "存在的主要问题" and "与默认文字重复约" in w.message
    assert repetition_findings(report, None, {"improvements": default}) == []
    assert repetition_findings(report, None, None) == []


def test_last_year_is_named_first_and_only_once():
    last, this = sample(), sample()
    (w,) = [f for f in repetition_findings(this, last, {"problems": this.problems}) if "problems" in f.paths]
    assert "报告重复约 100%" in w.message


def test_short_texts_are_not_compared():
    last, this = consistent_report(year=2023), consistent_report()
    last.other_matters = this.other_matters = "本年度无其他需要报告的事项。"
    assert "other_matters" not in {p for f in repetition_findings(this, last, None) for p in f.paths}


def test_cost_is_bounded_for_the_longest_texts():
    long_text = (OLD + NEW) * (MAX_CHARS // 800)
    report, last = consistent_report(), consistent_report(year=2023)
    for path in ("problems", "improvements", "other_matters", "overview.proactive", "overview.management"):
        report.set(path, long_text)
        last.set(path, long_text[::-1])
    start = time.perf_counter()
    repetition_findings(report, last, {"problems": long_text})
    assert time.perf_counter() - start < 2.0
