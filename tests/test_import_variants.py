"""Hand-made published reports in the shapes real ones take: merged cells, header rows, stray empty rows,
an 8-column table 三, 规范性文件, full-width digits, a missing （三）, subtotal rows, blank and 「/」 cells,
a web page with site chrome and layout tables, and the 2019 layout. Nothing is ever invented: what is
not read is a gap naming where it looked."""

from __future__ import annotations

import pytest

from importkit import Style, to_docx, to_html, to_text
from nianbao.importing import import_bytes
from nianbao.report.synth import consistent_report, distinct_report

DRIFTED = Style(eight=True, subtotals=True, drop_three=True, normative="规范性文件", fullwidth=True, stray_rows=True)
WRITERS = {
    "docx": (lambda r, s: to_docx(r, s), "report.docx"),
    "html": (lambda r, s: to_html(r, s), "report.html"),
    "html-bare": (lambda r, s: to_html(r, s, chrome=False), "report.htm"),
}


def run(report, style, form):
    write, name = WRITERS[form]
    return import_bytes(write(report, style), name, county=report.county)


@pytest.mark.parametrize("form", WRITERS)
@pytest.mark.parametrize("style", [Style(), DRIFTED], ids=["national", "drifted"])
def test_hand_made_reports_read_cell_exact(form, style):
    report = distinct_report()
    result = run(report, style, form)
    assert result.complete, result.gaps
    assert result.report.to_data() == report.to_data()


def test_the_eight_column_table_keeps_its_subtotals_and_group_rows_as_printed():
    report = distinct_report()
    result = run(report, DRIFTED, "docx")
    apps = report.applications
    assert result.printed.legal_subtotals["applications.new"] == sum(apps.new[1:])
    assert result.printed.row_totals["applications.new"] == sum(apps.new)
    withheld = [sum(col) for col in zip(*(row for _, row in apps.withheld.answered()))]
    assert result.printed.group_subtotals["applications.withheld"] == withheld


def test_site_chrome_stays_out_of_the_narratives():
    report = distinct_report()
    result = run(report, Style(), "html")
    text = "".join(str(v) for v in result.report.to_data().values())
    for chrome in ("首页", "打印本页", "网站标识码", "机构概况", "发布时间"):
        assert chrome not in text
    assert result.report.other_matters == report.other_matters  # the 落款 after it is left out too


@pytest.mark.parametrize("form", ["docx", "html"])
def test_blank_and_slash_cells_are_gaps_never_zeros(form):
    report = consistent_report(seed=2, scale=5)
    style = Style(blanks={("applications.granted", 0): "", ("applications.unable.not_held", 3): "/",
                          ("applications.carried_forward", 5): "—"})
    result = run(report, style, form)
    assert not result.complete
    assert result.report.applications.granted is None
    assert result.report.applications.unable.not_held is None
    assert result.report.applications.carried_forward is None
    assert result.report.applications.new == report.applications.new  # the rest is read
    joined = "\n".join(result.gaps)
    assert "予以公开" in joined and "「自然人」列" in joined and "空白" in joined
    assert "本机关不掌握相关政府信息" in joined and "「/」" in joined and "「社会公益组织」列" in joined
    assert "「—」" in joined and "「其他」列" in joined
    assert all("第" in line and "表格" in line for line in result.gaps)  # each names where it looked


def test_a_missing_table_is_listed_row_by_row_and_marked_incomplete():
    report = distinct_report()
    data = to_html(report, Style(), chrome=False).decode()
    start = data.index("<table", data.index("四、政府信息公开行政复议"))
    data = data[:start] + data[data.index("</table>", start) + 8:]
    result = import_bytes(data.encode(), "x.html")
    assert not result.complete and result.report.appeals is None
    assert [line for line in result.gaps if line.startswith("四、")] == [
        "四、「行政复议」：在 2 个表格里都没有找到这一行",
        "四、「行政诉讼 未经复议直接起诉」：在 2 个表格里都没有找到这一行",
        "四、「行政诉讼 复议后起诉」：在 2 个表格里都没有找到这一行",
    ]


