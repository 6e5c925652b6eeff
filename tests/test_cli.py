"""`nianbao render / check / sample`, run in-process through main() (and once as `python -m nianbao`)."""

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from nianbao.cli import main, sample_text
from nianbao.report.model import Report
from nianbao.text import say

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

# 二、上年结转 for 自然人 = 1 with no outcome for it: rule A (新收 + 上年结转 ≠ 办结 + 结转下年) in that column.
UNBALANCED = {"applications__carried_over": [1, 0, 0, 0, 0, 0]}


def test_check_clean_report_exits_0(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path))
    assert code == 0
    assert "【错误】" not in out


def test_check_errors_exit_1_and_are_tagged(tmp_path, capsys):
    code, out, _ = run(capsys, "check", write_report(tmp_path, **UNBALANCED))
    assert code == 1
    assert any(line.startswith("【错误】") and "自然人" in line for line in out.splitlines())
    assert "共 1 个错误" in out  # the 自然人 column; 总计 would only repeat it


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
    rules = [f["rule"] for f in json.loads(out)]
    # last year's file has the same texts: every narrative repeats it
    assert [r for r in rules if r != "narrative_repeated"] == ["carried_over_mismatch"]
    assert rules.count("narrative_repeated") == 8


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


# ---- render --final refuses an incomplete report ---------------------------------------------------


@pytest.mark.parametrize("changes,named", [
    ({"appeals": None}, "四、政府信息公开行政复议、行政诉讼情况"),
    ({"overview__management": "（待填写）"}, "一、「（三）政府信息管理」（含「待填写」）"),
    ({"other_matters": "  "}, "六、其他需要报告的事项（内容为空）"),
    ({"applications__other__unpaid_fee": None}, "三、「（六）其他处理」第2项"),
])
def test_render_final_refuses_unanswered_items_and_placeholders(tmp_path, capsys, changes, named):
    report = write_report(tmp_path, **changes)
    target = tmp_path / "final.docx"
    for extra in ((), ("--force",)):  # --force overrides errors, never a final with gaps
        code, _, err = run(capsys, "render", report, "-o", target, "--final", *extra)
        assert code == 1 and not target.exists()
        (line,) = err.strip().splitlines()  # one line
        assert line.startswith("未生成正式稿，还缺：") and named in line and "去掉 --final" in line
    code, _, err = run(capsys, "render", report, "-o", target)  # a draft is still written
    assert code == 0 and target.is_file(), err


def test_render_final_lists_at_most_eight_gaps(tmp_path, capsys):
    report = tmp_path / "empty.json"
    report.write_text(json.dumps({"format": "gov-info-annual-report/2021", "organ": "托里县哈图镇人民政府",
                                  "overview": {"management": "待填写", "proactive": "", "oversight": "待填写",
                                               "platforms": "待填写"}}), encoding="utf-8")
    code, _, err = run(capsys, "render", report, "-o", tmp_path / "x.docx", "--final")
    assert code == 1
    assert err.count("；") == 7 and "等共 " in err


# ---- counts of any size; repeated text -------------------------------------------------------------


def test_a_city_sized_count_is_accepted_with_a_warning_at_a_township(tmp_path, capsys):
    code, out, err = run(capsys, "check", write_report(tmp_path, proactive__licensing=11_398_889), "--json")
    assert code == 0, err
    (w,) = [f for f in json.loads(out) if f["rule"] == "count_implausible"]
    assert w["severity"] == "warning" and w["numbers"]["value"] == 11_398_889


def test_check_compares_narratives_with_the_default_paragraphs(tmp_path, capsys):
    from nianbao.dialogs.defaults import default_texts

    defaults = default_texts(Report.from_json(sample_text()))
    path, default = next((p, t) for p, t in defaults.items() if len(t) >= 20)  # a paragraph worth comparing
    code, out, _ = run(capsys, "check", write_report(tmp_path, **{"__".join(path.split(".")): default}), "--json")
    assert code == 0
    (w,) = [f for f in json.loads(out) if f["rule"] == "narrative_repeated"]
    assert w["paths"] == [path] and "默认文字重复约 100%" in w["message"]


def test_check_last_year_with_new_texts_has_no_repetition(tmp_path, capsys):
    last = write_report(tmp_path, "last.json", year=2023, problems="一是人员少，兼职多，难以专职开展政务公开工作。",
                        improvements="一是配齐人员；二是制定年度工作要点并按月督办落实。",
                        overview__platforms="本镇通过县政府门户网站公开信息，并设置政务公开栏三处，定期更新。",
                        overview__oversight="本镇把政务公开纳入干部考核，年内开展一次自查。",
                        overview__management="信息发布前由分管领导审核，涉密信息不上网。",
                        overview__proactive="本镇年内在门户网站公开各类信息十余条。",
                        overview__on_request="本年度本镇未收到申请，也未发生复议和诉讼。",
                        other_matters="无其他需要报告的事项，本年度没有收取任何费用。")
    code, out, _ = run(capsys, "check", write_report(tmp_path), "--last-year", last, "--json")
    assert code == 0
    assert "narrative_repeated" not in [f["rule"] for f in json.loads(out)]


@pytest.mark.parametrize("name, content, key", [
    ("deep", "[" * 1_000_000 + "]" * 1_000_000, "cli.json_too_deep"),
    ("bigint", '{"year": ' + "9" * 5000 + "}", "cli.json_number_too_long"),
    ("huge", '{"organ": "' + "甲" * 1_000_000 + '"}', "cli.file_too_big"),
])
@pytest.mark.parametrize("command", ["check", "render"])
def test_hostile_files_get_one_message_and_exit_code_2(tmp_path, capsys, name, content, key, command):
    path = tmp_path / f"{name}.json"
    path.write_text(content, encoding="utf-8")
    argv = [command, str(path)] + (["-o", str(tmp_path / "x.docx")] if command == "render" else [])
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[0].startswith(str(path)) and say(key, path=str(path), limit=0)[-12:] in err
    assert not (tmp_path / "x.docx").exists()


def test_brackets_inside_strings_are_not_nesting(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text('{"organ": "' + "[" * 100 + '\\"{{{"}', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "括号" not in capsys.readouterr().err  # refused for its content, not as too deep
