"""The web front end over HTTP (aiohttp's test client): an official logs in with an invite code,
answers, reloads the page mid-answer, finishes a zero report and downloads the .docx."""

from __future__ import annotations

import io

import pytest
from docx import Document

from nianbao.workflow.storage import Store
from webkit import RunningWeb, ZERO, bot_texts, running_web, web_config


@pytest.fixture
async def web(tmp_path):
    async with running_web(tmp_path) as running:
        yield running


async def signed_in(web, code: str | None = None):
    browser = await web.browser()
    response = await browser.login(code or web.invite())
    assert response.status == 303 and response.headers["Location"] == "/chat"
    return browser


async def test_login_answer_reload_finish_and_download(web):
    browser = await signed_in(web)
    first = await browser.open_chat()
    history = browser.seen
    assert "托里县哈图镇人民政府" in bot_texts(history)          # the welcome of /join, kept for the page
    assert "进度" in bot_texts(first)                          # /status on load: the progress, then the question
    await browser.act(ZERO[0])                                 # the year, by its button
    got = await browser.act(ZERO[1])                           # the contact, typed
    assert [m["kind"] for m in got][0] == "mine" and got[0]["text"] == ZERO[1]
    asked = bot_texts(got)

    reloaded = await web.browser()                             # the same browser, reloaded: a new page
    reloaded.client.session.cookie_jar.update_cookies(
        {c.key: c.value for c in browser.client.session.cookie_jar})
    again = await reloaded.open_chat()
    assert [m["text"] for m in reloaded.seen[: len(browser.seen)]] == [m["text"] for m in browser.seen]
    assert asked.split("\n", 1)[0] in bot_texts(again)         # the current question asked again, with its header
    await reloaded.close()

    for line in ZERO[2:]:
        await browser.act(line)
    files = [m for m in browser.seen if m["kind"] == "file"]
    assert len(files) == 1 and files[0]["file"]["name"].endswith("（草稿）.docx")
    response = await browser.client.get(files[0]["file"]["url"])
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    docx = Document(io.BytesIO(await response.read()))
    body = "\n".join(p.text for p in docx.paragraphs)
    assert "托里县哈图镇人民政府" in body and "全年，我镇主动公开政府信息4条。" in body
    cells = [cell.text for table in docx.tables for row in table.rows for cell in row.cells]
    assert "0" in cells
    await browser.close()


async def test_a_file_is_only_for_its_own_session(web):
    owner = await signed_in(web)
    await owner.open_chat()
    for line in ZERO:
        await owner.act(line)
    url = next(m for m in owner.seen if m["kind"] == "file")["file"]["url"]
    other = await signed_in(web)
    assert (await other.client.get(url)).status == 404
    stranger = await web.browser()
    assert (await stranger.client.get(url)).status == 401
    for browser in (owner, other, stranger):
        await browser.close()


async def test_a_public_url_with_a_path_puts_every_page_under_it(tmp_path):
    config = web_config(tmp_path, public_url="http://nianbao.test/nb")
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store).start()
    try:
        b = await web.browser()
        token = await b.form_token("/nb/login")
        response = await b.client.post("/nb/login", data={"code": web.invite(), "csrf": token}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/nb/chat"
        page = await (await b.client.get("/nb/chat")).text()
        assert 'data-base="/nb"' in page and 'src="/nb/static/chat.js"' in page
        assert (await b.client.get("/nb/static/style.css")).status == 200
        assert (await b.client.get("/chat", allow_redirects=False)).status == 404
        await b.close()
    finally:
        await web.stop()
        store.close()


async def test_the_same_on_postgresql(tmp_path, pg_url):
    """Store calls in threads, the hub woken from the loop: the page still gets every reply."""
    config = web_config(tmp_path).model_copy(update={"database": web_config(tmp_path).database.model_copy(
        update={"url": pg_url})})
    store = Store.open(pg_url)
    web = await RunningWeb(config, store).start()
    try:
        browser = await signed_in(web)
        await browser.open_chat()
        for line in ZERO:
            await browser.act(line)
        url = next(m for m in browser.seen if m["kind"] == "file")["file"]["url"]
        docx = Document(io.BytesIO(await (await browser.client.get(url)).read()))
        assert "全年，我镇主动公开政府信息4条。" in "\n".join(p.text for p in docx.paragraphs)
        await browser.close()
    finally:
        await web.stop()
        store.close()


async def test_the_long_poll_answers_when_something_arrives_and_else_after_its_time(web, monkeypatch):
    import asyncio
    import time

    from nianbao.web import api

    browser = await signed_in(web)
    await browser.open_chat()
    last = browser.seen[-1]["seq"]
    started = time.monotonic()
    poll = asyncio.ensure_future(browser.client.get(f"/api/messages?after={last}&wait=1"))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await browser.post("/api/say", {"text": "帮助"})
    got = (await (await poll).json())["messages"]
    assert got[0]["kind"] == "mine" and time.monotonic() - started < 2
    await web.settled()
    last = (await browser.messages(0))[-1]["seq"]
    # what another process's sender stored (not this one's WebOutput): seen by the hub's watch, within ~1 s
    poll = asyncio.ensure_future(browser.client.get(f"/api/messages?after={last}&wait=1"))
    await asyncio.sleep(0.1)
    [identity] = web.front.hub._waiters  # the page waiting
    web.store.add_web_message(identity, "text", "另一个进程发来的消息", now=web.clock())
    started = time.monotonic()
    got = (await (await poll).json())["messages"]
    assert [m["text"] for m in got] == ["另一个进程发来的消息"] and time.monotonic() - started < 2.5
    monkeypatch.setattr(api, "LONG_POLL_S", 0.3)
    started = time.monotonic()
    response = await browser.client.get(f"/api/messages?after={got[-1]['seq']}&wait=1")
    assert (await response.json())["messages"] == [] and 0.25 < time.monotonic() - started < 2
    await browser.close()
