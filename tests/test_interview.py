"""Complete interviews through Interview: the reference report, a report with figures everywhere,
validation as answers arrive, edits that re-trigger rules, commands and persistence."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from nianbao.dialogs import screens
from nianbao.dialogs.interview import Interview, Reply
from nianbao.dialogs.scripted import feed, play, script_lines, shown_buttons
from nianbao.report import labels
from nianbao.report.model import Report
from nianbao.report.rules import check

TODAY = date(2025, 1, 20)
EXAMPLES = resources.files("nianbao") / "examples"
SAMPLE = Report.from_json((EXAMPLES / "hatu-2024.json").read_text(encoding="utf-8"))
HATU_SCRIPT = script_lines((EXAMPLES / "hatu-2024.script").read_text(encoding="utf-8"))
FULL_SCRIPT = script_lines((EXAMPLES / "full-figures.script").read_text(encoding="utf-8"))
# The no-application township by taps: every proposal and default paragraph accepted; the two
# paragraphs nothing answered says anything about (no county text here) typed.
MANAGEMENT = "公开政府信息前，由经办人初审、分管领导审核、主要领导审签。"
IMPROVEMENTS = "一是参加县里组织的业务培训；二是开通政务新媒体。"
CONTACT = "托里县哈图镇人民政府院内，0901-3651234"
HATU_TAPS = ["#default", "#default", "#default", "#default", CONTACT,  # organ, county, level, year, contact
             "#default", "#zeros", "#zeros", "#zeros", "#zeros", "#zeros",  # 二
             "#no", "#no",                                             # 三, 四 gates
             "门户网站、公开栏", "4", "#no",                             # 一's facts: channels, items, 责任追究
             "#all",                                                   # 一、五、六's default paragraphs
             MANAGEMENT, IMPROVEMENTS,                                 # 一（三）, 五 改进: no default
             "#gen"]
AT_FACTS = 13       # taps before 一's first fact question (channels)
AT_NARRATIVES = 16  # taps before 一（一）'s paragraph


def run(lines: list[str], interview: Interview | None = None) -> tuple[Interview, list[Reply]]:
    interview = interview or Interview.new(today=TODAY)
    return interview, play(interview, lines)


def taps(n: int | None = None) -> tuple[Interview, list[Reply]]:
    """The first ``n`` taps of the reference township (its name given by the transport, as the bot will)."""
    return run(HATU_TAPS[:n], Interview.new(today=TODAY, organ="托里县哈图镇人民政府"))


def tables(report: Report) -> dict:
    data = report.to_data()
    return {key: data.get(key) for key in ("organ", "county", "year", "proactive", "applications", "appeals",
                                           "processing_fee")}


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def ids(reply: Reply) -> list[str]:
    return [b.id for b in reply.buttons]


def until(step_id: str, lines: list[str] = FULL_SCRIPT) -> tuple[Interview, list[Reply]]:
    """The full-figures interview, stopped when ``step_id`` is asked."""
    interview = Interview.new(today=TODAY)
    replies = interview.start()
    for line in lines:
        if interview.step_id == step_id:
            return interview, replies
        replies = feed(interview, line, shown_buttons(replies))
    raise AssertionError(f"{step_id} never asked")


# ---- the reference report -------------------------------------------------------------------------


def test_reference_township_by_taps_in_at_most_25_answers():
    interview, replies = taps()
    assert len(HATU_TAPS) <= 25
    # every question asked was answered (「全部采用」 answers several at once)
    answered = {step for step, _, _ in interview.history}
    assert answered == {s.id for s in interview.asked_steps()}
    assert interview.report.contact.model_dump() == {"portal": None, "address": "托里县哈图镇人民政府院内",
                                                     "phone": "0901-3651234"}
    assert replies[-1].render and interview.finished
    assert tables(interview.report) == tables(SAMPLE)
    overview = interview.report.overview
    assert overview.proactive == "全年，我镇主动公开政府信息4条。"
    assert "未收到政府信息公开申请" in overview.on_request
    assert overview.oversight == "全年未发生政府信息公开工作责任追究事项。"
    assert overview.management == MANAGEMENT
    assert interview.report.other_matters == "全年未收取信息处理费。\n本年度无其他需要报告的事项。"
    assert [f for f in check(interview.report) if f.is_error or f.rule == "missing"] == []


def test_reference_script_reproduces_the_sample_report_exactly():
    interview, replies = run(HATU_SCRIPT)
    assert len(HATU_SCRIPT) <= 26  # 21 before the level, the contact and 一's three facts were asked
    assert replies[-1].render
    assert interview.report.to_json() == SAMPLE.to_json()


def test_default_year_is_last_calendar_year_of_the_given_date():
    interview = Interview.new(today=date(2031, 1, 3), organ="托里县哈图镇人民政府")
    play(interview, ["#default"] * 4)
    assert interview.report.year == 2030


def test_from_april_the_proposed_year_is_the_current_one():
    for day, year in ((date(2031, 3, 31), 2030), (date(2031, 4, 1), 2031), (date(2031, 12, 30), 2031)):
        interview = Interview.new(today=day, organ="托里县哈图镇人民政府")
        play(interview, ["#default"] * 4)
        assert interview.report.year == year, day


# ---- figures in every group ------------------------------------------------------------------------


def test_figures_in_every_group():
    interview, replies = run(FULL_SCRIPT)
    report = interview.report
    assert replies[-1].render and interview.finished
    assert [f for f in check(report)] == []  # no error, no warning, nothing missing
    apps = report.applications
    assert apps.new == [5, 1, 1, 0, 1, 1] and apps.carried_over == [1, 0, 0, 0, 0, 0]
    assert apps.withheld.state_secret == [1, 0, 0, 0, 0, 0] and apps.withheld.query_matters == [0] * 6
    assert apps.unable.not_held == [1, 0, 0, 0, 0, 0] and apps.not_processed.reconfirm == [0, 0, 0, 0, 1, 0]
    assert apps.other.other == [0, 0, 0, 0, 0, 1]
    assert apps.carried_forward == [1, 0, 0, 0, 0, 0]  # proposed as 一 + 二 − （七） and accepted
    assert report.proactive.normative_documents.values() == [2, 1, 5]
    assert str(report.proactive.fees) == "1.5"
    assert report.appeals.review == [1, 0, 0, 0] and report.appeals.litigation_after_review == [0, 0, 0, 1]
    assert (report.processing_fee.cases, str(report.processing_fee.amount_yuan)) == (2, "200")
    # default paragraphs quote the tables; replaced and extended ones keep the official's words
    assert f"全年新收政府信息公开申请{sum(apps.new)}件" in report.overview.on_request
    assert "被申请行政复议1件、被提起行政诉讼2件" in report.overview.on_request
    assert "作出行政许可决定12件、行政处罚决定3件、行政强制决定1件" in report.overview.proactive
    assert report.facts.channels == ["政府门户网站", "微信公众号"] and report.facts.published.approx
    assert report.overview.management.startswith("本局严格执行")
    assert report.overview.platforms.endswith("另开设政务公众号一个，及时发布政策解读。")
    assert "2件" in report.other_matters and "200元" in report.other_matters


def test_every_table_row_question_names_its_label_and_column_order():
    interview = Interview.new(today=TODAY)
    replies = interview.start()
    seen = set()
    for line in FULL_SCRIPT:
        step = interview.step
        if step.columns and interview.mode is None:
            question = replies[-1].text
            assert f"「{step.label}」" in question, step.id
            assert "、".join(step.columns) in question, step.id
            seen.add(step.kind)
        replies = feed(interview, line, shown_buttons(replies))
    assert seen == {"row3", "row4", "row6"}


def test_history_and_last_accepted_feed_an_audit_log():
    interview, _ = until("licensing")
    interview.answer("12件")
    assert [(a.step, a.raw, a.value) for a in interview.last_accepted] == [("licensing", "12件", 12)]
    assert interview.history[-1] == ["licensing", "12件", 12]
    interview.answer("不知道")
    assert interview.last_accepted == []


# ---- validation as answers arrive ------------------------------------------------------------------


def test_outcomes_exceeding_new_plus_carried_block_with_column_and_excess():
    interview, _ = until("granted")
    before = interview.to_json()
    replies = interview.answer("7 0 0 0 0 0")  # 自然人: 一+二 = 6
    assert interview.to_json() != before  # the block is shown (mode), but the report is untouched
    assert interview.report.applications.granted is None and interview.step_id == "granted"
    assert "「自然人」列" in replies[-1].text and "多 1 件" in replies[-1].text
    assert ids(replies[-1]) == ["retry", "edit:new", "edit:carried_over", "back"]
    assert interview.last_accepted == []
    # re-enter the earlier row, then the flow comes back to the blocked one
    replies = interview.press("edit:new")
    assert interview.step_id == "new" and "当前：5 1 1 0 1 1" in replies[-1].text
    interview.answer("6 1 1 0 1 1")
    assert interview.step_id == "granted"
    interview.answer("7 0 0 0 0 0")
    assert interview.report.applications.granted == [7, 0, 0, 0, 0, 0]


def test_a_wrong_carried_forward_is_blocked_by_rule_a():
    interview, _ = until("carried_forward")
    replies = interview.answer("0")
    assert interview.report.applications.carried_forward is None
    assert "「自然人」列：新收 + 上年结转 = 6" in texts(replies) and "相差 1 件" in texts(replies)
    replies = interview.press("retry")
    assert "按 新收 + 上年结转 − 已办结 算得：1 0 0 0 0 0" in replies[-1].text
    interview.press("default")
    assert interview.report.applications.carried_forward == [1, 0, 0, 0, 0, 0]


def test_warning_asks_for_confirmation_and_keeps_the_answer():
    interview, _ = run(["托里县哈图镇人民政府", "#default", "#default", "#default", "跳过"])
    replies = interview.answer("1 0 1")  # a township reporting 规章
    assert interview.step_id == "regulations" and interview.report.proactive.regulations.values() == [1, 0, 1]
    assert "乡镇、街道不能制定规章" in replies[-1].text
    assert ids(replies[-1]) == ["continue", "change"]
    replies = interview.answer("修改")
    assert interview.step_id == "regulations" and interview.mode is None
    interview.answer("1 0 1")  # the same figures again: the warning was already shown, not asked twice
    assert interview.mode is None and interview.step_id == "normative_documents"


def test_warning_continue_by_word():
    interview, _ = run(["托里县哈图镇人民政府", "#default", "#default", "#default", "跳过", "2 0 2"])
    assert interview.mode["kind"] == "warning"
    interview.answer("继续")
    assert interview.step_id == "normative_documents"
    assert interview.report.proactive.regulations.values() == [2, 0, 2]


# ---- edits that change earlier figures -------------------------------------------------------------


def at_review() -> Interview:
    interview, _ = run(FULL_SCRIPT[:-1])
    assert interview.step_id == "review"
    return interview


def line_of(interview: Interview, step_id: str) -> int:
    return [s.id for s in interview.asked_steps()].index(step_id) + 1


def test_editing_new_re_asks_carried_forward_with_a_new_proposal():
    interview = at_review()
    replies = interview.answer(f"修改 {line_of(interview, 'new')}")
    assert interview.step_id == "new"
    replies = interview.answer("7 1 1 0 1 1")  # two more from 自然人
    assert "「四、结转下年度继续办理」与刚修改的数字对不上" in replies[0].text
    assert interview.step_id == "carried_forward"
    assert "算得：3 0 0 0 0 0" in replies[-1].text
    # the default paragraph already follows the new figures
    assert "全年新收政府信息公开申请11件" in interview.report.overview.on_request
    interview.press("default")
    assert interview.step_id == "review" and interview.pending_steps() == []
    assert [f for f in check(interview.report) if f.is_error] == []


def test_editing_new_below_the_outcomes_re_asks_the_last_outcome_row():
    interview = at_review()
    interview.command("edit", str(line_of(interview, "new")))
    replies = interview.answer("3 1 1 0 1 1")  # 自然人 outcomes are 5, 一+二 now 4
    assert interview.step_id == "other_other"  # the latest outcome row involved
    assert {s.id for s in interview.pending_steps()} == {"other_other", "carried_forward"}
    assert "比新收 + 上年结转的 4 件多 1 件" in texts(replies)
    replies = interview.answer("0 0 0 0 0 1")  # still too many: it is now the last piece → blocked
    assert interview.mode["kind"] == "block" and "多 1 件" in replies[-1].text
    assert ids(replies[-1]) == ["retry", "edit:new", "edit:carried_over", "back"]
    interview.answer(f"修改 {line_of(interview, 'granted')}")
    interview.answer("1 1 0 0 0 0")
    assert interview.step_id == "other_other"  # first pending after the edited row
    interview.press("keep")
    assert interview.step_id == "carried_forward"
    interview.press("default")
    assert interview.report.applications.carried_forward == [0, 0, 0, 0, 0, 0]
    assert interview.step_id == "review" and [f for f in check(interview.report) if f.is_error] == []


def test_closing_and_reopening_a_gate():
    interview = at_review()
    interview.answer(f"修改 {line_of(interview, 'withheld')}")
    interview.press("no")  # the 8 rows become 0: 自然人 outcomes drop by one, 四 must change
    assert interview.report.applications.withheld.state_secret == [0] * 6
    assert interview.step_id == "carried_forward" and "算得：2 0 0 0 0 0" in screens.question_text(interview)
    interview.press("default")
    assert interview.step_id == "review"
    interview.answer(f"修改 {line_of(interview, 'withheld')}")
    interview.press("row:3")  # reopened with row 4 picked: it is asked, nothing is kept as a silent 0
    assert interview.step_id == "withheld_third_party"
    assert interview.report.applications.withheld.third_party is None
    assert interview.report.applications.withheld.state_secret == [0] * 6  # not picked: 0


def test_closing_the_applications_gate_zero_fills_table_three():
    interview = at_review()
    interview.answer(f"修改 {line_of(interview, 'applications')}")
    interview.press("no")
    apps = interview.report.applications
    assert apps.model_dump() == apps.zeros().model_dump()
    assert "未收到政府信息公开申请" in interview.report.overview.on_request
    assert interview.step_id == "review"


def test_back_goes_to_the_previous_asked_question_skipping_closed_groups():
    interview, _ = taps(AT_FACTS)  # after the 四 gate
    assert interview.step_id == "channels"
    interview.answer("返回")
    assert interview.step_id == "appeals"
    interview.command("back")
    assert interview.step_id == "applications"  # table 三's rows were never asked
    replies = interview.press("keep")
    assert interview.step_id == "channels", texts(replies)


# ---- commands ----------------------------------------------------------------------------------------


def test_commands_in_words_and_slash_forms():
    interview, _ = taps(7)
    assert interview.step_id == "licensing"
    status = interview.answer("进度")[0].text
    assert "二、主动公开 · 2/8" in status and "二、主动公开政府信息情况" in status and "尚未填写" in status
    assert "条例第二十条第（五）项" in interview.answer("/help")[0].text
    summary = interview.answer("预览")[0].text
    assert "1. 报告机关：托里县哈图镇人民政府" in summary and "6. 规章：0 0 0" in summary
    assert "3. 机关级别：镇" in summary and "5. 咨询地址电话：托里县哈图镇人民政府院内，0901-3651234" in summary
    interview.answer("/edit@nianbao_bot 2")
    assert interview.step_id == "county"
    interview.answer("/back")
    assert interview.step_id == "organ"
    assert "已经是第一步" in interview.answer("上一步")[0].text
    assert "没有第 99 项" in interview.answer("修改 99")[0].text


def test_skip_only_where_allowed_and_missing_items_stay_visible():
    interview, _ = taps(AT_NARRATIVES)
    interview.answer("跳过")  # 一（一） may be skipped
    assert interview.step_id == "overview_on_request" and interview.report.overview is None
    _, replies = run(HATU_TAPS[AT_NARRATIVES:], interview)
    summary = interview.command("review")[0].text
    assert "（一）主动公开：（已跳过）" in summary and "还有 1 项未填写" in summary
    assert replies[-1].render and not interview.finished
    assert "还有 1 项未填写" in replies[-1].text
    assert "一、总体情况：1 项" in interview.answer("进度")[0].text


def test_skip_refused_for_figures():
    interview, _ = taps(6)
    replies = interview.answer("跳过")
    assert "不能跳过" in replies[0].text and interview.step_id == "normative_documents"


def test_cancel_after_confirmation_only():
    interview, _ = taps(8)
    replies = interview.answer("取消")
    assert ids(replies[-1]) == ["cancel_yes", "cancel_no"]
    interview.press("cancel_no")
    assert interview.step_id == "penalties" and interview.report.organ
    interview.command("cancel")
    replies = interview.answer("是")
    assert "已取消" in replies[0].text
    assert interview.step_id == "organ" and interview.report == Report() and interview.history == []


def test_stale_or_unknown_buttons_change_nothing():
    interview, _ = taps(6)
    before = interview.to_json()
    for button in ("yes", "extend", "edit:new", "nonsense"):
        replies = interview.press(button)
        assert "已过期" in replies[0].text and interview.to_json() == before
    assert interview.press("status")[0].text.startswith("进度")


def test_generate_refused_while_figures_do_not_add_up():
    interview = at_review()
    interview.report.applications.carried_forward = [5, 0, 0, 0, 0, 0]  # as if edited elsewhere
    interview._findings = None
    replies = interview.answer("生成")
    assert not any(r.render for r in replies) and "暂不能生成" in replies[0].text


def test_extend_button_appends_to_the_default_paragraph():
    interview, _ = taps(AT_NARRATIVES)
    replies = interview.press("extend")
    assert "要接在这段后面" in replies[0].text
    interview.answer("另有公示栏信息4条。")
    text = interview.report.overview.proactive
    assert text == "全年，我镇主动公开政府信息4条。另有公示栏信息4条。"


# ---- persistence --------------------------------------------------------------------------------------


def test_round_trip_is_exact_and_small():
    interview, _ = run(FULL_SCRIPT[:-1])
    text = interview.to_json()
    restored = Interview.from_json(text)
    assert restored.to_json() == text
    assert restored.step_id == "review" and restored.report == interview.report
    assert len(text.encode()) < 20_000
    assert json.loads(text)["report"] == interview.report.to_data()


def test_restore_rejects_unknown_steps():
    data = Interview.new(today=TODAY).to_data()
    data["step"] = "no_such_step"
    with pytest.raises(ValueError):
        Interview.from_data(data)


def test_start_resumes_where_it_stopped():
    interview, _ = taps(7)
    restored = Interview.from_json(interview.to_json())
    replies = restored.start()
    assert "接着上次的进度" in replies[0].text and "「行政许可」" in replies[-1].text


def test_section_headings_in_questions_are_the_national_ones():
    interview, replies = until("appeals")
    assert replies[-1].text.startswith("四、复议诉讼 · 4/8\n四、")
    assert labels.SECTION_HEADINGS[3] in interview.answer("进度")[0].text  # the missing items, by heading


def test_the_position_shown_never_grows_under_the_official():
    """「三、申请 · 3/8」: the section's place among the eight, whatever the gates open."""
    interview = Interview.new(today=TODAY)
    replies = interview.start()
    places = []
    for line in FULL_SCRIPT:
        header = replies[-1].text.split("\n", 1)[0]
        if " · " in header:
            places.append(header.rsplit(" · ", 1)[1])
        replies = feed(interview, line, shown_buttons(replies))
    assert {p.split("/")[1] for p in places} == {"8"}
    ks = [int(p.split("/")[0]) for p in places]
    assert ks == sorted(ks) and ks[0] == 1 and ks[-1] == 7


def test_changed_tells_the_transport_when_to_persist():
    interview, _ = taps(7)
    for looks in ("进度", "帮助", "预览", "abc", "#yes"):
        feed(interview, looks)
        assert not interview.changed, looks
    for moves in ("返回", "修改 2", "托里县", "修改 6", "2 0 2"):  # back, jumps, an answer, a warning waiting
        feed(interview, moves)
        assert interview.changed, moves
    assert interview.mode["kind"] == "warning"
    saved = interview.to_json()
    assert Interview.from_json(saved).to_json() == saved


def test_command_words_tolerate_punctuation_but_answers_are_not_commands():
    interview, _ = taps(AT_NARRATIVES)
    interview.answer("跳过。")
    assert interview.step_id == "overview_on_request" and "overview_proactive" in interview.skipped
    interview.answer("好。")  # accepts the proposed paragraph
    assert interview.step_id == "overview_management"
    interview.answer("第3项工作已完成，发布前均经审核。")  # text starting like 「第3项」 is a paragraph
    assert interview.report.overview.management == "第3项工作已完成，发布前均经审核。"
    assert interview.step_id == "overview_platforms"
