"""The rules of the national format: one failing case per rule, the passing case, and the messages."""

from __future__ import annotations

import pytest

from nianbao.report import labels
from nianbao.report.model import Applications, DocCounts, Report, all_leaf_paths
from nianbao.report.rules import (BALANCE_PATHS, OUTCOME_PATHS, PrintedTotals, check, check_printed,
                                  unanswered, years_named)
from nianbao.report.synth import consistent_report, distinct_report

S1, S2, S3, S4, S5, S6 = labels.SECTION_HEADINGS


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


# ---- passing cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"scale": 0}, {"seed": 7, "scale": 3}, {"organ": "托里县人民政府"}])
def test_consistent_reports_have_no_findings(kwargs):
    report = consistent_report(**kwargs)
    assert unanswered(report) == []
    assert check(report) == []
    assert check_printed(report, PrintedTotals.of(report)) == []


def test_a_city_sized_report_has_no_findings():
    report = consistent_report(seed=3, scale=1000)
    assert sum(report.applications.new) >= 2000  # thousands of applications
    assert check(report) == []
    assert check_printed(report, PrintedTotals.of(report)) == []


def test_synthetic_reports_are_deterministic():
    assert consistent_report(seed=4).to_data() == consistent_report(seed=4).to_data()
    assert consistent_report(seed=4).to_data() != consistent_report(seed=5).to_data()
    assert distinct_report().to_data() == distinct_report().to_data()


def test_distinct_report_cells_are_pairwise_different():
    report = distinct_report()
    assert check(report) == []
    apps = report.applications
    rows = [report.get(p) for p in BALANCE_PATHS[:-1]] + [apps.outcomes_total, apps.carried_forward]
    cells = [c for row in rows for c in (*row, sum(row))]
    assert len(cells) == 175 and len(set(cells)) == 175
    appeals = [c for key, _ in labels.APPEAL_GROUPS for c in (*report.get(f"appeals.{key}"),
                                                               report.appeals.total(key))]
    assert len(set(appeals)) == 15
    docs = [*report.proactive.regulations.values(), *report.proactive.normative_documents.values(),
            report.proactive.licensing, report.proactive.penalties, report.proactive.enforcement]
    assert len(set(docs)) == len(docs) and 0 not in docs


# ---- A -------------------------------------------------------------------------------------------


def test_rule_a_names_the_column_the_two_sums_and_the_rows_to_check():
    report = consistent_report()
    new = report.applications.new
    report.applications.new = [new[0] + 1, *new[1:]]
    findings = [f for f in check(report) if f.is_error]
    # one column off: no second line for 总计, which would only repeat it
    assert [(f.rule, f.severity, f.column) for f in findings] == [("A", "error", "自然人")]
    first = findings[0]
    left, right = new[0] + 1 + report.applications.carried_over[0], new[0] + report.applications.carried_over[0]
    assert first.message == (f"三、「自然人」列：新收 + 上年结转 = {left}，办结 + 结转下年 = {right}，相差 1 件。"
                             "请查办理结果有无漏填、「结转下年度」是否少填，或新收、上年结转是否填错。")
    assert "一+二" not in first.message and "（七）" not in first.message
    assert first.section == S3
    assert first.numbers["difference"] == 1 and first.numbers["left"] == left
    assert first.paths[:2] == ("applications.new", "applications.carried_over")
    assert set(OUTCOME_PATHS) < set(first.paths) and "applications.carried_forward" in first.paths


def test_rule_a_too_many_outcomes_points_at_double_counting():
    report = consistent_report()
    row = report.applications.granted
    report.applications.granted = [row[0] + 2, *row[1:]]
    (a,) = [f for f in check(report) if f.is_error]
    assert a.numbers["right"] - a.numbers["left"] == 2
    assert "相差 2 件" in a.message and "重复计数" in a.message and "是否多填" in a.message


def test_rule_a_reports_the_total_column_only_when_two_columns_are_off():
    report = consistent_report()
    new = report.applications.new
    report.applications.new = [new[0] + 1, new[1] + 2, *new[2:]]
    errors = [f for f in check(report) if f.is_error]
    assert [f.column for f in errors] == ["自然人", "商业企业", "总计"]
    assert errors[-1].numbers["diff"] == 3
    report.applications.new = [new[0] + 1, new[1] - 1, *new[2:]]  # offsetting: 总计 balances
    assert [f.column for f in check(report) if f.is_error] == ["自然人", "商业企业"]


