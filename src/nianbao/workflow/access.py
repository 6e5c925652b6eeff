"""Who is talking to the bot, and what they may do: roles from the config file and the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .storage import Role, Store


@dataclass(frozen=True)
class Identity:
    person_id: int   # the person's own id (users.id), whichever channel they write from
    name: str
    is_super: bool = False
    admin_of: frozenset[str] = field(default_factory=frozenset)      # counties this user administers
    reviewer_of: frozenset[str] = field(default_factory=frozenset)   # counties whose drafts this user may decide
    official_of: frozenset[str] = field(default_factory=frozenset)   # counties this user drafts in

    @property
    def has_role(self) -> bool:
        return self.is_super or bool(self.admin_of or self.reviewer_of or self.official_of)

    @property
    def may_draft(self) -> bool:
        return bool(self.official_of)

    def administers(self, county: str | None) -> bool:
        return county is not None and (self.is_super or county in self.admin_of)

    def may_decide(self, county: str | None) -> bool:
        """Approve or return a county's drafts: its reviewers and admins (and super admins)."""
        return county is not None and (self.is_super or county in self.admin_of or county in self.reviewer_of)


def identify(store: Store, config: Config, person_id: int, name: str) -> Identity:
    roles = store.roles_of(person_id)
    telegram = store.telegram_ids(person_id)  # the config names admins by their Telegram ids
    admin_of = {county for county, role in roles if role == Role.ADMIN}
    admin_of |= {county for county, settings in config.counties.items() if any(t in settings.admins for t in telegram)}
    return Identity(
        person_id=person_id,
        name=name,
        is_super=any(config.is_super_admin(t) for t in telegram),
        admin_of=frozenset(admin_of),
        reviewer_of=frozenset(county for county, role in roles if role == Role.REVIEWER),
        official_of=frozenset(county for county, role in roles if role == Role.OFFICIAL),
    )


def county_admin_outs(store: Store, config: Config, county: str, text: str) -> list:
    """``text`` to each admin of the county, once each: those appointed in chat (people) wherever they
    are reached, and those the config names by Telegram id who are no appointed admin too."""
    from .drafting import Out

    people = [user.person_id for user in store.members(county, Role.ADMIN)]
    reached = {t for person in people for t in store.telegram_ids(person)}
    settings = config.county(county)
    configured = sorted(t for t in (settings.admins if settings else ()) if t not in reached)
    return [*(Out(text, to=person) for person in sorted(people)),
            *(Out(text, chat_id=t, channel="telegram") for t in configured)]
