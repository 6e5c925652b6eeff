"""`nianbao admin roster` and `nianbao admin people` on a temporary SQLite database: the same workflow
calls as the chat's roster and /people (issue 12 item 6)."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import datetime, timedelta, timezone

import docx
import openpyxl
import pytest

from nianbao.cli import main
from nianbao.text import say
from nianbao.workflow.config import load_config
from nianbao.workflow.people_admin import people_view
from nianbao.workflow.roster_admin import CLI_ACTOR
from nianbao.workflow.storage import AdminAction, Role, Store
from test_roster_e2e import TUOLI, _zip_bomb, roster_rows, xlsx

TOKEN = "123456:ABCdef"


def write_config(tmp_path, base_url: str = "http://127.0.0.1:9/bot") -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    Store.open(url).close()
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n[database]\nurl = {json.dumps(url)}\n'
                      f'[counties."{TUOLI}"]\nadmins = [10]\n', encoding="utf-8")
    return str(config), url


@pytest.fixture
def county(tmp_path):
    config, url = write_config(tmp_path)
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(xlsx(roster_rows()))
    out = tmp_path / "out"
    out.mkdir()
    return config, url, roster, out


def open_codes(url: str) -> dict[str, str]:
    store = Store.open(url)
    try:
        return {i.organ: i.code for i in store.open_invites(TUOLI)}
    finally:
        store.close()


def test_roster_prints_every_code_and_writes_the_sheet_and_the_table(county, capsys):
    config, url, roster, out = county
    code = main(["admin", "roster", str(roster), "--county", TUOLI, "--bot", "@tuoli_bot", "-o", str(out),
                 "--config", config])
    printed = capsys.readouterr().out
    assert code == 0
    codes = open_codes(url)
    assert len(codes) == 30
    assert "托里县名单共 30 个机关：新生成邀请码 30 个" in printed
    for organ, invite in codes.items():
        assert f"{organ.removeprefix(TUOLI)}" in printed and invite in printed
    sheet = docx.Document(out / "托里县邀请码.docx")
    text = "\n".join(p.text for t in sheet.tables for row in t.rows for c in row.cells for p in c.paragraphs)
    assert all(f"https://t.me/tuoli_bot?start={invite}" in text for invite in codes.values())
    table = openpyxl.load_workbook(out / "托里县邀请码.xlsx").active
    assert {row[2] for row in table.iter_rows(min_row=2, values_only=True)} == set(codes.values())
    assert say("roster.cli_written", path=out / "托里县邀请码.docx") in printed
    store = Store.open(url)
    events = [e for e in store.admin_events(TUOLI) if e.action is AdminAction.INVITE]
    store.close()
    assert len(events) == 30 and {e.actor_id for e in events} == {CLI_ACTOR}

    # the sheet is never written over — and then nothing is made at all
    more = roster.with_name("名单2.csv")
    more.write_text("机关全称,类型\n统计局,县直部门\n南城街道办事处,街道\n" +
                    "\n".join(f"{row[0]},{row[1]}" for row in roster_rows()), encoding="utf-8")
    assert main(["admin", "roster", str(more), "--county", TUOLI, "--bot", "tuoli_bot", "-o", str(out),
                 "--config", config]) == 2
    assert say("roster.cli_exists", path=out / "托里县邀请码.docx") in capsys.readouterr().err
    assert open_codes(url) == codes
    # into another folder: the two new organs get a code; the thirty keep theirs
    second = out.parent / "second"
    second.mkdir()
    assert main(["admin", "roster", str(more), "--county", TUOLI, "--bot", "tuoli_bot", "-o", str(second),
                 "--config", config]) == 0
    printed = capsys.readouterr().out
    assert "新生成邀请码 2 个，之前的邀请码仍有效 30 个" in printed
    after = open_codes(url)
    assert len(after) == 32 and all(after[organ] == invite for organ, invite in codes.items())


def test_roster_asks_telegram_for_the_bots_name_or_says_to_give_it(county, tmp_path, capsys):
    unreachable, url, roster, out = county  # nothing answers at its Bot API: one line, no invite made
    assert main(["admin", "roster", str(roster), "--county", TUOLI, "-o", str(out), "--config", unreachable]) == 2
    assert capsys.readouterr().err.strip() == say("roster.cli_no_bot")
    assert open_codes(url) == {} and not list(out.iterdir())

    class GetMe(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = json.dumps({"ok": self.path == f"/bot{TOKEN}/getMe", "result": {"username": "asked_bot"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GetMe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "b").mkdir()
        config, url = write_config(tmp_path / "b", f"http://127.0.0.1:{server.server_port}/bot")
        assert main(["admin", "roster", str(roster), "--county", TUOLI, "-o", str(out), "--config", config]) == 0
    finally:
        server.shutdown()
    capsys.readouterr()
    sheet = docx.Document(out / "托里县邀请码.docx")
    text = "\n".join(p.text for t in sheet.tables for row in t.rows for c in row.cells for p in c.paragraphs)
    assert "https://t.me/asked_bot?start=" in text


def test_roster_refuses_a_zip_bomb_and_a_missing_file_with_one_line(county, capsys):
    config, url, roster, out = county
    roster.write_bytes(_zip_bomb())
    assert main(["admin", "roster", str(roster), "--county", TUOLI, "--bot", "b", "-o", str(out),
                 "--config", config]) == 2
    assert capsys.readouterr().err.strip() == say("roster.bomb", limit=32)
    assert main(["admin", "roster", str(out / "nothing.xlsx"), "--county", TUOLI, "--bot", "b", "-o", str(out),
                 "--config", config]) == 2
    assert capsys.readouterr().err.startswith("读不了名单文件")
    assert open_codes(url) == {} and not list(out.iterdir())


def test_people_prints_the_lines_of_people_every_one(tmp_path, capsys):
    config, url = write_config(tmp_path)
    now = datetime.now(timezone.utc)
    store = Store.open(url)
    for row in roster_rows():
        store.create_invite(TUOLI, TUOLI + row[0], by=10, ttl=timedelta(hours=72), now=now)
    code = next(i.code for i in store.open_invites(TUOLI, now) if i.organ == TUOLI + "财政局")
    store.upsert_user(501, "张三", now)
    store.redeem_invite(code, 501, now)
    store.grant(11, TUOLI, Role.REVIEWER, by=10, now=now)
    store.upsert_user(11, "李审核", now)
    store.close()

    assert main(["admin", "people", "--county", TUOLI, "--config", config]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith(f"{TUOLI}的人员：") and "（第" not in printed  # every line, no pages
    assert "机关 30 个：已加入 1，已邀请未加入 29，没有有效邀请码 0。" in printed
    assert "1. 财政局：张三（501），" in printed and "还没有填写" in printed
    assert "审核人员：李审核（11）" in printed and "30. " in printed
    store = Store.open(url)
    assert printed == people_view(store, load_config(tmp_path / "config.toml"), TUOLI, now).text()
    looks = [e for e in store.admin_events(TUOLI) if e.action is AdminAction.ROLES]
    store.close()
    assert [(e.actor_id, json.loads(e.detail)) for e in looks] == [(CLI_ACTOR, {"invites": 29, "via": "cli"})]
