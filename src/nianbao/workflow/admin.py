"""What county admins do in chat, transport-free: people, invites, the reviewer group, texts, reminders
(/progress, /rollup and /export_all: progress_admin.py).

A county admin acts on their own county only; a super admin (config) on any, naming it when the
command could mean several (「/progress 托里县」). Template edits are checked (sandbox allow-list, the
documented variables) and previewed on the sample report before the 「保存」 button can store them;
the unsaved edit waits in the store, so a restart loses nothing.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable

from ..dialogs.template_check import TemplateRejected, check_template, preview_all
from ..dialogs.template_vars import editable_keys, key_for, preview_variable_sets, sample_variables, shipped_source
from ..report.docx_render import render_docx
from ..text import say
from .access import Identity
from .config import Config
from ..dialogs.catalogue import load_catalogue
from ..dialogs.parsing import parse_year
from ..dialogs.organ_names import ORGAN_ENDINGS, organ_name_problem
from ..dialogs.proposals import level_from_name, proposed_year
from . import progress_admin
from .drafting import Clock, Out
from .reminders import pending, reminder_outs
from .storage import AdminAction, GroupTaken, ReportRow, Role, Store


KINDS = ("prompts", "narratives")
MAX_TEMPLATE_CHARS = 4000
_COUNTY_WORD = re.compile(r"^\S{1,20}[县区市旗]$")  # 沛县、萧县、歙县: two characters are a county
_TG_ID = re.compile(r"^\d{1,15}$")
_EDIT = re.compile(r"^t([0-9a-f]{8})$")


class Admin:
    def __init__(self, store: Store, config: Config, clock: Clock,
                 render: Callable[..., bytes] = render_docx) -> None:
        self.render = render  # a rendering.Renderer in the bot: another process
        self.store = store
        self.config = config
        self.clock = clock

    @staticmethod
    def owns(token: str) -> bool:
        return bool(_EDIT.match(token) or progress_admin.owns(token))

    # ---- which county ---------------------------------------------------------------------------

    def _county(self, who: Identity, words: list[str], example: str) -> tuple[str | None, list[str], list[Out]]:
        """The county a command acts on, the other words, and a refusal if there is none.

        A last word that looks like a county names it; otherwise the one county the admin runs.
        """
        if not (who.is_super or who.admin_of):
            return None, words, [Out(say("admin.admins_only"))]
        named = words[-1] if words and _COUNTY_WORD.match(words[-1]) else None
        if named is not None and (who.is_super or named in who.admin_of):
            return named, words[:-1], []
        if named is not None:
            return None, words, [Out(say("admin.not_your_county", county=named, counties=sorted(who.admin_of)))]
        if len(who.admin_of) == 1:
            return next(iter(who.admin_of)), words, []
        return None, words, [Out(say("admin.name_county", example=example))]

    def _county_year(self, who: Identity, words: list[str], command: str) -> tuple[str, int, list[Out]]:
        """County and report year of /progress, /rollup, /export_all, /remind ([年份] [县名]; default: the year a
        report written today is about — January–March the year before)."""
        county, rest, refused = self._county(who, words, say("admin.example_year", command=command))
        today = self.clock().date()
        try:
            if len(rest) > 1:
                raise ValueError(rest)
            year = parse_year(rest[0], today_year=today.year) if rest else proposed_year(today)
        except ValueError:  # parsing.AnswerError is one
            year, refused = 0, refused or [Out(say("admin.year_usage", command=command, example=proposed_year(today)))]
        return county or "", year, refused

    # ---- people ---------------------------------------------------------------------------------

    def grant_admin(self, who: Identity, words: list[str]) -> list[Out]:
        """/grant_admin <Telegram id> <县名> (super admins)."""
        if not who.is_super:
            return [Out(say("admin.super_only"))]
        if len(words) != 2 or not _TG_ID.match(words[0]) or not _COUNTY_WORD.match(words[1]):
            return [Out(say("admin.grant_admin_usage"))]
        fresh = self.store.grant(int(words[0]), words[1], Role.ADMIN, by=who.person_id, now=self.clock())
        if fresh:
            self.store.audit(words[1], who.person_id, AdminAction.GRANT_ADMIN, words[0], now=self.clock())
        return [Out(say("admin.granted", person_id=words[0], county=words[1], role=say("admin.role_admin"), fresh=fresh))]

    def grant_reviewer(self, who: Identity, words: list[str]) -> list[Out]:
        """/grant_reviewer <Telegram id> [县名]."""
        county, rest, refused = self._county(who, words, say("admin.example_grant_reviewer"))
        if refused:
            return refused
        if len(rest) != 1 or not _TG_ID.match(rest[0]):
            return [Out(say("admin.grant_reviewer_usage"))]
        fresh = self.store.grant(int(rest[0]), county, Role.REVIEWER, by=who.person_id, now=self.clock())
        if fresh:
            self.store.audit(county, who.person_id, AdminAction.GRANT_REVIEWER, rest[0], now=self.clock())
        return [Out(say("admin.granted", person_id=rest[0], county=county, role=say("admin.role_reviewer"), fresh=fresh))]

    def invite(self, who: Identity, words: list[str], body: str = "") -> list[Out]:
        """/invite 哈图镇人民政府 [县名]: a one-time code for the official of that organ.

        Several organs, one per line (the first after the command, the rest below it), make one code
        each; a level word on an organ's line (乡镇、街道、县直部门 …) sets its level, which the name
        otherwise gives only for 乡/镇/街道 (else its first report asks for it once).
        """
        county, first, refused = self._county(who, words, say("admin.example_invite"))
        if refused:
            return refused
        organs = _invited_organs([first, *(line.split() for line in body.splitlines())], county)
        if not organs or len(organs) > MAX_INVITES or any(problem == "bad" for _, _, problem in organs):
            return [Out(say("admin.invite_usage"))]
        # Nothing is made while a name is wrong (not Chinese: refused) or unusual (confirm it first).
        for kind in ("not_chinese", "no_organ_word"):
            names = [organ for organ, _, problem in organs if problem == kind]
            if names:
                return [Out(say(f"admin.invite_{kind}", names=names, endings=ORGAN_ENDINGS[:9],
                                confirm=CONFIRM_WORD))]
        ttl = self.config.invites.ttl
        outs = []
        for organ, level, _ in organs:
            code = self.store.create_invite(county, organ, by=who.person_id, ttl=ttl, now=self.clock(), level=level)
            self.store.audit(county, who.person_id, AdminAction.INVITE, organ, now=self.clock())
            outs += [Out(say("admin.invite", organ=organ, hours=self.config.invites.ttl_hours,
                             level=_LEVEL_NAMES.get(level or "", ""))), Out(f"/join {code}")]
        return outs

    def bind_group(self, who: Identity, chat_id: int, words: list[str]) -> list[Out]:
        """/bind_review_group [县名], sent inside the group."""
        county, rest, refused = self._county(who, words, say("admin.example_bind_review_group"))
        if refused:
            return refused
        if rest:
            return [Out(say("admin.bind_usage"))]
        try:
            self.store.bind_review_group(county, chat_id, by=who.person_id, now=self.clock())
        except GroupTaken as taken:
            return [Out(say("admin.group_taken", county=taken.county))]
        self.store.audit(county, who.person_id, AdminAction.BIND_GROUP, chat_id, now=self.clock())
        return [Out(say("admin.group_bound", county=county))]

    # ---- prompts and paragraphs ---------------------------------------------------------------

    def _template(self, who: Identity, kind: str, words: list[str], command: str
                  ) -> tuple[str | None, str | None, list[Out]]:
        county, rest, refused = self._county(who, words, say("admin.example_template", command=command))
        if refused:
            return None, None, refused
        key = key_for(kind, rest[0]) if len(rest) == 1 else None
        if key is None:
            names = [k.partition(".")[2] for k in editable_keys() if k.startswith(kind + ".")]
            return None, None, [Out(say(f"admin.{kind}_usage", command=command, names=names))]
        return county, key, []

    def show_template(self, who: Identity, kind: str, words: list[str]) -> list[Out]:
        """/prompt <步骤> or /narrative <名称>: the text in use, where it comes from, its variables."""
        county, key, refused = self._template(who, kind, words, "prompt" if kind == "prompts" else "narrative")
        if refused:
            return refused
        source, origin = self._current(county, key)
        return [Out(say("admin.template", key=key, county=county, origin=origin,
                        variables=sorted(sample_variables(key)), command=_set_command(kind))),
                Out(source)]

    def _current(self, county: str, key: str) -> tuple[str, str]:
        own = self.store.override(county, key)
        if own is not None:
            return own, say("admin.origin_chat")
        configured = self.config.county_template(county, key)
        if configured is not None:
            return configured, say("admin.origin_config")
        return shipped_source(key), say("admin.origin_shipped")

    def set_template(self, who: Identity, kind: str, words: list[str], source: str) -> list[Out]:
        """/set_prompt <步骤> then the text (after a line break, or in the reply to the bot's question)."""
        command = _set_command(kind)
        county, key, refused = self._template(who, kind, words, command)
        if refused:
            return refused
        if not source.strip():
            self.store.set_pending_edit(county, who.person_id, json.dumps({"key": key, "await": True}), self.clock())
            return [Out(say("admin.send_text", key=key, variables=sorted(sample_variables(key))), force_reply=True)]
        return self._check(who, county, key, source.strip())

    def pending_text(self, who: Identity, text: str) -> list[Out] | None:
        """The admin's reply carrying the text asked for; None when no edit is waiting for text."""
        pending = self.store.pending_edit(who.person_id)
        if pending is None:
            return None
        county, payload = pending
        data = json.loads(payload)
        if not data.get("await") or not who.administers(county):
            return None
        return self._check(who, county, data["key"], text.strip())

    def _check(self, who: Identity, county: str, key: str, source: str) -> list[Out]:
        variables = sample_variables(key)
        problems = check_template(source, variables, max_chars=MAX_TEMPLATE_CHARS)
        try:  # against several sample reports (years, levels, figures): all must pass
            shown = preview_all(source, preview_variable_sets(key), max_chars=MAX_TEMPLATE_CHARS) if not problems else ""
        except TemplateRejected as rejected:
            problems = rejected.problems
        if problems:  # the corrected text may come as the reply to this message
            self.store.set_pending_edit(county, who.person_id, json.dumps({"key": key, "await": True}), self.clock())
            return [Out(say("admin.template_problems", problems=[p.message for p in problems],
                            variables=sorted(variables)), force_reply=True)]
        nonce = secrets.token_hex(4)
        self.store.set_pending_edit(county, who.person_id, json.dumps({"key": key, "source": source, "nonce": nonce},
                                                                   ensure_ascii=False), self.clock())
        return [Out(say("admin.preview", key=key, county=county, text=shown),
                    buttons=((f"t{nonce}|save", say("admin.button_save")), (f"t{nonce}|cancel", say("admin.button_cancel"))))]

    def press(self, who: Identity, token: str, button_id: str) -> list[Out] | None:
        """/progress's pages and /rollup's choice (progress_admin.py); 「保存」/「取消」 under a preview (None
        when that preview is not the admin's latest)."""
        if progress_admin.owns(token):
            return progress_admin.press(self, who, token, button_id)
        match = _EDIT.match(token)
        pending = self.store.pending_edit(who.person_id)
        if match is None or pending is None or button_id not in ("save", "cancel"):
            return None
        county, payload = pending
        data = json.loads(payload)
        if data.get("nonce") != match[1]:
            return None
        self.store.clear_pending_edit(who.person_id)
        if button_id == "cancel":
            return [Out(say("admin.cancelled"))]
        if not who.administers(county):
            return [Out(say("admin.not_your_county", county=county, counties=sorted(who.admin_of)))]
        self.store.set_override(county, data["key"], data["source"], by=who.person_id, now=self.clock())
        self.store.audit(county, who.person_id, AdminAction.SET_TEXT, data["key"], now=self.clock())
        return [Out(say("admin.saved", key=data["key"], county=county))]

    def reset_template(self, who: Identity, kind: str, words: list[str]) -> list[Out]:
        county, key, refused = self._template(who, kind, words, f"reset_{kind.removesuffix('s')}")
        if refused:
            return refused
        had = self.store.reset_override(county, key)
        if had:
            self.store.audit(county, who.person_id, AdminAction.RESET_TEXT, key, now=self.clock())
        return [Out(say("admin.reset", key=key, county=county, had=had))]

    # ---- the county's reports -----------------------------------------------------------------

    def _reports(self, county: str, year: int) -> dict[str, ReportRow]:
        return {row.organ: row for row in self.store.reports_in_county(county, year)}

    def _days_left(self, year: int) -> int:
        return (self.config.review.deadline(year) - self.clock().date()).days

    def remind(self, who: Identity, words: list[str]) -> list[Out]:
        """/remind [年份] [县名]: a reminder to every official whose report is not yet submitted."""
        county, year, refused = self._county_year(who, words, "remind")
        if refused:
            return refused
        reminders = reminder_outs(pending(self.store, county, year), year, self.config.review.deadline(year),
                                  self._days_left(year))  # the automatic reminders' selection (reminders.py)
        return [*reminders, Out(say("admin.reminded", count=len(reminders), county=county, year=year))]


MAX_INVITES = 50  # organs in one /invite
# Level words an /invite line may carry → report.model.OrganLevel ("乡镇": 乡 or 镇 by the name).
_LEVEL_WORDS = {"乡": "township", "镇": "town", "乡镇": "township_or_town", "街道": "street",
                "县直部门": "county_department", "部门": "county_department", "县直单位": "county_department",
                "县政府": "county", "县级人民政府": "county", "县人民政府": "county", "其他": "other"}
_LEVEL_NAMES = {"township": "乡", "town": "镇", "street": "街道", "county": "县级人民政府",
                "county_department": "县直部门", "other": "其他"}


CONFIRM_WORD = "确认"  # on an /invite line: the name is right although it does not end like an organ's


def _invited_organs(lines: list[list[str]], county: str) -> list[tuple[str, str | None, str | None]]:
    """(full organ name, level, problem) per organ named, one per line or per word (names have no
    spaces). The problem: "bad" (too short or long, unprintable, a slash), or organ_names' "not_chinese"
    / "no_organ_word" — the latter not on a line that says 「确认」."""
    kinds = load_catalogue().organ_kinds
    organs: list[tuple[str, str | None, str | None]] = []
    for words in lines:
        level_words = [w for w in words if w in _LEVEL_WORDS]
        confirmed = CONFIRM_WORD in words
        names = [w for w in words if w not in _LEVEL_WORDS and w != county and w != CONFIRM_WORD]
        for typed in names:
            name = typed if typed.startswith(county) else county + typed  # the full name, as the title prints it
            if not 3 <= len(name) <= 50 or not name.isprintable() or "/" in name:
                organs.append((name, None, "bad"))
                continue
            problem = organ_name_problem(name, typed=typed)
            if problem == "no_organ_word" and confirmed:
                problem = None
            level = _LEVEL_WORDS[level_words[-1]] if level_words else None
            if level == "township_or_town":
                level = "town" if name.endswith(("镇人民政府", "镇政府", "镇")) else "township"
            organs.append((name, level or level_from_name(name, kinds), problem))
    return organs


def _set_command(kind: str) -> str:
    return "set_prompt" if kind == "prompts" else "set_narrative"
