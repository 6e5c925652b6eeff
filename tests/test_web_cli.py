"""`nianbao web` as a process: it starts without any Telegram setting, serves the login page with its
headers, stops on SIGTERM with exit 0; without its secret it refuses to start in one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from nianbao.web.run import with_listen
from nianbao.workflow.config import load_config
from webkit import SECRET


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    return {**env, "NO_PROXY": "127.0.0.1,localhost", **extra}


def test_web_runs_without_telegram_and_stops_on_sigterm(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "nianbao", "web", "--port", str(port)], cwd=tmp_path,
                               env=_env(NIANBAO_WEB_SECRET=SECRET), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    body, headers = page.read().decode(), page.headers
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
                time.sleep(0.2)
        assert "邀请码" in body and headers["X-Frame-Options"] == "DENY"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    errors = process.stderr.read()
    assert code == 0, errors
    assert "网页版已启动" in errors and SECRET not in errors
    assert (tmp_path / "nianbao.sqlite").exists()


def test_web_without_its_secret_says_so_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nianbao", "web"], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "web.secret" in done.stderr and "NIANBAO_WEB_SECRET" in done.stderr


def test_host_and_port_from_the_command_line_are_checked():
    config = load_config(None, {"NIANBAO_WEB_SECRET": SECRET}, telegram=False, web=True)
    assert with_listen(config, "0.0.0.0", 9000).web.port == 9000
    try:
        with_listen(config, None, 70000)
    except ValueError:
        pass
    else:
        raise AssertionError("port 70000 accepted")


def test_web_settings_are_checked_like_the_others(tmp_path):
    from nianbao.workflow.config import ConfigError

    cases = {'[web]\nsecret = "short"\n': "web.secret: 取值无效",
             '[web]\nframe_ancestors = ["https://a.cn; script-src *"]\n': "web.frame_ancestors: 取值无效",
             '[web]\npublic_url = "nianbao.example.cn"\n': "web.public_url: 取值无效",
             '[web]\nsession_hours = 0\n': "web.session_hours: 取值无效",
             '[web]\nsecret = "replace-with-a-random-string-of-32-or-more-characters"\n': "请先填写 web.secret"}
    for text, expected in cases.items():
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_config(path, {}, telegram=False, web=True)
        except ConfigError as error:
            assert expected in str(error) and "\n" not in str(error), str(error)
        else:
            raise AssertionError(f"accepted: {text}")
    path.write_text('[web]\npublic_url = "https://gov.example.cn/nianbao/"\nframe_ancestors = ["https://*.qq.com"]\n',
                    encoding="utf-8")
    web = load_config(path, {"NIANBAO_WEB_SECRET": SECRET}, telegram=False, web=True).web
    assert (web.public_url, web.prefix, web.secure) == ("https://gov.example.cn/nianbao", "/nianbao", True)
