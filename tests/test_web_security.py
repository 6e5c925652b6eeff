"""The web front end refuses what it must: no session, no CSRF token, a tampered or ended session,
wrong codes past the lockout, a login link used twice, too many requests; and it sends its headers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from nianbao.workflow.storage import Store
from webkit import RunningWeb, bot_texts, running_web, web_config


@pytest.fixture
async def web(tmp_path):
    async with running_web(tmp_path) as running:
        yield running


@pytest.fixture
async def browsers(web):
    made = []

    async def browser():
        made.append(await web.browser())
        return made[-1]

    yield browser
    for b in made:
        await b.close()


async def official(web, browsers):
    b = await browsers()
    assert (await b.login(web.invite())).status == 303
    await b.open_chat()
    return b


async def test_strangers_get_the_login_page_and_the_api_401(browsers):
    b = await browsers()
    for path in ("/chat", "/", "/files/1"):
        response = await b.client.get(path, allow_redirects=False)
        if path == "/files/1":
            assert response.status == 401
        else:
            assert response.status in (302, 303)
    assert (await b.client.get("/chat")).url.path == "/login"
    response = await b.client.get("/api/messages?after=0")
    assert response.status == 401 and "重新登录" in (await response.json())["error"]
    for path in ("/api/say", "/api/press", "/api/resume"):
        assert (await b.client.post(path, json={"id": "abcdefgh12", "text": "x"})).status == 401
    assert (await b.client.post("/logout", data={"csrf": "x"}, allow_redirects=False)).status == 303


async def test_posts_without_the_csrf_token_are_refused(web, browsers):
    b = await official(web, browsers)
    before = len(b.seen)
    for path, payload in (("/api/say", {"text": "1"}), ("/api/press", {"button": "r1v1|x", "label": ""}),
                          ("/api/resume", {})):
        assert (await b.post(path, payload, csrf="")).status == 403
        other = b.csrf[:-1] + ("x" if b.csrf[-1] != "x" else "y")
        assert (await b.post(path, payload, csrf=other)).status == 403
    assert (await b.client.post("/logout", data={}, allow_redirects=False)).status == 403
    assert await b.news() == [] and len(b.seen) == before       # nothing reached the workflow
    # the login form: its token is the signed login cookie's
    fresh = await browsers()
    await fresh.client.get("/login")
    response = await fresh.client.post("/login", data={"code": web.invite(), "csrf": "forged"}, allow_redirects=False)
    assert response.status == 403 and "页面已过期" in await response.text()


async def test_wrong_codes_lock_the_browser_out_with_the_bots_message(web, browsers):
    b = await browsers()
    for _ in range(5):
        response = await b.login("ZZZZZZZZ")
        assert response.status == 200 and "邀请码不对" in await response.text()
    response = await b.login(web.invite())                     # even the right code, now
    text = await response.text()
    assert response.status == 200 and "尝试次数过多，请 10 分钟后再试" in text
    assert "nb_session" not in {c.key for c in b.client.session.cookie_jar}
    web.clock_now[0] += timedelta(minutes=11)
    assert (await b.login(web.invite())).status == 303          # the window has passed
    history = await b.open_chat()
    assert "邀请码不对" not in bot_texts(b.seen) and history    # the wrong codes' replies are not the chat's


async def test_login_attempts_are_limited_per_address(tmp_path):
    config = web_config(tmp_path)
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store, limited=True).start()
    try:
        statuses = []
        for _ in range(11):
            b = await web.browser()                            # a fresh browser each time: cookies cleared
            response = await b.login("ZZZZZZZZ")
            statuses.append(response.status)
            await b.close()
        assert statuses[:10] == [200] * 10 and statuses[10] == 429
        assert "操作太频繁" in await response.text()
    finally:
        await web.stop()
        store.close()


async def test_requests_past_the_rate_limit_get_429_in_chinese(tmp_path):
    config = web_config(tmp_path)
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store, limited=True).start()
    try:
        b = await web.browser()
        assert (await b.login(web.invite())).status == 303
        page = await b.client.get("/chat")
        b.csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())[1]
        statuses = [(await b.post("/api/say", {"text": "帮助"})).status for _ in range(12)]
        assert 10 <= statuses.count(202) <= 11 and statuses[-1] == 429   # the burst (and a refill, if slow)
        response = await b.post("/api/say", {"text": "帮助"})
        assert response.status == 429 and (await response.json())["error"] == "操作太频繁，请稍后再试。"
        await b.close()
    finally:
        await web.stop()
        store.close()


async def test_a_tampered_expired_or_ended_session_is_refused(web, browsers):
    b = await official(web, browsers)
    jar = b.client.session.cookie_jar
    good = next(c.value for c in jar if c.key == "nb_session")
    jar.clear()
    session_id, expires, mac = good.split(".")
    for forged in (f"{session_id[:-1]}{'A' if session_id[-1] != 'A' else 'B'}.{expires}.{mac}",
                   f"{session_id}.{int(expires) + 86400}.{mac}", f"{session_id}.{expires}", "x"):
        jar.update_cookies({"nb_session": forged})
        assert (await b.client.get("/api/messages?after=0")).status == 401
        assert (await b.client.get("/chat", allow_redirects=False)).status == 303
    jar.update_cookies({"nb_session": good})
    assert (await b.client.get("/api/messages?after=0")).status == 200
    web.clock_now[0] += timedelta(hours=web.config.web.session_hours, minutes=1)
    assert (await b.client.get("/api/messages?after=0")).status == 401   # expired
    web.clock_now[0] -= timedelta(hours=web.config.web.session_hours, minutes=1)
    response = await b.client.post("/logout", data={"csrf": b.csrf}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"
    jar.update_cookies({"nb_session": good})                    # a copy of the cookie kept from before
    assert (await b.client.get("/api/messages?after=0")).status == 401


async def test_a_one_time_login_link_works_once(web, browsers):
    b = await official(web, browsers)
    got = await b.act("/web")
    url = re.search(r"http://nianbao\.test(/login/[A-Za-z0-9_-]{32})", bot_texts(got))
    assert url and "15 分钟" in bot_texts(got)
    path = url[1]
    other = await browsers()
    assert (await other.client.get(path)).status == 200      # opening it (a link preview too) uses nothing
    token = await other.form_token(path)
    response = await other.client.post(path, data={"csrf": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/chat"
    await other.open_chat()
    assert "进度" in bot_texts(other.seen)                      # the same person, the same draft
    third = await browsers()
    assert (await third.client.get(path)).status == 404
    await third.client.get("/login")
    response = await third.client.post(path, data={"csrf": await third.form_token("/login")}, allow_redirects=False)
    assert response.status == 404 and "已使用或已过期" in await response.text()
    assert (await third.client.get("/chat", allow_redirects=False)).status == 303


async def test_a_login_link_expires_after_fifteen_minutes(web, browsers):
    b = await official(web, browsers)
    path = re.search(r"(/login/[A-Za-z0-9_-]{32})", bot_texts(await b.act("/web")))[1]
    web.clock_now[0] += timedelta(minutes=16)
    other = await browsers()
    assert (await other.client.get(path)).status == 404


async def test_every_response_has_the_security_headers(web, browsers):
    b = await official(web, browsers)
    for response in (await b.client.get("/login", allow_redirects=False), await b.client.get("/chat"),
                     await b.client.get("/static/chat.js"), await b.client.get("/nothing-here"),
                     await b.client.get("/api/messages?after=0")):
        h = response.headers
        assert h["Content-Security-Policy"] == ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                                "img-src 'self'; object-src 'none'; base-uri 'none'; "
                                                "form-action 'self'; frame-ancestors 'none'")
        assert h["X-Content-Type-Options"] == "nosniff" and h["Referrer-Policy"] == "same-origin"
        assert h["X-Frame-Options"] == "DENY"
    cookie = next(c for c in b.client.session.cookie_jar if c.key == "nb_session")
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    page = await (await b.client.get("/chat")).text()
    assert "<script>" not in page and "style=" not in page and 'src="/static/chat.js"' in page


async def test_frame_ancestors_and_secure_cookies_as_configured(tmp_path):
    config = web_config(tmp_path, public_url="https://nianbao.example.cn", frame_ancestors=["https://*.qq.com"])
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store).start()
    try:
        b = await web.browser()
        response = await b.client.get("/login")
        assert "frame-ancestors https://*.qq.com" in response.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in response.headers
        assert "Secure" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
        await b.close()
    finally:
        await web.stop()
        store.close()


async def test_nothing_typed_reaches_the_logs(web, browsers, caplog):
    caplog.set_level(logging.DEBUG)
    b = await browsers()
    code = web.invite()
    await b.login(code)
    await b.open_chat()
    await b.act("托里县哈图镇人民政府院内秘密小路，0901-7777777")
    assert code not in caplog.text and "秘密小路" not in caplog.text and "7777777" not in caplog.text
