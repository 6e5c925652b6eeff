"""`nianbao import`, `nianbao check` on an imported report's printed totals, `nianbao diff`, and every
hostile file: one line, exit code 2, nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from importkit import Style, to_docx, to_html, to_text
from nianbao.cli import main
from nianbao.importing import import_bytes
from nianbao.report.docx_render import render_docx
from nianbao.report.model import Report
from nianbao.report.synth import consistent_report, distinct_report


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_the_report_and_its_printed_side_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = distinct_report()
    (tmp_path / "年报.docx").write_bytes(render_docx(report))
    code, out, err = run(capsys, "import", "年报.docx", "--county", "克拉玛依市")
    assert code == 0, err
    assert "166 格" in out and "年报.json" in out and "年报.printed.json" in out
    assert Report.from_json((tmp_path / "年报.json").read_text(encoding="utf-8")).to_data() == report.to_data()
    side = json.loads((tmp_path / "年报.printed.json").read_text(encoding="utf-8"))
    assert side["format"] == "nianbao-printed/1" and side["complete"] is True and side["form"] == "docx"
    assert side["appeal_totals"] == {"review": 10, "litigation_direct": 26, "litigation_after_review": 47}
    assert side["outcomes_total"] == report.applications.outcomes_total
    # an existing output is not overwritten without --force
    code, _, err = run(capsys, "import", "年报.docx")
    assert code == 1 and "已存在" in err
    assert run(capsys, "import", "年报.docx", "--force")[0] == 0


def test_an_incomplete_import_says_so_and_exits_1(tmp_path, capsys):
    report = consistent_report(seed=2, scale=5)
    source = tmp_path / "r.html"
    source.write_bytes(to_html(report, Style(blanks={("applications.granted", 0): "/"})))
    code, out, err = run(capsys, "import", source, "-o", tmp_path / "r.json")
    assert code == 1
    assert "没有读出的 1 项" in out and "「/」" in out and "导入不完整" in err
    side = json.loads((tmp_path / "r.printed.json").read_text(encoding="utf-8"))
    assert side["complete"] is False and len(side["gaps"]) == 1
    assert "granted" not in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["applications"]


def test_organ_and_year_options_fill_a_report_without_a_title(tmp_path, capsys):
    report = distinct_report()
    text = to_text(report, Style(), pipes=True).decode().split("\n", 2)[2]  # title lines cut off
    source = tmp_path / "t.txt"
    source.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "import", source, "-o", tmp_path / "no-title.json")
    assert code == 1 and "报告机关" in out and "统计年度" in out
    code, out, err = run(capsys, "import", source, "-o", tmp_path / "t.json", "--organ", report.organ,
                         "--year", 2024, "--county", report.county)
    assert code == 0, out + err
    assert Report.from_json((tmp_path / "t.json").read_text(encoding="utf-8")).to_data() == report.to_data()


# ---- printed totals that do not add up ---------------------------------------------------------------


def test_check_names_each_printed_total_that_does_not_add_up(tmp_path, capsys):
    report = distinct_report()
    new_total = sum(report.applications.new)
    wrong = Style(totals={"applications.new": new_total + 5, "appeals.litigation_direct": 25})
    source = tmp_path / "wrong.docx"
    source.write_bytes(to_docx(report, wrong))
    assert run(capsys, "import", source, "-o", tmp_path / "wrong.json", "--county", report.county)[0] == 0
    code, out, _ = run(capsys, "check", tmp_path / "wrong.json")
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("【错误】")]
    assert len(lines) == 2
    assert "「一、本年新收政府信息公开申请数量」行" in lines[0] and "总计印为" in lines[0]
    assert f"{new_total + 5}" in lines[0] and f"六列相加为 {new_total}" in lines[0] and "相差 5 件" in lines[0]
    assert "「行政诉讼 未经复议直接起诉」" in lines[1] and "总计印为 25" in lines[1] and "= 26" in lines[1]
    # the same report without the side file: nothing to find
    (tmp_path / "wrong.printed.json").unlink()
    assert run(capsys, "check", tmp_path / "wrong.json")[0] == 0


def test_check_flags_a_wrong_printed_outcomes_total_and_subtotal(tmp_path, capsys):
    report = distinct_report()
    result = import_bytes(to_docx(report, Style(eight=True, subtotals=True)), "x.docx", county=report.county)
    result.printed.outcomes_total[2] += 1
    result.printed.legal_subtotals["applications.granted"] -= 3
    result.printed.group_subtotals["applications.unable"][0] += 2
    (tmp_path / "r.json").write_text(result.report.to_json(), encoding="utf-8")
    (tmp_path / "r.printed.json").write_text(result.printed.to_json(), encoding="utf-8")
    code, out, _ = run(capsys, "check", tmp_path / "r.json")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("【错误】")]
    assert any("「科研机构」列" in e and "（七）总计印为" in e for e in errors)  # rule B
    assert any("法人或其他组织小计印为" in e and "「（一）予以公开」行" in e for e in errors)
    assert any("「（四）无法提供」小计印为" in e and "「自然人」列" in e for e in errors)


def test_a_broken_side_file_is_named_and_the_check_goes_on(tmp_path, capsys):
    report = distinct_report()
    (tmp_path / "r.json").write_text(report.to_json(), encoding="utf-8")
    (tmp_path / "r.printed.json").write_text('{"row_totals": {"x": -1}}', encoding="utf-8")
    code, _, err = run(capsys, "check", tmp_path / "r.json")
    assert code == 0 and "r.printed.json 不是有效的导入记录" in err


# ---- hostile files ---------------------------------------------------------------------------------


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" * 300_000_000)
    return out.getvalue()


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


HOSTILE = {
    "truncated.docx": lambda: render_docx(distinct_report())[:15_000],
    "bomb.docx": _bomb,
    "scanned.pdf": _blank_pdf,
    "broken.pdf": lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + b"\x00garbage" * 100,
    "notes.txt": lambda: "今天开会，讨论了三件事。\n下周再议。\n".encode(),
    "recipe.docx": lambda: to_docx_plain("红烧肉的做法：先焯水，再炒糖色。"),
    "old.doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "empty.html": lambda: b"   ",
    "not-a-report.json": lambda: b'{"organ": 5}',
    "deep.json": lambda: b"[" * 100_000,
    "random.bin": lambda: bytes(range(256)) * 40,
    "nested.html": lambda: b"<html><body>" + b"<div>" * 100_000 + "一、总体情况".encode() + b"</div>" * 100_000,
}


def to_docx_plain(text: str) -> bytes:
    import docx

    document, out = docx.Document(), io.BytesIO()
    document.add_paragraph(text)
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_gets_one_line_exit_2_and_nothing_written(tmp_path, capsys, name):
    source = tmp_path / name
    source.write_bytes(HOSTILE[name]())
    before = set(tmp_path.iterdir())
    code, out, err = run(capsys, "import", source, "-o", tmp_path / "out.json")
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith(str(source))
    assert "Traceback" not in err
    assert set(tmp_path.iterdir()) == before


# ---- diff ----------------------------------------------------------------------------------------


def test_diff_shows_both_years_marks_changes_and_runs_the_cross_year_checks(tmp_path, capsys):
    last = consistent_report(seed=4, scale=6, year=2023)
    this = consistent_report(seed=5, scale=6, year=2024)
    (tmp_path / "2023.json").write_text(last.to_json(), encoding="utf-8")
    (tmp_path / "2024.docx").write_bytes(render_docx(this))  # anything import reads
    code, out, err = run(capsys, "diff", tmp_path / "2023.json", tmp_path / "2024.docx")
    assert code == 0, err
    lines = out.splitlines()
    assert last.title in lines[0] and this.title in lines[0]
    new = next(l for l in lines if "一、本年新收政府信息公开申请数量" in l)
    before = " ".join(map(str, last.applications.new)) + f" | {sum(last.applications.new)}"
    after = " ".join(map(str, this.applications.new)) + f" | {sum(this.applications.new)}"
    assert f"{before} → {after}" in new
    assert new.startswith("* ") == (last.applications.new != this.applications.new)
    delta = this.applications.new[0] - last.applications.new[0]
    if delta:
        assert f"自然人 {'+' if delta > 0 else ''}{delta}" in new
    same = next(l for l in lines if l.strip().startswith("规章"))
    assert same.startswith("  ") and "0 / 0 / 0 → 0 / 0 / 0" in same
    assert "跨年核对：" in out
    if this.applications.carried_over != last.applications.carried_forward:
        assert "上年结转" in out.split("跨年核对：")[1]


def test_diff_warns_when_this_year_does_not_carry_on_from_last(tmp_path, capsys):
    last = distinct_report()
    last.year = 2023
    last.proactive.regulations.in_force = 10  # 10 + 3 − 1 = this year's 12: carries on
    this = distinct_report()
    this.applications.carried_over = list(last.applications.carried_forward)
    this.applications.carried_over[0] += 1
    docs = this.proactive.normative_documents
    docs.in_force = last.proactive.normative_documents.in_force  # should be + 5 − 2
    for year, report in (("a", last), ("b", this)):
        (tmp_path / f"{year}.json").write_text(report.to_json(), encoding="utf-8")
    code, out, _ = run(capsys, "diff", tmp_path / "a.json", tmp_path / "b.json")
    checks = out.split("跨年核对：")[1]
    assert code == 0
    assert "「自然人」列" in checks and "上年结转" in checks
    assert "行政规范性文件" in checks and "现行有效" in checks
    assert "共 0 个错误、2 个提醒" in checks


def test_diff_of_an_unreadable_file_is_one_line(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("随便写点什么", encoding="utf-8")
    (tmp_path / "b.json").write_text(distinct_report().to_json(), encoding="utf-8")
    code, out, err = run(capsys, "diff", tmp_path / "a.txt", tmp_path / "b.json")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
