"""Checks that match practice (issue 9, item 4): 规章 by the organ's level, counts of any size with a
warning when implausible, empty narratives, and the unanswered/「待填写」 gaps that stop a final report."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nianbao.report import labels
from nianbao.report.final import final_gaps
from nianbao.report.model import DocCounts, Report
from nianbao.report.practice_checks import PLAUSIBLE_MAX, below_prefecture, guessed_level
from nianbao.report.rules import check, rule_findings
from nianbao.report.synth import consistent_report

S1, S2, S3, S4, S5, S6 = labels.SECTION_HEADINGS
BIGINT_MAX = 2**63 - 1


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def with_regulations(organ: str, level: str | None = None) -> Report:
    report = consistent_report(organ=organ)
    report.organ_level = level
    report.proactive.regulations = DocCounts(issued=1, repealed=0, in_force=2)
    return report


# ---- 规章: every organ below 设区的市, by level ---------------------------------------------------


@pytest.mark.parametrize("level,name", [("township", "乡镇、街道"), ("town", "乡镇、街道"), ("street", "乡镇、街道"),
                                        ("county", "县级人民政府"), ("county_department", "县级部门")])
def test_regulations_warned_for_every_level_below_prefecture(level, name):
    report = with_regulations("某某机关", level)  # a name that says nothing: the level decides
    (w,) = only(check(report), "regulations_township")
    assert (w.severity, w.section, w.row) == ("warning", S2, "规章")
    assert w.message.startswith(f"二、「规章」：{name}不能制定规章")
    assert "制发 1、废止 0、现行有效 2 件" in w.message and "「行政规范性文件」" in w.message


def test_the_level_wins_over_the_name():
    # a 设区的市 level: no warning although the name ends in 镇人民政府 (is_township would say township)
    report = with_regulations("托里县哈图镇人民政府", "other")
    assert report.is_township and only(check(report), "regulations_township") == []
    assert not below_prefecture(report)


@pytest.mark.parametrize("organ,level", [
    ("兴化市大营镇", "town"),                       # no 人民政府 at the end
    ("天津市滨海新区寨上街道", "street"),
    ("某区某某街道办事处", "street"),
    ("托里县某某乡", "township"),
    ("托里县人民政府", "county"),                   # county governments make no 规章 either
    ("某市白碱滩区人民政府", "county"),
    ("托里县教育局", "county_department"),
    ("托里县人民政府办公室", "county_department"),
    ("托里县发展和改革委员会", "county_department"),
])
def test_unknown_level_falls_back_to_the_name(organ, level):
    assert guessed_level(organ) == level
    report = with_regulations(organ)
    assert report.organ_level is None
    assert [f.rule for f in check(report)] == ["regulations_township"]


@pytest.mark.parametrize("organ", ["克拉玛依市人民政府", "兴化市人民政府", "新疆维吾尔自治区发展和改革委员会",
                                   "塔城地区行政公署", "托里县乡镇（街道）"])
def test_names_that_do_not_tell_get_no_warning(organ):
    assert guessed_level(organ) is None
    assert only(check(with_regulations(organ)), "regulations_township") == []


# ---- counts: any BIGINT; implausible ones warn ----------------------------------------------------


def test_counts_take_any_bigint():
    assert Report.from_data({"proactive": {"licensing": 11_398_889}}).proactive.licensing == 11_398_889
    assert Report.from_data({"applications": {"new": [BIGINT_MAX, 0, 0, 0, 0, 0]}}).applications.new[0] == BIGINT_MAX
    for bad in (BIGINT_MAX + 1, -1):
        with pytest.raises(ValidationError):
            Report.from_data({"proactive": {"licensing": bad}})


def test_a_city_figure_is_plain_at_city_level_and_questioned_at_a_township():
    city = consistent_report(organ="某市人民政府")
    city.organ_level = "other"
    city.proactive.licensing = 11_398_889
    city.overview.proactive = "全年作出行政许可决定11398889件。"
    assert check(city) == []

    town = consistent_report()
    town.proactive.licensing = 11_398_889
    town.overview.proactive = "全年作出行政许可决定11398889件。"
    (w,) = check(town)
    assert (w.rule, w.severity, w.paths) == ("count_implausible", "warning", ("proactive.licensing",))
    assert w.numbers == {"value": 11_398_889, "limit": PLAUSIBLE_MAX["town"]}
    assert w.message == "二、「行政许可」：填了 11398889，乡镇、街道一年超过 10000000 很少见，请确认没有多输数字。"
    assert w in rule_findings(town)  # so the interview asks for confirmation


def test_an_implausible_table_three_cell_names_row_and_column():
    report = consistent_report()
    report.organ_level = "county"
    report.applications.withheld.state_secret = [0, 0, 0, PLAUSIBLE_MAX["county"] + 1, 0, 0]
    (w,) = only(check(report), "count_implausible")
    assert (w.row, w.column, w.paths) == ("（三）不予公开 1.属于国家秘密", "社会公益组织",
                                          ("applications.withheld.state_secret",))
    assert w.message.startswith("三、「（三）不予公开 1.属于国家秘密」「社会公益组织」：填了 100000001，县级人民政府")
    report.applications.withheld.state_secret = [0, 0, 0, PLAUSIBLE_MAX["county"], 0, 0]
    assert only(check(report), "count_implausible") == []


# ---- empty narratives ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n ", "待填写", "（待填写）", "【待填写】。"])
@pytest.mark.parametrize("path,where", [("overview.management", "一、「（三）政府信息管理」"),
                                        ("problems", "五、「存在的主要问题」"),
                                        ("other_matters", S6)])
def test_an_empty_narrative_is_warned(text, path, where):
    report = consistent_report()
    report.set(path, text)
    (w,) = check(report)  # for 五 it replaces the "too short" warning
    assert (w.rule, w.severity, w.paths) == ("narrative_empty", "warning", (path,))
    assert w.message == f"{where}：内容为空，请填写或采用默认文字。"


def test_a_written_narrative_is_not_empty():
    report = consistent_report()
    report.overview.management = "我镇落实待填写内容的审核制度。"  # 待填写 inside a sentence is text
    assert only(check(report), "narrative_empty") == []


# ---- what stops a final report -------------------------------------------------------------------


def test_final_gaps_list_unanswered_items_and_placeholders():
    assert final_gaps(consistent_report()) == []
    report = consistent_report()
    report.applications.other.unpaid_fee = None
    report.processing_fee.amount_yuan = None
    report.overview.management = "（待填写）"
    report.problems = " "
    report.appeals = None
    assert final_gaps(report) == [
        "三、「（六）其他处理」第2项", S4, "六、「信息处理费」收费金额",
        "一、「（三）政府信息管理」（含「待填写」）", "五、「存在的主要问题」（内容为空）"]
    assert final_gaps(Report())[:2] == ["「报告基本信息」", S1]
