"""The county's review, transport-free: an official submits, reviewers decide in their group, all recorded.

Buttons carry the report id and the version they were made for (``s12v7|go``, ``d12v8|ok``); the
store's optimistic lock (``set_status`` with the expected version) makes an old or forged button
harmless, and every decision is checked against the decider's roles and the chat it came from: only
the county's own reviewer group decides on the county's reports.

Outs tagged ``event:<id>`` are the bot's 「请写明退回原因」 questions (the handler records their message id
on the submission's review event): only a reply to one of those is a reason — a reply to the post
itself is just talk. ``ALERT`` Outs are shown as the button's pop-up answer, not sent.

``decide`` is the same decision made on the web page (web/review_pages.py): the same checks but the
group's, the same record, the same messages, the group's posted to the group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone
from typing import Literal

from ..dialogs.interview import Interview
from ..dialogs.prompts import Prompts
from ..dialogs.screens import title as step_title
from ..report.findings import Finding
from ..report.model import Report
from ..report.rules import check
from ..text import say
from .access import Identity, county_admin_outs
from .config import Config
from .drafting import Clock, Out, render_out, row_title
from .storage import BadTransition, ReportRow, ReviewAction, Role, StaleVersion, Status, Store

# Review groups are Telegram groups (bound there by /bind_review_group): what is posted to one goes
# through Telegram, whichever channel the submission came from.
GROUPS = "telegram"


ALERT = "alert"          # tag: answer the button press with this text instead of sending a message
EVENT_TAG = "event:"     # tag prefix: record the sent message on this review event
CHINA = timezone(timedelta(hours=8))
MAX_REASON_CHARS = 1000
MAX_LISTED = 5           # findings or missing items listed in one message

_SUBMIT = re.compile(r"^s(\d{1,12})v(\d{1,9})$")
_DECIDE = re.compile(r"^d(\d{1,12})v(\d{1,9})$")




def alert(key: str, **values: object) -> list[Out]:
    return [Out(say(key, **values), tag=ALERT)]


class Review:
    def __init__(self, store: Store, config: Config, clock: Clock,
                 prompts_for: Callable[[str | None], Prompts]) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.prompts_for = prompts_for

    @staticmethod
    def owns(token: str) -> bool:
        return bool(_SUBMIT.match(token) or _DECIDE.match(token))

    def group_of(self, county: str) -> int | None:
        """The county's reviewer group: bound in chat (database) over the config's."""
        bound = self.store.review_group(county)
        if bound is not None:
            return bound
        settings = self.config.county(county)
        return settings.review_group if settings else None

    def _interview(self, row: ReportRow) -> Interview:
        return Interview.from_json(row.interview_json, prompts=self.prompts_for(row.county))

    # ---- the official ---------------------------------------------------------------------------

    def offer(self, who: Identity) -> list[Out]:
        """/submit: say what still blocks submission, or offer the 「提交审核」 button."""
        row = self.store.active_report(who.person_id)
        if row is None:
            return [Out(say("review.no_report"))]
        return self.offer_for(row)

    def offer_for(self, row: ReportRow) -> list[Out]:
        """The same for a given report (e.g. right after 「生成」)."""
        refused, _, warnings = self._readiness(row)
        if refused:
            return refused
        return [Out(say("review.confirm", title=row_title(row), round=row.review_round + 1, warnings=len(warnings)),
                    buttons=((f"s{row.id}v{row.version}|go", say("review.button_submit")),))]

    def _readiness(self, row: ReportRow) -> tuple[list[Out], Report | None, list[Finding]]:
        """(why ``row`` cannot be submitted now — empty: it can —, its report, its warnings);
        the interview is read and checked once."""
        if row.status in (Status.SUBMITTED, Status.APPROVED):
            return [Out(say(f"review.already_{row.status.value}", title=row_title(row)))], None, []
        interview = self._interview(row)
        findings = check(interview.report)
        errors = [f.message for f in findings if f.is_error]
        warnings = [f for f in findings if not f.is_error and f.rule != "missing"]
        missing = [step_title(interview, step) for step in interview.missing_steps()]
        if errors or missing:
            return [Out(say("review.not_ready", errors=errors[:MAX_LISTED], missing=missing[:MAX_LISTED],
                            more=max(0, len(missing) - MAX_LISTED)))], interview.report, warnings
        if self.group_of(row.county) is None and not self._reviewed_on_the_web(row.county):
            return [Out(say("review.no_group", county=row.county))], interview.report, warnings
        return [], interview.report, warnings

    def _reviewed_on_the_web(self, county: str) -> bool:
        """A county without a Telegram group is reviewed on the web page, when there is one and the
        county has someone to decide (a reviewer or an admin)."""
        settings = self.config.county(county)
        return self.config.web.public_url is not None and bool(
            self.store.members(county, Role.REVIEWER) or self.store.members(county, Role.ADMIN)
            or (settings is not None and settings.admins))

    def _tell_web_reviewers(self, row: ReportRow, official: str, warnings: list[str]) -> list[Out]:
        """No group: each reviewer and admin of the county is told, wherever they are reached, with
        the draft's page to decide on."""
        text = say("review.post_web", title=row_title(row), round=row.review_round, official=official,
                   report_id=row.id, warnings=warnings[:MAX_LISTED], more=max(0, len(warnings) - MAX_LISTED),
                   url=f"{self.config.web.public_url}/review/{row.id}")
        reviewers = sorted({u.person_id for u in self.store.members(row.county, Role.REVIEWER)})
        return [*(Out(text, to=person) for person in reviewers),
                *(out for out in county_admin_outs(self.store, self.config, row.county, text)
                  if out.to not in reviewers)]

    def submit(self, who: Identity, report_id: int, version: int) -> list[Out] | None:
        row = self.store.report(report_id)
        if row is None or row.owner_id != who.person_id or row.version != version:
            return None
        refused, report, warnings = self._readiness(row)
        if refused:
            return refused
        try:
            change = self.store.set_status(row.id, Status.SUBMITTED, row.version, actor=who.person_id, now=self.clock())
        except (StaleVersion, BadTransition):
            return None
        row = change.report  # a new version and round; the answers are the ones just checked
        group = self.group_of(row.county)
        findings = [f.message for f in warnings]
        decide = f"d{row.id}v{row.version}"
        if group is None:  # reviewed on the web page (see _readiness)
            return [*self._tell_web_reviewers(row, who.name, findings),
                    Out(say("review.submitted", title=row_title(row), round=row.review_round))]
        return [
            render_out(report, draft=True, chat_id=group, channel=GROUPS,
                       caption=say("review.post_caption", title=row_title(row), round=row.review_round)),
            Out(say("review.post", title=row_title(row), round=row.review_round, official=who.name,
                    report_id=row.id, warnings=findings[:MAX_LISTED], more=max(0, len(findings) - MAX_LISTED)),
                buttons=((f"{decide}|ok", say("review.button_approve")), (f"{decide}|back", say("review.button_return"))),
                chat_id=group, channel=GROUPS),
            Out(say("review.submitted", title=row_title(row), round=row.review_round)),
        ]

    # ---- the reviewers --------------------------------------------------------------------------

    def press(self, who: Identity, token: str, button_id: str, chat_id: int | None,
              message_id: int | None) -> list[Out] | None:
        """A 「提交审核」, 「通过」 or 「退回修改」 button; None when it is not one we made."""
        if submit := _SUBMIT.match(token):
            return self.submit(who, int(submit[1]), int(submit[2])) if button_id == "go" else None
        decide = _DECIDE.match(token)
        if decide is None or button_id not in ("ok", "back"):
            return None
        row = self.store.report(int(decide[1]))
        if row is None:
            return None
        refused = self._may_not_decide(who, row, chat_id, int(decide[2]))
        if refused:
            return refused
        if button_id == "ok":
            return self._approve(who, row)
        submitted = next(e for e in reversed(self.store.history(row.id)) if e.action is ReviewAction.SUBMIT)
        return [Out(say("review.ask_reason", title=row_title(row), reviewer=who.name), force_reply=True,
                    reply_to=message_id, tag=f"{EVENT_TAG}{submitted.id}")]

    def _may_not_decide(self, who: Identity, row: ReportRow, chat_id: int | None, version: int, *,
                        in_group: bool = True) -> list[Out]:
        """Why ``who`` may not decide version ``version`` of ``row`` (empty: they may): not its county's
        reviewer, not in its county's group (``in_group``: the decision is made in a chat), decided already."""
        if not who.may_decide(row.county):
            return alert("review.not_reviewer")
        if in_group and (chat_id is None or chat_id != self.group_of(row.county)):
            return alert("review.wrong_group", county=row.county)
        if row.status is not Status.SUBMITTED or row.version != version:
            return alert("review.already_decided", title=row_title(row))
        return []

    def _approve(self, who: Identity, row: ReportRow) -> list[Out]:
        try:
            change = self.store.set_status(row.id, Status.APPROVED, row.version, actor=who.person_id, now=self.clock())
        except (StaleVersion, BadTransition):
            return alert("review.already_decided", title=row_title(row))
        row = change.report
        report = self._interview(row).report
        # Rendered by the sender when each lane's turn comes: the approval commits at once, and a
        # crash at any instant after it still delivers both final documents.
        return [
            render_out(report, draft=False, caption=say("review.approved_group", title=row_title(row),
                                                        round=row.review_round, reviewer=who.name)),
            render_out(report, draft=False, to=row.owner_id,
                       caption=say("review.approved_official", title=row_title(row), round=row.review_round)),
        ]

    def reason(self, who: Identity, chat_id: int, replied_id: int, text: str) -> list[Out] | None:
        """A reply in a group to the bot's 「退回原因」 question; None when it answers no question of ours."""
        event = self.store.event_for_message(chat_id, replied_id)
        if event is None or event.action is not ReviewAction.SUBMIT:
            return None
        row = self.store.report(event.report_id)
        if row is None:
            return None
        refused = self._may_not_decide(who, row, chat_id, event.version)
        if refused:
            return [Out(refused[0].text)]  # a reply is answered in the group, not as a pop-up
        reason = valid_reason(text)
        if reason is None:
            return [Out(say("review.bad_reason", limit=MAX_REASON_CHARS), force_reply=True,
                        tag=f"{EVENT_TAG}{event.id}")]
        return [Out(out.text) if out.tag == ALERT else out for out in self._return(who, row, reason)]

    def _return(self, who: Identity, row: ReportRow, reason: str) -> list[Out]:
        try:
            change = self.store.set_status(row.id, Status.RETURNED, row.version, actor=who.person_id, comment=reason,
                                           now=self.clock())
        except (StaleVersion, BadTransition):
            return alert("review.already_decided", title=row_title(row))
        row = change.report
        return [
            Out(say("review.returned_group", title=row_title(row), round=row.review_round, reviewer=who.name)),
            Out(say("review.returned_official", title=row_title(row), round=row.review_round, reason=reason),
                to=row.owner_id),
        ]

    def decide(self, who: Identity, report_id: int, version: int, action: Literal["approve", "return"],
               reason: str | None = None) -> list[Out]:
        """「通过」 or 「退回修改」 (with ``reason``) of version ``version``, decided away from the group (the
        web page): the checks of the group's buttons but the group's own, the same review record
        (``set_status``: who, version, round, the reason) and the same messages — the official's, and
        the group's, posted to the county's group (none when it has none). Refusals are ALERT Outs."""
        row = self.store.report(report_id)
        if row is None:
            return alert("review.not_reviewer")
        refused = self._may_not_decide(who, row, None, version, in_group=False)
        if refused:
            return refused
        if action == "approve":
            outs = self._approve(who, row)
        elif action == "return":
            text = valid_reason(reason or "")
            if text is None:
                return alert("review.bad_reason", limit=MAX_REASON_CHARS)
            outs = self._return(who, row, text)
        else:
            raise ValueError(f"not a decision: {action!r}")
        group = self.group_of(row.county)
        addressed = []
        for out in outs:
            if out.tag == ALERT or out.to is not None or out.chat_id is not None:
                addressed.append(out)  # the official's, or why nothing was decided
            elif group is not None:  # what the group is told when it decides there
                addressed.append(replace(out, chat_id=group, channel=GROUPS))
        return addressed

    # ---- everyone concerned ---------------------------------------------------------------------

    def history(self, who: Identity, arg: str) -> list[Out]:
        """/history: the official's active report; /history <编号> for the county's reviewers and admins."""
        arg = arg.strip().lstrip("#")
        if arg:
            if not arg.isdigit() or len(arg) > 12:
                return [Out(say("review.history_usage"))]
            row = self.store.report(int(arg))
            if row is None or not (row.owner_id == who.person_id or who.may_decide(row.county)):
                return [Out(say("review.history_not_found", report_id=arg))]
        else:
            row = self.store.active_report(who.person_id)
            if row is None:
                return [Out(say("review.history_usage"))]
        names: dict[int, str] = {}

        def name(person_id: int) -> str:
            if person_id not in names:
                user = self.store.user(person_id)
                names[person_id] = user.name if user and user.name else str(person_id)
            return names[person_id]

        lines = [say("review.history_line", at=e.at.astimezone(CHINA).strftime("%m-%d %H:%M"), who=name(e.actor_id),
                     action=say(f"review.action_{e.action.value}"), round=e.review_round, comment=e.comment)
                 for e in self.store.history(row.id)]
        return [Out(say("review.history", title=row_title(row), report_id=row.id,
                        status=say(f"bot.status_{row.status.value}"), lines=lines))]


def valid_reason(text: str) -> str | None:
    """A reason for returning a draft as it is recorded (trimmed), or None when it is too short or long."""
    reason = text.strip()
    return reason if 2 <= len(reason) <= MAX_REASON_CHARS else None
