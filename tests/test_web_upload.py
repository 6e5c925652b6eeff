"""A file sent from the chat page takes the path a file sent in Telegram takes: last year's report
read and shown with 「导入」/「不用」, kept on 「导入」; refused when too big or not a file."""

from __future__ import annotations

import aiohttp
import pytest

from nianbao.report.docx_render import render_docx
from nianbao.report.synth import consistent_report
from nianbao.web import api

from webkit import TUOLI, bot_texts, running_web

HATU = "托里县哈图镇人民政府"


@pytest.fixture
async def web(tmp_path):
    async with running_web(tmp_path) as running:
        yield running


async def upload(browser, data: bytes, name: str, *, client_id: str = "clientUpload01"):
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await browser.client.post("/api/upload", data=form,
                                     headers={"X-CSRF-Token": browser.csrf, "X-Client-Id": client_id})


async def test_last_years_word_file_sent_from_the_page_is_read_and_kept_on_import(web):
    official = await web.browser()
    assert (await official.login(web.invite())).status == 303
    await official.open_chat()
    year = web.store.reports_in_county(TUOLI)[0].year
    last = consistent_report(year=year - 1, organ=HATU, scale=3)
    last.county = TUOLI
    last.applications.carried_forward = [2, 0, 0, 0, 0, 1]
    response = await upload(official, render_docx(last, draft=False), f"哈图镇{year - 1}年年报.docx")
    assert response.status == 202
    shown = bot_texts(await official.news())
    assert f"已读取{year - 1}年的年报" in shown and "2 0 0 0 0 1" in shown
    assert any(m["kind"] == "mine" and f"{year - 1}年年报.docx" in m["text"] for m in official.seen)
    assert web.store.previous_year(TUOLI, HATU, year) is None  # shown first
    await official.act("#yes")
    assert web.store.previous_year(TUOLI, HATU, year).year == year - 1


async def test_an_upload_without_its_token_or_too_big_is_refused(web, monkeypatch):
    official = await web.browser()
    assert (await official.login(web.invite())).status == 303
    await official.open_chat()
    csrf, official.csrf = official.csrf, "wrong"
    assert (await upload(official, b"x", "a.txt")).status == 403
    official.csrf = csrf
    monkeypatch.setattr(api, "MAX_UPLOAD", 1000)
    too_big = await upload(official, b"0" * 5000, "big.pdf", client_id="clientUpload02")
    assert too_big.status == 413 and "20 MB" in (await too_big.json())["error"]
    stranger = await web.browser()
    assert (await upload(stranger, b"x", "a.txt")).status == 401
