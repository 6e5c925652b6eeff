"""Logs leak nothing: a DEBUG run of the real bot process has no token, invite code or user's words."""

from __future__ import annotations

import logging

from crashkit import BotRun, create_invites, until, write_config
from nianbao.runtime.logs import Redactor

ORGAN = "托里县测试镇人民政府"
WORDS = "我们镇今年主动公开了很多信息内容甲乙丙"
NUMBER = "86421"


async def test_a_debug_run_logs_nothing_secret(fake_tg, tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    [code] = create_invites(url, [ORGAN])
    config = write_config(tmp_path / "config.toml", fake_tg, url, level="DEBUG")
    bot = BotRun(config, tmp_path / "bot.stderr")
    await bot.start()
    try:
        user = fake_tg.user(700_001, "张三")
        for i, text in enumerate([f"/join {code}", WORDS, NUMBER, "/help"]):
            await user.send(text)
            assert await until(fake_tg, lambda: len(fake_tg.sent(700_001)) > i, 20), f"no reply to {i}"
    finally:
        await bot.stop()
    log = bot.stderr()
    token = fake_tg.token
    assert " DEBUG telegram" in log and "sendMessage" in log  # PTB did log its calls: the test can fail
    leaks = [name for name, secret in [("token", token), ("token secret", token.partition(":")[2]),
                                       ("invite code", code), ("user text", WORDS), ("user number", NUMBER),
                                       ("user text, JSON-escaped", WORDS.encode("unicode_escape").decode()[:24])]
             if secret in log]
    assert leaks == []
    assert " INFO transitions" not in log and " DEBUG transitions" not in log
    assert "<secret>" in log or "<code>" in log or "chars>" in log  # redacted, not merely absent


def test_the_redactor_replaces_secrets_codes_and_quoted_library_payloads():
    redactor = Redactor(["123456:SECRETSECRET", "SECRETSECRET"])

    def line(name: str, msg: str, *args) -> str:
        record = logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)
        redactor.filter(record)
        return record.getMessage()

    assert line("aiohttp.client", "GET https://api/bot%s/getMe", "123456:SECRETSECRET") == \
        "GET https://api/bot<secret>/getMe"
    assert line("telegram.ext.ExtBot", "Calling `sendMessage` with parameters `%s`", {"text": "机密内容"}) == \
        "Calling `sendMessage` with parameters `<16 chars>`"
    assert line("telegram._bot", "Update(text='你好')") == "Update(text=<2 chars>)"
    assert line("nianbao.runtime.worker", "joined with ABCD2345 at 'step'") == "joined with <code> at 'step'"


async def test_one_info_line_per_update_names_the_step_it_met_and_nothing_the_user_wrote(fake_tg, tmp_path, caplog):
    import re

    from botkit import ask, running_bot

    contact = "托里县测试镇院内，0901-3651234"
    with caplog.at_level(logging.INFO, logger="nianbao.runtime.worker"):
        async with running_bot(fake_tg, tmp_path, counties={"托里县": {"admins": [10]}}) as bot:
            official = await bot.official(700_002, organ=ORGAN)   # /join: the draft opens at the year
            await ask(official, "2024")                           # answers the year
            await ask(official, contact)                          # answers the contact
            await ask(fake_tg.user(10, "王管理"), "/progress")     # not an interview: no step
    lines = [r.getMessage() for r in caplog.records if r.name == "nianbao.runtime.worker" and r.levelno == logging.INFO]
    shape = re.compile(r"update (\d+) chat ([0-9a-f]{8}) (\S+) (ok|error|ignored) (\d+\.\d) ms")
    parsed = [shape.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [(m[3], m[4]) for m in parsed] == [("year", "ok"), ("year", "ok"), ("contact", "ok"), ("-", "ok")]
    assert len({m[1] for m in parsed}) == 4  # one line per update
    assert not [line for line in lines if "700002" in line or contact in line or "0901" in line]
