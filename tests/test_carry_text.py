"""Last year's paragraph with this year's figures (report/carry_text.py) and its 「沿用…年的」 button."""

from __future__ import annotations

from datetime import date

from nianbao.dialogs.interview import Interview
from nianbao.dialogs.scripted import play
from nianbao.report.carry_text import carried
from nianbao.report.narrative_figures import narrative_figure_findings
from nianbao.report.synth import consistent_report

ORGAN, COUNTY = "托里县哈图镇人民政府", "托里县"


def years(new_last: int, new_this: int):
    last = consistent_report(year=2024, organ=ORGAN, scale=2)
    this = consistent_report(seed=5, year=2025, organ=ORGAN, scale=2)
    last.applications.new = [new_last, 0, 0, 0, 0, 0]
    this.applications.new = [new_this, 0, 0, 0, 0, 0]
    return last, this


def test_a_table_figure_that_agreed_last_year_becomes_this_years():
    last, this = years(6, 3)
    assert carried("2024年，我镇共收到政府信息公开申请6件。", last, this) == "2025年，我镇共收到政府信息公开申请3件。"
    assert carried("二〇二四年度共收到申请6件。", last, this) == "二〇二五年度共收到申请3件。"


def test_a_figure_that_did_not_agree_last_year_is_left_out_not_guessed():
    last, this = years(6, 3)
    assert carried("全年共收到申请7件。我镇坚持依法公开。", last, this) == "我镇坚持依法公开。"


def test_year_bound_figures_other_years_and_changes_are_left_out():
    last, this = years(6, 3)
    text = ("2024年度开展培训3次。发布信息1200余条。全年共收到申请6件，同比增加2件。自2019年以来坚持公开。"
            "组织培训两次。2025年将继续完善。通过12345热线和0901-3651234受理咨询。一是加强学习；二是统一格式。")
    assert carried(text, last, this) == ("全年共收到申请3件。2026年将继续完善。通过12345热线和0901-3651234受理咨询。"
                                          "一是加强学习；二是统一格式。")


def test_a_none_stays_only_while_it_is_true():
    last, this = years(0, 0)
    this.appeals.review = [0, 1, 0, 1]
    text = "全年未收到政府信息公开申请。未发生因政府信息公开引起的行政复议、行政诉讼。"
    assert carried(text, last, this) == "全年未收到政府信息公开申请。"
    this.applications.new = [1, 0, 0, 0, 0, 0]
    assert carried(text, last, this) == ""
    this.applications.new = None  # not answered yet: nothing said of it
    assert carried("全年未收到政府信息公开申请。", last, this) == ""


def test_the_result_never_disagrees_with_this_years_tables():
    """Over many pairs of synthetic years: what is carried over passes the narrative figure check."""
    text = ("{y}年，我镇共收到政府信息公开申请{n}件，办结{d}件，结转下年度{f}件。"
            "未发生因政府信息公开引起的行政复议、行政诉讼。我镇坚持依法公开。")
    for seed in range(40):
        last = consistent_report(seed=seed, year=2024, organ=ORGAN, scale=2)
        this = consistent_report(seed=seed + 100, year=2025, organ=ORGAN, scale=2)
        apps = last.applications
        written = text.format(y=2024, n=sum(apps.new), d=sum(apps.outcomes_total), f=sum(apps.carried_forward))
        this.overview.on_request = carried(written, last, this)
        assert "我镇坚持依法公开" in this.overview.on_request
        assert not [f for f in narrative_figure_findings(this) if "on_request" in " ".join(f.paths)], \
            (seed, this.overview.on_request)


ZERO_TABLES = ["#default", "跳过", "#table_zeros", "#none_at_all"]


def test_the_interview_offers_last_years_paragraph_beside_the_default_and_keeps_it_true():
    last = consistent_report(year=2023, organ=ORGAN, scale=2)
    last.county = COUNTY
    last.overview.proactive = "2023年，我镇主动公开政府信息45条。全年制发规范性文件0件。我镇通过公示栏和政府网站公开信息。"
    iv = Interview.new(today=date(2025, 1, 20), organ=ORGAN, county=COUNTY,
                       given={"organ": ORGAN, "county": COUNTY, "organ_level": "town"})
    iv.last_year = last
    replies = play(iv, [*ZERO_TABLES, "门户网站", "20", "否"])
    assert iv.step_id == "overview_proactive"
    buttons = {b.id: b.label for b in replies[-1].buttons}
    assert buttons["last"] == "沿用2023年的" and "default" in buttons
    replies = play(iv, ["#last"])
    assert iv.report.overview.proactive == "我镇通过公示栏和政府网站公开信息。"  # the year's figures are not this year's
    assert "已用2023年这一段" in replies[0].text and "我镇通过公示栏" in replies[0].text
    assert iv.step_id == "overview_on_request"
    # Without last year's report (another front end, or it was removed) the text stays as it was.
    iv.last_year = None
    play(iv, ["#default"])
    assert iv.report.overview.proactive == "我镇通过公示栏和政府网站公开信息。"


def test_no_button_when_nothing_of_last_years_paragraph_holds():
    last = consistent_report(year=2023, organ=ORGAN, scale=2)
    last.overview.proactive = "2023年，我镇主动公开政府信息45条。"
    iv = Interview.new(today=date(2025, 1, 20), organ=ORGAN, county=COUNTY,
                       given={"organ": ORGAN, "county": COUNTY, "organ_level": "town"})
    iv.last_year = last
    replies = play(iv, [*ZERO_TABLES, "门户网站", "20", "否"])
    assert "last" not in {b.id for b in replies[-1].buttons}
    replies = play(iv, ["用去年的"])
    assert "没有能沿用的句子" in replies[0].text and iv.step_id == "overview_proactive"
