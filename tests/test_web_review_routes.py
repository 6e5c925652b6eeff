"""The reviewers' and admins' pages over HTTP (aiohttp's test client): a reviewer signed in by a
one-time link returns an official's draft with a reason, the official fixes a figure and resubmits on
their page, the reviewer approves; decisions made in Telegram show on the page and the reverse (one
`nianbao run --web` process); an admin sees the county's page, its chart and downloads the export;
strangers, officials and other counties' reviewers and admins are refused every page and POST."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from urllib.parse import quote, unquote

import lxml.html
import openpyxl
import pytest
from docx import Document

from nianbao.workflow.storage import AdminAction, ReviewAction, Status, Store
from reviewkit import GROUP_A, REASON, YUMIN, county_people, form_fields, linked_in, two_counties
from webkit import TUOLI, ZERO, RunningWeb, bot_texts

COUNTY_PATH = f"/admin/{quote(TUOLI)}"


@pytest.fixture
async def web(tmp_path):
    config = two_counties(tmp_path)
    store = Store.open(config.database.url)
    running = await RunningWeb(config, store).start()
    running.people = county_people(running)
    yield running
    await running.stop()
    store.close()


async def official_submits(web):
    """An official signs in with a code, answers a zero report on their page and submits it."""
    official = await web.browser()
    assert (await official.login(web.invite())).status == 303
    await official.open_chat()
    for line in ZERO:
        await official.act(line)
    await official.act("/submit")
    got = await official.act("#go")
    assert "已提交审核" in bot_texts(got)
    [row] = web.store.reports_in_county(TUOLI)
    assert row.status is Status.SUBMITTED
    return official, row


def page_of(html: str):
    return lxml.html.document_fromstring(html)


async def decide(browser, report_id: int, decision: str, reason: str | None = None, *, csrf=None, version=None):
    """The draft's page opened and one of its forms posted (its token and version as the page has them)."""
    page = await (await browser.client.get(f"/review/{report_id}")).text()
    token, shown = form_fields(page)
    data = {"csrf": token if csrf is None else csrf, "version": str(shown if version is None else version),
            "decision": decision}
    if reason is not None:
        data["reason"] = reason
    return await browser.client.post(f"/review/{report_id}", data=data, allow_redirects=False)


# ---- the review, on the page ---------------------------------------------------------------------


