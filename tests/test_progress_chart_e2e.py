"""/progress through the fake Bot API: the chart (a PNG, one bar per state, the legend as its caption)
with the first page, counts per kind of organ, and no chart again on a page turn."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from botkit import TODAY, ask, texts
from countykit import ADMIN, OTHER_ADMIN, STRANGER, YUMIN, county_bot, COUNTY, YEAR
from nianbao.text import say
from nianbao.workflow.chart import HEIGHT, STATE_COLOURS, WIDTH, chart_legend

COUNTS = [("未开始", 13), ("填写中", 3), ("待审核", 4), ("已退回", 2), ("已通过", 8)]


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with county_bot(fake_tg, tmp_path) as running:
        yield running


async def test_progress_sends_the_chart_and_its_legend_with_the_first_page(bot, fake_tg, tmp_path):
    admin = fake_tg.user(ADMIN, "王管理")
    chart, page = await ask(admin, f"/progress {YEAR}")
    assert chart.kind == "document" and chart.filename == "进度.png"
    image = Image.open(io.BytesIO(chart.document))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert chart.caption == chart_legend(COUNTS, colours=list(STATE_COLOURS.values()))
    assert chart.caption.startswith("⬜未开始 13 · 🟨填写中 3 · 🟦待审核 4 · 🟥已退回 2 · 🟩已通过 8")
    # each bar in its state's colour: green (已通过, the tallest but one) is there, and grey
    colours = {colour for _, colour in image.convert("RGB").getcolors(WIDTH * HEIGHT)}
    assert (0x2E, 0x9E, 0x44) in colours and (0xD6, 0xD6, 0xD6) in colours
    (tmp_path / "progress.png").write_bytes(chart.document)

    assert "共 30 个机关：已通过 8，待审核 4，已退回 2，填写中 3，未开始 13。" in page.text
    assert "乡镇（街道） 15 个（已通过 4）；县直部门 13 个（已通过 3）；其他 2 个（已通过 1）。" in page.text
    assert "托里县哈图镇人民政府：已通过（第 1 版）" in page.text
    assert "托里县乌雪特乡人民政府：待审核（第 1 版）" in page.text
    assert "托里县新区街道办事处：已开始，还没有回答" in page.text
    assert not page.buttons  # 30 organs: one page


async def test_a_page_turn_sends_no_chart(bot, fake_tg):
    bot.store.create_invite(COUNTY, "托里县统计局", by=1, ttl=timedelta(hours=2), now=TODAY,
                            level="county_department")
    admin = fake_tg.user(ADMIN, "王管理")
    chart, first = await ask(admin, "/progress")
    assert chart.kind == "document" and "（第 1/2 页）" in first.text
    turned = await ask(admin, "#1")  # 下一页
    assert [item.kind for item in turned] == ["message"] and "（第 2/2 页）" in turned[0].text
    assert "31. 托里县" in turned[0].text and "\n1. " not in turned[0].text


async def test_strangers_and_other_countys_admins_get_no_chart(bot, fake_tg):
    stranger = await ask(fake_tg.user(STRANGER, "路人"), "/progress")
    assert texts(stranger) == say("bot.stranger", id=STRANGER)
    other = await ask(fake_tg.user(OTHER_ADMIN, "裕民管理"), f"/progress {COUNTY}")
    assert texts(other) == say("admin.not_your_county", county=COUNTY, counties=[YUMIN])
    # 裕民县 has no organs: its page says so, and there is nothing to draw
    [own] = await ask(fake_tg.user(OTHER_ADMIN, "裕民管理"), "/progress")
    assert own.kind == "message" and "还没有填报机关" in own.text
    assert not [item for item in stranger + other if item.kind == "document"]
