"""Who holds which organ, and a clerk replaced in one step, transport-free (issue 12 item 3):
/people and /replace_official.

/people [县名]: the county's admins and reviewers (with the ids /remove_reviewer takes), then every
organ — who drafts for it (since when, their latest answer), or its open invite code and until when,
or that it has neither — a page at a time (「上一页」/「下一页」). Open codes are shown, so each /people
is in the audit trail as /roles is (never the codes).

/replace_official 机关名称 [县名]: the organ's officials lose their role in the county (as
/remove_official: their reports stay the organ's), its unused codes are revoked, and a fresh invite is
made — whoever redeems it takes the organ's reports over. Each step is in the audit trail.

``people_view`` is what `nianbao admin people` prints too (every line, no pages).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from ..text import say
from .access import Identity
from .admin import Admin
from .config import Config
from .drafting import Out
from .review import CHINA
from .roles_admin import _person
from .roster_admin import china_time, invite_link, short_name
from .storage import AdminAction, Role, Store

PAGE_LINES = 25  # organs on one page of /people
_PAGE = re.compile(r"^W(\S{2,20})$")  # a /people page: the county (the button's id is the page)


@dataclass(frozen=True)
class PeopleView:
    county: str
    admins: list[str]
    reviewers: list[str]
    lines: list[str]  # one per organ: holders first, then invited, then neither
    joined: int
    invited: int
    lapsed: int

    def text(self, page: int | None = None) -> str:
        """The page ``page`` (1-based) in a chat, or every line (None: the command line)."""
        if page is None:
            page, pages, start, shown = 1, 1, 0, self.lines
        else:
            page, pages = min(max(page, 1), self.pages), self.pages
            start = (page - 1) * PAGE_LINES
            shown = self.lines[start:start + PAGE_LINES]
        return say("people.page", county=self.county, admins=self.admins, reviewers=self.reviewers, lines=shown,
                   start=start, page=page, pages=pages, total=len(self.lines),
                   joined=self.joined, invited=self.invited, lapsed=self.lapsed)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.lines) // PAGE_LINES))


def people_view(store: Store, config: Config, county: str, now: datetime) -> PeopleView:
    settings = config.counties.get(county)
    configured = list(settings.admins) if settings is not None else []
    held = store.reviewers_and_admins(county)
    names = {user.person_id: user.name for _, user in held}
    admins = [_person(store, person_id, names.get(person_id), config=True) for person_id in configured]
    admins += [_person(store, user.person_id, user.name) for role, user in held
               if role is Role.ADMIN and user.person_id not in configured]
    reviewers = [_person(store, user.person_id, user.name) for role, user in held if role is Role.REVIEWER]
    holders: dict[str, list[str]] = {}
    for holder in store.organ_holders(county):
        holders.setdefault(holder.organ, []).append(say(
            "people.holder", name=holder.name, person_id=holder.person_id, since=_day(holder.joined_at, now),
            last=_day(holder.last_answer_at, now) if holder.last_answer_at else None))
    invites = {invite.organ: invite for invite in store.open_invites(county, now)}  # the latest expiry wins
    contacts = store.organ_contacts(county)
    joined, invited, lapsed = [], [], []
    for organ in store.organs_in_county(county):
        name, invite = short_name(organ, county), invites.get(organ)
        if organ in holders:
            joined.append(say("people.joined", organ=name, people=holders[organ],
                              code=invite.code if invite else None))
        elif invite is not None:
            contact, phone = contacts.get(organ, (None, None))
            invited.append(say("people.invited", organ=name, code=invite.code, until=china_time(invite.expires_at),
                               contact=contact, phone=phone))
        else:
            lapsed.append(say("people.lapsed", organ=name))
    return PeopleView(county, admins, reviewers, joined + invited + lapsed, len(joined), len(invited), len(lapsed))


def people(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/people [县名]: the first page."""
    county, rest, refused = admin._county(who, words, say("people.example"))
    if refused:
        return refused
    if rest:
        return [Out(say("people.usage"))]
    now = admin.clock()
    view = people_view(admin.store, admin.config, county, now)
    admin.store.audit(county, who.person_id, AdminAction.ROLES, county,
                      json.dumps({"invites": view.invited, "via": "people"}), now=now)
    return [_page(view, 1)]


