"""What the reviewers' and admins' web tests share (tests/test_web_review_routes.py, test_web_review_browser.py):
a county with its reviewer, admin and review group, another county with its own, one-time login links
made as /web makes them, and a stand-in for Telegram where the group's posts go (`nianbao web` alone
has no Telegram output; the county's group is on Telegram)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.workflow import web_login
from nianbao.workflow.access import identify
from nianbao.workflow.channel import Sent
from nianbao.workflow.config import Config
from nianbao.workflow.storage import Role
from webkit import COUNTY, SECRET, TODAY, TUOLI, Browser, RunningWeb

YUMIN = "裕民县"
GROUP_A, GROUP_B = -1001, -1002
REASON = "第二部分行政许可数字有误，应为3。"
_TOKEN = re.compile(r"/login/([A-Za-z0-9_-]{32})")
_FORM_CSRF = re.compile(r'name="csrf" value="([^"]*)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


def two_counties(tmp_path: Path, **web) -> Config:
    """webkit.web_config with a second county (the one whose reviewers and admins are refused)."""
    return Config.model_validate({
        "database": {"url": f"sqlite:///{tmp_path / 'nianbao.sqlite'}"},
        "rendering": {"workers": 0},
        "web": {"secret": SECRET, "public_url": "http://nianbao.test", **web},
        "counties": {TUOLI: COUNTY, YUMIN: {"portal": "裕民县人民政府门户网站"}},
    })


@dataclass
class TelegramStandIn:
    """The Telegram output: what was sent to which chat (the county's group), nothing delivered."""

    name: str = "telegram"
    sent: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, chat id, text or file name)
    files: dict[str, bytes] = field(default_factory=dict)

    async def send_text(self, chat_id, text, *, buttons=(), force_reply=False, reply_to=None) -> Sent:
        self.sent.append(("text", str(chat_id), text))
        return Sent(len(self.sent))

    async def send_file(self, chat_id, data, filename, *, caption="", reply_to=None) -> Sent:
        self.sent.append(("file", str(chat_id), filename))
        self.files[filename] = data
        return Sent(len(self.sent))

    async def answer_button(self, query_id, text="", *, alert=False) -> Sent:
        return Sent()

    async def fetch_file(self, file_id: str) -> bytes:
        raise AssertionError("no files come from Telegram here")

    def texts(self, chat_id: int) -> str:
        return "\n".join(text for kind, chat, text in self.sent if kind == "text" and chat == str(chat_id))


@dataclass(frozen=True)
class People:
    reviewer_a: int
    admin_a: int
    reviewer_b: int
    admin_b: int
    names: dict[int, str]


def county_people(web: RunningWeb) -> People:
    """Each county's reviewer and admin (Telegram users, appointed in chat: roles in the database) and
    托里县's review group bound; the group's posts go to a TelegramStandIn (``web.telegram``)."""
    store = web.store
    made = {}
    for key, tg, name in (("reviewer_a", 7001, "李审核"), ("admin_a", 7002, "王管理"),
                          ("reviewer_b", 7003, "刘审核"), ("admin_b", 7004, "赵管理")):
        made[key] = store.person_of("telegram", str(tg), name, TODAY).person_id
    for county, reviewer, admin in ((TUOLI, made["reviewer_a"], made["admin_a"]),
                                    (YUMIN, made["reviewer_b"], made["admin_b"])):
        store.grant(admin, county, Role.ADMIN, by=None, now=TODAY)
        store.grant(reviewer, county, Role.REVIEWER, by=admin, now=TODAY)
    store.bind_review_group(TUOLI, GROUP_A, by=made["admin_a"], now=TODAY)
    web.telegram = TelegramStandIn()
    web.pipeline.sender.outputs["telegram"] = web.telegram
    names = {made["reviewer_a"]: "李审核", made["admin_a"]: "王管理", made["reviewer_b"]: "刘审核",
             made["admin_b"]: "赵管理"}
    return People(**made, names=names)


def login_link(web: RunningWeb, person_id: int, name: str = "") -> str:
    """The path of a one-time link made as /web makes it for ``person_id``."""
    who = identify(web.store, web.config, person_id, name)
    [out] = web_login.command(web.store, web.config, who, web.clock())
    return "/login/" + _TOKEN.search(out.text)[1]


async def linked_in(web: RunningWeb, person_id: int, name: str = "") -> tuple[Browser, str]:
    """A browser signed in by a one-time link (the link page, then its button): (browser, where it went)."""
    link = login_link(web, person_id, name)
    browser = await web.browser()
    token = await browser.form_token(link)
    response = await browser.client.post(link, data={"csrf": token}, allow_redirects=False)
    assert response.status == 303, response.status
    return browser, response.headers["Location"]


def form_fields(page: str) -> tuple[str, int | None]:
    """(the forms' CSRF token, the version the decision forms carry — None without them) of a page."""
    version = _VERSION.search(page)
    return _FORM_CSRF.search(page)[1], int(version[1]) if version else None
