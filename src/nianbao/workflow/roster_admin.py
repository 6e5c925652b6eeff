"""A county admin's roster in chat, transport-free (issue 12 item 2): a .xlsx/.csv or `/roster` and lines
→ one invite per new organ, listed with its code, plus the printable sheet (.docx) and the table (.xlsx).

The file's bytes come from the chat platform and the sheet (a QR code per organ) takes a while: both
are a durable job ("roster", run by the sender off the event loop), as the last-year import is. The
job creates the invites of the organs the county does not know yet in one transaction, each in the
audit trail as /invite records it; organs already known are left alone and listed as such (with their
code when an unused one is still open). So a roster sent again — with new organs added, or the same
job run again after a crash — never makes a second code for an organ, and lists and prints the open
codes of every organ on it.

``apply_roster`` and ``sheet_files`` are the calls `nianbao admin roster` makes too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ..text import say
from .access import Identity, identify
from .admin import Admin
from .channel import Attachment
from .config import Config
from .drafting import Clock, Out
from .invite_sheet import InviteCard, invite_sheet_docx, invite_sheet_xlsx
from .review import CHINA
from .roster import MAX_BYTES, Roster, RosterEntry, level_name, parse_roster
from .storage import AdminAction, Store

ROSTER_FILES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv")  # what an admin's file must end in to be a roster
LINES_PER_MESSAGE = 50  # organs listed in one message (a phone screen or two)
PROBLEMS_SHOWN = 20
CLI_ACTOR = 0  # who the audit trail names for `nianbao admin …` on the server (no chat identity)
NEW, OPEN, JOINED, KNOWN = "new", "open", "joined", "known"


def is_roster_file(filename: str | None) -> bool:
    return (filename or "").lower().endswith(ROSTER_FILES)


def invite_link(bot_username: str | None, code: str) -> str:
    """The deep link that opens the bot and sends /start CODE (router.start joins with it)."""
    bot = (bot_username or "").lstrip("@")
    return f"https://t.me/{bot}?start={code}" if bot else f"/join {code}"


def short_name(organ: str, county: str) -> str:
    """The organ without its county in front (a phone line is short); the full name if that is all."""
    rest = organ.removeprefix(county) if county else organ
    return rest if len(rest) >= 2 else organ


def china_time(at: datetime, *, year: bool = False) -> str:
    at = at.astimezone(CHINA)
    return f"{f'{at.year}年' if year else ''}{at.month}月{at.day}日 {at:%H:%M}"


@dataclass(frozen=True)
class RosterLine:
    """One organ of the roster and what became of it."""

    organ: str
    level: str | None
    state: str  # NEW (invite made now), OPEN (an earlier unused code), JOINED (has officials), KNOWN (neither)
    code: str | None = None
    expires_at: datetime | None = None
    people: tuple[str, ...] = ()


@dataclass
class RosterResult:
    county: str
    lines: list[RosterLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(line.state == state for line in self.lines)

    @property
    def with_codes(self) -> list[RosterLine]:
        return [line for line in self.lines if line.code is not None]


def apply_roster(store: Store, config: Config, county: str, roster: Roster, by: int, now: datetime) -> RosterResult:
    """An invite (with its level, the phone kept as the organ's) for every organ of the roster the county
    does not know yet — all in one transaction, each recorded as an /invite is; the others as they are."""
    result = RosterResult(county, problems=list(roster.problems))
    ttl = config.invites.ttl
    with store.unit_of_work():  # read inside too: two rosters of a county at once never invite an organ twice
        known = set(store.organs_in_county(county))
        open_codes = {invite.organ: invite for invite in store.open_invites(county, now)}  # the latest expiry wins
        people: dict[str, list[str]] = {}
        for official in store.officials_in_county(county):
            people.setdefault(official.organ, []).append(official.name or str(official.person_id))
        for entry in roster.entries:
            if entry.name in known:
                result.lines.append(_existing(store, county, entry, people, open_codes))
                continue
            code = store.create_invite(county, entry.name, by=by, ttl=ttl, now=now, level=entry.level)
            if entry.phone or entry.contact:  # whom to call when the organ has not joined
                store.set_organ_profile(county, entry.name, **{k: v for k, v in (("phone", entry.phone),
                                                                                 ("contact", entry.contact)) if v})
            store.audit(county, by, AdminAction.INVITE, entry.name, json.dumps({"via": "roster"}), now=now)
            known.add(entry.name)
            result.lines.append(RosterLine(entry.name, entry.level, NEW, code, now + ttl))
        shown = result.count(OPEN)
        if shown:  # earlier codes were shown: the trail says who saw them (never the codes), as /roles does
            store.audit(county, by, AdminAction.ROLES, county, json.dumps({"invites": shown, "via": "roster"}), now=now)
    return result


def _existing(store: Store, county: str, entry: RosterEntry, people: dict[str, list[str]], open_codes) -> RosterLine:
    level = store.organ_profile(county, entry.name).level
    if entry.name in people:
        return RosterLine(entry.name, level, JOINED, people=tuple(people[entry.name]))
    invite = open_codes.get(entry.name)
    if invite is not None:
        return RosterLine(entry.name, level, OPEN, invite.code, invite.expires_at)
    return RosterLine(entry.name, level, KNOWN)


def sheet_cards(result: RosterResult, bot_username: str | None) -> list[InviteCard]:
    return [InviteCard(organ=line.organ, level_name=level_name(line.level), code=line.code,
                       link=invite_link(bot_username, line.code), expires=china_time(line.expires_at, year=True))
            for line in result.with_codes]


def sheet_files(result: RosterResult, bot_username: str | None) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the printable sheet (.docx) and the table (.xlsx) of every open code on the
    roster; none when no organ of it has one."""
    cards = sheet_cards(result, bot_username)
    if not cards:
        return []
    name = say("roster.sheet_filename", county=result.county)
    return [(f"{name}.docx", invite_sheet_docx(result.county, cards, bot_username or "")),
            (f"{name}.xlsx", invite_sheet_xlsx(result.county, cards))]


def result_lines(result: RosterResult) -> list[str]:
    """One short line per organ of the roster: its code, or why it has none."""
    county, lines = result.county, []
    for n, line in enumerate(result.lines, start=1):
        values = {"n": n, "organ": short_name(line.organ, county), "full": line.organ, "level": level_name(line.level),
                  "code": line.code, "people": list(line.people),
                  "until": china_time(line.expires_at) if line.expires_at else ""}
        lines.append(say(f"roster.line_{line.state}", **values))
    return lines


def summary(result: RosterResult, hours: int) -> str:
    return say("roster.done", county=result.county, total=len(result.lines), new=result.count(NEW),
               open=result.count(OPEN), joined=result.count(JOINED), known=result.count(KNOWN), hours=hours)


def problems_text(problems: list[str]) -> str:
    return say("roster.problems", problems=problems[:PROBLEMS_SHOWN], count=len(problems),
               more=max(0, len(problems) - PROBLEMS_SHOWN))


class RosterAdmin:
    def __init__(self, store: Store, config: Config, clock: Clock, admin: Admin) -> None:
        self.store, self.config, self.clock, self.admin = store, config, clock, admin

    # ---- in the update's unit of work: who, which county, then the job ---------------------------

    def offer_file(self, who: Identity, attachment: Attachment, caption: str = "",
                   bot_username: str | None = None) -> list[Out]:
        """A .xlsx/.csv an admin sent: the county is theirs (or named in the file's caption)."""
        county, _, refused = self.admin._county(who, caption.split(), say("roster.example_caption"))
        if refused:
            return refused
        if attachment.size is not None and attachment.size > MAX_BYTES:
            return [Out(say("roster.too_big", limit=MAX_BYTES // 1_000_000))]
        args = {"county": county, "by": who.person_id, "bot": bot_username, "file_id": attachment.file_id,
                "filename": attachment.filename[:200]}
        return [Out(say("roster.reading", file=attachment.filename)), Out(job=("roster", args))]

    def command(self, who: Identity, words: list[str], body: str, bot_username: str | None = None) -> list[Out]:
        """/roster [县名], the organs on the lines below (one per line)."""
        county, rest, refused = self.admin._county(who, words, say("roster.example_command"))
        if refused:
            return refused
        text = "\n".join([" ".join(rest), body]) if rest else body  # an organ typed after /roster counts too
        if not text.strip():
            return [Out(say("roster.usage"))]
        if len(text.encode()) > MAX_BYTES:
            return [Out(say("roster.too_big", limit=MAX_BYTES // 1_000_000))]
        args = {"county": county, "by": who.person_id, "bot": bot_username, "filename": "", "text": text}
        return [Out(say("roster.reading_text")), Out(job=("roster", args))]

    # ---- the job: read, invite, print ------------------------------------------------------------

    def job(self, county: str, by: int, bot: str | None, filename: str, file_id: str | None = None,
            data: bytes | None = None, text: str | None = None) -> list[Out]:
        if not identify(self.store, self.config, by, "").administers(county):  # removed meanwhile
            return [Out(say("admin.not_your_county", county=county, counties=[]))]
        roster = parse_roster(data if data is not None else (text or "").encode(), filename, county)
        if not roster.entries:  # nothing readable: the one line that says why
            return [Out("\n".join(roster.problems))]
        result = apply_roster(self.store, self.config, county, roster, by, self.clock())
        return self.outs(result, bot)

    def outs(self, result: RosterResult, bot: str | None) -> list[Out]:
        lines = result_lines(result)
        outs = [Out(summary(result, self.config.invites.ttl_hours))]
        for start in range(0, len(lines), LINES_PER_MESSAGE):
            outs.append(Out("\n".join(lines[start:start + LINES_PER_MESSAGE])))
        if result.problems:
            outs.append(Out(problems_text(result.problems)))
        files = sheet_files(result, bot)
        captions = (say("roster.sheet_caption", count=len(result.with_codes)), say("roster.xlsx_caption"))
        outs += [Out(caption, document=data, filename=name) for (name, data), caption in zip(files, captions)]
        return outs
