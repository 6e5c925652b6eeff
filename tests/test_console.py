"""`nianbao chat` in the terminal: scripted runs, resuming an interrupted chat, buttons as numbers."""

from __future__ import annotations

import argparse
import io
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from docx import Document

from nianbao import console
from nianbao.dialogs import screens
from nianbao.dialogs.interview import Interview
from nianbao.report.model import Report

TODAY = date(2025, 1, 20)
EXAMPLES = resources.files("nianbao") / "examples"
SAMPLE_TEXT = (EXAMPLES / "hatu-2024.json").read_text(encoding="utf-8")
TITLE = "托里县哈图镇人民政府2024年政府信息公开工作年度报告"


def chat(tmp_path: Path, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    code = console.run_chat(state=tmp_path / "state" / "chat.json", out=tmp_path / "out", today=TODAY,
                            output=out, **kwargs)
    return code, out.getvalue()


def test_script_writes_the_report_file_and_the_docx(tmp_path):
    script = tmp_path / "hatu.script"
    script.write_text((EXAMPLES / "hatu-2024.script").read_text(encoding="utf-8"), encoding="utf-8")
    code, shown = chat(tmp_path, script=script)
    assert code == 0
    assert "> @organ 托里县哈图镇人民政府" in shown and "[#1] 是  [#2] 否" in shown  # answers echoed, buttons numbered
    report_file = tmp_path / "out" / f"{TITLE}（草稿）.json"
    assert report_file.read_text(encoding="utf-8") == SAMPLE_TEXT
    docx = Document(str(tmp_path / "out" / f"{TITLE}（草稿）.docx"))
    assert any("哈图镇" in p.text for p in docx.paragraphs)
    assert not (tmp_path / "state" / "chat.json").exists()  # done: no progress left to resume


def test_sample_flag_runs_the_shipped_script(tmp_path):
    code, shown = chat(tmp_path, sample=True)
    assert code == 0 and "已写出" in shown
    assert Report.from_json((tmp_path / "out" / f"{TITLE}（草稿）.json").read_text("utf-8")).organ == "托里县哈图镇人民政府"


def test_interrupted_chat_resumes_and_numbers_press_buttons(tmp_path):
    script = tmp_path / "part.script"
    script.write_text("托里县哈图镇人民政府\n1\n1\n", encoding="utf-8")  # 「1」 presses the proposed county, level
    code, shown = chat(tmp_path, script=script)
    assert code == 0 and "还没有生成" in shown
    saved = Interview.from_json((tmp_path / "state" / "chat.json").read_text("utf-8"))
    assert saved.report.county == "托里县" and saved.step_id == "year"
    # interactive now, resuming at the year: where a number is an answer, 「#1」 presses the first button
    typed = iter(["#1", "跳过", "0", "1 0 0"])
    code, shown = chat(tmp_path, read_line=lambda prompt: next(typed))
    assert code == 0 and "恢复上次的进度" in shown and "进度已保存" in shown
    resumed = Interview.from_json((tmp_path / "state" / "chat.json").read_text("utf-8"))
    assert resumed.report.year == 2024
    assert resumed.report.proactive.regulations.values() == [0, 0, 0]
    assert resumed.report.proactive.normative_documents.values() == [1, 0, 0]  # 「1 0 0」 is an answer


def test_unreadable_state_is_set_aside(tmp_path):
    state = tmp_path / "state" / "chat.json"
    state.parent.mkdir()
    state.write_text("{not json", encoding="utf-8")
    code, shown = chat(tmp_path, read_line=lambda prompt: (_ for _ in ()).throw(EOFError))
    assert code == 0 and "无法读取" in shown
    assert (tmp_path / "state" / "chat.json.bad").read_text("utf-8") == "{not json"


def test_missing_script_is_reported(tmp_path):
    code, shown = chat(tmp_path, script=tmp_path / "nope.script")
    assert code == 2 and "找不到脚本文件" in shown


def test_arguments_for_the_cli(tmp_path):
    parser = argparse.ArgumentParser()
    console.add_arguments(parser)
    args = parser.parse_args(["--sample", "--state", str(tmp_path / "s.json"), "--out", str(tmp_path / "o")])
    assert console.run(args) == 0
    assert (tmp_path / "o" / f"{TITLE}（草稿）.docx").exists()


TYPED = {"multi": "政府门户网站", "approx": "10", "count": "0", "text": "无"}


def at_step(tmp_path: Path, target: str, answers: dict[str, str] | None = None) -> None:
    """Saves, as the console's progress file, an interview of 托里县哈图镇 standing at ``target``: every
    step before it answered with its one-tap answer (the proposal, all 0, 否, 跳过) or ``answers``."""
    answers = answers or {}
    interview = Interview.new(today=TODAY, organ="托里县哈图镇人民政府", county="托里县")
    interview.start()
    for _ in range(200):
        if interview.step_id == target and interview.mode is None:
            break
        ids = [b.id for b in screens.buttons(interview)]
        if (interview.mode or {}).get("kind") == "warning":
            interview.press("continue")
        elif interview.step_id in answers:
            interview.answer(answers[interview.step_id])
        elif tap := next((i for i in ("default", "zeros", "no", "skip") if i in ids), None):
            interview.press(tap)
        else:  # a question with no one-tap answer here (the channels, when the county set none)
            interview.answer(TYPED[interview.step.kind])
    assert interview.step_id == target and interview.mode is None
    state = tmp_path / "state" / "chat.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(interview.to_json(), encoding="utf-8")


def typed_chat(tmp_path: Path, lines: list[str]) -> tuple[str, Interview]:
    """The console resumed from the saved progress and fed ``lines``; what it showed and the interview."""
    typed = iter(lines)
    code, shown = chat(tmp_path, read_line=lambda prompt: next(typed))
    assert code == 0
    return shown, Interview.from_json((tmp_path / "state" / "chat.json").read_text("utf-8"))


def test_buttons_never_look_like_an_answer_and_a_bare_number_on_a_count_is_the_count(tmp_path):
    at_step(tmp_path, "licensing")
    shown, interview = typed_chat(tmp_path, ["1"])
    licensing = shown.split("「行政许可」", 1)[1]
    assert "[#1] 0" in licensing  # the button 「0」 is #1 …
    assert interview.report.proactive.licensing == 1  # … and a typed 1 is the count 1, not that button
    assert interview.step_id == "penalties"
    assert all(re.fullmatch(r"(\[#\d+\] \S.*?)(  \[#\d+\] \S.*?)*", line)
               for line in shown.splitlines() if line.startswith("["))  # every button has its #


def test_hash_presses_a_button_even_where_a_number_is_an_answer(tmp_path):
    at_step(tmp_path, "licensing")
    _, interview = typed_chat(tmp_path, ["#1"])  # [#1] 0
    assert interview.report.proactive.licensing == 0 and interview.step_id == "penalties"


@pytest.mark.parametrize("press", ["#1", "＃1", "[1]", "[#1]", "【1】", "1"])
def test_the_ways_to_press_a_button_where_no_number_is_asked(tmp_path, press):
    at_step(tmp_path, "applications")  # 三：[#1] 是 [#2] 否
    _, interview = typed_chat(tmp_path, [press])
    assert interview.extra["applications"] is True


def test_a_bare_number_on_a_yes_no_question_presses_its_button(tmp_path):
    at_step(tmp_path, "applications")
    _, interview = typed_chat(tmp_path, ["2"])
    assert interview.extra["applications"] is False


def test_a_number_typed_while_a_warning_waits_is_a_new_answer(tmp_path):
    # 信息处理费 2 件 but 0 元: a warning with [#1] 继续 [#2] 修改; the 2 typed then is 2 元, not 修改
    at_step(tmp_path, "fee_cases", {"applications": "是", "new": "2 0 0 0 0 0", "granted": "2 0 0 0 0 0"})
    shown, interview = typed_chat(tmp_path, ["2", "0", "2"])
    assert "[#1] 继续  [#2] 修改" in shown
    assert interview.report.processing_fee.cases == 2
    assert str(interview.report.processing_fee.amount_yuan) == "2"
    assert interview.mode is None and interview.step_id != "fee_amount"
