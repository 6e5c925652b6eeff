"""Last year's report sent in the chat: a clerk sends the published file (Word, PDF, web page, text)
and its figures become the organ's report of the year before — what 上年结转 is proposed from and the
cross-year rules and the repetition check compare with.

Reading the file is slow and needs its bytes from the chat platform: a durable job (the sender
fetches the file through the person's channel, then runs the import off the event loop). What was
read is shown — what was read and what was not — and kept as the organ's report of the year before
on 「导入」 (one mechanism for the clerk's file and the county admin's: held until decided; nobody's
draft, and the store prefers an approved report of that year when there is one).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..dialogs.interview import Interview
from ..importing import ImportRefused, archive, import_bytes
from ..report.model import Report
from ..text import say
from .access import Identity
from .channel import Attachment
from .drafting import Drafting, Out
from .buttons import callback_data
from .storage import ReportExists, Store

MAX_BYTES = 5_000_000   # a published report is well below; the Bot API serves files up to 20 MB
MAX_COUNTY_BYTES = 20_000_000  # a county admin's file may be a zip of the county's reports: the Bot API's limit
GAPS_SHOWN = 5
LINES_SHOWN = 30  # files listed in one message (a phone screen or two; the count says the rest)
IMPORTED_BY = 0   # owner of an imported report: nobody's draft (the organ's next clerk may take it over)
_HELD = re.compile(r"^L([0-9a-f]{8})$")   # the token of a county admin's 「导入」/「不用」
_PASTED = "T"   # the token of 「读取」/「不是」 under pasted text
# Pasted text: Telegram cuts a long paste into messages of 4,096 characters, so a piece that long is
# followed by more; a report's text names its sections. A narrative answer does neither.
PASTE_PIECE = 4000
PASTE_MIN_HEADINGS = 2
PASTE_MIN_CHARS = 300
PASTE_MAX_CHARS = 200_000


def match_organ(printed: str | None, organs: list[str]) -> str | None:
    """The county's organ a printed name means: the same name, else the one organ whose name contains
    it or is contained in it."""
    if not printed:
        return None
    if printed in organs:
        return printed
    near = [o for o in organs if printed in o or o in printed]
    return near[0] if len(near) == 1 else None


@dataclass(frozen=True)
class FileMatch:
    """One file of a county's: the line that says what it gave, and the report when it matched an organ
    (organ, county and year set to the organ's)."""
    line: str
    report: Report | None = None


def match_county_files(files: Iterable[tuple[str, bytes]], organs: list[str], county: str,
                       year: int | None = None) -> list[FileMatch]:
    """Read each (name, bytes) — a .zip stands for the files in it — and match it to one of ``organs``.
    One mechanism for ``nianbao import --county`` and a county admin's file in the chat."""
    matches: list[FileMatch] = []
    seen: dict[tuple[str, int], str] = {}
    for name, data in _unpacked(files, matches):
        try:
            result = import_bytes(data, name, county=county, year=year)
        except ImportRefused as refused:
            matches.append(FileMatch(say("importing.bulk_unreadable", file=name, reason=refused.message)))
            continue
        report = result.report
        organ, of_year = match_organ(report.organ, organs), report.year or year
        if organ is None or of_year is None:
            matches.append(FileMatch(say("importing.bulk_unmatched", file=name, organ=report.organ or "？", county=county)))
            continue
        if (organ, of_year) in seen:
            matches.append(FileMatch(say("importing.bulk_duplicate", file=name, first=seen[organ, of_year],
                                         organ=organ, year=of_year)))
            continue
        seen[organ, of_year] = name
        report.organ, report.county, report.year = organ, county, of_year
        matches.append(FileMatch(say("importing.bulk_match", file=name, organ=organ, year=of_year,
                                     gaps=len(result.gaps)), report))
    return matches


def _unpacked(files: Iterable[tuple[str, bytes]], matches: list[FileMatch]) -> Iterable[tuple[str, bytes]]:
    for name, data in files:
        if not archive.is_archive(data):
            yield name, data
            continue
        try:
            members = archive.members(data)
        except ImportRefused as refused:
            matches.append(FileMatch(say("importing.bulk_unreadable", file=name, reason=refused.message)))
            continue
        for member in members:
            if member.data is None:
                matches.append(FileMatch(say("importing.bulk_unreadable", file=member.name, reason=member.reason)))
            else:
                yield member.name, member.data


def _looks_like_a_report(text: str) -> bool:
    from ..importing.vocabulary import section_of

    headings = sum(1 for line in text.splitlines() if section_of(line.strip().lstrip("#").strip()) is not None)
    # The first piece of a long paste may hold the title and 一 only.
    return headings >= PASTE_MIN_HEADINGS or (headings == 1 and "政府信息公开工作年度报告" in text[:500])


def keep_report(store: Store, report: Report, owner: int) -> bool:
    """Store an imported report as its organ's report of its year; False when the organ has one."""
    organ, county, year = report.organ, report.county, report.year
    if store.previous_year(county, organ, year + 1) is not None:
        return False
    interview = Interview.new(today=date(year + 1, 1, 1), organ=organ, county=county)
    interview.report = report
    try:
        store.create_report(owner, organ, county, year, interview.to_json(), activate=False)
    except ReportExists:
        return False
    return True


class LastYearImport:
    def __init__(self, store: Store, drafting: Drafting) -> None:
        self.store = store
        self.drafting = drafting

    def offer(self, who: Identity, attachment: Attachment) -> list[Out]:
        """A file sent in the official's chat: read it as the report of the year before the active draft's."""
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.import_needs_draft"))]
        if self.store.previous_year(row.county, row.organ, row.year) is not None:
            return [Out(say("bot.import_have_it", year=row.year - 1))]
        if attachment.size is not None and attachment.size > MAX_BYTES:
            return [Out(say("bot.import_too_big", limit=MAX_BYTES // 1_000_000))]
        args = {"file_id": attachment.file_id, "filename": attachment.filename[:200], "county": row.county,
                "organ": row.organ, "year": row.year - 1, "owner": who.person_id, "draft": row.id}
        return [Out(say("bot.import_reading", year=row.year - 1)), Out(job=("import_last_year", args))]

    def job(self, file_id: str, filename: str, county: str, organ: str, year: int, owner: int, draft: int,
            data: bytes) -> list[Out]:
        """Import the file's bytes; what was read is shown, kept as the organ's report of ``year`` on 「导入」."""
        try:
            result = import_bytes(data, filename or "report", year=year, organ=organ, county=county)
        except ImportRefused as refused:
            return [Out(say("bot.import_refused", reason=refused.message))]
        report = result.report
        report.organ, report.county, report.year = organ, county, year  # the organ's, whatever was printed
        apps = report.applications
        return [Out(say("bot.import_done", year=year, form=result.form,
                        carried_forward=" ".join(map(str, apps.carried_forward))
                        if apps is not None and apps.carried_forward is not None else None,
                        gaps=result.gaps[:GAPS_SHOWN], more=max(0, len(result.gaps) - GAPS_SHOWN)),
                    buttons=self._hold(report.county, [report], owner))]

    def _hold(self, county: str, reports: list[Report], by: int) -> tuple[tuple[str, str], ...]:
        """Keep what was read until 「导入」 (or 「不用」) is pressed: the buttons that decide it."""
        nonce = secrets.token_hex(4)
        self.store.hold(county, nonce, json.dumps([r.to_data() for r in reports], ensure_ascii=False), by)
        yes = say("bot.import_button_yes") if len(reports) == 1 else say("bot.import_button_all", count=len(reports))
        return ((callback_data(f"L{nonce}", "yes"), yes), (callback_data(f"L{nonce}", "no"), say("bot.import_button_no")))

    # ---- last year's report pasted as text ------------------------------------------------------

    def offer_text(self, who: Identity, text: str) -> list[Out] | None:
        """Text that is last year's report (or the next piece of one) kept until 「读取」; None: an answer.
        Only a long text is looked at (no query for an ordinary answer; the last piece of a paste is
        rarely this short)."""
        if len(text) < PASTE_MIN_CHARS:
            return None
        key = f"paste.{who.person_id}"
        held = self.store.held(key)
        before = json.loads(held[2]) if held is not None else None
        continues = before is not None and len(before["pieces"][-1]) >= PASTE_PIECE
        if not continues and not _looks_like_a_report(text):
            return None
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.import_needs_draft"))]
        if self.store.previous_year(row.county, row.organ, row.year) is not None:
            return None  # last year is known: the text is for the interview
        pieces = (before["pieces"] if continues else []) + [text]
        if sum(map(len, pieces)) > PASTE_MAX_CHARS:
            self.store.release(key)
            return [Out(say("bot.paste_too_long", limit=PASTE_MAX_CHARS // 1000))]
        if held is not None:
            self.store.release(key)
        self.store.hold(row.county, key, json.dumps({"pieces": pieces}, ensure_ascii=False), who.person_id)
        return [Out(say("bot.paste_received", chars=sum(map(len, pieces)), more=len(text) >= PASTE_PIECE,
                        year=row.year - 1),
                    buttons=((callback_data(_PASTED, "read"), say("bot.paste_button_read")),
                             (callback_data(_PASTED, "no"), say("bot.paste_button_no"))))]

    def _press_pasted(self, who: Identity, button_id: str) -> list[Out] | None:
        key = f"paste.{who.person_id}"
        held = self.store.held(key)
        if held is None or button_id not in ("read", "no"):
            return None
        self.store.release(key)
        row = self.store.active_report(who.person_id)
        if button_id == "no" or row is None:
            return [Out(say("bot.paste_dropped")), *self.drafting.current(who)]
        text = "\n".join(json.loads(held[2])["pieces"])
        return self.job("", "pasted.txt", row.county, row.organ, row.year - 1, who.person_id, row.id, text.encode())

    # ---- a county admin's files: each matched to an organ, imported on confirmation --------------

    @staticmethod
    def owns(token: str) -> bool:
        return bool(_HELD.match(token)) or token == _PASTED

    def offer_county(self, who: Identity, attachment: Attachment) -> list[Out]:
        counties = sorted(who.admin_of)
        if len(counties) != 1:
            return [Out(say("bot.import_one_county"))]
        if attachment.size is not None and attachment.size > MAX_COUNTY_BYTES:
            return [Out(say("bot.import_too_big_county", limit=MAX_COUNTY_BYTES // 1_000_000, county=counties[0]))]
        args = {"file_id": attachment.file_id, "filename": attachment.filename[:200], "county": counties[0],
                "by": who.person_id}
        return [Out(say("bot.import_reading_county", file=attachment.filename[:60])),
                Out(job=("import_for_county", args))]

    def county_job(self, file_id: str, filename: str, county: str, by: int, data: bytes) -> list[Out]:
        """Read a file an admin sent (one report, or a zip of several), match each to one of the
        county's organs, and hold the matched ones for one 「导入」."""
        matches = match_county_files([(filename or "report", data)], self.store.organs_in_county(county), county)
        reports = [m.report for m in matches if m.report is not None]
        lines = [m.line for m in matches]
        text = say("bot.import_matches", lines=lines[:LINES_SHOWN], more=max(0, len(lines) - LINES_SHOWN),
                   count=len(reports), files=len(matches), county=county)
        return [Out(text, buttons=self._hold(county, reports, by) if reports else ())]

    def press(self, who: Identity, token: str, button_id: str) -> list[Out] | None:
        """「导入」 stores the held report as its organ's; 「不用」 drops it (None: not the sender's nor an
        admin's of the county, or decided already)."""
        if token == _PASTED:
            return self._press_pasted(who, button_id)
        nonce = _HELD.match(token)[1]
        held = self.store.held(nonce)
        if held is None or button_id not in ("yes", "no") or not (who.person_id == held[1] or who.administers(held[0])):
            return None
        county, by, payload = held
        self.store.release(nonce)
        clerk = who.may_draft and who.person_id == by
        if button_id == "no":
            said = Out(say("bot.import_dropped"))
        else:
            reports = [Report.from_data(r) for r in json.loads(payload)]
            kept = [r for r in reports if not keep_report(self.store, r, IMPORTED_BY)]
            stored = [r for r in reports if all(r is not k for k in kept)]
            said = Out(say("bot.import_stored", stored=[(r.organ, r.year) for r in stored][:LINES_SHOWN],
                           kept=[(r.organ, r.year) for r in kept][:LINES_SHOWN], count=len(stored),
                           more=max(0, len(stored) - LINES_SHOWN)))
            draft = self.store.active_report(by)
            if stored and draft is not None:  # the sender's draft was parsed without last year: read it anew
                self.drafting.forget(draft.id)
        # The clerk goes on with the question they were at (the file came in between).
        return [said, *(self.drafting.current(who) if clerk else [])]