async def test_a_reviewer_returns_the_official_fixes_a_figure_and_the_reviewer_approves(web):
    people = web.people
    official, row = await official_submits(web)

    reviewer, landing = await linked_in(web, people.reviewer_a, "李审核")
    assert landing == "/review"                                # no draft of their own: their page, not a chat
    listed = await reviewer.client.get("/review")
    assert listed.status == 200 and "default-src 'self'" in listed.headers["Content-Security-Policy"]
    assert listed.headers["X-Frame-Options"] == "DENY" and listed.headers["Cache-Control"] == "no-store"
    html = page_of(await listed.text())
    assert [a.get("href") for a in html.xpath("//main//li/a")] == [f"/review/{row.id}"]
    assert html.xpath("//head/link[@href='/static/draft.css']")
    assert [a.text_content() for a in html.xpath("//nav[@class='nav']/a")] == ["对话", "审核"]  # no 管理
    for path in ("/", "/login"):                                # signed in: to their start page
        again = await reviewer.client.get(path, allow_redirects=False)
        assert again.status == 302 and again.headers["Location"] == "/review", path
    chat = page_of(await (await reviewer.client.get("/chat")).text())   # the chat still takes commands
    assert [a.get("href") for a in chat.xpath("//header//nav/a")] == ["/chat", "/review"]
    assert "「审核」" in chat.xpath("//p[contains(@class,'hint')]")[0].text_content()

    page = await (await reviewer.client.get(f"/review/{row.id}")).text()
    assert len(page_of(page).xpath("//article//table")) == 3 and "第 1 版" in page
    assert "style=" not in page and "<script>" not in page      # the CSP allows no inline style or script
    returned = await decide(reviewer, row.id, "return", REASON)
    assert returned.status == 200
    shown = page_of(await returned.text())
    assert "已退回" in shown.xpath("//p[contains(@class,'nb-notice')]")[0].text_content()
    assert not shown.xpath("//form[@action]//input[@name='decision']") and REASON in shown.text_content()
    got = await official.news()                                 # the official's page is told, with the reason
    assert "被退回修改" in bot_texts(got) and REASON in bot_texts(got)
    [event] = [e for e in web.store.history(row.id) if e.action is ReviewAction.RETURN]
    assert (event.actor_id, event.comment, event.review_round) == (people.reviewer_a, REASON, 1)
    assert "退回" in web.telegram.texts(GROUP_A)                 # and the county's group, as in Telegram
    assert "目前没有等待审核" in await (await reviewer.client.get("/review")).text()

    await official.act("/edit 8")                               # 行政许可: 0 → 3
    await official.act("3")
    await official.act("#gen")
    await official.act("/submit")
    assert "已提交审核" in bot_texts(await official.act("#go"))
    resubmitted = web.store.report(row.id)
    assert (resubmitted.status, resubmitted.review_round) == (Status.SUBMITTED, 2)
    again = await (await reviewer.client.get(f"/review/{row.id}")).text()
    assert "第 2 版" in again

    approved = await decide(reviewer, row.id, "approve")
    assert approved.status == 200 and "已通过" in await approved.text()
    await web.settled()
    got = await official.news()
    [final] = [m for m in got if m["kind"] == "file"]
    assert "（草稿）" not in final["file"]["name"]
    docx = Document(io.BytesIO(await (await official.client.get(final["file"]["url"])).read()))
    assert "草稿" not in docx.paragraphs[0].text
    cells = [cell.text for table in docx.tables for r in table.rows for cell in r.cells]
    assert "3" in cells                                         # the figure fixed
    assert [e.action for e in web.store.history(row.id)] == [
        ReviewAction.SUBMIT, ReviewAction.RETURN, ReviewAction.SUBMIT, ReviewAction.APPROVE]
    assert any(kind == "file" and "草稿" not in name for kind, chat, name in web.telegram.sent if chat == str(GROUP_A))

    stale = await reviewer.client.post(f"/review/{row.id}", data={
        "csrf": form_fields(again)[0], "version": str(form_fields(again)[1]), "decision": "return", "reason": REASON})
    assert stale.status == 409 and "已经处理过" in await stale.text()   # the old page's form decides nothing
    assert web.store.report(row.id).status is Status.APPROVED and len(web.store.history(row.id)) == 4
    for browser in (official, reviewer):
        await browser.close()


async def test_a_return_needs_its_reason_and_every_post_its_token(web):
    official, row = await official_submits(web)
    reviewer, _ = await linked_in(web, web.people.reviewer_a)
    for reason in (None, "", "好"):
        response = await decide(reviewer, row.id, "return", reason)
        assert response.status == 409 and "退回原因" in await response.text()
    assert (await decide(reviewer, row.id, "delete")).status == 400
    assert (await decide(reviewer, row.id, "approve", csrf="forged")).status == 403
    assert (await decide(reviewer, row.id, "approve", csrf="")).status == 403
    assert (await decide(reviewer, row.id, "approve", version="x")).status == 400
    assert web.store.report(row.id).status is Status.SUBMITTED and len(web.store.history(row.id)) == 1
    for browser in (official, reviewer):
        await browser.close()


# ---- the county admin ----------------------------------------------------------------------------


