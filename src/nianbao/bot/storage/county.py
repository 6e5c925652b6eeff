"""What a county sets up in chat: its reviewer group and its own prompt and narrative texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from .base import StoreBase, bump_generation, retry_on_conflict, utc
from .errors import GroupTaken
from .models import ReviewGroup, TemplateOverride
from .rows import OverrideRow

# An admin's unsaved template edit lives among the overrides under this key, never a template key.
PENDING_EDIT = "~pending."


class CountyStore(StoreBase):
    # ---- reviewer groups --------------------------------------------------------------------

    @retry_on_conflict
    def bind_review_group(self, county: str, chat_id: int, by: int, now: datetime | None = None) -> None:
        """Make ``chat_id`` the county's reviewer group (replacing its previous one).

        Raises GroupTaken if the chat already reviews for another county.
        """
        at = utc(now)
        with self._write() as s:
            current = s.get(ReviewGroup, chat_id)
            if current is not None and current.county != county:
                raise GroupTaken(chat_id, current.county)
            s.execute(delete(ReviewGroup).where(ReviewGroup.county == county))
            s.flush()
            s.add(ReviewGroup(chat_id=chat_id, county=county, bound_by=by, bound_at=at))

    def unbind_review_group(self, chat_id: int) -> bool:
        with self._write() as s:
            return bool(s.execute(delete(ReviewGroup).where(ReviewGroup.chat_id == chat_id)).rowcount)

    def review_group(self, county: str) -> int | None:
        with self._read() as s:
            return s.scalar(select(ReviewGroup.chat_id).where(ReviewGroup.county == county))

    def county_of_group(self, chat_id: int) -> str | None:
        with self._read() as s:
            return s.scalar(select(ReviewGroup.county).where(ReviewGroup.chat_id == chat_id))

    # ---- template overrides -----------------------------------------------------------------

    @retry_on_conflict
    def set_override(self, county: str, key: str, source: str, by: int,
                     now: datetime | None = None) -> OverrideRow:
        """The county's own template source for ``key`` (e.g. "prompts.<step>"), replacing any earlier one."""
        at = utc(now)
        try:
            with self._write() as s:
                row = s.scalar(select(TemplateOverride).where(TemplateOverride.county == county,
                                                              TemplateOverride.key == key))
                if row is None:
                    row = TemplateOverride(county=county, key=key)
                    s.add(row)
                row.source, row.updated_by, row.updated_at = source, by, at
                s.flush()
                bump_generation(s)
                return _override_row(row)
        finally:
            self._forget_overrides(county)  # after the commit: no reader can cache the old text again

    def override(self, county: str | None, key: str) -> str | None:
        """The county's override source, or None (also for no county) — fits Prompts(overrides=…).

        Every question the bot asks looks its templates up here, so a county's overrides are read
        once and kept until one of them changes through this store (the bot is their only writer).
        """
        if county is None:
            return None
        known = self._override_cache.get(county)
        if known is None:
            with self._read() as s:
                known = dict(s.execute(select(TemplateOverride.key, TemplateOverride.source)
                                       .where(TemplateOverride.county == county,
                                              ~TemplateOverride.key.startswith(PENDING_EDIT))).all())
            self._override_cache[county] = known
        return known.get(key)

    def _forget_overrides(self, county: str) -> None:
        self._override_cache.pop(county, None)

    def reset_override(self, county: str, key: str) -> bool:
        """Back to the default text; False if there was no override."""
        try:
            with self._write() as s:
                gone = s.execute(delete(TemplateOverride).where(TemplateOverride.county == county,
                                                                TemplateOverride.key == key)).rowcount
                if gone:
                    bump_generation(s)
                return bool(gone)
        finally:
            self._forget_overrides(county)

    def overrides(self, county: str) -> list[OverrideRow]:
        with self._read() as s:
            rows = s.scalars(select(TemplateOverride).where(TemplateOverride.county == county,
                                                            ~TemplateOverride.key.startswith(PENDING_EDIT))
                             .order_by(TemplateOverride.key))
            return [_override_row(r) for r in rows]

    # ---- an admin's unsaved edit (waiting for the text, or checked and waiting for 「保存」) ------

    def set_pending_edit(self, county: str, by: int, payload: str, now: datetime | None = None) -> None:
        """Remember ``payload`` (the caller's JSON) as ``by``'s one unsaved edit, replacing any earlier one."""
        key = f"{PENDING_EDIT}{by}"
        with self._write() as s:
            s.execute(delete(TemplateOverride).where(TemplateOverride.key == key))
            s.add(TemplateOverride(county=county, key=key, source=payload, updated_by=by, updated_at=utc(now)))

    def pending_edit(self, by: int) -> tuple[str, str] | None:
        """(county, payload) of ``by``'s unsaved edit, or None."""
        with self._read() as s:
            row = s.execute(select(TemplateOverride.county, TemplateOverride.source)
                            .where(TemplateOverride.key == f"{PENDING_EDIT}{by}")).first()
            return None if row is None else (row[0], row[1])

    def clear_pending_edit(self, by: int) -> bool:
        with self._write() as s:
            return bool(s.execute(delete(TemplateOverride)
                                  .where(TemplateOverride.key == f"{PENDING_EDIT}{by}")).rowcount)


def _override_row(o: TemplateOverride) -> OverrideRow:
    return OverrideRow(o.county, o.key, o.source, o.updated_by, o.updated_at)
