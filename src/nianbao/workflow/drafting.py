"""What an official does in the private chat, transport-free: the router calls it, channels only translate.

Every call loads the official's active report from the store, lets the ``Interview`` handle the
input, writes accepted answers (with their audit-log rows) and returns the replies to send. It runs
inside the update's unit of work (worker.py), so the answers and the outbox entries of the replies
commit together. Slow work (a .docx) is returned as a job, never done here.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from datetime import date, datetime, timezone

from ..dialogs.interview import Interview, Reply
from ..dialogs.parsing import AnswerError, parse_year
from ..dialogs.prompts import Prompts
from ..dialogs.catalogue import load_catalogue
from ..dialogs.proposals import level_from_name, proposed_year
from ..report.model import Report
from ..dialogs.defaults import default_texts
from ..report.repetition import repetition_findings
from ..report.rules import check
from ..text import say
from .access import Identity
from .config import Config
from .buttons import callback_data
from .notes import note_step
from .storage import LogEntry, ReportExists, ReportRow, StaleVersion, Store

Clock = Callable[[], datetime]
PARSED_KEPT = 4096  # interviews kept parsed (≈ 30 KB each): the officials answering at once


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Out:
    """One thing to send: a message (with buttons) or a document, to this chat or another."""

    text: str = ""
    buttons: tuple[tuple[str, str], ...] = ()   # (callback_data, label)
    document: bytes | None = None
    filename: str | None = None
    chat_id: int | None = None                  # None: the chat the input came from (else a chat of ``channel``)
    channel: str | None = None                  # None: the channel the input came from
    to: int | None = None                       # a person (users.id): wherever they are reached
    reply_to: int | None = None
    force_reply: bool = False                   # ask the reader to answer by replying (group privacy mode)
    tag: str | None = None                      # what this message is, for the caller (e.g. "review" post)
    # Slow work (rendering a .docx, a roll-up) named with its arguments (JSON values): queued in the
    # outbox with the rest, done by the sender off the event loop when its turn comes; what it
    # returns is sent in its place, before the Outs that followed it.
    job: tuple[str, dict] | None = None


def render_out(report: Report, *, draft: bool, caption: str, filename: str | None = None,
               title: str | None = None, chat_id: int | None = None, channel: str | None = None,
               to: int | None = None) -> Out:
    """The .docx of ``report`` as it is now, rendered when its turn comes (a durable job)."""
    args = {"report": report.to_json(), "draft": draft, "title": title, "caption": caption,
            "filename": filename or draft_filename(report, final=not draft)}
    return Out(job=("render", args), chat_id=chat_id, channel=channel, to=to)


def report_token(report: ReportRow) -> str:
    """Buttons carry the report id and version they were made for; a newer version makes them stale."""
    return f"r{report.id}v{report.version}"


def draft_filename(report: Report, *, final: bool = False) -> str:
    name = report.title if report.organ and report.year else say("bot.unnamed_report")
    return f"{name}{'' if final else say('bot.draft_suffix')}.docx"


def findings_caption(report: Report, last_year: Report | None = None,
                     defaults: dict[str, str] | None = None) -> str:
    """The draft's caption: clean, or how many findings and the first — repeated text included."""
    findings = [f for f in check(report, last_year) if f.rule != "missing"]  # cross-year rules too
    findings += repetition_findings(report, last_year, defaults)
    if not findings:
        return say("bot.caption_clean")
    return say("bot.caption_findings", count=len(findings), first=findings[0].message)


