"""A county with no Telegram at all (issue 13's "Done when"): the first admin comes from the server
(`nianbao admin weblink --admin`), invites on the web page, a reviewer comes the same way, the
official drafts and submits on the page, the reviewer approves on the page — and nothing is ever
addressed to a Telegram chat, so nothing waits for a channel this deployment does not have."""

from __future__ import annotations

import json
import re

import pytest

from nianbao.cli import main
from nianbao.workflow.storage import Status

from test_web_review_routes import decide
from webkit import COUNTY, RunningWeb, SECRET, TUOLI, ZERO, bot_texts, running_web

_LINK = re.compile(r"http://nianbao\.test(/login/[A-Za-z0-9_-]+)")
_CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{8})\b")


def config_file(tmp_path, url: str):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = {json.dumps(url)}\n[web]\nsecret = "{SECRET}"\n'
                    f'public_url = "http://nianbao.test"\n[counties."{TUOLI}"]\nportal = "{COUNTY["portal"]}"\n',
                    encoding="utf-8")
    return path


def weblink(capsys, path, *args) -> str:
    assert main(["admin", "weblink", "--config", str(path), "--county", TUOLI, *args]) == 0
    return _LINK.search(capsys.readouterr().out)[1]


async def signed_in(web: RunningWeb, link: str):
    browser = await web.browser()
    token = await browser.form_token(link)
    response = await browser.client.post(link, data={"csrf": token}, allow_redirects=False)
    assert response.status == 303, response.status
    return browser, response.headers["Location"]


@pytest.fixture
async def web(tmp_path):
    async with running_web(tmp_path) as running:
        yield running


async def test_a_county_runs_from_the_first_admin_to_an_approved_report_without_telegram(web, tmp_path, capsys):
    assert web.config.telegram is None and web.config.channels == ("web",)
    path = config_file(tmp_path, web.config.database.url)

    admin, landing = await signed_in(web, weblink(capsys, path, "--admin", "--name", "王管理"))
    assert landing == "/admin"
    await admin.open_chat()  # the admin's commands go through the same chat page
    invited = bot_texts(await admin.act("/invite 哈图镇人民政府"))
    code = _CODE.search(invited)[1]

    reviewer, landing = await signed_in(web, weblink(capsys, path, "--reviewer", "--name", "李审核"))
    assert landing == "/review"

    official = await web.browser()
    assert (await official.login(code)).status == 303
    await official.open_chat()
    for line in ZERO:
        await official.act(line)
    await official.act("/submit")
    assert "已提交审核" in bot_texts(await official.act("#go"))  # no group: reviewed on the page
    [row] = web.store.reports_in_county(TUOLI)
    assert row.status is Status.SUBMITTED
    assert f"http://nianbao.test/review/{row.id}" in bot_texts(await reviewer.news())  # told on their page

    approved = await decide(reviewer, row.id, "approve")
    assert approved.status == 200
    assert web.store.report(row.id).status is Status.APPROVED
    assert "通过" in bot_texts(await official.news())
    await web.settled()
    lanes = {entry.lane.split(":")[0] for entry in web.store.effects()}
    assert lanes == {"web"}, lanes  # nothing was ever addressed to Telegram
    signed = [json.loads(e.detail)["via"] for e in web.store.admin_events(TUOLI) if e.action == "web_login"]
    assert signed == ["link", "link", "code"]  # each sign-in in the county's audit trail
    admin_page = await admin.client.get(f"/admin/{TUOLI}")
    assert admin_page.status == 200 and "已通过" in await admin_page.text()


async def test_the_name_given_at_login_is_the_persons_name_in_the_review_records(web):
    browser = await web.browser()
    token = await browser.form_token("/login")
    response = await browser.client.post("/login", data={"code": web.invite(), "csrf": token, "name": " 王  芳 "},
                                         allow_redirects=False)
    assert response.status == 303
    [row] = web.store.reports_in_county(TUOLI)
    assert web.store.user(row.owner_id).name == "王 芳"


async def test_the_reminders_run_in_the_web_process_when_there_is_no_telegram(web):
    """`nianbao web` alone runs the reminders loop (runtime/reminding.py): an official on the web page
    who has not submitted gets the 15 days' reminder on their page, once."""
    import asyncio

    from nianbao.runtime.reminding import remind_until
    from test_reminders import at

    from datetime import timedelta

    web.clock_now[0] = at(15) - timedelta(hours=1)  # the official joins an hour before the reminder is due
    official = await web.browser()
    assert (await official.login(web.invite())).status == 303
    await official.open_chat()
    web.clock_now[0] = at(15)
    stop = asyncio.Event()
    task = asyncio.create_task(remind_until(web.pipeline.services, web.pipeline.sender, stop, every=0.05))
    await asyncio.sleep(0.3)  # several rounds: one reminder
    stop.set()
    await task
    got = bot_texts(await official.news())
    assert got.count("还剩 15 天") == 1, got
