"""`nianbao render / check / sample`, run in-process through main() (and once as `python -m nianbao`)."""

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from nianbao.cli import main, sample_text

TITLE = "托里县哈图镇人民政府2024年政府信息公开工作年度报告"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_report(tmp_path: Path, name: str = "r.json", **changes) -> Path:
    """The sample report with top-level/dotted-path changes, written to tmp_path/name."""
    data = json.loads(sample_text())
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = data
        for part in parents:
            node = node[part]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    target = tmp_path / name
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


# ---- sample ------------------------------------------------------------------------------------


def test_sample_then_render_writes_a_docx_that_opens(tmp_path, capsys):
    sample = tmp_path / "hatu.json"
    code, out, _ = run(capsys, "sample", "-o", sample)
    assert code == 0 and str(sample) in out
    assert sample.read_text(encoding="utf-8") == sample_text()

    target = tmp_path / "out.docx"
    code, out, err = run(capsys, "render", sample, "-o", target)
    assert code == 0, err
    assert str(target) in out
    text = docx_text(target)
    assert "托里县哈图镇人民政府" in text
    assert "2024年度我镇公示栏公开信息4条。" in text
    assert "草稿" in text  # a draft unless --final


def test_render_final_has_no_draft_marker(tmp_path, capsys):
    target = tmp_path / "final.docx"
    code, _, err = run(capsys, "render", write_report(tmp_path), "-o", target, "--final")
    assert code == 0, err
    assert "草稿" not in docx_text(target)


def test_render_default_name_is_the_title_in_cwd(tmp_path, capsys, monkeypatch):
    report = write_report(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "render", report)[0] == 0
    assert (tmp_path / f"{TITLE}（草稿）.docx").is_file()
    assert run(capsys, "render", report, "--final")[0] == 0
    assert (tmp_path / f"{TITLE}.docx").is_file()


def test_sample_refuses_to_overwrite_unless_forced(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "sample")[0] == 0
    default = tmp_path / "hatu-2024.json"
    default.write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "sample")
    assert code == 1 and "hatu-2024.json" in err and "--force" in err
    assert default.read_text(encoding="utf-8") == "mine"
    assert run(capsys, "sample", "--force")[0] == 0
    assert default.read_text(encoding="utf-8") == sample_text()


def test_python_dash_m_sample(tmp_path):
    target = tmp_path / "s.json"
    done = subprocess.run([sys.executable, "-m", "nianbao", "sample", "-o", str(target)],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == sample_text()


# ---- check -------------------------------------------------------------------------------------

# 二、上年结转 for 自然人 = 1 with no outcome for it: rule A (一+二 ≠ （七）+四) in that column.
UNBALANCED = {"applications__carried_over": [1, 0, 0, 0, 0, 0]}


def test_check_clean_report_exits_0(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path))
    assert code == 0
    assert "【错误】" not in out


def test_check_errors_exit_1_and_are_tagged(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path, **UNBALANCED))
    assert code == 1
    assert any(line.startswith("【错误】") and "自然人" in line for line in out.splitlines())
    assert "共 2 个错误" in out  # the 自然人 column and the 总计 column


def test_check_warnings_only_exit_0(tmp_path, capsys):
    # An unanswered section is a "not answered yet" warning, not an error.
    code, out, _ = run(capsys, "check", write_report(tmp_path, appeals=None))
    assert code == 0
    assert "【提醒】" in out and "四、政府信息公开行政复议、行政诉讼情况" in out


def test_check_json_output_parses(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path, **UNBALANCED), "--json")
    assert code == 1
    findings = json.loads(out)
    assert isinstance(findings, list) and findings
    a = next(f for f in findings if f["rule"] == "A")
    assert a["severity"] == "error" and a["column"] == "自然人"
    assert "applications.carried_over" in a["paths"]
    assert set(a) >= {"rule", "severity", "section", "message", "row", "column", "numbers", "paths"}


def test_check_json_clean_is_empty_list(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path), "--json")
    assert code == 0 and json.loads(out) == []


def test_check_last_year_compares_carry_over(tmp_path, capsys):
    last = write_report(tmp_path, "last.json", year=2023, applications__carried_forward=[0, 2, 0, 0, 0, 0])
    code, out, _ = run(capsys, "check", write_report(tmp_path), "--last-year", last, "--json")
    assert code == 0  # a cross-year mismatch is a warning
    assert [f["rule"] for f in json.loads(out)] == ["carried_over_mismatch"]