def test_rule_a_waits_until_every_row_is_answered():
    report = consistent_report()
    report.applications.new = [999] * 6
    report.applications.withheld.third_party = None
    findings = check(report)
    assert only(findings, "A") == []
    (missing,) = only(findings, "missing")
    assert missing.paths == ("applications.withheld.third_party",)
    assert missing.message == "三、「（三）不予公开」：第4项尚未填写。"


# ---- B, C, D (printed totals) ----------------------------------------------------------------------


def test_rule_b_compares_the_printed_outcomes_total():
    report = consistent_report()
    printed = PrintedTotals.of(report)
    real = printed.outcomes_total[1]
    printed.outcomes_total[1] += 2
    (b,) = check_printed(report, printed)
    assert (b.rule, b.column, b.row) == ("B", "商业企业", "（七）总计")
    assert b.message == f"三、「商业企业」列：（七）总计印为 {real + 2}，各项办理结果相加为 {real}，相差 2 件，请核对。"
    assert b.paths == OUTCOME_PATHS


def test_rule_c_compares_each_printed_row_total():
    report = consistent_report()
    printed = PrintedTotals.of(report)
    key = "applications.withheld.state_secret"
    real = printed.row_totals[key]
    printed.row_totals[key] = real + 5
    (c,) = check_printed(report, printed)
    assert (c.rule, c.row, c.column, c.paths) == ("C", "（三）不予公开 1.属于国家秘密", "总计", (key,))
    assert c.message == f"三、「（三）不予公开 1.属于国家秘密」行：总计印为 {real + 5}，六列相加为 {real}，相差 5 件，请核对。"


def test_rule_c_on_the_outcomes_total_row_uses_the_printed_row():
    report = consistent_report()
    printed = PrintedTotals.of(report)
    printed.row_totals["outcomes_total"] -= 1
    (c,) = check_printed(report, printed)
    assert c.rule == "C" and c.row == "（七）总计" and c.numbers["difference"] == -1


def test_rule_d_compares_each_printed_appeal_total():
    report = consistent_report()
    report.appeals.litigation_direct = [1, 0, 2, 0]
    printed = PrintedTotals.of(report)
    printed.appeal_totals["litigation_direct"] = 4
    (d,) = check_printed(report, printed)
    assert (d.rule, d.section, d.row, d.column) == ("D", S4, "行政诉讼 未经复议直接起诉", "总计")
    assert d.message == "四、「行政诉讼 未经复议直接起诉」：总计印为 4，结果维持+结果纠正+其他结果+尚未审结 = 3，相差 1 件，请核对。"
    assert d.paths == ("appeals.litigation_direct",)


def test_printed_totals_with_an_unknown_row_are_a_programming_error():
    with pytest.raises(ValueError):
        check_printed(consistent_report(), PrintedTotals(row_totals={"applications.nwe": 1}))


# ---- 二 --------------------------------------------------------------------------------------------


def test_a_township_reporting_regulations_is_warned():
    report = consistent_report()
    report.proactive.regulations = DocCounts(issued=1, repealed=0, in_force=2)
    (w,) = check(report)
    assert (w.rule, w.severity, w.row) == ("regulations_township", "warning", "规章")
    assert "「规章」" in w.message and "制发 1" in w.message and "现行有效 2" in w.message
    assert "「行政规范性文件」" in w.message
    assert check(consistent_report(organ="克拉玛依市人民政府")) == []
    report.organ = "克拉玛依市人民政府"
    assert check(report) == []


def test_in_force_below_issued():
    report = consistent_report()
    report.proactive.normative_documents = DocCounts(issued=3, repealed=0, in_force=2)
    (w,) = check(report)
    assert (w.rule, w.row, w.paths) == ("in_force_below_issued", "行政规范性文件", ("proactive.normative_documents",))
    assert w.message == "二、「行政规范性文件」：现行有效 2 件，少于本年制发 3 件，请核对。"


# ---- cross-year ------------------------------------------------------------------------------------


def _two_years():
    last = consistent_report(seed=1, year=2023)
    this = consistent_report(seed=2, year=2024)
    apps = this.applications
    apps.carried_over = list(last.applications.carried_forward)
    done = apps.outcomes_total
    apps.carried_forward = [max(f, o - d) for f, o, d in zip(apps.carried_forward, apps.carried_over, done)]
    apps.new = [d + f - o for d, f, o in zip(done, apps.carried_forward, apps.carried_over)]
    last.proactive.normative_documents = DocCounts(issued=1, repealed=0, in_force=10)
    this.proactive.normative_documents = DocCounts(issued=2, repealed=1, in_force=11)
    this.overview.on_request = f"2024年共收到申请{sum(apps.new)}件。"
    assert check(this) == [] and check(last) == []
    return this, last


