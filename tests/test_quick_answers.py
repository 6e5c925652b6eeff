"""Issue 9 in the interview: nothing printed that was not answered or set by the county, the facts the
paragraphs rest on asked with one-tap answers, 「作出」/「未作出」, 六's fee sentence once, and the
one-tap paths (二 all zero, no application nor appeal, the rows of a group picked, 「全部采用」)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from nianbao.dialogs import narratives, quick
from nianbao.dialogs.catalogue import load_catalogue
from nianbao.dialogs.facts_input import parse_approx, parse_channels, parse_contact
from nianbao.dialogs.interview import Interview
from nianbao.dialogs.parsing import AnswerError
from nianbao.dialogs.prompts import Prompts
from nianbao.dialogs.scripted import feed, play, shown_buttons
from nianbao.report.model import Report
from nianbao.report.rules import check

TODAY = date(2025, 1, 20)
ORGAN, COUNTY = "托里县哈图镇人民政府", "托里县"
KNOWN = {"organ": ORGAN, "county": COUNTY, "organ_level": "town"}  # what an invite tells
COUNTY_TEXTS = {
    "narratives.default_channels": "政府门户网站、政务公开栏",
    "narratives.review_practice": "{{ we }}公开政府信息前，由经办人初审、分管领导审核、主要领导审签，并进行保密审查。",
    "narratives.assessment": "县人民政府将政务公开工作纳入年度绩效考核。",
    "narratives.improvements": "一是参加县里组织的政务公开业务培训；二是研究开通政务新媒体。",
}
# Claims the shipped defaults used to print without any answer behind them.
UNASKED = ("纳入年度工作考核", "三审三校", "由专人负责", "认真落实", "认真贯彻", "门户网站", "政务公开栏",
           "责任追究", "业务能力", "政务新媒体", "周密部署", "0件", "0元")


def interview(*, county_texts: bool = False, **given) -> Interview:
    prompts = Prompts(lambda county, key: COUNTY_TEXTS.get(key)) if county_texts else None
    return Interview.new(today=TODAY, organ=ORGAN, county=COUNTY, prompts=prompts, given={**KNOWN, **given})


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


def ids(reply) -> list[str]:
    return [b.id for b in reply.buttons]


PLAN = "一是参加县里组织的业务培训；二是研究开通政务新媒体。"
# Through the tables of a report with no application, to 一's first question.
ZERO_TABLES = ["#default", "跳过", "#table_zeros", "#none_at_all"]


# ---- nothing unasked -------------------------------------------------------------------------------


def test_the_shipped_defaults_say_nothing_no_answer_says():
    """With the tables answered and no fact and no county text, only the tables speak."""
    iv = interview()
    play(iv, ZERO_TABLES)
    assert iv.step_id == "channels"
    for step in iv.catalogue.steps:
        if step.kind == "narrative":
            text = iv.narrative_text(step, {}, narratives.figures(iv.report, iv.catalogue.organ_kinds,
                                                                    texts={n: "" for n in iv.catalogue.county_texts}))
            assert not any(claim in text for claim in UNASKED), (step.id, text)
    for name in ("management", "platforms", "oversight", "problems", "improvements", "proactive"):
        assert Prompts().narrative(name, COUNTY, **narratives.figures(iv.report, {}, texts=dict.fromkeys(
            iv.catalogue.county_texts, ""))) == "", name


def test_each_fact_appears_once_answered_and_only_then():
    iv = interview(county_texts=True, **{"contact.portal": "托里县人民政府门户网站（www.xjtl.gov.cn）"})
    replies = play(iv, ZERO_TABLES)
    assert "已选：政府门户网站、政务公开栏" in replies[-1].text  # the county's channels, proposed
    play(iv, ["#done", "约20", "#no"])
    assert iv.step_id == "overview_proactive"
    values = {s.id: iv.narrative_text(s, {}, quick.figures(iv))
              for s in iv.catalogue.steps if s.kind == "narrative"}
    assert values["overview_proactive"] == "全年，我镇主动公开政府信息约20条。"
    assert values["overview_platforms"] == "我镇通过托里县人民政府门户网站、政务公开栏公开政府信息。"  # the portal by name
    assert values["overview_management"].startswith("我镇公开政府信息前，由经办人初审")  # the county's text
    assert values["overview_oversight"] == "县人民政府将政务公开工作纳入年度绩效考核。全年未发生政府信息公开工作责任追究事项。"
    assert values["problems"] == "目前只通过托里县人民政府门户网站、政务公开栏公开政府信息，尚未使用政务新媒体。"
    assert values["other_matters"] == "全年未收取信息处理费。\n本年度无其他需要报告的事项。"


def test_accountability_yes_asks_how_many_and_a_line():
    iv = interview()
    play(iv, [*ZERO_TABLES, "门户网站", "20", "是", "1", "对信息发布不及时的1名工作人员进行了通报批评"])
    assert iv.report.facts.accountability == 1
    assert iv.step_id == "overview_proactive"
    play(iv, ["#default", "#default", "发布前经保密审查。", "#default", "#default"])
    assert iv.report.overview.oversight == ("全年因政府信息公开工作追究责任1件。"
                                            "对信息发布不及时的1名工作人员进行了通报批评。")
    iv.answer(f"修改 {[s.id for s in iv.asked_steps()].index('accountability') + 1}")
    iv.press("no")  # closed again: no figure and no line left behind
    assert iv.report.facts.accountability == 0 and iv.report.facts.accountability_note == ""
    assert iv.report.overview.oversight == "全年未发生政府信息公开工作责任追究事项。"


def test_decisions_are_made_not_published_and_zeros_are_not_made():
    iv = interview()
    play(iv, ["#default", "跳过", "#default", "0", "12", "3", "0", "0", "#none_at_all", "门户网站", "20", "否"])
    text = iv.narrative_text(iv.catalogue.by_id["overview_proactive"], {},
                             quick.figures(iv))
    assert "作出行政许可决定12件、行政处罚决定3件，未作出行政强制决定。" in text
    assert "公开行政许可" not in text and "0件" not in text


# ---- 六 -----------------------------------------------------------------------------------------


def to_other_matters(iv: Interview) -> None:
    play(iv, [*ZERO_TABLES, "门户网站", "20", "否", "#default", "#default", "审核后发布。", "#default", "#default",
              "#default", PLAN, "否"])
    assert iv.step_id == "other_matters"


@pytest.mark.parametrize("typed, printed", [
    ("本年度未收取信息处理费，无其他需要报告的事项。", "本年度未收取信息处理费，无其他需要报告的事项。"),
    ("本年度无其他需要报告的事项。", "全年未收取信息处理费。\n本年度无其他需要报告的事项。"),
    ("无", "全年未收取信息处理费。\n本年度无其他需要报告的事项。"),
])
def test_the_fee_sentence_is_said_once(typed, printed):
    iv = interview()
    to_other_matters(iv)
    iv.answer(typed)
    assert iv.report.other_matters == printed


def test_six_asks_the_usual_items_each_may_be_none():
    iv = interview()
    play(iv, [*ZERO_TABLES, "门户网站", "20", "否", "#default", "#default", "审核后发布。", "#default", "#default",
              "#default", PLAN, "是"])
    assert iv.step_id == "work_points"
    replies = play(iv, ["按照县政务公开工作要点完成了各项任务"])
    assert "没有" in [b.label for b in replies[-1].buttons]
    play(iv, ["#zeros", "跳过", "#default"])  # 建议提案: 没有; 创新: skipped, and nothing missing for it
    assert iv.report.other_matters == "全年未收取信息处理费。\n按照县政务公开工作要点完成了各项任务。"
    assert iv.report.facts.proposals == "" and iv.report.facts.innovation is None
    assert iv.step_id == "review" and not iv.missing_steps()


# ---- input slips ------------------------------------------------------------------------------------


def test_typing_the_supplement_button_word_is_the_button():
    iv = interview()
    play(iv, [*ZERO_TABLES, "门户网站", "20", "否"])
    replies = iv.answer("补充")
    assert iv.mode == {"kind": "extend"} and "要接在这段后面" in replies[0].text
    assert iv.report.overview is None  # the word 补充 is not the paragraph
    iv.answer("另有公示栏信息4条。")
    assert iv.report.overview.proactive == "全年，我镇主动公开政府信息20条。另有公示栏信息4条。"


def test_one_number_on_a_row_of_six_asks_whether_all_are_natural_persons():
    iv = interview()
    play(iv, ["#default", "跳过", "#table_zeros", "是"])
    assert iv.step_id == "new"
    replies = iv.answer("3")
    assert "都是「自然人」提出的吗" in replies[-1].text and ids(replies[-1])[:2] == ["nat_yes", "nat_no"]
    assert iv.report.applications is None or iv.report.applications.new is None
    saved = Interview.from_json(iv.to_json())  # the question waits in the saved state
    saved.press("nat_yes")
    assert saved.report.applications.new == [3, 0, 0, 0, 0, 0] and saved.step_id == "carried_over"
    replies = iv.answer("否")
    assert "请按顺序回 6 个数字" in replies[0].text and iv.step_id == "new" and iv.mode is None
    iv.answer("2 1 0 0 0 0")
    assert iv.report.applications.new == [2, 1, 0, 0, 0, 0]
    iv.answer("0")  # 0 on a row is all zeros, nothing to ask
    assert iv.report.applications.carried_over == [0] * 6 and iv.mode is None


def test_facts_readers():
    assert parse_approx("约20条") == {"count": 20, "approx": True}
    assert parse_approx("二十多条") == {"count": 20, "approx": True}
    assert parse_approx("120") == {"count": 120, "approx": False}
    assert parse_contact("托里县哈图镇人民政府院内，0901-3651234") == {
        "phone": "0901-3651234", "address": "托里县哈图镇人民政府院内"}
    assert parse_contact("电话：13912345678") == {"phone": "13912345678"}
    assert parse_contact("地址：托里县文化路18号 电话：(0901)6581234") == {
        "phone": "(0901)6581234", "address": "托里县文化路18号"}
    assert parse_channels("门户网站、公开栏和公众号", load_catalogue().options["channels"]) == [
        "政府门户网站", "政务公开栏", "微信公众号"]
    assert parse_channels("通过镇便民服务站等渠道", ["政府门户网站"]) == ["镇便民服务站"]
    for bad in ("托里县哈图镇", "约"):
        with pytest.raises(AnswerError):
            parse_contact(bad) if bad != "约" else parse_approx(bad)


# ---- one tap for a group ---------------------------------------------------------------------------


def test_channels_are_toggled_and_confirmed():
    iv = interview()
    replies = play(iv, ZERO_TABLES)
    assert "已选：（无）" in replies[-1].text
    iv.press("pick:0")
    iv.press("pick:2")
    replies = iv.press("pick:2")  # off again
    assert "已选：政府门户网站" in replies[-1].text and "✓政府门户网站" in [b.label for b in replies[-1].buttons]
    iv.press("done")
    assert iv.report.facts.channels == ["政府门户网站"] and iv.step_id == "published"


def test_table_two_all_zero_and_no_application_nor_appeal_in_one_tap_each():
    iv = interview()
    play(iv, ["#default", "跳过"])
    assert iv.step_id == "regulations"
    assert "二表全部为0" in [b.label for b in iv.start()[-1].buttons]
    iv.press("table_zeros")
    proactive = iv.report.proactive
    assert (proactive.licensing, proactive.penalties, proactive.enforcement, str(proactive.fees)) == (0, 0, 0, "0")
    assert iv.step_id == "applications"
    iv.press("none_at_all")
    assert iv.report.applications.new == [0] * 6 and iv.report.appeals.review == [0] * 4
    assert iv.report.processing_fee.cases == 0  # no application, no fee: not asked
    assert iv.step_id == "channels"


def test_rows_of_a_group_are_picked_so_only_those_are_asked():
    iv = interview()
    play(iv, ["#default", "跳过", "#table_zeros", "是", "自然人5", "0", "自然人2", "0"])
    assert iv.step_id == "withheld"
    replies = play(iv, ["四1 五3"])  # (四) row 1, (五) row 3, nothing in (三) and (六)
    assert iv.step_id == "unable_not_held" and "1.本机关不掌握" in replies[-1].text
    play(iv, ["自然人2", "自然人1", "#default", "否"])
    apps = iv.report.applications
    assert apps.withheld.state_secret == [0] * 6 and apps.other.other == [0] * 6
    assert apps.unable.not_held == [2, 0, 0, 0, 0, 0] and apps.not_processed.publications == [1, 0, 0, 0, 0, 0]
    assert iv.step_id == "channels"
    summary = iv.command("review")[0].text
    assert "有不予公开：否" in summary and "有无法提供：第1项" in summary
    # one row by its button; a group with nothing by 否
    other = interview()
    play(other, ["#default", "跳过", "#table_zeros", "是", "自然人1", "0", "0", "0"])
    other.press("row:3")
    assert other.step_id == "withheld_third_party"
    # a bare number is a row there, never the number of a button (a terminal shows buttons numbered)
    third = interview()
    replies = play(third, ["#default", "跳过", "#table_zeros", "是", "自然人1", "0", "0", "0"])
    assert third.expects_number
    feed(third, "2", shown_buttons(replies))
    assert third.step_id == "withheld_prohibited_by_law"


def test_adopt_all_takes_every_remaining_default_after_one_preview():
    iv = interview(county_texts=True)
    replies = play(iv, [*ZERO_TABLES, "#done", "4", "否"])
    preview = replies[-1].text
    for shown in ("（二）依申请公开：全年未收到", "（三）政府信息管理：我镇公开政府信息前", "六、其他事项：全年未收取信息处理费"):
        assert shown in preview
    assert "all" in ids(replies[-1])
    replies = iv.press("all")
    assert iv.step_id == "review" and not iv.missing_steps()
    assert "已采用建议写法" in replies[0].text
    assert [f for f in check(iv.report) if f.is_error or f.rule == "missing"] == []


def test_adopt_all_stops_where_there_is_no_default():
    iv = interview()  # no county texts: 一（三） and 五's 改进 rest on nothing
    play(iv, [*ZERO_TABLES, "门户网站", "4", "否"])
    iv.answer("全部采用")
    assert iv.step_id == "overview_management"
    assert "好" not in (iv.report.overview.management or "")
    replies = iv.answer("好")  # no proposal to take: said so, nothing stored
    assert "没有建议写法" in replies[0].text and iv.report.overview.management is None


# ---- known answers, levels, old files -----------------------------------------------------------


def test_what_the_transport_knows_is_not_asked_and_cancel_keeps_it():
    iv = interview(year=2024, **{"contact.address": "院内", "contact.phone": "0901-3651234"})
    assert iv.step_id == "regulations"
    iv.command("cancel")
    iv.answer("是")
    assert iv.step_id == "regulations" and iv.report.organ == ORGAN and iv.report.contact.phone == "0901-3651234"
    asked = [s.id for s in iv.asked_steps()]
    assert asked[:5] == ["organ", "county", "organ_level", "year", "contact"]  # still correctable by 修改 N
    iv.answer("修改 1")
    assert iv.step_id == "organ"


@pytest.mark.parametrize("organ, level, we", [
    ("托里县哈图镇人民政府", "town", "我镇"), ("托里县库普乡人民政府", "township", "我乡"),
    ("某区某某街道办事处", "street", "我街道"), ("托里县人民政府", "county", "我县"),
    ("托里县自然资源局", "county_department", "本机关"), ("托里县哈图镇人民政府", None, "我镇"),
])
def test_the_organ_level_names_the_organ(organ, level, we):
    assert narratives.we(Report(organ=organ, organ_level=level), load_catalogue().organ_kinds) == we


def test_the_level_is_asked_once_proposed_from_the_name():
    iv = Interview.new(today=TODAY, organ="托里县自然资源局", county=COUNTY)
    replies = play(iv, ["#default", "#default"])
    assert iv.step_id == "organ_level"
    assert replies[-1].buttons[0].label == "县直部门"  # proposed from the name
    iv.press("opt:other")
    assert iv.report.organ_level == "other"
    assert iv.proposal(iv.catalogue.by_id["regulations"]) is None  # other: may make 规章


def test_an_older_report_file_and_an_older_saved_interview_still_load():
    # the sample as report files were written before: no level, no facts, no contact
    old = json.loads((resources.files("nianbao") / "examples" / "hatu-2024.json").read_text("utf-8"))
    for key in ("organ_level", "facts", "contact"):
        old.pop(key, None)
    report = Report.from_data(old)
    assert report.facts is None and [f for f in check(report) if f.rule == "missing"] == []
    # a saved interview of before: a group gate answered 是 (every row asked), no `given`
    iv = interview()
    play(iv, ["#default", "跳过", "#table_zeros", "是", "自然人2", "0", "自然人1", "0"])
    data = iv.to_data()
    data.pop("given")
    data["extra"]["withheld"] = True
    data["step"] = "withheld_state_secret"
    restored = Interview.from_data(json.loads(json.dumps(data)))
    assert [s.id for s in restored.pending_steps()][:8] == [f"withheld_{k}" for k in (
        "state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs",
        "process_info", "enforcement_files", "query_matters")]


def test_the_year_proposed_from_today_by_the_bot_too():
    from nianbao.workflow.drafting import _year_arg

    assert [_year_arg("", day) for day in (date(2025, 1, 2), date(2025, 3, 31), date(2025, 4, 1))] == [2024, 2024, 2025]
    assert _year_arg("2023", date(2025, 4, 1)) == 2023


def test_the_progress_line_names_the_section_and_its_place():
    iv = interview()
    first = iv.start()[-1].text
    assert first.split("\n")[0] == "基本信息 · 1/8"
    replies = play(iv, ["#default", "跳过", "#table_zeros"])
    assert replies[-1].text.startswith("三、申请 · 3/8\n")


def test_scripts_answer_known_questions_only_when_asked():
    known = interview()
    unknown = Interview.new(today=TODAY)
    for iv in (known, unknown):
        replies = iv.start()
        for line in ("@organ 托里县哈图镇人民政府", "@county 托里县", "@organ_level 镇", "2024"):
            replies = feed(iv, line, shown_buttons(replies))
        assert iv.report.year == 2024 and iv.report.organ == ORGAN and iv.step_id == "contact"
