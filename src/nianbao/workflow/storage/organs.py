"""Organs and the officials bound to them: the county's organs, who drafts for which, and what an
organ's reports share (its level and contact, the roster's 联系人)."""

from __future__ import annotations

from sqlalchemy import func, select

from .base import StoreBase, organ_named, retry_on_conflict, utc
from .models import AnswerLog, Organ, OrganOfficial, Report, User
from .rows import HolderRow, OfficialRow, OrganProfile


class OrganStore(StoreBase):
    # ---- organs and officials ---------------------------------------------------------------

    def organs_in_county(self, county: str) -> list[str]:
        """Every organ known in the county (from invites and reports), sorted by name."""
        with self._read() as s:
            return list(s.scalars(select(Organ.name).where(Organ.county == county).order_by(Organ.name)))

    def organs_of(self, person_id: int) -> list[tuple[str, str]]:
        """(county, organ) pairs the official may draft for."""
        with self._read() as s:
            rows = s.execute(
                select(Organ.county, Organ.name)
                .join(OrganOfficial, OrganOfficial.organ_id == Organ.id)
                .where(OrganOfficial.user_id == person_id)
                .order_by(Organ.county, Organ.name)
            )
            return [(county, name) for county, name in rows]

    def officials_in_county(self, county: str) -> list[OfficialRow]:
        """One row per (official, organ) binding in the county, sorted by organ then name."""
        with self._read() as s:
            rows = s.execute(
                select(User.id, User.name, Organ.name)
                .join(OrganOfficial, OrganOfficial.user_id == User.id)
                .join(Organ, Organ.id == OrganOfficial.organ_id)
                .where(Organ.county == county)
                .order_by(Organ.name, User.name, User.id)
            )
            return [OfficialRow(person_id, name, county, organ) for person_id, name, organ in rows]

    def organ_holders(self, county: str) -> list[HolderRow]:
        """Who holds each organ of the county: one row per (official, organ) binding, by organ then
        the order they joined, with when they joined and their latest accepted answer on its reports."""
        latest = (select(func.max(AnswerLog.at)).join(Report, Report.id == AnswerLog.report_id)
                  .where(AnswerLog.user_id == OrganOfficial.user_id, Report.organ_id == OrganOfficial.organ_id)
                  .correlate(OrganOfficial).scalar_subquery())
        with self._read() as s:
            rows = s.execute(
                select(User.id, User.name, Organ.name, OrganOfficial.joined_at, latest)
                .join(OrganOfficial, OrganOfficial.user_id == User.id)
                .join(Organ, Organ.id == OrganOfficial.organ_id)
                .where(Organ.county == county)
                .order_by(Organ.name, OrganOfficial.joined_at, User.id)
            )
            return [HolderRow(person_id, name, organ, joined, utc(last) if last is not None else None)
                    for person_id, name, organ, joined, last in rows]

    def organ_profile(self, county: str, organ: str) -> OrganProfile:
        """The organ's level and contact as known so far (all None for an organ not registered)."""
        with self._read() as s:
            row = s.execute(select(Organ.level, Organ.address, Organ.phone)
                            .where(Organ.county == county, Organ.name == organ)).one_or_none()
        return OrganProfile() if row is None else OrganProfile(*row)

    def organ_contacts(self, county: str) -> dict[str, tuple[str | None, str | None]]:
        """organ → (contact person, phone) as the roster gave them, for the county's organs that have one."""
        with self._read() as s:
            rows = s.execute(select(Organ.name, Organ.contact, Organ.phone).where(
                Organ.county == county, (Organ.contact.is_not(None)) | (Organ.phone.is_not(None)))).all()
        return {name: (contact, phone) for name, contact, phone in rows}

    @retry_on_conflict
    def set_organ_profile(self, county: str, organ: str, **values: str | None) -> None:
        """Keep the organ's ``level`` / ``address`` / ``phone`` / ``contact`` (those given) for its later reports."""
        unknown = set(values) - {"level", "address", "phone", "contact"}
        if unknown:
            raise ValueError(f"not an organ's profile: {sorted(unknown)}")
        with self._write() as s:
            row = organ_named(s, county, organ)
            for key, value in values.items():
                setattr(row, key, value)

