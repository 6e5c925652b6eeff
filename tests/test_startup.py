"""Every start-up failure is one line naming the cause and the fix — a real `nianbao run` process each."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.text import say

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


def run_bot(tmp_path: Path, db_url: str, *, base_url: str = "http://127.0.0.1:9/bot", wait_s: float = 1,
            extra: str = "", env: dict | None = None) -> tuple[int, list[str]]:
    config = tmp_path / "config.toml"
    q = json.dumps
    config.write_text(f"[telegram]\ntoken = {q(TOKEN)}\nbase_url = {q(base_url)}\nstartup_wait_s = {wait_s}\n"
                      f"[database]\nurl = {q(db_url)}\n[logging]\nlevel = \"ERROR\"\n{extra}", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "nianbao", "run", "--config", str(config)], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **(env or {})})
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, lines


def test_a_missing_folder_is_created_and_an_unreachable_api_is_one_line_naming_the_proxy(tmp_path):
    db = tmp_path / "not" / "yet" / "bot.sqlite"
    code, lines = run_bot(tmp_path, f"sqlite:///{db}", wait_s=2)
    assert code == 2 and db.exists()
    assert lines == [say("startup.api_unreachable", seconds=2, host="127.0.0.1:9")]
    assert "HTTPS_PROXY" in lines[0]


def test_a_corrupt_database_file(tmp_path):
    db = tmp_path / "bot.sqlite"
    db.write_bytes(b"this is no database, just some bytes" * 100)
    assert run_bot(tmp_path, f"sqlite:///{db}") == (2, [say("startup.db_corrupt", path=str(db))])


def test_a_database_path_that_is_a_folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    assert run_bot(tmp_path, f"sqlite:///{folder}") == (2, [say("startup.db_unreadable", path=str(folder))])


@pytest.mark.skipif(sys.platform != "linux" or __import__("os").geteuid() == 0,
                    reason="root may write any file: a read-only file is read-only only to others")
def test_a_read_only_database_file(tmp_path):
    db = tmp_path / "bot.sqlite"
    import sqlite3
    sqlite3.connect(db).close()
    db.chmod(0o444)
    assert run_bot(tmp_path, f"sqlite:///{db}") == (2, [say("startup.db_unreadable", path=str(db))])


def test_an_unknown_database_kind(tmp_path):
    assert run_bot(tmp_path, "mysqll://x/y") == (2, [say("startup.db_bad_url", scheme="mysqll")])


def test_an_unreachable_postgresql(tmp_path):
    assert run_bot(tmp_path, "postgresql+psycopg://u:p@127.0.0.1:1/x") == \
        (2, [say("startup.db_unreachable", where="127.0.0.1:1")])


async def test_a_token_telegram_refuses(tmp_path, fake_tg):
    # The fake server knows only its own token: any other is 401 Unauthorized, as Telegram answers.
    # (In a thread: the fake server answers on this test's event loop.)
    code, lines = await asyncio.to_thread(run_bot, tmp_path, f"sqlite:///{tmp_path / 'bot.sqlite'}",
                                          base_url=fake_tg.base_url)
    assert (code, lines) == (2, [say("startup.api_token_refused")])


def test_the_example_config_unchanged(tmp_path):
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    done = subprocess.run([sys.executable, "-m", "nianbao", "run", "--config", str(example)], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == say("config.placeholder", source=str(example), key="telegram.token")


def test_a_county_text_the_checker_refuses(tmp_path):
    bomb = '{% set a = organ %}{% set b = a ~ a %}{{ b }}'
    code, lines = run_bot(tmp_path, f"sqlite:///{tmp_path / 'bot.sqlite'}",
                          extra=f'[counties."托里县".prompts]\norgan = {json.dumps(bomb)}\n')
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f'{tmp_path / "config.toml"}: counties."托里县".prompts.organ: 模板没有通过检查')