# ---- bad input: one Chinese message per problem with its JSON path, exit 2, no traceback ------------


def assert_bad_input(code: int, err: str, *expected: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    for piece in expected:
        assert piece in err


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    code, out, err = run(capsys, "check", missing)
    assert_bad_input(code, err, "找不到文件", str(missing))
    assert out == ""


def test_not_json_gives_line_and_column(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "organ": "托里县哈图镇人民政府",\n  oops\n}', encoding="utf-8")
    code, _, err = run(capsys, "check", bad)
    assert_bad_input(code, err, str(bad), "不是有效的 JSON", "第 3 行第 3 列", "Expecting property name")


def test_not_utf8(tmp_path, capsys):
    bad = tmp_path / "gbk.json"
    bad.write_bytes('{"organ": "托里县"}'.encode("gbk"))
    assert_bad_input(*run(capsys, "check", bad)[::2], "UTF-8")


def test_utf8_bom_is_accepted(tmp_path, capsys):
    report = tmp_path / "bom.json"
    report.write_bytes(b"\xef\xbb\xbf" + sample_text().encode("utf-8"))
    assert run(capsys, "check", report)[0] == 0


def test_wrong_type_at_deep_path(tmp_path, capsys):
    bad = write_report(tmp_path, applications__withheld__state_secret=[0, 0, "3", 0, 0, 0])
    code, _, err = run(capsys, "check", bad)
    assert_bad_input(code, err, "1 处", "applications.withheld.state_secret[2]：应为不带引号的整数",
                     "Input should be a valid integer")


def test_every_problem_gets_its_own_line(tmp_path, capsys):
    bad = write_report(tmp_path, applicatons={}, year=1999,
                       applications__new=[0, 0, 0, 0, 0],
                       appeals__review={"a": 1},
                       proactive__fees=1.5)
    code, _, err = run(capsys, "check", bad)
    assert_bad_input(code, err, "5 处")
    lines = {line.split("：")[0]: line for line in err.splitlines()[1:]}
    assert set(lines) == {"· applicatons", "· year", "· applications.new", "· appeals.review", "· proactive.fees"}
    assert "applications" in lines["· applicatons"]  # the keys it could have meant
    assert "2021" in lines["· year"]
    assert "6 个数" in lines["· applications.new"] and "[0, 0, 0, 0, 0, 0]" in lines["· applications.new"]
    assert "4 个数" in lines["· appeals.review"] and "结果维持" in lines["· appeals.review"]
    assert '"1.25"' in lines["· proactive.fees"]


def test_unknown_key_names_the_keys_allowed_there(tmp_path, capsys):
    bad = write_report(tmp_path, applications__withheld__state_secrets=[0] * 6)
    code, _, err = run(capsys, "check", bad)
    assert_bad_input(code, err, "applications.withheld.state_secrets：没有这个键", "state_secret、",
                     "Extra inputs are not permitted")


def test_top_level_not_an_object(tmp_path, capsys):
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert_bad_input(*run(capsys, "render", bad)[::2], "文件最外层", "organ")


def test_bad_last_year_file_is_bad_input(tmp_path, capsys):
    code, _, err = run(capsys, "check", write_report(tmp_path), "--last-year", tmp_path / "none.json")
    assert_bad_input(code, err, "none.json")


def test_usage_errors_answer_in_chinese(capsys):
    for argv in ([], ["render"], ["frob"], ["check", "a.json", "--bogus"]):
        code, _, err = run(capsys, *argv)
        assert_bad_input(code, err, "命令用法不对", "nianbao -h")


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "-h")
    assert code == 0
    for name in ("render", "check", "sample"):
        assert name in out


# ---- render refuses a report with errors ---------------------------------------------------------


def test_render_refuses_errors_unless_forced(tmp_path, capsys):
    bad = write_report(tmp_path, **UNBALANCED)
    target = tmp_path / "out.docx"
    code, out, err = run(capsys, "render", bad, "-o", target)
    assert code == 1
    assert "【错误】" in out and "--force" in err
    assert not target.exists()

    code, out, _ = run(capsys, "render", bad, "-o", target, "--force")
    assert code == 0 and target.is_file()
    assert "【错误】" in out  # still shown
    docx.Document(str(target))


def test_render_to_missing_directory_is_bad_input(tmp_path, capsys):
    code, _, err = run(capsys, "render", write_report(tmp_path), "-o", tmp_path / "no" / "dir" / "x.docx")
    assert_bad_input(code, err, "无法写入")