def test_consecutive_years_that_agree_pass():
    this, last = _two_years()
    assert check(this, last) == []


def test_carried_over_must_equal_last_years_carried_forward():
    this, last = _two_years()
    forward = last.applications.carried_forward
    last.applications.carried_forward = [forward[0] + 2, *forward[1:]]
    (w,) = check(this, last)
    assert (w.rule, w.column, w.row) == ("carried_over_mismatch", "自然人", labels.CARRIED_OVER_LABEL)
    assert "「自然人」列" in w.message and "2023年" in w.message and "相差 2 件" in w.message


def test_in_force_continuity_is_a_warning():
    this, last = _two_years()
    this.proactive.normative_documents = DocCounts(issued=2, repealed=1, in_force=14)
    (w,) = check(this, last)
    assert (w.rule, w.severity, w.row) == ("in_force_continuity", "warning", "行政规范性文件")
    assert w.message == ("二、「行政规范性文件」：现行有效 14 件，按上年 10 + 制发 2 − 废止 1 应为 11 件，"
                         "相差 3 件；若因修订所致可忽略。")


def test_last_year_report_of_the_wrong_year_is_not_compared():
    this, last = _two_years()
    last.year = 2022
    last.applications.carried_forward = [9] * 6
    (w,) = check(this, last)
    assert w.rule == "last_year_not_previous" and "2022" in w.message and "2024" in w.message


# ---- 五 and narratives -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["无", "一是人员不足，二是渠道单一，三是内容不丰富", "有问题。"])
def test_section5_shorter_than_a_sentence(text):
    report = consistent_report()
    report.problems = text
    (w,) = check(report)
    assert (w.rule, w.row, w.section) == ("section5_short", "存在的主要问题", S5)
    assert "「存在的主要问题」" in w.message and "15 字" in w.message


HATU_IMPROVEMENTS = ("一是根据上级要求，对2025年政府信息公开工作进行认真研究和周密部署，通过制发政府信息公开工作要点，"
                     "确保各项工作任务落地见效；二是加强政府网站建设。")
HATU_OTHER = ("本机关按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
              "规定的按件、按量收费标准，本年度没有产生信息公开处理费。")
HATU_OVERVIEW = ("2024年以来，托里县哈图镇人民政府按照《中华人民共和国政府信息公开条例》（2019年修订）等法规政策规定，"
                 "扎实做好政府信息公开工作。")


def test_the_reference_reports_years_are_fine():
    report = consistent_report(scale=0)
    report.improvements = HATU_IMPROVEMENTS
    report.other_matters = HATU_OTHER
    report.overview.proactive = HATU_OVERVIEW
    report.overview.on_request = "2024年，哈图镇人民政府未收到依申请和处理政府信息情况。一年来未发生因政府信息公开产生的行政复议案、行政诉讼案。"
    assert check(report) == []


def test_a_narrative_copied_from_last_year_is_warned():
    report = consistent_report()
    report.overview.management = "2023年，我镇高度重视政府信息管理工作，严格落实“三审三校”制度。"
    report.problems = "二〇二二年提出的问题仍未解决，工作人员业务能力亟待提升。"
    found = only(check(report), "narrative_year")
    assert [(f.row, f.numbers["mentioned"]) for f in found] == [("（三）政府信息管理", "2023"), ("存在的主要问题", "2022")]
    assert found[0].message == "一、「（三）政府信息管理」：提到2023年，本报告是2024年度，是否沿用了旧报告？请核对。"
    assert found[0].paths == ("overview.management", "year")


@pytest.mark.parametrize("path,text,flagged", [
    ("problems", "2023年提出的整改任务已基本完成，但仍有不足。", False),       # year − 1 allowed in problems
    ("problems", "2025年将加强培训，提升工作人员业务能力。", True),            # year + 1 not in problems
    ("other_matters", "2025年将继续落实政务公开工作要点，无其他事项。", False),
    ("other_matters", "2023年度没有产生信息处理费，无其他事项。", True),
    ("overview.oversight", "２０２３年，本机关把信息公开纳入考核。", True),      # full-width digits
    ("overview.oversight", "依据《2023年政务公开工作要点》开展考核工作。", False),  # inside a title
])
def test_narrative_year_allowances(path, text, flagged):
    report = consistent_report()
    report.set(path, text)
    assert bool(only(check(report), "narrative_year")) is flagged


