"""Serializing and restoring at any step, then continuing, equals continuing directly."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.dialogs.interview import Interview
from nianbao.dialogs.scripted import feed, shown_buttons

TODAY = date(2025, 1, 20)
# Answers that fit some step, answers that fit none, commands and button presses, in any order.
ACTIONS = [
    "托里县哈图镇人民政府", "托里县", "2024", "0", "1", "12", "1 0 1", "2 1 3", "3 0 0 0 0 1", "2 1 0 0 0 0",
    "自然人1", "1 0 0 0", "1.5", "200元", "是", "否", "采用", "继续", "无", "+补充一句。",
    "本年度工作有序开展，各项任务按时完成。", "abc", "", "返回", "跳过", "进度", "预览", "帮助", "修改 2",
    "修改 12", "取消", "生成", "#1", "#2", "#3", "#default", "#zeros", "#keep", "#extend", "#retry",
]
actions = st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=45)


def snapshot(interview: Interview, replies) -> tuple:
    return (interview.to_json(), [(r.text, r.buttons, r.render) for r in replies],
            interview.last_accepted, interview.progress, interview.finished, interview.changed)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=actions, cut=st.integers(min_value=0, max_value=45),
       organ=st.sampled_from([None, "托里县哈图镇人民政府"]))
def test_restore_then_continue_equals_continue(lines, cut, organ):
    cut = min(cut, len(lines))
    direct = Interview.new(today=TODAY, organ=organ)
    replies = direct.start()
    paused = Interview.new(today=TODAY, organ=organ)
    paused_replies = paused.start()
    for i, line in enumerate(lines):
        if i == cut:
            text = paused.to_json()
            paused = Interview.from_json(text)
            assert paused.to_json() == text
        replies = feed(direct, line, shown_buttons(replies))
        paused_replies = feed(paused, line, shown_buttons(paused_replies))
        assert snapshot(paused, paused_replies) == snapshot(direct, replies)
