"""People: users, their roles per county, the organs officials draft for, and invite codes."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from .base import StoreBase, bump_generation, ensure_user, organ_named, retry_on_conflict, utc
from .errors import InviteError
from .models import AdminAction, AdminEvent, Invite, JoinAttempt, Membership, Organ, OrganOfficial, Report, Role, User
from .rows import AdminEventRow, InviteRow, RemovedOfficial, UserRow

# Invite codes: 8 of 32 symbols (no I/O/0/1, which people misread) = 40 bits, single use, expiring.
# Short enough to read out over the phone; guessing is what the lockout is for: 5 wrong codes per
# person per 10 minutes (JOIN_ATTEMPTS, JOIN_WINDOW) is 720 guesses a day per Telegram account, so
# even with 10,000 codes open at once one hit takes 2**40 / 10**4 / 720 ≈ 150,000 account-days
# (and every invite expires after invites.ttl_hours). runtime/logs.py redacts anything of this shape.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
JOIN_ATTEMPTS = 5                   # wrong /join codes allowed per person in JOIN_WINDOW
JOIN_WINDOW = timedelta(minutes=10)


def normalize_code(text: str) -> str:
    """What a person typed (「abcd efgh」, 「ABCD-EFGH」, full-width 「ＡＢＣＤ」) as a code to look up."""
    return re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text)).upper()


_USER = select(User.__table__).where(User.__table__.c.id == bindparam("person_id"))


class PeopleStore(StoreBase):
    # ---- users and roles --------------------------------------------------------------------

    @retry_on_conflict
    def upsert_user(self, person_id: int, name: str, now: datetime | None = None) -> UserRow:
        """Register a person or refresh their display name (a read only, when nothing changed)."""
        name = name[:200]
        known = self.user(person_id)
        if known is not None and known.name == name:
            return known
        with self._write() as s:
            user = ensure_user(s, person_id, utc(now))
            user.name = name
            s.flush()
            return _user_row(user)

    def user(self, person_id: int) -> UserRow | None:
        with self._read_connection() as conn:  # asked on every update: Core, no ORM session
            u = conn.execute(_USER, {"person_id": person_id}).one_or_none()
        return None if u is None else UserRow(u.id, u.name, u.created_at, u.active_report_id, u.last_update_id)

    def roles_of(self, person_id: int) -> list[tuple[str, Role]]:
        """(county, role) pairs, sorted; super admins are not here (they come from the config).

        Asked on every update, changed rarely (grant, revoke, invite): kept in memory and forgotten
        whenever this store changes them — the bot is the database's only writer.
        """
        known = self._roles_cache.get(person_id)
        if known is None:
            with self._read() as s:
                rows = s.execute(
                    select(Membership.county, Membership.role)
                    .where(Membership.user_id == person_id)
                    .order_by(Membership.county, Membership.role)
                )
                known = self._roles_cache[person_id] = tuple((county, Role(role)) for county, role in rows)
        return list(known)

    def _forget_roles(self, person_id: int) -> None:
        self._roles_cache.pop(person_id, None)

    @retry_on_conflict
    def grant(self, person_id: int, county: str, role: Role | str, by: int | None,
              now: datetime | None = None) -> bool:
        """Give ``role`` in ``county``; False if they had it already. Unknown users are registered."""
        role = Role(role)
        try:
            with self._write() as s:
                return _grant(s, person_id, county, role, by, utc(now))
        finally:
            self._forget_roles(person_id)

    def revoke(self, person_id: int, county: str, role: Role | str) -> bool:
        """Take ``role`` away; an official also loses their organs in that county (their reports stay
        with the organ: see remove_official). False if not held."""
        role = Role(role)
        if role is Role.OFFICIAL:
            return self.remove_official(person_id, county) is not None
        self._forget_roles(person_id)
        with self._write() as s:
            gone = _drop_membership(s, person_id, county, role)
        self._forget_roles(person_id)  # again after the commit: no reader re-caches the old roles
        return gone

    def remove_official(self, person_id: int, county: str) -> RemovedOfficial | None:
        """The official leaves the county: their role and organs there go; None if they had neither.

        Their reports stay the organ's (reports are per organ and year): one another official of the
        organ still drafts for goes on with them; with nobody left, the organ's next official (the
        one who redeems its next invite) takes them over. They no longer answer into any of them.
        """
        self._forget_roles(person_id)
        with self._write() as s:
            gone = _drop_membership(s, person_id, county, Role.OFFICIAL)
            organs = s.execute(
                select(Organ.id, Organ.name).join(OrganOfficial, OrganOfficial.organ_id == Organ.id)
                .where(OrganOfficial.user_id == person_id, Organ.county == county).order_by(Organ.name)
            ).all()
            if not gone and not organs:
                return None
            s.execute(delete(OrganOfficial).where(
                OrganOfficial.user_id == person_id,
                OrganOfficial.organ_id.in_(select(Organ.id).where(Organ.county == county))))
            reports = s.execute(
                select(Report.id, Report.organ_id).join(Organ, Organ.id == Report.organ_id)
                .where(Report.owner_id == person_id, Organ.county == county)
            ).all()
            handed = 0
            for report_id, organ_id in reports:
                successor = s.scalar(select(OrganOfficial.user_id).where(OrganOfficial.organ_id == organ_id)
                                     .order_by(OrganOfficial.joined_at, OrganOfficial.user_id).limit(1))
                if successor is not None:
                    s.execute(update(Report).where(Report.id == report_id).values(owner_id=successor)
                              .execution_options(synchronize_session=False))
                    handed += 1
            if reports:
                s.execute(update(User).where(User.id == person_id,
                                             User.active_report_id.in_([r for r, _ in reports]))
                          .values(active_report_id=None).execution_options(synchronize_session=False))
            if not gone:
                bump_generation(s)  # organs only (a half-removed official): still a change of roles
        self._forget_roles(person_id)
        return RemovedOfficial(tuple(name for _, name in organs), len(reports), handed)

    def members(self, county: str, role: Role | str) -> list[UserRow]:
        """Everyone holding ``role`` in ``county`` (e.g. its admins, to notify them)."""
        with self._read() as s:
            users = s.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.county == county, Membership.role == Role(role))
                .order_by(User.id)
            )
            return [_user_row(u) for u in users]

    def reviewers_and_admins(self, county: str) -> list[tuple[Role, UserRow]]:
        """The county's admins and reviewers held in the database (config admins are not here)."""
        with self._read() as s:
            rows = s.execute(
                select(Membership.role, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.county == county, Membership.role.in_([Role.ADMIN.value, Role.REVIEWER.value]))
                .order_by(Membership.role, User.id)
            )
            return [(Role(role), _user_row(user)) for role, user in rows]

    # ---- the audit trail of admin commands ------------------------------------------------------

    def audit(self, county: str, actor: int, action: AdminAction | str, subject: str | int,
              detail: str | None = None, now: datetime | None = None) -> None:
        """Record what an admin did (inside an update's unit of work: committed with it)."""
        row = {"county": county, "actor_id": actor, "action": AdminAction(action).value,
               "subject": str(subject)[:200], "detail": detail, "at": utc(now)}
        with self._append_connection() as conn:
            conn.execute(insert(AdminEvent.__table__), [row])

    def admin_events(self, county: str) -> list[AdminEventRow]:
        """The county's audit trail of admin commands, oldest first."""
        with self._read() as s:
            events = s.scalars(select(AdminEvent).where(AdminEvent.county == county).order_by(AdminEvent.id))
            return [AdminEventRow(e.id, e.county, e.actor_id, AdminAction(e.action), e.subject, e.detail, e.at)
                    for e in events]

    # ---- wrong /join codes --------------------------------------------------------------------

    def join_locked_until(self, person_id: int, now: datetime | None = None) -> datetime | None:
        """When the person may try a code again, if they are locked out (JOIN_ATTEMPTS wrong codes
        within JOIN_WINDOW); None when they may try now."""
        at = utc(now)
        with self._read_connection() as conn:
            recent = conn.execute(
                select(JoinAttempt.at).where(JoinAttempt.user_id == person_id, JoinAttempt.at > at - JOIN_WINDOW)
                .order_by(JoinAttempt.at.desc()).limit(JOIN_ATTEMPTS)
            ).scalars().all()
        # Sliding: the lock lifts when the oldest of the last JOIN_ATTEMPTS leaves the window.
        return recent[-1] + JOIN_WINDOW if len(recent) >= JOIN_ATTEMPTS else None

    def wrong_join(self, person_id: int, now: datetime | None = None) -> int:
        """Record a wrong code; returns the wrong codes within the window, this one included."""
        at = utc(now)
        with self._append_connection() as conn:
            conn.execute(delete(JoinAttempt).where(JoinAttempt.user_id == person_id,
                                                   JoinAttempt.at <= at - JOIN_WINDOW))
            conn.execute(insert(JoinAttempt.__table__), [{"user_id": person_id, "at": at}])
            return conn.execute(select(func.count()).select_from(JoinAttempt)
                                .where(JoinAttempt.user_id == person_id)).scalar_one()

    # ---- invites ----------------------------------------------------------------------------

    @retry_on_conflict
    def create_invite(self, county: str, organ: str, by: int, ttl: timedelta,
                      now: datetime | None = None, *, level: str | None = None) -> str:
        """A fresh single-use code binding its redeemer to ``county`` + ``organ`` until now + ttl;
        ``level``, when given, becomes the organ's level (its reports do not ask for it)."""
        if ttl <= timedelta(0):
            raise ValueError(f"invite ttl must be positive, got {ttl}")
        at = utc(now)
        with self._write() as s:
            organ_row = organ_named(s, county, organ)
            if level is not None:
                organ_row.level = level
            organ_id = organ_row.id
            while True:  # 2**40 codes: a collision is rare, but never reuse one
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if s.get(Invite, code) is None:
                    break
            s.add(Invite(code=code, organ_id=organ_id, created_by=by, created_at=at, expires_at=at + ttl))
            return code

    def invite(self, code: str) -> InviteRow | None:
        """The invite of that code (as typed: normalized), used or not; None if there is none."""
        code = normalize_code(code)
        if not _CODE_RE.match(code):
            return None
        with self._read() as s:
            found = s.execute(select(Invite, Organ).join(Organ, Organ.id == Invite.organ_id)
                              .where(Invite.code == code)).one_or_none()
            return None if found is None else _invite_row(*found)

    def open_invites(self, county: str, now: datetime | None = None) -> list[InviteRow]:
        """The county's invites not used, revoked or expired, by organ then expiry."""
        with self._read() as s:
            rows = s.execute(
                select(Invite, Organ).join(Organ, Organ.id == Invite.organ_id)
                .where(Organ.county == county, Invite.used_by.is_(None), Invite.expires_at > utc(now))
                .order_by(Organ.name, Invite.expires_at, Invite.code)
            )
            return [_invite_row(*row) for row in rows]

    def revoke_invite(self, code: str, now: datetime | None = None) -> bool:
        """Make an open invite unusable (it expires now); False if it was used or expired already."""
        code, at = normalize_code(code), utc(now)
        with self._write_connection() as conn:
            return conn.execute(
                update(Invite.__table__)
                .where(Invite.code == code, Invite.used_by.is_(None), Invite.expires_at > at)
                .values(expires_at=at)
            ).rowcount == 1

    @retry_on_conflict
    def redeem_invite(self, code: str, person_id: int, now: datetime | None = None) -> tuple[str, str]:
        """Use the code: the user becomes an official of its county, bound to its organ.

        Returns (county, organ). Raises InviteError("unknown" | "used" | "expired").
        """
        try:
            return self._redeem_invite(code, person_id, now)
        finally:
            self._forget_roles(person_id)  # an official now: the cached roles are stale

    def _redeem_invite(self, code: str, person_id: int, now: datetime | None) -> tuple[str, str]:
        code = normalize_code(code)
        if not _CODE_RE.match(code):
            raise InviteError("unknown")
        at = utc(now)
        with self._write() as s:
            found = s.execute(
                select(Invite, Organ).join(Organ, Organ.id == Invite.organ_id).where(Invite.code == code)
            ).one_or_none()
            if found is None:
                raise InviteError("unknown")
            invite, organ = found
            if invite.used_by is not None:
                raise InviteError("used")
            if at >= invite.expires_at:
                raise InviteError("expired")
            # Conditional update: of two simultaneous redeemers exactly one wins (also on PostgreSQL).
            won = s.execute(
                update(Invite)
                .where(Invite.code == code, Invite.used_by.is_(None))
                .values(used_by=person_id, used_at=at)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                raise InviteError("used")
            _grant(s, person_id, organ.county, Role.OFFICIAL, invite.created_by, at)
            if s.get(OrganOfficial, (person_id, organ.id)) is None:
                s.add(OrganOfficial(user_id=person_id, organ_id=organ.id, joined_at=at))
                s.flush()
            # The organ's reports left by an official who was removed (nobody drafts them): now theirs.
            bound = select(OrganOfficial.user_id).where(OrganOfficial.organ_id == organ.id)
            s.execute(update(Report).where(Report.organ_id == organ.id, Report.owner_id.not_in(bound))
                      .values(owner_id=person_id).execution_options(synchronize_session=False))
            return organ.county, organ.name


def _grant(s: Session, person_id: int, county: str, role: Role, by: int | None, at: datetime) -> bool:
    ensure_user(s, person_id, at)
    held = s.scalar(select(Membership.id).where(
        Membership.user_id == person_id, Membership.county == county, Membership.role == role.value))
    if held is not None:
        return False
    s.add(Membership(user_id=person_id, county=county, role=role.value, granted_by=by, granted_at=at))
    bump_generation(s)
    return True


def _drop_membership(s: Session, person_id: int, county: str, role: Role) -> bool:
    gone = s.execute(delete(Membership).where(
        Membership.user_id == person_id, Membership.county == county, Membership.role == role.value)).rowcount
    if gone:
        bump_generation(s)  # every worker forgets the cached roles
    return bool(gone)


def _invite_row(invite: Invite, organ: Organ) -> InviteRow:
    return InviteRow(invite.code, organ.county, organ.name, invite.created_by, invite.created_at,
                     invite.expires_at, invite.used_by, invite.used_at)


def _user_row(u: User) -> UserRow:
    return UserRow(u.id, u.name, u.created_at, u.active_report_id, u.last_update_id)
