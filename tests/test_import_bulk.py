"""`nianbao import --county X DIR`: a county's last-year files into the bot's database, matched by organ."""

from __future__ import annotations

import json
from datetime import timedelta

from nianbao.workflow.storage import Store
from nianbao.cli import main
from nianbao.report.docx_render import render_docx
from nianbao.report.synth import consistent_report

COUNTY = "托里县"
ORGANS = ["托里县哈图镇人民政府", "托里县库普乡人民政府", "托里县城区街道办事处"]


def test_three_files_are_stored_as_each_organs_report_of_last_year(tmp_path, capsys):
    url, config = _county_db(tmp_path)
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


def _county_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    for organ in ORGANS:
        store.create_invite(COUNTY, organ, by=1, ttl=timedelta(hours=1))
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "123456:ABCdef"\n[database]\nurl = {json.dumps(url)}\n', encoding="utf-8")
    return url, config


def _WindowsName(name):  # noqa: N802  (a ZipInfo as Windows' zip writes it: GBK bytes, no UTF-8 flag)
    import zipfile

    class Info(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # noqa: N802
            return self.filename.encode("cp437"), self.flag_bits
    return Info(name)


def test_a_zip_of_the_countys_reports_is_imported_like_a_folder(tmp_path, capsys):
    """Names written by Windows' zip (GBK, no UTF-8 flag) read right; a bomb inside is refused alone."""
    import io
    import zipfile

    url, config = _county_db(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, organ in enumerate(ORGANS):
            report = consistent_report(seed=i, year=2024, organ=organ, scale=2)
            report.applications.carried_forward = [0, i, 0, 0, 0, 0]
            info = _WindowsName(f"{organ[3:]}.docx".encode("gb18030").decode("cp437"))
            archive.writestr(info, render_docx(report, draft=False), zipfile.ZIP_DEFLATED)
    path = tmp_path / "托里县.zip"
    path.write_bytes(buffer.getvalue())

    assert main(["import", "--county", COUNTY, str(path), "--config", str(config), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "哈图镇人民政府.docx → 托里县哈图镇人民政府 2024年" in out and "已为托里县导入 3 份年报" in out
    store = Store.open(url)
    assert [json.loads(store.previous_year(COUNTY, o, 2025).interview_json)["report"]["applications"]
            ["carried_forward"][1] for o in ORGANS] == [0, 1, 2]
    store.close()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, capsys):
    import io
    import zipfile

    from nianbao.importing import archive
    from nianbao.importing.document import ImportRefused

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("a.txt", b"0" * 30_000_000)  # 30 MB of one byte packs to ~30 KB
    data = buffer.getvalue()
    assert archive.is_archive(data) and len(data) < 100_000
    try:
        archive.members(data)
    except ImportRefused as refused:
        assert "压缩比异常" in refused.message
    else:
        raise AssertionError("a zip bomb was unpacked")
    _, config = _county_db(tmp_path)
    path = tmp_path / "bomb.zip"
    path.write_bytes(data)
    assert main(["import", "--county", COUNTY, str(path), "--config", str(config), "--yes"]) == 1
    assert "bomb.zip：没能读出 — 压缩包解压后超过" in capsys.readouterr().out


def test_a_truncated_zip_and_too_many_files_get_one_line(tmp_path):
    import io
    import zipfile

    from nianbao.importing import archive
    from nianbao.importing.document import ImportRefused

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as many:
        for i in range(archive.MAX_ARCHIVE_MEMBERS + 1):
            many.writestr(f"{i}.txt", "x")
    for data, words in ((buffer.getvalue(), "最多"), (buffer.getvalue()[:-30], "损坏")):
        try:
            archive.members(data)
        except ImportRefused as refused:
            assert words in refused.message, refused.message
        else:
            raise AssertionError(words)
