"""Everything a handler needs, built once per Application and kept in ``bot_data``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from jinja2.exceptions import UndefinedError

from ..dialogs.prompts import Overrides, Prompts
from ..dialogs.template_check import MAX_OUTPUT, TemplateRejected
from ..text import say
from .access import Identity, county_admin_outs, identify
from .admin import Admin
from .config import Config
from .last_year import LastYearImport
from .drafting import Clock, Drafting, Out, utc_now
from .notes import current as current_notes
from .rendering import Renderer
from .review import Review
from . import people_admin, progress_admin
from .roster_admin import RosterAdmin
from .storage import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_SHIPPED = Prompts()


class CountyPrompts(Prompts):
    """A county's texts. An edited question or paragraph that fails on some report (it passed the
    check on the sample reports) falls back to the shipped text: an admin's edit never stops an
    interview. ``failed(county, key, error)`` hears of each such fallback (to tell the admins)."""

    def __init__(self, overrides: Overrides | None = None,
                 failed: Callable[[str | None, str, Exception], None] | None = None) -> None:
        super().__init__(overrides)
        self.failed = failed

    def prompt(self, step_id: str, county: str | None, /, **values: Any) -> str:
        return self._or_shipped(Prompts.prompt, "prompts", step_id, county, values)

    def narrative(self, name: str, county: str | None, /, **values: Any) -> str:
        return self._or_shipped(Prompts.narrative, "narratives", name, county, values)

    def _or_shipped(self, render: Callable[..., str], kind: str, name: str, county: str | None,
                    values: dict) -> str:
        try:
            return render(self, name, county, **values)
        except Exception as err:
            key = f"{kind}.{name}"
            custom = self.overrides is not None and self.overrides(county, key) is not None
            log.warning("county text %s failed (%s); shipped text used", key, type(err).__name__)
            if custom and self.failed is not None:
                try:
                    self.failed(county, key, err)
                except Exception as notice_err:  # telling the admins must not stop the interview either
                    log.error("notice of county text %s failed: %s", key, type(notice_err).__name__)
            return render(_SHIPPED, name, county, **values)


# What a person is told when their job fails unexpectedly (renders and roll-ups: the document one).
JOB_FAILURES = {"import_last_year": "bot.import_failed", "import_for_county": "bot.import_failed",
                "roster": "roster.job_failed", "export_all": "admin.export_failed"}


@dataclass
class Services:
    store: Store
    config: Config
    clock: Clock = utc_now
    drafting: Drafting = field(init=False)
    review: Review = field(init=False)
    admin: Admin = field(init=False)

    def __post_init__(self) -> None:
        self.renderer = Renderer(self.config.rendering.workers)
        self.review = Review(self.store, self.config, self.clock, self.prompts_for)
        self.drafting = Drafting(self.store, self.config, self.clock, self.prompts_for,
                                 after_render=self.review.offer_for)
        self.admin = Admin(self.store, self.config, self.clock, self.renderer)
        self.last_year = LastYearImport(self.store, self.drafting)
        self.roster = RosterAdmin(self.store, self.config, self.clock, self.admin)
        # The slow jobs an Out may name (drafting.Out.job): run by the sender, off the event loop.
        self.jobs: dict[str, Callable[..., list[Out]]] = {"render": self.render_job,
                                                           "rollup": partial(progress_admin.rollup_job, self.admin),
                                                           "import_last_year": self.last_year.job,
                                                           "import_for_county": self.last_year.county_job,
                                                           "roster": self.roster.job,
                                                           "export_all": partial(progress_admin.export_job, self.admin)}

    def address_of(self, person_id: int) -> tuple[str, str] | None:
        """Where a message to a person goes here: the first of their identities on a channel this
        deployment has (a web-only county's people are never addressed through Telegram)."""
        return self.store.address_of(person_id, self.config.channels)

    def apology(self, channel: str, chat_id: str) -> list[Out]:
        """What replaces a message the platform refused: sorry, and the official's current question."""
        outs = [Out(say("bot.sorry"))]
        person = self.store.person_by(channel, chat_id)  # a person's own chat (a group is nobody)
        if person is not None:
            who = identify(self.store, self.config, person.person_id, "")
            if who.may_draft:
                outs += self.drafting.current(who)
        return outs

    def run_job(self, name: str, args: dict) -> list[Out]:
        return self.jobs[name](**args)

    @staticmethod
    def job_failure(name: str) -> str:
        """The template key of what the person is told when a job fails unexpectedly."""
        return JOB_FAILURES.get(name, "bot.document_failed")

    def render_job(self, report: str, draft: bool, title: str | None, caption: str, filename: str) -> list[Out]:
        """A .docx of the report file ``report`` (JSON) as it was when the job was queued."""
        return [Out(document=self.renderer.render_json(report, draft=draft, title=title), filename=filename,
                    text=caption)]

    @property
    def runs_inline(self) -> bool:
        """Whether the worker and the sender do their database work right on the event loop (``call``)."""
        return self.store.is_sqlite

    async def call(self, job: Callable[..., T], /, *args: Any) -> T:
        """Run a synchronous service call (a few queries, the interview) for a handler.

        With a local SQLite database it runs right here: ~2 ms of pure CPU, and handing it to a
        worker thread cost more than it saved — the GIL went back and forth between the loop and
        the workers; under 200 updates/s the p99 latency was 120 ms instead of ~50 (bench/bot.py).
        A network database would stall the loop on every round trip: then a worker thread.
        Rendering, the one slow thing, is in another process either way.
        """
        if self.runs_inline:
            return job(*args)
        return await asyncio.to_thread(job, *args)

    def close(self) -> None:
        self.renderer.close()

    def prompts_for(self, county: str | None) -> Prompts:
        """The county's prompts: its admins' edits (database) over the config's defaults over ours.

        ``county`` is the official's county (from their invite), which decides — not the county typed
        into the report, which is unknown before its question and could name any county.
        """
        def override(asked: str | None, key: str) -> str | None:
            where = county or asked
            if where is None:
                return None
            return self.store.override(where, key) or self.config.county_template(where, key)

        return CountyPrompts(override, lambda asked, key, err: self.text_failed(county or asked, key, err))

    def text_failed(self, county: str | None, key: str, error: Exception) -> None:
        """A county text failed on a report and the shipped one was used: tell the county's admins —
        once per text (store.claim_failure_notice), in the update's unit of work (notes.py)."""
        notes = current_notes()
        if county is None or notes is None:  # not in the worker: the next failure there tells them
            return
        own = self.store.override(county, key)
        source = own if own is not None else self.config.county_template(county, key)
        if source is None or not self.store.claim_failure_notice(county, key, source, configured=own is None,
                                                                 now=self.clock()):
            return
        kind, _, name = key.partition(".")
        text = say("admin.text_failed", county=county, kind=kind, name=name, reason=_failure_reason(error),
                   configured=own is None)
        notes.notices += county_admin_outs(self.store, self.config, county, text)

    def route_button(self, who: Identity, token: str, button_id: str, chat_id: int | None = None,
                     message_id: int | None = None) -> list[Out] | None:
        """Buttons that are not the interview's (submit, review decisions, template edits); None = unknown or stale."""
        if self.review.owns(token):
            return self.review.press(who, token, button_id, chat_id, message_id)
        if self.admin.owns(token):
            return self.admin.press(who, token, button_id)
        if self.last_year.owns(token):
            return self.last_year.press(who, token, button_id)
        if people_admin.owns(token):
            return people_admin.press(self.admin, who, token, button_id)
        return None


def _failure_reason(error: Exception) -> str:
    """Why a county text failed, in a few words for its admins (never the report's figures)."""
    problems = error.problems if isinstance(error, TemplateRejected) else []
    if problems and problems[0].kind == "too_big":
        return say("admin.text_failed_too_big", limit=MAX_OUTPUT)
    cause = error.__cause__ if problems else error
    if isinstance(cause, ZeroDivisionError):
        return say("admin.text_failed_zero_division")
    if isinstance(cause, UndefinedError):
        return say("admin.text_failed_undefined")
    return say("admin.text_failed_other", error=type(cause).__name__)
