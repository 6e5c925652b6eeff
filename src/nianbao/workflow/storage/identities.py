"""People apart from any chat platform: a person is ``users.id``; their identities on each channel
(``telegram`` + the Telegram user id, ``web`` + a login's id, …) point to it (schema v8).

A new person's id: their Telegram id when they come from Telegram and it is free — so the ids county
admins already type (/whoami, /grant_reviewer <id>, the config) keep naming the same people — else
the next free id. Every lookup goes through ``identities``: an id is never taken for a Telegram id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select

from .base import StoreBase, retry_on_conflict, utc
from .models import ChannelIdentity, User
from .rows import UserRow

TELEGRAM = "telegram"
# Where a message to a person goes when they have several identities: Telegram pushes; the web page
# shows what waits for it when it is opened.
REACH_ORDER = (TELEGRAM, "web")

_BY_IDENTITY = (select(User.__table__)
                .join(ChannelIdentity.__table__, ChannelIdentity.__table__.c.user_id == User.__table__.c.id)
                .where(ChannelIdentity.__table__.c.channel == bindparam("channel"),
                       ChannelIdentity.__table__.c.external_id == bindparam("external_id")))


def _next_free_id(s) -> int:
    """A new person's id: past every id there is (a concurrent insert of the same one conflicts and
    the caller's retry_on_conflict takes the next)."""
    return (s.scalar(select(func.max(User.id))) or 0) + 1


def _row(u) -> UserRow:
    return UserRow(u.id, u.name, u.created_at, u.active_report_id, u.last_update_id)


class IdentityStore(StoreBase):
    def person_by(self, channel: str, external_id: str) -> UserRow | None:
        """The person behind an identity, or None (asked on every update: Core, one query)."""
        with self._read_connection() as conn:
            u = conn.execute(_BY_IDENTITY, {"channel": channel, "external_id": external_id}).one_or_none()
        return None if u is None else _row(u)

    @retry_on_conflict
    def person_of(self, channel: str, external_id: str, name: str, now: datetime | None = None) -> UserRow:
        """The person behind an identity — made on first contact — with their display name refreshed."""
        name = name[:200]
        known = self.person_by(channel, external_id)
        if known is not None and known.name == name:
            return known
        with self._write() as s:
            if known is not None:
                user = s.get(User, known.person_id)
            else:
                user = User(id=self._new_person_id(s, channel, external_id), name=name, created_at=utc(now))
                s.add(user)
                s.flush()
                s.add(ChannelIdentity(channel=channel, external_id=external_id, user_id=user.id, created_at=utc(now)))
                self._identities_cache.pop(user.id, None)
            user.name = name
            s.flush()
            return _row(user)

    @staticmethod
    def _new_person_id(s, channel: str, external_id: str) -> int:
        if channel == TELEGRAM and external_id.isdigit() and s.get(User, int(external_id)) is None:
            return int(external_id)
        return _next_free_id(s)

    def create_person(self, name: str, now: datetime | None = None) -> int:
        """A person with no identity yet (made on the server for someone to sign in with a link)."""
        with self._write() as s:
            user = User(id=_next_free_id(s), name=name[:200], created_at=utc(now))
            s.add(user)
            s.flush()
            return user.id

    def link_identity(self, person_id: int, channel: str, external_id: str, now: datetime | None = None) -> None:
        """Give a person one more identity (a web login of someone who uses Telegram); an identity
        that is someone else's already is moved (the login proved it is this person's now)."""
        with self._write() as s:
            known = s.get(ChannelIdentity, (channel, external_id))
            if known is None:
                s.add(ChannelIdentity(channel=channel, external_id=external_id, user_id=person_id, created_at=utc(now)))
            else:
                known.user_id = person_id
        self._identities_cache.pop(person_id, None)

    def identities_of(self, person_id: int) -> tuple[tuple[str, str], ...]:
        """(channel, external id) of each identity of the person, in REACH_ORDER (cached: they change
        only when linked here, or by a new person on first contact, who has one)."""
        known = self._identities_cache.get(person_id)
        if known is None:
            with self._read() as s:
                rows = s.execute(select(ChannelIdentity.channel, ChannelIdentity.external_id)
                                 .where(ChannelIdentity.user_id == person_id)).all()
            order = {channel: i for i, channel in enumerate(REACH_ORDER)}
            known = tuple(sorted(((c, e) for c, e in rows), key=lambda r: (order.get(r[0], len(order)), r[1])))
            if known:  # "none yet" is not kept: the person may write from another worker any moment
                self._identities_cache[person_id] = known
        return known

    def telegram_ids(self, person_id: int) -> list[int]:
        """The person's Telegram user ids (the config names admins by those)."""
        return [int(e) for c, e in self.identities_of(person_id) if c == TELEGRAM and e.lstrip("-").isdigit()]

    def address_of(self, person_id: int, channels: tuple[str, ...] | None = None) -> tuple[str, str] | None:
        """Where a message to the person goes: (channel, chat id) — of ``channels`` (those the deployment
        has) when given; None when they have no identity there."""
        return next((i for i in self.identities_of(person_id) if channels is None or i[0] in channels), None)