def owns(token: str) -> bool:
    return bool(_PAGE.match(token))


def press(admin: Admin, who: Identity, token: str, button_id: str) -> list[Out] | None:
    """「上一页」/「下一页」 of /people (None: not the county's admin, or not a page)."""
    county = _PAGE.match(token)[1]
    if not who.administers(county) or not button_id.isdigit():
        return None
    now = admin.clock()
    view = people_view(admin.store, admin.config, county, now)
    admin.store.audit(county, who.person_id, AdminAction.ROLES, county,
                      json.dumps({"invites": view.invited, "via": "people"}), now=now)
    return [_page(view, int(button_id))]


def _page(view: PeopleView, page: int) -> Out:
    page = min(max(page, 1), view.pages)
    buttons = []
    if page > 1:
        buttons.append((f"W{view.county}|{page - 1}", say("admin.button_previous")))
    if page < view.pages:
        buttons.append((f"W{view.county}|{page + 1}", say("admin.button_next")))
    return Out(view.text(page), buttons=tuple(buttons))


def replace_official(admin: Admin, who: Identity, words: list[str], bot_username: str | None = None) -> list[Out]:
    """/replace_official 机关名称 [县名]: the organ's officials out, its open codes revoked, a fresh code."""
    county, rest, refused = admin._county(who, words, say("people.example_replace"))
    if refused:
        return refused
    typed = "".join(rest)
    if not typed:
        return [Out(say("people.replace_usage"))]
    store, now = admin.store, admin.clock()
    organs = store.organs_in_county(county)
    near = [o for o in organs if typed in o]
    organ = typed if typed in organs else county + typed if county + typed in organs else \
        near[0] if len(near) == 1 else None  # never an organ whose name is only part of what was typed
    if organ is None:
        key = "people.organ_ambiguous" if len(near) > 1 else "people.organ_not_found"
        return [Out(say(key, county=county, name=typed, organs=[short_name(o, county) for o in near[:10]]))]
    outs, removed, others, reports = [], [], set(), 0
    for official in [o for o in store.officials_in_county(county) if o.organ == organ]:
        gone = store.remove_official(official.person_id, county)
        if gone is None:
            continue
        detail = json.dumps({"organs": list(gone.organs), "reports": gone.reports, "handed": gone.handed,
                             "replace": organ}, ensure_ascii=False)
        store.audit(county, who.person_id, AdminAction.REMOVE_OFFICIAL, official.person_id, detail, now=now)
        removed.append(say("admin.person", name=official.name, person_id=official.person_id, config=False))
        others |= {short_name(o, county) for o in gone.organs if o != organ}
        reports += gone.reports
        outs.append(Out(say("admin.you_were_removed", county=county, role=say("admin.role_official")),
                        to=official.person_id))
    revoked = 0
    for invite in store.open_invites(county, now):
        if invite.organ == organ and store.revoke_invite(invite.code, now):
            store.audit(county, who.person_id, AdminAction.REVOKE_INVITE, organ, json.dumps({"replace": True}), now=now)
            revoked += 1
    code = store.create_invite(county, organ, by=who.person_id, ttl=admin.config.invites.ttl, now=now)
    store.audit(county, who.person_id, AdminAction.INVITE, organ, json.dumps({"via": "replace_official"}), now=now)
    return [Out(say("people.replaced", organ=organ, removed=removed, others=sorted(others), reports=reports,
                    revoked=revoked, hours=admin.config.invites.ttl_hours, link=invite_link(bot_username, code))),
            Out(f"/join {code}"), *outs]


def _day(at: datetime, now: datetime) -> str:
    """「1月10日」, with the year when it is not this year's (China time)."""
    local = at.astimezone(CHINA)
    year = f"{local.year}年" if local.year != now.astimezone(CHINA).year else ""
    return f"{year}{local.month}月{local.day}日"
