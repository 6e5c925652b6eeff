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
    "count": [*COMMON, "abc", "-1", "1.5", "3 4", "十亿", "😀"],
    "row3": [*COMMON, "1 2", "1 2 3 4", "a b c", "-1 0 0", "制发1 废止x", "1.5 0 0"],
    "row6": [*COMMON, "1 2 3", "1 2 3 4 5 6 7", "自然人-1", "外星人3", "1.5 0 0 0 0 0", "自然人1 自然人2"],
    "row4": [*COMMON, "1 2 3", "维持1 维持2", "abc"],
    "amount_wan": [*COMMON, "abc", "-5", "1.2.3", "0.123456789"],
    "amount_yuan": [*COMMON, "abc", "-5", "0.001", "1,2,3"],
    "gate": [*COMMON, "也许", "2", "abc"],
    "narrative": [*COMMON, "好😀", "字"],
}
# One step of every kind (two for the commonest), reached through the full-figures script.
STEPS = {"organ": "text", "county": "text", "year": "year", "licensing": "count", "fee_cases": "count",
         "regulations": "row3", "new": "row6", "carried_forward": "row6", "appeals_review": "row4",
         "fees": "amount_wan", "fee_amount": "amount_yuan", "applications": "gate", "withheld": "gate",
         "overview_proactive": "narrative", "other_matters": "narrative"}


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
    assert interview.step.kind == STEPS[step]
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
    assert kinds == set(STEPS.values()) == set(BAD)
