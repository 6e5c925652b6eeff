"""A county with no Telegram at all: officials on the web page, drafts reviewed on the web page.

With no review group bound, a draft can still be submitted when the web front end is configured and
the county has someone to decide: each reviewer and admin is told (wherever they are reached) with
the draft's page to decide on; without the web, the official is told to ask for a group, as before.
"""

from __future__ import annotations

from datetime import timedelta

from botkit import TODAY, make_config
from nianbao.workflow.channel import Incoming
from nianbao.workflow.effects import effects_of
from nianbao.workflow.router import Router
from nianbao.workflow.services import Services
from nianbao.workflow.storage import Role, Store

from test_bot_counts import COUNTY, ZERO

TUOLI, HATU, ADMIN, REVIEWER = "托里县", "托里县哈图镇人民政府", 8001, 8002
CLERK = "webClerkIdentity000000A"
FAKE = type("F", (), {"token": "1:abc", "base_url": "http://127.0.0.1:9/bot",
                      "base_file_url": "http://127.0.0.1:9/file/bot"})()


def county(tmp_path, **web):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    services = Services(store, make_config(FAKE, url, counties={TUOLI: COUNTY}, **web), lambda: TODAY)
    store.person_of("web", "webReviewerIdentity0000", "李审核")
    reviewer = store.person_by("web", "webReviewerIdentity0000").person_id
    store.grant(reviewer, TUOLI, Role.REVIEWER, by=ADMIN)
    return store, services, reviewer


def drafted(store: Store, router: Router):
    """The clerk joins on the web page and answers a zero report (the buttons pressed by their ids)."""
    code = store.create_invite(TUOLI, HATU, by=ADMIN, ttl=timedelta(hours=1), now=TODAY, level="town")
    outs = router.handle(Incoming("web", CLERK, "王填报", CLERK, True, text=f"/join {code}")).outs
    for line in ZERO[:-1]:  # (「生成」 renders; submission does not wait for it)
        buttons = [data for out in outs for data, _ in out.buttons]
        if line.startswith("#"):
            [data] = [d for d in buttons if d.split("|")[1] == line[1:]]
            outs = router.handle(Incoming("web", CLERK, "王填报", CLERK, True, button=data)).outs
        else:
            outs = router.handle(Incoming("web", CLERK, "王填报", CLERK, True, text=line)).outs
    return store.person_by("web", CLERK).person_id


def submit(services: Services, router: Router, clerk: int):
    who = router.identify(Incoming("web", CLERK, "王填报", CLERK, True))
    [offer] = services.review.offer(who)
    if not offer.buttons:
        return [offer]
    [(data, _)] = offer.buttons
    return router.handle(Incoming("web", CLERK, "王填报", CLERK, True, button=data)).outs


def test_without_a_group_the_countys_reviewers_are_told_to_decide_on_the_page(tmp_path):
    store, services, reviewer = county(tmp_path, web={"public_url": "https://nb.example.cn"})
    try:
        router = Router(services)
        clerk = drafted(store, router)
        outs = submit(services, router, clerk)
        row = store.active_report(clerk)
        assert row.status.value == "submitted"
        lanes = {e.lane: e.payload["text"] for e in effects_of(outs, "web", CLERK, store.address_of)}
        assert f"https://nb.example.cn/review/{row.id}" in lanes["web:webReviewerIdentity0000"]
        assert f"https://nb.example.cn/review/{row.id}" in lanes[f"telegram:{ADMIN}"]  # the config's admin
        assert "已提交" in lanes[f"web:{CLERK}"] or "提交" in lanes[f"web:{CLERK}"]
    finally:
        store.close()


def test_without_a_group_nor_the_web_the_official_is_told_to_ask_for_a_group(tmp_path):
    store, services, _ = county(tmp_path)
    try:
        router = Router(services)
        clerk = drafted(store, router)
        [said] = submit(services, router, clerk)
        assert "还没有绑定审核群" in said.text
        assert store.active_report(clerk).status.value == "draft"
    finally:
        store.close()