class Drafting:
    def __init__(self, store: Store, config: Config, clock: Clock | None = None,
                 prompts_for: Callable[[str | None], Prompts] | None = None,
                 after_render: Callable[[ReportRow], list[Out]] | None = None) -> None:
        self.store = store
        self.config = config
        self.after_render = after_render  # what to offer with a finished draft (「提交审核」)
        self.clock = clock or utc_now
        self.prompts_for = prompts_for or (lambda county: Prompts())
        # Parsed interviews between a chat's updates (report id → (version, interview)): the cost of
        # an answer stays flat instead of growing with the answers already given.
        self._parsed: OrderedDict[int, tuple[int, Interview]] = OrderedDict()
        self._parsed_lock = threading.Lock()

    # ---- entry points ----------------------------------------------------------------------------

    def start(self, who: Identity) -> list[Out]:
        """/start: what the bot does, then resume the active draft or offer a new one."""
        intro = Out(say("bot.intro"))
        row = self.store.active_report(who.person_id)
        if row is None:
            return [intro, *self.new(who, "")]
        return [intro, *self._run(who, row, lambda iv: iv.start())]

    def text(self, who: Identity, text: str) -> list[Out]:
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.no_active_draft"))]
        return self._run(who, row, lambda iv: iv.answer(text))

    def command(self, who: Identity, name: str, arg: str = "") -> list[Out]:
        """/back /skip /status /edit N /review /help /cancel — the engine's own commands."""
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.no_active_draft"))]
        return self._run(who, row, lambda iv: iv.command(name, arg))

    def press(self, who: Identity, token: str, button_id: str) -> list[Out] | None:
        """A quick-answer button; None when it is stale (made for another draft or an older version)."""
        row = self.store.active_report(who.person_id)
        if row is None or token != report_token(row):
            return None
        return self._run(who, row, lambda iv: iv.press(button_id))

    def new(self, who: Identity, arg: str) -> list[Out]:
        """/new [年份]: a draft for the official's organ (one per organ and year), made active.

        What is known already is not asked: organ and county (the invite), the organ's level and
        contact (the invite or an earlier report), the year when /new names it, the county's portal.
        """
        organs = self.store.organs_of(who.person_id)
        if not organs:
            return [Out(say("bot.no_organ"))]
        today = self.clock().date()
        year = _year_arg(arg, today)
        if year is None:
            return [Out(say("bot.bad_year", example=proposed_year(today)))]
        county, organ = organs[0]
        profile = self.store.organ_profile(county, organ)
        level = profile.level or level_from_name(organ, load_catalogue().organ_kinds)  # 「…镇人民政府」: 镇
        given = {"organ": organ, "county": county, "organ_level": level,
                 "year": year if arg.strip() else None, "contact.portal": self.config.portal(county),
                 "contact.address": profile.address, "contact.phone": profile.phone}
        interview = Interview.new(today=today, organ=organ, county=county, prompts=self.prompts_for(county),
                                  given=given)
        interview.last_year = self._report_before(county, organ, year)
        replies = interview.start()
        note_step(interview.step_id)
        try:
            row = self.store.create_report(who.person_id, organ, county, year, interview.to_json(), self.clock())
        except ReportExists as exists:
            if exists.owner_id != who.person_id:
                return [Out(say("bot.report_taken", organ=organ, year=year))]
            self.store.set_active(who.person_id, exists.report_id)
            row = self.store.report(exists.report_id)
            assert row is not None
            return [Out(say("bot.resumed", title=row_title(row))), *self._run(who, row, lambda iv: iv.start())]
        # Last year's report is asked for once, as the draft starts (a file sent at any time is read).
        ask = [] if interview.last_year is not None else [Out(say("bot.ask_last_year", year=year - 1))]
        return [Out(say("bot.new_draft", title=row_title(row))), *ask, *self._outs(row, replies)]

    def drafts(self, who: Identity) -> list[Out]:
        rows = self.store.reports_of(who.person_id)
        if not rows:
            return [Out(say("bot.no_drafts"))]
        active = self.store.active_report(who.person_id)
        lines = [say("bot.draft_line", title=row_title(r), status=say(f"bot.status_{r.status.value}"),
                     active=active is not None and active.id == r.id) for r in rows]
        buttons = tuple((callback_data("drafts", str(r.id)), say("bot.draft_button", organ=r.organ, year=r.year))
                        for r in rows[:8])
        return [Out(say("bot.drafts", lines=lines), buttons=buttons)]

    def switch(self, who: Identity, report_id: int) -> list[Out]:
        row = self.store.report(report_id)
        if row is None or row.owner_id != who.person_id:
            return [Out(say("bot.not_your_draft"))]
        self.store.set_active(who.person_id, report_id)
        return [Out(say("bot.switched", title=row_title(row))), *self._run(who, row, lambda iv: iv.start())]

    def export(self, who: Identity) -> list[Out]:
        """/export: the report file (JSON) of the active draft."""
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.no_active_draft"))]
        report = self._interview(row).report
        name = draft_filename(report).removesuffix(".docx") + ".json"
        return [Out(document=report.to_json().encode(), filename=name, text=say("bot.export_caption"))]

    def current(self, who: Identity) -> list[Out]:
        """The current question again (after an error, or when the user seems lost)."""
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("bot.no_active_draft"))]
        return self._outs(row, self._interview(row).start())

    # ---- the engine round trip -------------------------------------------------------------------

    def _interview(self, row: ReportRow) -> Interview:
        interview = Interview.from_json(row.interview_json, prompts=self.prompts_for(row.county))
        interview.last_year = self._last_year(row)
        return interview

    def _working_copy(self, row: ReportRow) -> Interview:
        """The interview to act on: the one kept from this chat's last update when it is of the stored
        version (no other worker wrote since), else parsed anew. Taken out of the cache, so an attempt
        that fails leaves nothing half-changed behind; put back only once its write has committed."""
        with self._parsed_lock:
            kept = self._parsed.pop(row.id, None)
        if kept is not None and kept[0] == row.version:
            return kept[1]
        return self._interview(row)

    def forget(self, report_id: int) -> None:
        """Drop a parsed interview (what it was made from changed, e.g. last year's report arrived)."""
        with self._parsed_lock:
            self._parsed.pop(report_id, None)

    def _keep(self, report_id: int, version: int, interview: Interview) -> None:
        with self._parsed_lock:
            self._parsed[report_id] = (version, interview)
            self._parsed.move_to_end(report_id)
            while len(self._parsed) > PARSED_KEPT:
                self._parsed.popitem(last=False)

    def _run(self, who: Identity, row: ReportRow, act: Callable[[Interview], list[Reply]]) -> list[Out]:
        if not row.editable:
            return [Out(say(f"bot.locked_{row.status.value}", title=row_title(row)))]
        interview = self._working_copy(row)
        note_step(interview.step_id)  # the question this update met (named in the worker's log line)
        replies = act(interview)
        if interview.changed:  # answers, but also 返回 / 修改 / 跳过 / a pending confirmation
            log = [LogEntry(a.step, a.raw, json.dumps(a.value, ensure_ascii=False, default=str))
                   for a in interview.last_accepted]
            year = interview.report.year if interview.report.year != row.year else None
            try:
                version = self.store.save_answer(row.id, row.version, interview.to_json(), log, who.person_id,
                                                 self.clock(), year=year, progress=interview.progress)
            except ReportExists as exists:
                # The official answered a year their organ already has a report for: not accepted.
                return [Out(say("bot.year_taken", organ=row.organ, year=exists.year)),
                        *self._outs(row, self._interview(row).start())]
            except StaleVersion:
                # Another device of the same official wrote first: show the state as stored.
                fresh = self.store.report(row.id)
                assert fresh is not None
                return [Out(say("bot.stale_write")), *self._outs(fresh, self._interview(fresh).start())]
            row = replace(row, version=version, year=year or row.year)
            self._remember(row, interview)
        self.store.after_commit(partial(self._keep, row.id, row.version, interview))
        return self._outs(row, replies, interview.report)

    def _remember(self, row: ReportRow, interview: Interview) -> None:
        """The organ's level and contact, once answered, are kept for the organ's later reports."""
        steps = {a.step for a in interview.last_accepted}
        report = interview.report
        values: dict[str, str | None] = {}
        if "organ_level" in steps:
            values["level"] = report.organ_level
        if "contact" in steps:
            contact = report.contact
            values |= {"address": contact.address if contact else None, "phone": contact.phone if contact else None}
        if values:
            self.store.set_organ_profile(row.county, row.organ, **values)

    def _last_year(self, row: ReportRow) -> Report | None:
        return self._report_before(row.county, row.organ, row.year)

    def _report_before(self, county: str, organ: str, year: int) -> Report | None:
        """The organ's report of the year before, when the store has it (the approved one first):
        上年结转 proposed from it, the cross-year rules, the repetition check."""
        previous = self.store.previous_year(county, organ, year)
        if previous is None:
            return None
        return Interview.from_json(previous.interview_json).report

    def _outs(self, row: ReportRow, replies: Sequence[Reply], report: Report | None = None) -> list[Out]:
        token = report_token(row)
        outs: list[Out] = []
        for reply in replies:
            if reply.text or reply.buttons:  # 「正在生成草稿……」 goes out before the document
                outs.append(Out(reply.text, tuple((callback_data(token, b.id), b.label) for b in reply.buttons)))
            if reply.render:
                # Rendering takes tens of ms (more when several officials finish at once): a job the
                # sender does after this update, so it never holds up the next updates of anyone.
                drafted = report or self._interview(row).report
                caption = findings_caption(drafted, self._last_year(row),
                                           default_texts(drafted, self.prompts_for(row.county)))
                outs.append(render_out(drafted, draft=True, caption=caption))
                if self.after_render is not None:
                    outs += self.after_render(row)
        return outs


def row_title(row: ReportRow) -> str:
    """How a draft is named in messages: organ and year."""
    return say("bot.row_title", organ=row.organ, year=row.year)


def _year_arg(arg: str, today: date) -> int | None:
    """/new's optional year (default: proposed from today); None when it is not a report year."""
    if not arg.strip():
        return proposed_year(today)
    try:
        return parse_year(arg, today_year=today.year)
    except AnswerError:
        return None
