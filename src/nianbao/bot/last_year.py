"""Last year's report sent in the chat: a clerk sends the published file (Word, PDF, web page, text)
and its figures become the organ's report of the year before — what 上年结转 is proposed from and the
cross-year rules and the repetition check compare with.

Reading the file is slow and needs its bytes from the chat platform: a durable job (the sender
fetches the file through the person's channel, then runs the import off the event loop). What was
read is stored as the organ's report of the year before (a draft of that year, not approved: the
store prefers an approved one when there is one), and the clerk is shown what was read and what
was not.
"""

from __future__ import annotations

from datetime import date

from ..dialogs.interview import Interview
from ..importing import ImportRefused, import_bytes
from ..text import say
from .access import Identity
from .channel import Attachment
from .drafting import Drafting, Out
from .storage import ReportExists, Store

MAX_BYTES = 5_000_000   # a published report is well below; the Bot API serves files up to 20 MB
GAPS_SHOWN = 5


class LastYearImport:
    def __init__(self, store: Store, drafting: Drafting) -> None:
        self.store = store
        self.drafting = drafting

    def offer(self, who: Identity, attachment: Attachment) -> list[Out]:
        """A file sent in the official's chat: read it as the report of the year before the active draft's."""
        row = self.store.active_report(who.tg_id)
        if row is None:
            return [Out(say("bot.import_needs_draft"))]
        if self.store.previous_year(row.county, row.organ, row.year) is not None:
            return [Out(say("bot.import_have_it", year=row.year - 1))]
        if attachment.size is not None and attachment.size > MAX_BYTES:
            return [Out(say("bot.import_too_big", limit=MAX_BYTES // 1_000_000))]
        args = {"file_id": attachment.file_id, "filename": attachment.filename[:200], "county": row.county,
                "organ": row.organ, "year": row.year - 1, "owner": who.tg_id, "draft": row.id}
        return [Out(say("bot.import_reading", year=row.year - 1)), Out(job=("import_last_year", args))]

    def job(self, file_id: str, filename: str, county: str, organ: str, year: int, owner: int, draft: int,
            data: bytes) -> list[Out]:
        """Import the file's bytes and keep the result as the organ's report of ``year``."""
        try:
            result = import_bytes(data, filename or "report", year=year, organ=organ, county=county)
        except ImportRefused as refused:
            return [Out(say("bot.import_refused", reason=refused.message))]
        report = result.report
        report.organ, report.county, report.year = organ, county, year  # the organ's, whatever was printed
        interview = Interview.new(today=date(year + 1, 1, 1), organ=organ, county=county)
        interview.report = report
        try:
            self.store.create_report(owner, organ, county, year, interview.to_json(), activate=False)
        except ReportExists:
            return [Out(say("bot.import_have_it", year=year))]
        self.drafting.forget(draft)  # its parsed interview was made without last year: read it anew
        apps = report.applications
        return [Out(say("bot.import_done", year=year, form=result.form,
                        carried_forward=" ".join(map(str, apps.carried_forward))
                        if apps is not None and apps.carried_forward is not None else None,
                        gaps=result.gaps[:GAPS_SHOWN], more=max(0, len(result.gaps) - GAPS_SHOWN)))]
