"""/web: a one-time link that signs a person's browser in to the web front end, transport-free.

Anyone with a role may ask for one (in a private chat: a link posted in a group would let the group in).
The link holds a random token (192 bits); the store keeps only its SHA-256, so a copy of the database
opens nothing. It is used once (the web front end's POST takes it, atomically) within LINK_TTL.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from ..text import say
from .access import Identity
from .config import Config
from .drafting import Out
from .storage import AdminAction, Store

LINK_TTL = timedelta(minutes=15)
# A link a county admin makes for one of the county's people (who has no Telegram, or lost the page)
# travels through another app first: a day to open it, still once.
FORWARDED_TTL = timedelta(hours=24)
TOKEN_BYTES = 24
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def command(store: Store, config: Config, who: Identity, now: datetime) -> list[Out]:
    """The link for ``who``, or why there is none (no public address configured)."""
    if config.web.public_url is None:
        return [Out(say("web.link_unavailable"))]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.add_login_link(token_hash(token), who.person_id, now, LINK_TTL)
    return [Out(say("web.link", url=f"{config.web.public_url}/login/{token}",
                    minutes=int(LINK_TTL.total_seconds() // 60)))]


def for_person(store: Store, config: Config, who: Identity, words: list[str], now: datetime) -> list[Out]:
    """/web <编号>: a county admin's one-time link for one of the county's people, to forward to them."""
    if not who.admin_of and not who.is_super:
        return [Out(say("web.link_for_admins"))]
    if len(words) != 1 or not words[0].isdigit():
        return [Out(say("web.link_for_usage"))]
    person = int(words[0])
    counties = sorted({county for county, _ in store.roles_of(person) if who.administers(county)})
    if not counties:
        return [Out(say("web.link_for_not_yours", id=person))]
    if config.web.public_url is None:
        return [Out(say("web.link_unavailable"))]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.add_login_link(token_hash(token), person, now, FORWARDED_TTL)
    store.audit(counties[0], who.person_id, AdminAction.WEB_LINK, str(person), now=now)
    return [Out(say("web.link_for", id=person, url=f"{config.web.public_url}/login/{token}",
                    hours=int(FORWARDED_TTL.total_seconds() // 3600)))]


def well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def is_open(store: Store, token: str, now: datetime) -> bool:
    """Whether the link may still be used (asking uses nothing up)."""
    return well_formed(token) and store.login_link_open(token_hash(token), now)


def redeem(store: Store, token: str, now: datetime) -> int | None:
    """Use the link up: the person it was made for, or None (unknown, used or expired)."""
    if not well_formed(token):
        return None
    return store.take_login_link(token_hash(token), now)
