"""What a county sets up in chat: its reviewer group and its own prompt and narrative texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from .base import StoreBase, bump_generation, retry_on_conflict, utc
from .errors import GroupTaken
from .models import ReviewGroup, TemplateOverride
from .rows import OverrideRow

# An admin's unsaved template edit lives among the overrides under this key, never a template key.
PENDING_EDIT = "~pending."
# A config-supplied text has no row of its own: the mark that its county was told it failed is a row
# under this key + the text's key, holding the text that failed (a changed config text is told again).
NOTICED = "~noticed."
_NOT_TEXTS = "~"  # keys starting so are the store's own, never a county's text


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
                row.failure_noticed_at = None  # saved again: a failure of it is told again
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
                                              ~TemplateOverride.key.startswith(_NOT_TEXTS))).all())
            self._override_cache[county] = known
        return known.get(key)

    def _forget_overrides(self, county: str) -> None:
        self._override_cache.pop(county, None)
        self._noticed_cache.clear()  # a text saved or reset (rare): every mark is read again

    @retry_on_conflict
    def claim_failure_notice(self, county: str, key: str, source: str, *, configured: bool,
                             now: datetime | None = None) -> bool:
        """Whether the county's admins are to be told now that its text ``source`` for ``key`` failed on
        a report: True the first time for that text, False ever after — across restarts and workers.

        A text saved in chat is marked on its own row (``failure_noticed_at``; saving it again clears
        the mark); a ``configured`` one (the config's, no row) by a row under NOTICED holding the text.
        Inside a unit of work the mark commits with the notice's outbox entries, or neither does.
        """
        told = (county, key, source)
        if told in self._noticed_cache:
            return False
        at = utc(now)
        with self._write() as s:
            if not configured:
                fresh = s.execute(update(TemplateOverride).where(
                    TemplateOverride.county == county, TemplateOverride.key == key, TemplateOverride.source == source,
                    TemplateOverride.failure_noticed_at.is_(None)).values(failure_noticed_at=at)).rowcount == 1
            else:
                row = s.scalar(select(TemplateOverride).where(TemplateOverride.county == county,
                                                              TemplateOverride.key == NOTICED + key))
                fresh = row is None or row.source != source
                if row is None:
                    s.add(TemplateOverride(county=county, key=NOTICED + key, source=source, updated_by=0,
                                           updated_at=at, failure_noticed_at=at))
                elif fresh:
                    row.source, row.updated_at, row.failure_noticed_at = source, at, at
        # Forgotten with the other caches when this unit of work (or its savepoint) rolls back.
        self._noticed_cache.add(told)
        return fresh

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
                                                            ~TemplateOverride.key.startswith(_NOT_TEXTS))
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

    # A value held until its owner confirms it (an imported report awaiting 「导入」): a "~" row, which
    # override lookups never see.
    def hold(self, county: str, key: str, payload: str, by: int, now: datetime | None = None) -> None:
        with self._write() as s:
            s.add(TemplateOverride(county=county, key=f"~held.{key}", source=payload, updated_by=by,
                                   updated_at=utc(now)))

    def held(self, key: str) -> tuple[str, int, str] | None:
        """(county, by, payload) of what is held under ``key``, or None."""
        with self._read() as s:
            row = s.execute(select(TemplateOverride.county, TemplateOverride.updated_by, TemplateOverride.source)
                            .where(TemplateOverride.key == f"~held.{key}")).first()
            return None if row is None else (row[0], row[1], row[2])

    def release(self, key: str) -> bool:
        with self._write() as s:
            return bool(s.execute(delete(TemplateOverride).where(TemplateOverride.key == f"~held.{key}")).rowcount)

    def clear_pending_edit(self, by: int) -> bool:
        with self._write() as s:
            return bool(s.execute(delete(TemplateOverride)
                                  .where(TemplateOverride.key == f"{PENDING_EDIT}{by}")).rowcount)


def _override_row(o: TemplateOverride) -> OverrideRow:
    return OverrideRow(o.county, o.key, o.source, o.updated_by, o.updated_at)
