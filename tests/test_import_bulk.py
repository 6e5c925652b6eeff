"""`nianbao import --county X DIR`: a county's last-year files into the bot's database, matched by organ."""

from __future__ import annotations

import json
from datetime import timedelta

from nianbao.bot.storage import Store
from nianbao.cli import main
from nianbao.report.docx_render import render_docx
from nianbao.report.synth import consistent_report

COUNTY = "托里县"
ORGANS = ["托里县哈图镇人民政府", "托里县库普乡人民政府", "托里县城区街道办事处"]


def test_three_files_are_stored_as_each_organs_report_of_last_year(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    for organ in ORGANS:
        store.create_invite(COUNTY, organ, by=1, ttl=timedelta(hours=1))
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "123456:ABCdef"\n[database]\nurl = {json.dumps(url)}\n', encoding="utf-8")
    folder = tmp_path / "files"
    folder.mkdir()
    for i, organ in enumerate(ORGANS):
        report = consistent_report(seed=i, year=2024, organ=organ, scale=4)
        report.applications.carried_forward = [i, 0, 0, 0, 0, 0]
        (folder / f"{i}.docx").write_bytes(render_docx(report, draft=False))
    (folder / "other.docx").write_bytes(render_docx(consistent_report(year=2024, organ="裕民县吉也克镇人民政府")))
    (folder / "notes.txt").write_text("会议记录：无", encoding="utf-8")

    code = main(["import", "--county", COUNTY, str(folder), "--config", str(config), "--yes"])
    out = capsys.readouterr().out
    assert code == 1  # two files were not for this county's organs: said, and skipped
    assert "已为托里县导入 3 份年报" in out and "other.docx" in out and "notes.txt" in out

    store = Store.open(url)
    for i, organ in enumerate(ORGANS):
        row = store.previous_year(COUNTY, organ, 2025)
        assert row is not None and row.year == 2024
        assert json.loads(row.interview_json)["report"]["applications"]["carried_forward"] == [i, 0, 0, 0, 0, 0]
    store.close()

    assert main(["import", "--county", COUNTY, str(folder), "--config", str(config), "--yes"]) == 1
    assert "已有年报，保留原来的" in capsys.readouterr().out


def test_a_folder_needs_the_county(tmp_path, capsys):
    assert main(["import", str(tmp_path)]) == 2
    assert "--county" in capsys.readouterr().err
