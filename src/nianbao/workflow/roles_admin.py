"""Who holds what in a county, and taking it back: /roles, /revoke_invite, /remove_reviewer, /remove_official.

Each is an ``Admin`` command (router.py's ``_WORDS``: called with the Admin, the person, the words).
A county admin acts on their own county only, a super admin on any; every change — and every /roles,
which shows open invite codes — is recorded in the audit trail (``admin_events``) in the update's own
transaction, and a removed role is forgotten by every worker's cache (the store bumps the generation row).

Invite codes are shown to the admin in chat (/roles lists the open ones, to pass on or revoke) but
never written to the audit trail or a log line: the trail names the organ.
"""

from __future__ import annotations

import json

from ..text import say
from .access import Identity
from .admin import _COUNTY_WORD, _TG_ID, Admin
from .drafting import Out
from .review import CHINA
from .storage import AdminAction, Role


def roles(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/roles [县名]: the county's admins, reviewers, officials (with their organs) and open invites."""
    county, rest, refused = admin._county(who, words, say("admin.example_roles"))
    if refused:
        return refused
    if rest:
        return [Out(say("admin.roles_usage"))]
    store = admin.store
    settings = admin.config.counties.get(county)
    configured = list(settings.admins) if settings is not None else []
    held = store.reviewers_and_admins(county)
    admins = [_person(store, person_id, config=True) for person_id in configured]
    admins += [_person(store, user.person_id, user.name) for role, user in held
               if role is Role.ADMIN and user.person_id not in configured]
    reviewers = [_person(store, user.person_id, user.name) for role, user in held if role is Role.REVIEWER]
    officials: dict[str, list[str]] = {}
    for official in store.officials_in_county(county):
        officials.setdefault(official.organ, []).append(_person(store, official.person_id, official.name))
    invites = [(i.organ, i.code, _china_time(i.expires_at)) for i in store.open_invites(county, admin.clock())]
    # Nothing changes, but open codes were shown: the trail says who saw them (never the codes).
    store.audit(county, who.person_id, AdminAction.ROLES, county, json.dumps({"invites": len(invites)}), now=admin.clock())
    return [Out(say("admin.roles", county=county, admins=admins, reviewers=reviewers,
                    officials=sorted(officials.items()), invites=invites))]


def revoke_invite(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/revoke_invite CODE: an open invite of the admin's county can no longer be used."""
    if not (who.is_super or who.admin_of):
        return [Out(say("admin.admins_only"))]
    if len(words) != 1:
        return [Out(say("admin.revoke_invite_usage"))]
    now = admin.clock()
    invite = admin.store.invite(words[0])
    if invite is None or not who.administers(invite.county):  # another county's code: as unknown
        return [Out(say("admin.invite_not_found"))]
    if invite.used_by is not None:
        return [Out(say("admin.invite_was_used", organ=invite.organ, person_id=invite.used_by))]
    if not admin.store.revoke_invite(invite.code, now):
        return [Out(say("admin.invite_was_expired", organ=invite.organ))]
    admin.store.audit(invite.county, who.person_id, AdminAction.REVOKE_INVITE, invite.organ, now=now)
    return [Out(say("admin.invite_revoked", organ=invite.organ))]


def remove_reviewer(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/remove_reviewer <Telegram id> [县名]."""
    county, person_id, refused = _target(admin, who, words, Role.REVIEWER, "remove_reviewer")
    if refused:
        return refused
    if not admin.store.revoke(person_id, county, Role.REVIEWER):
        return [Out(say("admin.not_holding", person_id=person_id, county=county, role=say("admin.role_reviewer")))]
    admin.store.audit(county, who.person_id, AdminAction.REMOVE_REVIEWER, person_id, now=admin.clock())
    return [Out(say("admin.reviewer_removed", who=_person(admin.store, person_id), county=county)),
            Out(say("admin.you_were_removed", county=county, role=say("admin.role_reviewer")), to=person_id)]


def remove_official(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    """/remove_official <Telegram id> [县名]: their role and organs there go; their reports stay the
    organ's, for its other or next official to go on with."""
    county, person_id, refused = _target(admin, who, words, Role.OFFICIAL, "remove_official")
    if refused:
        return refused
    name = _person(admin.store, person_id)
    removed = admin.store.remove_official(person_id, county)
    if removed is None:
        return [Out(say("admin.not_holding", person_id=person_id, county=county, role=say("admin.role_official")))]
    detail = json.dumps({"organs": list(removed.organs), "reports": removed.reports, "handed": removed.handed},
                        ensure_ascii=False)
    admin.store.audit(county, who.person_id, AdminAction.REMOVE_OFFICIAL, person_id, detail, now=admin.clock())
    return [Out(say("admin.official_removed", who=name, county=county, organs=removed.organs,
                    reports=removed.reports, handed=removed.handed)),
            Out(say("admin.you_were_removed", county=county, role=say("admin.role_official")), to=person_id)]


def _target(admin: Admin, who: Identity, words: list[str], role: Role, command: str
            ) -> tuple[str, int, list[Out]]:
    """The county and the person of /remove_…: 「<id> [县名]」. Without a county named, the one county
    of the admin's where that person holds the role (or the admin's only county)."""
    usage = [Out(say(f"admin.{command}_usage"))]
    if not (who.is_super or who.admin_of):
        return "", 0, [Out(say("admin.admins_only"))]
    if not 1 <= len(words) <= 2 or not _TG_ID.match(words[0]) or (len(words) == 2 and not _COUNTY_WORD.match(words[1])):
        return "", 0, usage
    person_id = int(words[0])
    if len(words) == 2:
        county, _, refused = admin._county(who, words, say(f"admin.example_{command}"))
        return county or "", person_id, refused
    where = [c for c, held in admin.store.roles_of(person_id) if held is role and who.administers(c)]
    if len(where) == 1:
        return where[0], person_id, []
    county, _, refused = admin._county(who, words, say(f"admin.example_{command}"))
    return county or "", person_id, refused


def _china_time(at) -> str:
    at = at.astimezone(CHINA)
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def _person(store, person_id: int, name: str | None = None, *, config: bool = False) -> str:
    if name is None:
        user = store.user(person_id)
        name = user.name if user is not None else ""
    return say("admin.person", name=name, person_id=person_id, config=config)