async def test_an_admin_sees_the_county_its_chart_and_downloads_the_export(web):
    official, row = await official_submits(web)
    admin, landing = await linked_in(web, web.people.admin_a, "王管理")
    assert landing == "/admin"
    response = await admin.client.get("/admin", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == COUNTY_PATH   # the one county
    page = await admin.client.get(COUNTY_PATH)
    html = page_of(await page.text())
    assert page.status == 200 and "托里县2024年年报" in html.xpath("//main//h1")[0].text_content()
    assert [a.text_content() for a in html.xpath("//nav[@class='nav']/a")] == ["对话", "审核", "管理"]
    [img] = html.xpath("//main//img")
    assert "待审核 1" in img.get("alt")
    chart = await admin.client.get(img.get("src"))
    assert chart.status == 200 and chart.content_type == "image/png" and (await chart.read()).startswith(b"\x89PNG")
    assert f"/review/{row.id}" in [a.get("href") for a in html.xpath("//main//a")]   # an organ's draft

    [export] = [a.get("href") for a in html.xpath("//main//a[@download]")]
    download = await admin.client.get(export)
    assert download.status == 200 and download.content_type == "application/zip"
    disposition = download.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "托里县2024年年报.zip"
    archive = zipfile.ZipFile(io.BytesIO(await download.read()))
    names = archive.namelist()
    [docx_name] = [n for n in names if n.endswith(".docx")]
    [sheet_name] = [n for n in names if n.endswith("进度.xlsx")]
    assert "哈图镇" in docx_name
    Document(io.BytesIO(archive.read(docx_name)))               # a .docx that opens
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read(sheet_name))).active
    assert any("托里县哈图镇人民政府" == cell for r in sheet.iter_rows(values_only=True) for cell in r)
    events = web.store.admin_events(TUOLI)
    assert [e.action for e in events][-1] is AdminAction.EXPORT and '"via": "web"' in events[-1].detail
    assert AdminAction.ROLES in [e.action for e in events]      # the page showed open codes: audited

    assert (await admin.client.get(f"{COUNTY_PATH}?year=1999")).status == 400
    assert (await admin.client.get(f"{COUNTY_PATH}?page=x")).status == 400
    # an admin of two counties chooses
    web.store.grant(web.people.admin_a, YUMIN, "admin", by=None)
    chooser = page_of(await (await admin.client.get("/admin")).text())
    assert [a.get("href") for a in chooser.xpath("//main//li/a")] == [COUNTY_PATH, f"/admin/{quote(YUMIN)}"]
    for browser in (official, admin):
        await browser.close()


# ---- decisions in Telegram and on the page, one process ------------------------------------------


