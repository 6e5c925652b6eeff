"""`nianbao chat` in the terminal: scripted runs, resuming an interrupted chat, buttons as numbers."""

from __future__ import annotations

import argparse
import io
from datetime import date
from importlib import resources
from pathlib import Path

from docx import Document

from nianbao.bot import console
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
    assert "> 托里县哈图镇人民政府" in shown and "[1] 是  [2] 否" in shown  # answers echoed, buttons numbered
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
    script.write_text("托里县哈图镇人民政府\n1\n", encoding="utf-8")  # 「1」 presses the proposed county
    code, shown = chat(tmp_path, script=script)
    assert code == 0 and "还没有生成" in shown
    saved = Interview.from_json((tmp_path / "state" / "chat.json").read_text("utf-8"))
    assert saved.report.county == "托里县" and saved.step_id == "year"
    # interactive now, resuming at the year: where a number is an answer, 「#1」 presses the first button
    typed = iter(["#1", "0", "1 0 0"])
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
