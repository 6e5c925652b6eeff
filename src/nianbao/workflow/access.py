"""Who is talking to the bot, and what they may do: roles from the config file and the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .storage import Role, Store


@dataclass(frozen=True)
class Identity:
    tg_id: int
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


def identify(store: Store, config: Config, tg_id: int, name: str) -> Identity:
    roles = store.roles_of(tg_id)
    admin_of = {county for county, role in roles if role == Role.ADMIN}
    admin_of |= {county for county, settings in config.counties.items() if tg_id in settings.admins}
    return Identity(
        tg_id=tg_id,
        name=name,
        is_super=config.is_super_admin(tg_id),
        admin_of=frozenset(admin_of),
        reviewer_of=frozenset(county for county, role in roles if role == Role.REVIEWER),
        official_of=frozenset(county for county, role in roles if role == Role.OFFICIAL),
    )