def test_years_named_ignores_citations():
    assert years_named("国办函〔2020〕109号、《条例》（2019年修订）、[2021]3号") == set()
    assert years_named("二〇二三年和2022年，12024年不算") == {2023, 2022}


def test_overview_claiming_no_applications_while_table_three_has_some():
    report = consistent_report()
    report.overview.on_request = "2024年，本镇未收到政府信息公开申请。"
    (w,) = check(report)
    total = sum(report.applications.new)
    assert (w.rule, w.row, w.severity) == ("narrative_applications", "（二）依申请公开", "warning")
    assert w.message == f"一、「（二）依申请公开」：写了没有政府信息公开申请，表中三、本年新收申请却有 {total} 件，请核对。"
    assert w.numbers == {"claimed": 0, "table": total}
    assert w.paths == ("overview.on_request", "applications.new")


def test_overview_claiming_no_appeals_while_table_four_has_some():
    report = consistent_report(scale=0)
    report.appeals.review = [0, 1, 0, 0]
    (w,) = check(report)  # 「未发生…行政复议、行政诉讼」: only 复议 is contradicted
    assert w.rule == "narrative_review" and "写了没有行政复议" in w.message and "却有 1 件" in w.message


@pytest.mark.parametrize("cases,amount", [(0, "100"), (2, "0")])
def test_processing_fee_cases_and_amount_must_agree(cases, amount):
    report = consistent_report()
    report.processing_fee.cases = cases
    report.processing_fee.amount_yuan = amount
    report.other_matters = "本年度无其他需要报告的事项。"
    (w,) = check(report)
    assert w.rule == "processing_fee_mismatch" and f"{cases} 件、{amount} 元" in w.message


# ---- missing -------------------------------------------------------------------------------------


def test_an_empty_report_has_one_missing_finding_per_section():
    findings = check(Report())
    assert [f.message for f in findings] == ["「报告基本信息」：尚未填写。", *(f"{s}：尚未填写。" for s in labels.SECTION_HEADINGS)]
    assert all(f.rule == "missing" and f.severity == "warning" for f in findings)
    assert sorted(p for f in findings for p in f.paths) == sorted(all_leaf_paths())
    assert unanswered(Report()) == all_leaf_paths()


def test_missing_groups_rows_and_names_items():
    report = Report(organ="托里县哈图镇人民政府", year=2024, applications=Applications.zeros())
    report.applications.other.unpaid_fee = None
    report.applications.carried_forward = None
    report.set("proactive.regulations.issued", 0)  # a half-answered 规章 row is still unanswered
    report.set("processing_fee.cases", 0)
    messages = {f.message: f.paths for f in check(report)}
    assert messages == {
        "「报告基本信息」：所属县尚未填写。": ("county",),
        "一、总体情况：尚未填写。": tuple(f"overview.{k}" for k, _ in labels.OVERVIEW_TOPICS),
        "二、主动公开政府信息情况：尚未填写。": tuple(p for p in all_leaf_paths() if p.startswith("proactive.")),
        "三、「（六）其他处理」：第2项尚未填写。": ("applications.other.unpaid_fee",),
        "三、「四、结转下年度继续办理」：尚未填写。": ("applications.carried_forward",),
        f"{S4}：尚未填写。": tuple(f"appeals.{k}" for k, _ in labels.APPEAL_GROUPS),
        f"{S5}：尚未填写。": ("problems", "improvements"),
        "六、「信息处理费」：收费金额尚未填写。": ("processing_fee.amount_yuan",),
        "六、「其他事项」：尚未填写。": ("other_matters",),
    }
    assert "proactive.regulations" in unanswered(report)


def test_errors_come_before_warnings_and_missing_last():
    report = consistent_report()
    report.proactive.normative_documents = DocCounts(issued=3, repealed=0, in_force=2)
    report.applications.carried_over = [0] * 6
    report.problems = None
    rules = [f.rule for f in check(report)]
    assert rules[-1] == "missing" and rules.index("in_force_below_issued") > max(
        i for i, r in enumerate(rules) if r == "A")


def test_findings_serialize():
    report = consistent_report()
    report.applications.new = [0] * 6
    data = check(report)[0].to_data()
    assert data["rule"] == "A" and isinstance(data["paths"], list) and data["numbers"]["new"] == 0
