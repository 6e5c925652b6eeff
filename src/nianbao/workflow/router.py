"""What the bot does with one incoming message, transport-free: who said it, which command, which service.

Every channel's connector hands an ``Incoming`` here; what comes back is the list of ``Out`` to send
and, for a pressed button, its ``Answer``. This runs inside the update's unit of work (worker.py), so
everything it writes commits together with the outbox entries of what it returns.

Strangers get one line in a private chat and silence in a group (no chatter in a county's group).
Commands sent in a group count only where a group makes sense (/bind_review_group, /history) and
replies there only when they answer the bot's own question.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..text import say
from .access import Identity, identify
from .admin import Admin
from .channel import Incoming
from .drafting import Out
from .buttons import parse_callback
from .review import ALERT
from . import people_admin, progress_admin, roles_admin
from .roster_admin import is_roster_file
from . import reminders_admin, web_login
from .services import Services
from .storage import InviteError

ENGINE_COMMANDS = frozenset({"back", "skip", "status", "edit", "review", "help", "cancel"})

# Admin commands: name → Admin method (or roles_admin function of the Admin) taking the words after the command.
_WORDS = {
    "grant_admin": Admin.grant_admin,
    "grant_reviewer": Admin.grant_reviewer,
    "invite": Admin.invite,
    "progress": progress_admin.progress,
    "rollup": progress_admin.rollup,
    "export_all": progress_admin.export_all,
    "remind": Admin.remind,
    "reminders": reminders_admin.reminders,
    "roles": roles_admin.roles,
    "revoke_invite": roles_admin.revoke_invite,
    "remove_reviewer": roles_admin.remove_reviewer,
    "remove_official": roles_admin.remove_official,
    "people": people_admin.people,
}
# Template commands: name → (Admin method, the kind of template it acts on).
_TEMPLATES = {
    "prompt": (Admin.show_template, "prompts"),
    "narrative": (Admin.show_template, "narratives"),
    "reset_prompt": (Admin.reset_template, "prompts"),
    "reset_narrative": (Admin.reset_template, "narratives"),
}
_SET_TEMPLATE = {"set_prompt": "prompts", "set_narrative": "narratives"}


@dataclass(frozen=True)
class Answer:
    """The answer to a pressed button: a small notice (or a pop-up to dismiss when ``alert``)."""

    text: str = ""
    alert: bool = False


@dataclass(frozen=True)
class Routed:
    outs: list[Out]
    answer: Answer | None = None  # for a pressed button


@dataclass(frozen=True)
class Command:
    name: str
    words: list[str]   # after the command, on its first line
    body: str          # the lines below the first

    @property
    def arg(self) -> str:
        return " ".join(self.words)


def parse_command(text: str, bot_username: str | None = None) -> Command | None:
    """「/edit 3」 → Command("edit", ["3"], ""); None when the text is not a command (for this bot)."""
    if not text.startswith("/"):
        return None
    first, _, body = text.partition("\n")
    head, *words = first.split()
    name, _, addressee = head[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None  # /start@another_bot in a group: not for us
    if not name:
        return None
    return Command(name.lower(), words, body)


class Router:
    def __init__(self, services: Services, bot_username: str | None = None) -> None:
        self.svc = services
        self.bot_username = bot_username

    def identify(self, msg: Incoming) -> Identity:
        """The person behind the sender's identity on its channel (made on first contact)."""
        person = self.svc.store.person_of(msg.channel, msg.sender_id, msg.sender_name, self.svc.clock())
        return identify(self.svc.store, self.svc.config, person.person_id, msg.sender_name)

    def handle(self, msg: Incoming) -> Routed:
        who = self.identify(msg)
        if msg.button is not None:
            return self.press(who, msg)
        command = parse_command(msg.text, self.bot_username)
        if not msg.private:
            return Routed(self.in_group(who, msg, command))
        if msg.attachment is not None:  # a file: last year's report (an official's, or a county's)
            if (who.admin_of or who.is_super) and is_roster_file(msg.attachment.filename):  # a roster
                return Routed(self.svc.roster.offer_file(who, msg.attachment, msg.text, self.bot_username))
            if who.may_draft:
                return Routed(self.svc.last_year.offer(who, msg.attachment))
            if who.admin_of:
                return Routed(self.svc.last_year.offer_county(who, msg.attachment))
            return Routed([] if who.has_role else [Out(say("bot.stranger", id=who.person_id))])
        if command is not None:
            return Routed(self.command(who, command))
        return Routed(self.text(who, msg))

    # ---- private chat ---------------------------------------------------------------------------

    def command(self, who: Identity, command: Command) -> list[Out]:
        name = command.name
        if name in ("start", "join"):
            return self.start(who, command) if name == "start" else self.join(who, command.arg)
        if name == "whoami":  # anyone: the id an admin needs for /grant_admin, /grant_reviewer, the config
            return [Out(say("bot.whoami", id=who.person_id, telegram=self.svc.store.telegram_ids(who.person_id)))]
        if not who.has_role:
            return [Out(say("bot.stranger", id=who.person_id))]
        svc = self.svc
        if name == "web":  # a one-time link that signs a browser in (web front end); /web <编号>: for them
            if command.words:
                return web_login.for_person(svc.store, svc.config, who, command.words, svc.clock())
            return web_login.command(svc.store, svc.config, who, svc.clock())
        if name == "invite":  # one organ per line
            return svc.admin.invite(who, command.words, command.body)
        if name == "roster":  # the organs on the lines below
            return svc.roster.command(who, command.words, command.body, self.bot_username)
        if name == "replace_official":
            return people_admin.replace_official(svc.admin, who, command.words, self.bot_username)
        if name in _WORDS:
            return _WORDS[name](svc.admin, who, command.words)
        if name in _TEMPLATES:
            method, kind = _TEMPLATES[name]
            return method(svc.admin, who, kind, command.words)
        if name in _SET_TEMPLATE:
            return svc.admin.set_template(who, _SET_TEMPLATE[name], command.words, command.body)
        if name == "bind_review_group":
            return [Out(say("admin.bind_usage"))]
        if name == "submit":
            return svc.review.offer(who) if who.may_draft else [Out(say("review.officials_only"))]
        if name == "history":
            return svc.review.history(who, command.arg)
        if name == "help" and not who.may_draft:
            return help_for(who)
        drafting = {
            "new": lambda: svc.drafting.new(who, command.arg),
            "drafts": lambda: svc.drafting.drafts(who),
            "export": lambda: svc.drafting.export(who),
        }
        if name in drafting:
            return drafting[name]()
        if name in ENGINE_COMMANDS:
            return svc.drafting.command(who, name, command.arg)
        return []  # an unknown command: as Telegram bots do, nothing

    def start(self, who: Identity, command: Command) -> list[Out]:
        """/start, or /start CODE from an invite link."""
        if command.words:
            return self.join(who, command.arg)
        if not who.has_role:
            return [Out(say("bot.stranger", id=who.person_id))]
        return self.svc.drafting.start(who) if who.may_draft else [Out(say("bot.intro_no_drafting"))]

    def join(self, who: Identity, code: str) -> list[Out]:
        """/join CODE: redeem a one-time invite from the county admin.

        After JOIN_ATTEMPTS wrong codes within JOIN_WINDOW the person is refused — before the code is
        looked up, so a guesser learns nothing, not even from the right code — until the window has
        passed. Wrong codes are rows in the database, written in this update's transaction together
        with the refusal: a restart resets nothing.
        """
        if not code:
            return [Out(say("bot.join_usage"))]
        svc = self.svc
        now = svc.clock()
        locked_until = svc.store.join_locked_until(who.person_id, now)
        if locked_until is not None:
            return [Out(say("bot.join_locked", minutes=_minutes(locked_until - now)))]
        try:
            county, organ = svc.store.redeem_invite(code, who.person_id, now)
        except InviteError as err:  # unknown, used or expired: each a wrong code
            svc.store.wrong_join(who.person_id, now)
            return [Out(say(f"bot.invite_{err.reason}"))]
        who = identify(svc.store, svc.config, who.person_id, who.name)  # an official now
        return [Out(say("bot.joined", county=county, organ=organ)), *svc.drafting.new(who, "")]

    def text(self, who: Identity, msg: Incoming) -> list[Out]:
        """Free text: an admin's template text (a reply to the bot's question), else an answer."""
        if not who.has_role:
            return [Out(say("bot.stranger", id=who.person_id))]
        if msg.replied_to_bot is not None and (who.is_super or who.admin_of):
            outs = self.svc.admin.pending_text(who, msg.text)
            if outs is not None:
                return outs
        if who.may_draft and (pasted := self.svc.last_year.offer_text(who, msg.text)) is not None:
            return pasted  # last year's report pasted as text
        return self.svc.drafting.text(who, msg.text)

    # ---- groups ---------------------------------------------------------------------------------

    def in_group(self, who: Identity, msg: Incoming, command: Command | None) -> list[Out]:
        if command is not None:
            if not who.has_role:
                return []
            if command.name == "bind_review_group":
                return self.svc.admin.bind_group(who, int(msg.chat_id), command.words)
            if command.name == "history":
                return self.svc.review.history(who, command.arg)
            return []
        if msg.replied_to_bot is None or not msg.text:
            return []
        # A reply to the bot's 「请写明退回原因」: the reason, and the decision to return (the review
        # answers a non-reviewer who replies; other talk in the group gets nothing).
        return self.svc.review.reason(who, int(msg.chat_id), msg.replied_to_bot, msg.text) or []

    # ---- buttons --------------------------------------------------------------------------------

    def press(self, who: Identity, msg: Incoming) -> Routed:
        """A pressed button. Stale or foreign buttons are answered politely and change nothing."""
        parsed = parse_callback(msg.button)
        stale = Routed([], Answer(say("bot.button_stale")))
        if parsed is None:
            return stale
        token, button_id = parsed
        svc = self.svc
        if not (who.has_role or svc.review.owns(token) or svc.admin.owns(token)):
            return stale  # review and template buttons explain themselves to anyone who presses them
        outs = self._button_job(token, button_id, msg)(who)
        if outs is None:
            return stale
        alerts = [out.text for out in outs if out.tag == ALERT]
        return Routed([out for out in outs if out.tag != ALERT],
                      Answer(alerts[0], alert=True) if alerts else Answer())

    def _button_job(self, token: str, button_id: str, msg: Incoming) -> Callable[[Identity], list[Out] | None]:
        svc = self.svc
        if token == "drafts":
            return lambda who: svc.drafting.switch(who, int(button_id)) if button_id.isdigit() else None
        if (svc.review.owns(token) or svc.admin.owns(token) or svc.last_year.owns(token)
                or people_admin.owns(token)):
            chat = int(msg.chat_id) if msg.chat_id.lstrip("-").isdigit() else None  # a web page's is no number
            return lambda who: svc.route_button(who, token, button_id, chat, msg.message_id)
        if token.startswith("r"):
            return lambda who: svc.drafting.press(who, token, button_id) if msg.private else None
        return lambda who: None

    # ---- when handling failed -------------------------------------------------------------------

    def apologise(self, msg: Incoming) -> Routed:
        """After a failure (its writes undone): say sorry and ask the current question again."""
        if not msg.private:
            return Routed([], Answer(say("bot.sorry")) if msg.button is not None else None)
        who = self.identify(msg)
        outs = [Out(say("bot.sorry"))]
        if who.may_draft:
            outs += self.svc.drafting.current(who)
        return Routed(outs, Answer() if msg.button is not None else None)


def _minutes(wait) -> int:
    """A wait as whole minutes, rounded up (never 0: 「请 0 分钟后再试」 would be wrong)."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def help_for(who: Identity) -> list[Out]:
    """/help for admins and reviewers who do not draft (officials get the interview's help)."""
    if who.is_super or who.admin_of:
        return [Out(say("admin.help", is_super=who.is_super))]
    if who.reviewer_of:
        return [Out(say("admin.reviewer_help"))]
    return [Out(say("bot.intro_no_drafting"))]