def test_two_different_rows_for_one_label_are_not_guessed():
    report = distinct_report()
    text = to_text(report, Style(), pipes=True).decode()
    line = next(l for l in text.splitlines() if "（一）予以公开" in l)
    text = text.replace(line, line + "\n" + line.replace(f" {report.applications.granted[0]} |", " 1 |", 1))
    result = import_bytes(text.encode(), "x.txt")
    assert result.report.applications.granted is None
    assert any("数字不同" in g for g in result.gaps)


# The 2019 layout (国办公开办函〔2019〕60号) as a 2020 report printed it: table 二's other columns and a
# single （六）其他处理 row. Read what maps, and say so.
REPORT_2019 = """某县某乡人民政府2020年政府信息公开工作年度报告
一、总体情况
（一）主动公开
全年主动公开信息12条。
（二）依申请公开
全年收到申请3件。
（三）政府信息管理
严格落实审核制度。
（四）政府信息公开平台建设
及时更新网站栏目。
（五）监督保障
纳入年度考核。
二、主动公开政府信息情况
| 第二十条第（一）项 | | | |
| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |
| 规章 | 0 | 0 | 0 |
| 规范性文件 | 2 | 2 | 9 |
| 第二十条第（五）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
| 行政许可 | 4 | 1 | 37 |
| 其他对外管理服务事项 | 0 | 0 | 0 |
| 第二十条第（六）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
| 行政处罚 | 2 | 0 | 5 |
| 行政强制 | 0 | 0 | 1 |
| 第二十条第（八）项 | | | |
| 信息内容 | 上一年项目数量 | 本年增/减 | |
| 行政事业性收费 | 1 | 0 | |
| 第二十条第（九）项 | | | |
| 信息内容 | 采购项目数量 | 采购总金额 | |
| 政府集中采购 | 3 | 12.5 | |
三、收到和处理政府信息公开申请情况
| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |
| 自然人 | 法人或其他组织 | 总计 |
| 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |
| 一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |
| 二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 三、本年度办理结果 | （一）予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
| （二）部分公开（区分处理的，只计这一情形，不计其他情形） | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| （三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 4.保护第三方合法权益 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 5.属于三类内部事务信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 7.属于行政执法案卷 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 8.属于行政查询事项 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| （四）无法提供 | 1.本机关不掌握相关政府信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
| 2.没有现成信息需要另行制作 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 3.补正后申请内容仍不明确 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| （五）不予处理 | 1.信访举报投诉类申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 2.重复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 3.要求提供公开出版物 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 4.无正当理由大量反复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 5.要求行政机关确认或重新出具已获取信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| （六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| （七）总计 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |
| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
四、政府信息公开行政复议、行政诉讼情况
| 行政复议 | 行政诉讼 |
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
| 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
五、存在的主要问题及改进情况
存在问题：队伍不稳定。
改进情况：加强培训。
六、其他需要报告的事项
本年度未收取信息处理费。
"""


def test_the_2019_layout_is_read_where_it_maps_and_says_so():
    result = import_bytes(REPORT_2019.encode(), "2020.txt")
    r = result.report
    assert result.year == 2020 and r.year is None and r.organ == "某县某乡人民政府"
    assert any("2019 年格式" in n for n in result.notes) and any("2020 年" in n for n in result.notes)
    # what the two layouts share
    assert (r.proactive.licensing, r.proactive.penalties, r.proactive.enforcement) == (37, 5, 1)
    assert r.applications.new == [3, 0, 0, 0, 0, 0] and r.applications.unable.not_held == [1, 0, 0, 0, 0, 0]
    assert r.appeals.review == [0, 0, 0, 0]
    assert r.overview.proactive == "全年主动公开信息12条。" and r.problems == "队伍不稳定。"
    # what they do not: never filled in
    assert r.proactive.regulations is None and r.proactive.normative_documents is None and r.proactive.fees is None
    assert r.applications.other is None
    gaps = "\n".join(result.gaps)
    for words in ("「规章」", "「行政规范性文件」", "「行政事业性收费」", "3.其他", "统计年度"):
        assert words in gaps
    assert not result.complete
