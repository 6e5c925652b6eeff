"""People keyed apart from Telegram (schema v8): a person's own id, one or more channel identities.

The router maps (channel, sender id) to a person; a message to a person goes to wherever they are
reached; a v7 database keeps every person, role and draft, each Telegram user now an identity.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from botkit import TODAY, make_config
from nianbao.workflow.channel import Incoming
from nianbao.workflow.drafting import Out
from nianbao.workflow.effects import effects_of
from nianbao.workflow.router import Router
from nianbao.workflow.services import Services
from nianbao.workflow.storage import Role, Store
from nianbao.workflow.storage.migrate import latest_version

TUOLI, HATU = "托里县", "托里县哈图镇人民政府"
CONFIG_ADMIN = 10


@pytest.fixture()
def services(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    fake = type("F", (), {"token": "1:abc", "base_url": "http://127.0.0.1:9/bot",
                          "base_file_url": "http://127.0.0.1:9/file/bot"})()
    svc = Services(store, make_config(fake, url, counties={TUOLI: {"admins": [CONFIG_ADMIN]}}), lambda: TODAY)
    yield svc
    store.close()


def say_as(router: Router, channel: str, sender: str, words: str):
    return router.handle(Incoming(channel, sender, "某人", sender, True, text=words))


def test_a_web_login_and_a_telegram_chat_are_one_person_on_one_draft(services):
    store, router = services.store, Router(services)
    code = store.create_invite(TUOLI, HATU, by=CONFIG_ADMIN, ttl=timedelta(hours=1), now=TODAY)
    web = "Wq3kV9xZbT2mN8pR4sL6yA"   # a web login's id: no number, no Telegram id
    joined = say_as(router, "web", web, f"/join {code}")
    assert "已加入" in joined.outs[0].text or HATU in joined.outs[0].text
    person = store.person_by("web", web)
    assert person is not None and store.identities_of(person.person_id) == (("web", web),)
    draft = store.active_report(person.person_id)
    assert draft is not None and draft.organ == HATU

    store.link_identity(person.person_id, "telegram", "777000111")  # the same clerk on Telegram
    assert store.person_by("telegram", "777000111").person_id == person.person_id
    assert router.identify(Incoming("telegram", "777000111", "某人", "777000111", True)).may_draft
    assert store.active_report(person.person_id).id == draft.id  # one draft, answered from both
    # A message to the person goes where they are reached first: Telegram pushes.
    [effect] = effects_of([Out("提醒", to=person.person_id)], "web", web, store.address_of)
    assert effect.lane == "telegram:777000111"


def test_new_people_get_their_own_ids_and_telegram_ids_stay_apart(services):
    store = services.store
    web_born = store.person_of("web", "tokenA", "甲")
    assert web_born.person_id == 1  # the first person of an empty database
    # A Telegram user whose id is that number already: another person, reached by their own identity.
    telegram_one = store.person_of("telegram", "1", "乙")
    assert telegram_one.person_id != web_born.person_id
    assert store.person_by("telegram", "1").person_id == telegram_one.person_id
    assert store.address_of(web_born.person_id) == ("web", "tokenA")
    # Someone on Telegram whose id is free keeps it as their person id (the ids admins type).
    assert store.person_of("telegram", "424242", "丙").person_id == 424242


def test_the_configs_admin_ids_are_telegram_ids_not_person_ids(services):
    store, router = services.store, Router(services)
    impostor = store.person_of("web", "tokenB", "丁")
    while impostor.person_id < CONFIG_ADMIN:  # a web-born person whose own id equals the config's admin id
        impostor = store.person_of("web", f"token{impostor.person_id}", "丁")
    assert impostor.person_id == CONFIG_ADMIN
    who = router.identify(Incoming("web", f"token{CONFIG_ADMIN - 1}", "丁", "x", True))
    assert who.person_id == CONFIG_ADMIN and not who.admin_of  # the config names Telegram user 10, not person 10
    admin = router.identify(Incoming("telegram", str(CONFIG_ADMIN), "王管理", str(CONFIG_ADMIN), True))
    assert admin.admin_of == {TUOLI} and admin.person_id != CONFIG_ADMIN


def test_step_8_gives_every_person_of_a_v7_database_their_telegram_identity(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = Store.open(url)
    store.upsert_user(5551, "老填报人")
    store.grant(5551, TUOLI, Role.REVIEWER, by=CONFIG_ADMIN)
    with store.engine.begin() as conn:  # back to what version 7 made
        conn.execute(text("DROP TABLE identities"))
        conn.execute(text("UPDATE schema_version SET version = 7"))
    store.close()
    upgraded = Store.open(url)
    try:
        person = upgraded.person_by("telegram", "5551")
        assert person is not None and person.person_id == 5551 and person.name == "老填报人"
        assert upgraded.roles_of(5551) == [(TUOLI, Role.REVIEWER)]
        with upgraded.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == latest_version()
    finally:
        upgraded.close()


def test_a_county_admin_makes_a_login_link_for_one_of_the_countys_people_only(tmp_path):
    """/web <编号>: for an official without Telegram (or who lost the page); audited; not for strangers."""
    from nianbao.workflow import web_login
    from nianbao.workflow.storage import AdminAction

    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    store = Store.open(url)
    fake = type("F", (), {"token": "1:abc", "base_url": "http://127.0.0.1:9/bot",
                          "base_file_url": "http://127.0.0.1:9/file/bot"})()
    config = make_config(fake, url, counties={TUOLI: {"admins": [CONFIG_ADMIN]}, "裕民县": {"admins": [20]}},
                         web={"public_url": "https://nianbao.example.cn"})
    services = Services(store, config, lambda: TODAY)
    router = Router(services)
    try:
        code = store.create_invite(TUOLI, HATU, by=CONFIG_ADMIN, ttl=timedelta(hours=1), now=TODAY)
        say_as(router, "web", "webOnlyClerk000000000A", f"/join {code}")
        clerk = store.person_by("web", "webOnlyClerk000000000A").person_id
        [link] = say_as(router, "telegram", str(CONFIG_ADMIN), f"/web {clerk}").outs
        token = link.text.rsplit("/login/", 1)[1].strip()
        assert web_login.redeem(store, token, TODAY) == clerk and web_login.redeem(store, token, TODAY) is None
        assert [e.action for e in store.admin_events(TUOLI)][-1] == AdminAction.WEB_LINK
        assert token not in " ".join(str(e.detail) + str(e.subject) for e in store.admin_events(TUOLI))
        [refused] = say_as(router, "telegram", "20", f"/web {clerk}").outs  # 裕民县's admin
        assert "不是您所管理县的人员" in refused.text
        [clerk_asks] = say_as(router, "web", "webOnlyClerk000000000A", f"/web {CONFIG_ADMIN}").outs
        assert "只有县级管理员" in clerk_asks.text
    finally:
        store.close()