async def test_decisions_in_telegram_show_on_the_page_and_the_pages_in_telegram(fake_tg, tmp_path):
    from botkit import RunningBot, answer, ask, complete_report, db_url, make_config, settled, texts
    from nianbao.bot.app import BotProcess
    from test_web_with_telegram import free_port
    from webkit import COUNTY, SECRET

    port = free_port()
    root = f"http://127.0.0.1:{port}"
    config = make_config(fake_tg, db_url(tmp_path), counties={TUOLI: {**COUNTY, "admins": [7002]}},
                         web={"secret": SECRET, "public_url": root, "port": port})
    store = Store.open(db_url(tmp_path))
    bot = RunningBot(fake_tg, store, config)
    bot.process, bot._stop = BotProcess(config, store, clock=bot.clock, poll_timeout=1, web=True), asyncio.Event()
    await bot.process.start(bot._stop)
    fake_tg.bot_idle = bot.idle
    import aiohttp
    try:
        group, admin = fake_tg.group(GROUP_A, "托里县审核群"), fake_tg.user(7002, "王管理")
        await settled(fake_tg, admin.send_in_group(group, "/bind_review_group"))
        await ask(admin, "/grant_reviewer 7001")
        reviewer = fake_tg.user(7001, "李审核")
        official = await bot.official(7101, name="张三")
        complete_report(bot, store.person_by("telegram", "7101").person_id)
        offer = await ask(official, "/submit")
        await settled(fake_tg, official.press(offer[-1], offer[-1].callback_data[0]))
        link = re.search(rf"{re.escape(root)}(/login/[A-Za-z0-9_-]{{32}})", (await answer(reviewer, "/web"))[-1].text)[1]

        async with aiohttp.ClientSession(root, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            form = await (await browser.get(link)).text()
            signed = await browser.post(link, data={"csrf": form_fields(form)[0]}, allow_redirects=False)
            assert signed.status == 303 and signed.headers["Location"] == "/review"   # by /web: no code
            listed = page_of(await (await browser.get("/review")).text())
            [href] = [a.get("href") for a in listed.xpath("//main//li/a")]
            report_id = int(href.rsplit("/", 1)[1])

            post = next(i for i in reversed(fake_tg.sent(GROUP_A)) if i.buttons)   # returned in the group
            asked = await settled(fake_tg, reviewer.press(post, post.callback_data[1]))
            [question] = [i for i in asked if i.chat_id == GROUP_A]
            await settled(fake_tg, reviewer.send_in_group(group, REASON, reply_to=question))
            page = await (await browser.get(href)).text()
            assert "已退回" in page and REASON in page and 'name="decision"' not in page
            assert "目前没有等待审核" in await (await browser.get("/review")).text()

            await ask(official, "/edit 8")
            await ask(official, "3")
            offer = await ask(official, "/submit")
            await settled(fake_tg, official.press(offer[-1], offer[-1].callback_data[0]))
            page = await (await browser.get(href)).text()
            token, version = form_fields(page)
            decided = await browser.post(href, data={"csrf": token, "version": str(version), "decision": "approve"})
            assert decided.status == 200 and "已通过" in await decided.text()
            await fake_tg.wait_for(bot.idle, 15)
            await fake_tg.wait_for(lambda: any(i.kind == "document" and "草稿" not in (i.filename or "")
                                               for i in official.replies), 15)
            assert "通过第 2 版" in texts(await ask(official, "/history"))
            old = next(i for i in reversed(fake_tg.sent(GROUP_A)) if i.buttons)
            await settled(fake_tg, reviewer.press(old, old.callback_data[0]))   # the group's buttons: dead now
            assert store.report(report_id).status is Status.APPROVED
            assert [e.action for e in store.history(report_id)] == [
                ReviewAction.SUBMIT, ReviewAction.RETURN, ReviewAction.SUBMIT, ReviewAction.APPROVE]
            assert store.history(report_id)[-1].actor_id == store.person_by("telegram", "7001").person_id
    finally:
        await bot.stop()
        store.close()


# ---- everyone else is refused ---------------------------------------------------------------------

ROUTES = [
    ("GET", "/review"), ("GET", "/review/{id}"), ("POST approve", "/review/{id}"), ("POST return", "/review/{id}"),
    ("GET", "/admin"), ("GET", COUNTY_PATH), ("GET", f"{COUNTY_PATH}/chart.png"), ("GET", f"{COUNTY_PATH}/export.zip"),
]
# What each may get: stranger → the login page; the county's own official → refused (403; 404 for a
# report: an id tells nothing); the other county's reviewer and admin → their own lists without this
# county's draft (200), 404 for its report, 403 for its admin pages (the admin: /admin → their county).
EXPECTED = {
    "/review": {"stranger": 303, "official": 403, "reviewer_b": 200, "admin_b": 200, "reviewer_a": 200},
    "/review/{id}": {"stranger": 303, "official": 404, "reviewer_b": 404, "admin_b": 404, "reviewer_a": 200},
    "/admin": {"stranger": 303, "official": 403, "reviewer_b": 403, "admin_b": 303, "reviewer_a": 403},
    "county": {"stranger": 303, "official": 403, "reviewer_b": 403, "admin_b": 403, "reviewer_a": 403},
}


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {unquote(p)}" for m, p in ROUTES])
async def test_strangers_officials_and_other_counties_are_refused(web, method, path):
    people = web.people
    official, row = await official_submits(web)
    stranger = await web.browser()
    browsers = {"stranger": stranger, "official": official}
    for key in ("reviewer_b", "admin_b", "reviewer_a"):
        browsers[key], _ = await linked_in(web, getattr(people, key))
    reviewer_page = await (await browsers["reviewer_a"].client.get(f"/review/{row.id}")).text()
    real_token, version = form_fields(reviewer_page)
    url = path.replace("{id}", str(row.id))
    expected = EXPECTED["county" if path.startswith(COUNTY_PATH) else path]
    if method.startswith("POST"):
        expected = {**expected, "reviewer_a": "not tried"}   # the county's reviewer decides: the other tests
    for who, browser in browsers.items():
        if expected[who] == "not tried":
            continue
        if method.startswith("POST"):
            own = browser.client.get(f"/review/{row.id}")
            page = await (await own).text()
            token = form_fields(page)[0] if 'name="csrf"' in page else real_token
            data = {"csrf": token, "version": str(version), "decision": method.split()[1], "reason": REASON}
            response = await browser.client.post(url, data=data, allow_redirects=False)
        else:
            response = await browser.client.get(url, allow_redirects=False)
        assert response.status == expected[who], (who, method, url, response.status)
        if response.status == 303 and who == "stranger":
            assert response.headers["Location"] == "/login"
        if response.status in (403, 404):                      # refused in the page shell, in Chinese
            text = await response.text()
            assert response.content_type == "text/html" and "无法打开这一页" in text
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        if response.status == 200:
            text = await response.text()
            assert f"/review/{row.id}\"" not in text or who == "reviewer_a", who   # never this county's draft
        if who == "admin_b" and url == "/admin":
            assert response.headers["Location"] == f"/admin/{quote(YUMIN)}"
    assert web.store.report(row.id).status is Status.SUBMITTED and len(web.store.history(row.id)) == 1
    assert AdminAction.EXPORT not in [e.action for e in web.store.admin_events(TUOLI)]
    for browser in browsers.values():
        await browser.close()
