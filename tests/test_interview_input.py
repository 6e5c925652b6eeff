"""Every kind of bad input at every kind of step: the parser's message (what is expected, with an
example), the same question again, and nothing already accepted changed."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

import pytest

from nianbao.dialogs.interview import Interview
from nianbao.dialogs.scripted import feed, script_lines, shown_buttons

TODAY = date(2025, 1, 20)
FULL_SCRIPT = script_lines((resources.files("nianbao") / "examples" / "full-figures.script").read_text("utf-8"))

LONG = "一" * 3000
COMMON = ["", "   ", LONG, "3\x07", "\x1b[2J"]  # empty, blank, overlong, control characters
BAD = {
    "text": [*COMMON, "托", "托里县😀"],
    "year": [*COMMON, "2019", "3000", "明年", "二〇", "2024.5"],
    "count": [*COMMON, "abc", "-1", "1.5", "3 4", "9223372036854775808", "😀", "未"],
    "row3": [*COMMON, "1 2", "1 2 3 4", "a b c", "-1 0 0", "制发1 废止x", "1.5 0 0"],
    "row6": [*COMMON, "1 2 3", "1 2 3 4 5 6 7", "1 0 0 0 0 0 1 1", "自然人-1", "外星人3", "1.5 0 0 0 0 0", "自然人1 自然人2"],
    "row4": [*COMMON, "1 2 3", "维持1 维持2", "abc", "1 0 0 0 2"],
    "amount_wan": [*COMMON, "abc", "-5", "1.2.3", "0.123456789"],
    "amount_yuan": [*COMMON, "abc", "-5", "0.001", "1,2,3"],
    "gate": [*COMMON, "也许", "2", "abc"],
    "pick": [*COMMON, "也许", "9", "三9", "七1", "1 x"],  # a gate picking rows: 「1 4」「三1 四2」 are answers
    "narrative": [*COMMON, "好😀", "字"],
    "choice": [*COMMON, "市", "7", "abc"],
    "multi": [*COMMON, "、、", "，"],  # any name is a channel (「镇便民服务站」)
    "approx": [*COMMON, "abc", "约", "-3", "1.5", "约abc"],
    "contact": [*COMMON, "托里县哈图镇", "电话"],
}
KIND = {"pick": "gate"}  # BAD's key → the step's kind
# One step of every kind (two for the commonest), reached through the full-figures script.
STEPS = {"organ": "text", "county": "text", "year": "year", "licensing": "count", "fee_cases": "count",
         "regulations": "row3", "new": "row6", "carried_forward": "row6", "appeals_review": "row4",
         "fees": "amount_wan", "fee_amount": "amount_yuan", "applications": "gate", "withheld": "pick",
         "overview_proactive": "narrative", "problems": "narrative", "organ_level": "choice",
         "channels": "multi", "published": "approx", "contact": "contact"}


@cache
def saved_at() -> dict[str, tuple[str, str]]:
    """Each step's saved interview and question text, the moment it is first asked."""
    interview = Interview.new(today=TODAY)
    replies = interview.start()
    found = {}
    for line in FULL_SCRIPT:
        if interview.step_id in STEPS and interview.step_id not in found:
            found[interview.step_id] = (interview.to_json(), replies[-1].text)
        replies = feed(interview, line, shown_buttons(replies))
    return found


CASES = [(step, text) for step, kind in STEPS.items() for text in BAD[kind]]


@pytest.mark.parametrize("step, text", CASES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(CASES)])
def test_bad_input_is_explained_and_changes_nothing(step, text):
    saved, question = saved_at()[step]
    interview = Interview.from_json(saved)
    assert interview.step.kind == KIND.get(STEPS[step], STEPS[step])
    replies = interview.answer(text)
    assert interview.to_json() == saved  # state and report unchanged
    assert interview.last_accepted == []
    assert "例如" in replies[0].text and replies[0].text != question  # what was expected, with an example
    assert replies[-1].text == question  # the same question again


def test_bad_input_in_the_review_explains_what_to_send():
    interview = Interview.new(today=TODAY)
    replies = interview.start()
    for line in FULL_SCRIPT[:-1]:
        replies = feed(interview, line, shown_buttons(replies))
    saved = interview.to_json()
    for text in ["abc", "", LONG, "修改 abc"]:
        replies = interview.answer(text)
        assert interview.to_json() == saved
        assert "修改" in replies[0].text and "例如" in replies[0].text


def test_every_kind_of_step_is_covered():
    kinds = {s.kind for s in Interview.new(today=TODAY).catalogue.steps} - {"review"}
    assert kinds == {KIND.get(k, k) for k in STEPS.values()} == {KIND.get(k, k) for k in BAD}


# ---- slips that are answers: what an official types on a phone is read as meant ----

GOOD = [
    ("new", "3 0 0 0 0 1 4", "applications.new", [3, 0, 0, 0, 0, 1]),  # the total at the end
    ("new", "自然人3 其他1 总计4", "applications.new", [3, 0, 0, 0, 0, 1]),
    ("appeals_review", "1 0 0 1 2", "appeals.review", [1, 0, 0, 1]),
    ("regulations", "无此类情况", "proactive.regulations", {"issued": 0, "repealed": 0, "in_force": 0}),
    ("licensing", "无此类情况", "proactive.licensing", 0),
    ("licensing", "没有发生", "proactive.licensing", 0),
    ("fee_cases", "未发生", "processing_fee.cases", 0),
    ("licensing", "１,２３４", "proactive.licensing", 1234),
    ("licensing", "1万", "proactive.licensing", 10000),
    ("fees", "共计1.25万元", "proactive.fees", "1.25"),
    ("fees", "1.25万", "proactive.fees", "1.25"),
    ("fee_amount", "约1.25万元", "processing_fee.amount_yuan", "12500"),
    ("fee_amount", "1.25万", "processing_fee.amount_yuan", "12500"),
]


@pytest.mark.parametrize("step, text, path, value", GOOD, ids=[f"{g[0]}-{i}" for i, g in enumerate(GOOD)])
def test_slips_are_read_as_meant(step, text, path, value):
    interview = Interview.from_json(saved_at()[step][0])
    interview.answer(text)
    assert [a.step for a in interview.last_accepted] == [step]
    got = interview.report.to_data()
    for part in path.split("."):
        got = got[part]
    assert got == value


@pytest.mark.parametrize("step, text", [("applications", "无此类情况"), ("withheld", "没有发生"),
                                        ("applications", "未发生")])
def test_nothing_happened_answers_a_gate_no(step, text):
    interview = Interview.from_json(saved_at()[step][0])
    interview.answer(text)
    assert interview.last_accepted and interview.last_accepted[0].value is False


def test_a_wrong_total_is_explained_with_an_example():
    saved, question = saved_at()["new"]
    interview = Interview.from_json(saved)
    replies = interview.answer("3 0 0 0 0 1 5")
    assert interview.to_json() == saved and interview.last_accepted == []
    assert "总计 5" in replies[0].text and "之和 4" in replies[0].text and "例如：3 0 0 0 0 1 4" in replies[0].text
    assert replies[-1].text == question
