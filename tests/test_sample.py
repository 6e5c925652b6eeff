"""The shipped sample report file is a faithful transcription of the 托里县哈图镇 2024 report."""

from decimal import Decimal
from importlib import resources

import pytest

from nianbao.report import labels
from nianbao.report.model import Report, row_total
from nianbao.report.rules import check

SAMPLE = resources.files("nianbao") / "examples" / "hatu-2024.json"

# Expected texts, copied from the published report (not read from it: tests do not depend on shared/).
OVERVIEW = {
    "proactive": "哈图镇人民政府以贯彻落实信息公开为契机，以建设法治服务型政府为目标，加强对全镇各项工作的领导。"
                 "为提供优质高效的服务，方便公众及时了解政府信息，我镇对主动公开的政府信息通过县政府门户网站进行公开。"
                 "2024年度我镇公示栏公开信息4条。",
    "on_request": "2024年，哈图镇人民政府未收到依申请和处理政府信息情况。"
                  "一年来未发生因政府信息公开产生的行政复议案、行政诉讼案和有关申诉案。",
    "management": "我镇高度重视，通过强化领导，将政务信息管理工作置于关键位置。始终秉持政务公开理念，"
                  "将其视作推动依法行政、提升行政效能，以及预防和惩治腐败的重要手段，与单位各项工作紧密结合，"
                  "做到同步规划、协同推进。并严格落实“三审三校”制度，确保政务信息依法、依规，及时准确对外公开。",
    "platforms": "结合实际，我镇及时更新相关信息，杜绝信息更新滞后，保障群众网络获取信息的权益。同时，"
                 "严格遵循政府信息公开要求，做好管理工作，推动政府信息公开有序进行。政府信息平台信息发布由专人负责，"
                 "严格执行“三审三校”信息审核发布机制，即“谁制作、谁审核、谁发布、谁负责”原则，保障信息质量。",
    "oversight": "为做好政府信息公开工作的监督保障工作，我镇严格落实《中华人民共和国政府信息公开条例》和自治区、地区、"
                 "托里县有关政府信息公开要求，严格落实政府信息公开“三审三校”审核制度，由镇政府宣传办初审，"
                 "分管领导复审，主要领导终审，确保公示信息的准确性、有效性，同时避免涉密信息上网。",
}
PROBLEMS_START = "一是从事政府信息公开工作的人员队伍需要加强，工作人员业务能力亟待提升。二是公开渠道较为单一，"
PROBLEMS_END = "三是信息内容不够丰富，实用性偏低，部分公开栏目、公开工作指南不够完善，综合服务水平不强。"
IMPROVEMENTS_START = "一是根据上级要求，对2025年政府信息公开工作进行认真研究和周密部署，"
IMPROVEMENTS_END = "确保信息数据发布不遗漏、不重复、有质量，提高综合服务水平。"
OTHER_MATTERS = ("本机关按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
                 "规定的按件、按量收费标准，本年度没有产生信息处理费。")


@pytest.fixture(scope="module")
def text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(text) -> Report:
    return Report.from_json(text)


def test_file_is_canonical_with_one_line_per_row(text, report):
    # Written exactly as Report.to_json writes it, so re-saving the sample changes nothing.
    assert report.to_json() == text
    assert '"new": [0, 0, 0, 0, 0, 0],' in text
    assert '"review": [0, 0, 0, 0],' in text


def test_identity(report):
    assert (report.organ, report.county, report.year) == ("托里县哈图镇人民政府", "托里县", 2024)
    assert report.title == "托里县哈图镇人民政府2024年政府信息公开工作年度报告"
    assert report.is_township


def test_check_finds_nothing(report):
    # A real, correct, complete report: any finding here (even a warning) is a false alarm.
    assert check(report) == []


def test_overview_paragraphs_verbatim_without_subheadings(report):
    assert report.overview.model_dump() == OVERVIEW


def test_section_five_and_six_texts(report):
    assert report.problems.startswith(PROBLEMS_START) and report.problems.endswith(PROBLEMS_END)
    assert report.improvements.startswith(IMPROVEMENTS_START) and report.improvements.endswith(IMPROVEMENTS_END)
    assert "存在问题" not in report.problems[:6] and "改进情况" not in report.improvements[:6]
    # The reference's slip 「信息公开处理费”。」 is corrected.
    assert report.other_matters == OTHER_MATTERS


def test_table_two_all_zero_and_fee_printed_as_0(report, text):
    p = report.proactive
    assert p.regulations.values() == [0, 0, 0]
    assert p.normative_documents.values() == [0, 0, 0]
    assert (p.licensing, p.penalties, p.enforcement) == (0, 0, 0)
    assert p.fees == Decimal(0)
    assert '"fees": "0"' in text  # the reference prints 「00」


def test_table_three_all_zero(report):
    apps = report.applications
    rows = [apps.new, apps.carried_over, *(v for _, v in apps.outcomes()), apps.carried_forward]
    assert len(rows) == 2 + len(labels.OUTCOME_ROWS) + 1 == 24
    assert all(row == [0] * 6 for row in rows)
    assert apps.outcomes_total == [0] * 6
    assert {row_total(r) for r in rows} == {0}


def test_table_four_and_processing_fee(report):
    for key, _ in labels.APPEAL_GROUPS:
        assert report.get(f"appeals.{key}") == [0, 0, 0, 0]
        assert report.appeals.total(key) == 0
    assert report.processing_fee.cases == 0
    assert report.processing_fee.amount_yuan == Decimal(0)
