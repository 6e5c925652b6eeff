"""The figures a narrative names against the tables (issue 9, items 4 and 6's 六 fee check)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nianbao.report import labels
from nianbao.report.narrative_figures import claims
from nianbao.report.rules import check
from nianbao.report.synth import consistent_report, distinct_report

S1, S2, S3, S4, S5, S6 = labels.SECTION_HEADINGS


def figure_findings(report):
    return [f for f in check(report) if f.rule.startswith("narrative_") and f.rule not in (
        "narrative_year", "narrative_empty")]


def town(*, new=(0,) * 6, over=(0,) * 6, review=(0,) * 4, litigation=(0,) * 4, licensing=0,
         fee_cases=0, fee_amount="0"):
    """A consistent zero report with the given figures; narratives set per test."""
    report = consistent_report(scale=0)
    apps = report.applications
    apps.new, apps.carried_over = list(new), list(over)
    apps.granted = [n + o for n, o in zip(new, over)]  # all granted: rule A holds
    report.appeals.review = list(review)
    report.appeals.litigation_direct = list(litigation)
    report.proactive.licensing = licensing
    report.processing_fee.cases, report.processing_fee.amount_yuan = fee_cases, fee_amount
    for item in ("proactive", "on_request", "management", "platforms", "oversight"):
        setattr(report.overview, item, "我镇按要求开展工作。")
    report.other_matters = "本年度无其他需要报告的事项。"
    assert [f for f in check(report)] == []
    return report


# ---- negatives -------------------------------------------------------------------------------------


def test_no_review_application_is_not_a_claim_about_disclosure_applications():
    report = town(new=(3, 0, 0, 0, 0, 0))
    report.overview.on_request = "本年度共收到政府信息公开申请3件，未收到行政复议申请。"
    assert check(report) == []  # no warning of any rule


@pytest.mark.parametrize("text", [
    "本年度我镇未收到政府信息公开申请。",
    "本年度无政府信息公开申请。",
    "本年度没有收到任何政府信息公开申请。",
    "全年收到政府信息公开申请0件。",
    "全年收到申请0件次。",
])
def test_text_saying_no_applications_while_table_three_has_some(text):
    report = town(new=(2, 1, 0, 0, 0, 0))
    report.overview.on_request = text
    (w,) = figure_findings(report)
    assert (w.rule, w.section, w.row, w.severity) == ("narrative_applications", S1, "（二）依申请公开", "warning")
    assert w.numbers == {"claimed": 0, "table": 3}
    assert "表中三、本年新收申请" in w.message and " 3 件" in w.message


def test_text_saying_none_is_fine_when_the_table_agrees():
    report = town()
    report.overview.on_request = ("2024年，哈图镇人民政府未收到依申请和处理政府信息情况。"
                                  "一年来未发生因政府信息公开产生的行政复议案、行政诉讼案。")
    report.other_matters = "本年度没有产生信息公开处理费，无其他需要报告的事项。"
    assert check(report) == []


def test_no_appeals_in_the_text_but_a_lawsuit_in_table_four():
    report = town(litigation=(0, 1, 0, 0))
    report.overview.on_request = "全年未发生因政府信息公开引起的行政复议、行政诉讼。"
    (w,) = figure_findings(report)
    assert w.rule == "narrative_litigation"
    assert w.message == "一、「（二）依申请公开」：写了没有行政诉讼，表中四、行政诉讼却有 1 件，请核对。"
    assert w.paths == ("overview.on_request", "appeals.litigation_direct", "appeals.litigation_after_review")


# ---- figures -----------------------------------------------------------------------------------------


def test_a_number_of_applications_against_table_three():
    report = town(new=(4, 0, 0, 0, 0, 0))
    report.overview.on_request = "全年共收到政府信息公开申请5件，均已按时答复。"
    (w,) = figure_findings(report)
    assert w.numbers == {"claimed": 5, "table": 4}
    assert w.message == "一、「（二）依申请公开」：写了政府信息公开申请 5 件，表中三、本年新收申请是 4 件，请核对。"


def test_a_licensing_figure_against_table_two():
    report = town(licensing=0)
    report.overview.proactive = "全年办理行政许可600件，均按规定公开。"
    (w,) = figure_findings(report)
    assert (w.rule, w.row, w.paths) == ("narrative_licensing", "（一）主动公开", ("overview.proactive", "proactive.licensing"))
    assert w.message == "一、「（一）主动公开」：写了行政许可 600 件，表中二、「行政许可」是 0 件，请核对。"
    report.proactive.licensing = 600
    assert figure_findings(report) == []


@pytest.mark.parametrize("accepted", [4, 5])  # 一, or 一 + 二
def test_accepted_may_count_new_or_new_plus_carried_over(accepted):
    report = town(new=(4, 0, 0, 0, 0, 0), over=(1, 0, 0, 0, 0, 0))
    report.overview.on_request = f"全年共受理政府信息公开申请{accepted}件。"
    assert figure_findings(report) == []


def test_accepted_matching_neither_names_both():
    report = town(new=(4, 0, 0, 0, 0, 0), over=(1, 0, 0, 0, 0, 0))
    report.overview.on_request = "全年共受理政府信息公开申请7件。"
    (w,) = figure_findings(report)
    assert w.numbers == {"claimed": 7, "table": 4, "alternative": 5}
    assert "是 4 件（加上年结转为 5 件）" in w.message
    assert "applications.carried_over" in w.paths


def test_a_sum_of_reviews_and_lawsuits():
    report = town(review=(1, 0, 0, 0), litigation=(0, 0, 1, 1))
    report.overview.on_request = "全年因政府信息公开被申请行政复议、提起行政诉讼共3件。"
    assert figure_findings(report) == []
    report.overview.on_request = "全年因政府信息公开被申请行政复议、提起行政诉讼共4件。"
    (w,) = figure_findings(report)
    assert w.rule == "narrative_review_litigation" and w.numbers == {"claimed": 4, "table": 3}
    assert "写了行政复议、行政诉讼共 4 件，表中四、行政复议与四、行政诉讼合计是 3 件" in w.message


@pytest.mark.parametrize("text", [
    "2023年收到政府信息公开申请9件。",                      # another year's figure
    "较上年增加政府信息公开申请9件。",                      # a change, not the total
    "其中自然人申请9件。",                                  # a part
    "对收到的申请在20个工作日内答复。",                     # a time limit
    "无正当理由大量反复申请的，不予处理。",                 # a row label of table 三
    "收到政府信息公开申请10余件。",                         # an estimate
    "依据《条例》第三十三条，在20个工作日内答复申请人。",
    "推行申请“一件事一次办”，群众少跑腿。",                  # a policy's name, not a count
    "全年收到申请上万件的局面尚未出现。",                    # not a figure
    "对申请人一次性告知需补正的材料。",
    "按申请目录第3项办理。",
])
def test_figures_that_are_not_the_years_total_are_left_alone(text):
    report = town(new=(4, 0, 0, 0, 0, 0))
    report.overview.on_request = text
    assert figure_findings(report) == []


def test_unanswered_tables_are_not_compared():
    report = town()
    report.overview.on_request = "全年共收到政府信息公开申请5件。"
    report.applications.new = None
    assert figure_findings(report) == []


def test_a_stage_named_with_the_word_application_is_that_stage():
    report = town(new=(4, 0, 0, 0, 0, 0))
    report.overview.on_request = "全年收到申请4件，办结申请3件。"
    (w,) = figure_findings(report)
    assert w.rule == "narrative_concluded" and w.numbers == {"claimed": 3, "table": 4}


def test_chinese_numerals_and_grouped_digits_are_read():
    assert [c.value for c in claims("收到申请两件，作出行政许可决定11,398,889件，收取信息处理费1.25万元。")] == [
        Decimal(2), Decimal(11_398_889), Decimal(12_500)]


# ---- 六: the clerk's text against the fee figures ---------------------------------------------------


def test_six_says_no_fee_but_cases_were_charged():
    report = town(fee_cases=2, fee_amount="200")
    report.other_matters = "本年度未收取信息处理费，无其他需要报告的事项。"
    (w,) = figure_findings(report)
    assert (w.rule, w.section, w.paths) == ("narrative_fee", S6, ("other_matters", "processing_fee.cases"))
    assert w.message == "六、其他需要报告的事项：写了没有信息处理费，表中六、收费件数却有 2 件，请核对。"


def test_six_names_an_amount_that_differs():
    report = town(fee_cases=3, fee_amount="200")
    report.other_matters = ("本机关按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
                            "规定的按件、按量收费标准，本年度对3件政府信息公开申请收取信息处理费，共计150元。")
    (w,) = figure_findings(report)
    assert w.rule == "narrative_fee" and w.numbers == {"claimed": 150, "table": 200}
    assert w.message == "六、其他需要报告的事项：写了信息处理费 150 元，表中六、收费金额是 200 元，请核对。"
    report.processing_fee.amount_yuan = "150"
    assert figure_findings(report) == []


def test_six_names_the_wrong_number_of_cases_or_zero_yuan():
    report = town(fee_cases=3, fee_amount="300")
    report.other_matters = "本年度收取信息处理费2件，共300元。"
    (w,) = figure_findings(report)
    assert w.numbers == {"claimed": 2, "table": 3} and "收费件数是 3 件" in w.message
    report.other_matters = "本年度收取信息处理费0元。"
    (w,) = figure_findings(report)
    assert w.numbers == {"claimed": 0, "table": 300} and "收费金额是 300 元" in w.message


# ---- the shipped default paragraphs agree with the tables by construction --------------------------


@pytest.mark.parametrize("report", [consistent_report(), consistent_report(scale=0), distinct_report(),
                                    consistent_report(seed=3, scale=1000), consistent_report(seed=5, scale=2)],
                         ids=["typical", "zero", "distinct", "city", "small"])
def test_default_paragraphs_raise_no_figure_warning(report):
    """Each narrative as the interview composes it by default (lead paragraph + default paragraph)."""
    from datetime import date

    from nianbao.dialogs import quick
    from nianbao.dialogs.interview import Interview

    interview = Interview(today=date(2025, 1, 10))
    interview.report = report
    figures = quick.figures(interview)
    for step in interview.catalogue.steps:
        if step.kind == "narrative":
            report.set(step.path, quick.default_text(interview, step, figures))
    assert figure_findings(report) == []
