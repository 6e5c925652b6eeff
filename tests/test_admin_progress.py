"""/progress at county scale: counts per state, a page of organs at a time, 上一页/下一页 — and fast."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from botkit import TODAY, ask, running_bot, texts
from nianbao.workflow.access import identify
from nianbao.workflow.progress_admin import PROGRESS_PAGE, progress
from nianbao.workflow.services import Services
from nianbao.workflow.storage import Store
from nianbao.text import say

TUOLI, ADMIN = "托里县", 10


def organ(n: int) -> str:
    return f"托里县第{n:04d}镇人民政府"


@pytest.fixture(scope="module")
def big_county(tmp_path_factory):
    """A county of 2,000 invited organs, every tenth with a draft."""
    from botkit import make_config

    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.sqlite'}"
    store = Store.open(url)
    for n in range(2000):
        store.create_invite(TUOLI, organ(n), by=1, ttl=timedelta(hours=2), now=TODAY)
    for n in range(0, 2000, 10):
        store.create_report(5000 + n, organ(n), TUOLI, 2024, "{}", TODAY)
    config = make_config(type("F", (), {"token": "1:abc", "base_url": "http://127.0.0.1:9/bot",
                                        "base_file_url": "http://127.0.0.1:9/file/bot"})(), url,
                         counties={TUOLI: {"admins": [ADMIN]}})
    from nianbao.dialogs.catalogue import load_catalogue
    from nianbao.workflow.chart import progress_chart

    # Once per process, not what is timed: the CJK font found and loaded, the catalogue read.
    progress_chart([("未开始", 1)])
    load_catalogue()
    yield Services(store, config, lambda: TODAY)
    store.close()


def test_two_thousand_organs_answer_a_page_in_milliseconds(big_county):
    svc = big_county
    svc.store.upsert_user(ADMIN, "王管理")  # the config names the admin by Telegram id: a person who wrote
    who = identify(svc.store, svc.config, ADMIN, "王管理")
    started = time.perf_counter()
    chart, out = progress(svc.admin, who, [])  # the chart (a PNG, drawn inline: ≈ 6 ms), the first page
    elapsed = time.perf_counter() - started
    assert elapsed < 0.2, elapsed  # was 0.4–0.5 s, every draft's interview parsed, on the event loop
    assert chart.filename.endswith(".png") and "填写中 200" in chart.text
    assert "共 2000 个机关" in out.text and "填写中 200，未开始 1800" in out.text
    assert f"（第 1/{-(-2000 // PROGRESS_PAGE)} 页）" in out.text
    assert out.text.count("\n") < PROGRESS_PAGE + 6 and len(out.text) < 4096  # one phone message
    assert [label for _, label in out.buttons] == [say("admin.button_next")]
    next_page = out.buttons[0][0]
    token, page = next_page.split("|")
    [second] = svc.route_button(who, token, page)
    assert f"{PROGRESS_PAGE + 1}. {organ(PROGRESS_PAGE)}：" in second.text
    assert [label for _, label in second.buttons] == [say("admin.button_previous"), say("admin.button_next")]


def test_a_page_button_is_refused_to_another_countys_admin(big_county):
    svc = big_county
    stranger = identify(svc.store, svc.config, 999, "外县")
    assert svc.route_button(stranger, f"P2024{TUOLI}", "2") is None


async def test_paging_through_the_chat(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path, counties={TUOLI: {"admins": [ADMIN]}}) as bot:
        for n in range(PROGRESS_PAGE + 5):
            bot.store.create_invite(TUOLI, organ(n), by=1, ttl=timedelta(hours=2), now=TODAY)
        admin = fake_tg.user(ADMIN, "王管理")
        chart, first = await ask(admin, "/progress 2024")
        assert chart.kind == "document" and not chart.buttons
        assert first.buttons and organ(PROGRESS_PAGE) not in first.text
        got = await ask(admin, "#1")  # 下一页 (the only button on page 1)
        assert f"{PROGRESS_PAGE + 1}. {organ(PROGRESS_PAGE)}：未开始" in texts(got)
        assert "（第 2/2 页）" in texts(got)
