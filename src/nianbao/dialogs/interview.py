"""The interview: one question at a time, every answer validated as it arrives. Transport-free.

A transport (the Telegram bot, the terminal chat) calls ``start``, ``answer``, ``press`` or ``command``
and shows the ``Reply`` list it gets back; after every call it logs ``last_accepted`` and persists
``to_json()``. The engine does no I/O and never reads the clock (``today`` is given).

Where the interview stands is the step id (the ``transitions`` machine's state, built from the
catalogue); what has been answered is the report itself, plus what the report does not hold: gate
answers and the choice made for each narrative (``extra``), which groups a gate zero-filled
(``autofilled``), skipped steps, steps to ask again after an edit (``reask``), a pending confirmation
(``mode``), the answer history, and what the transport knew before the first question (``given``:
the organ, county and level of an invite, the year of 「/new 年份」, the organ's contact — never
asked, still listed for 修改 N). The one-tap paths and the fact questions live in quick.py.

After each answer, every rule is re-run: an error the answer completes blocks it (the report is put
back as it was); an error it causes in a *later* answer (an edit) marks that answer to be asked
again; a new warning asks for confirmation.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..report.carry_text import carried
from ..report.findings import Finding
from ..report.model import Report
from ..text import say
from . import answers, narratives, parsing, quick, screens, validation
from .catalogue import Catalogue, Step, load_catalogue
from .machinery import Change as _Change, Cursor as _Cursor, machine as _machine
from .conditions import CONDITIONS
from .prompts import Prompts
from .proposals import PROPOSALS, Facts
from .screens import Button, Reply

__all__ = ["Accepted", "Button", "Interview", "Reply"]

STATE_VERSION = 1
COMMAND_MAX_CHARS = 40  # longer text is never a command word
# Buttons that work whenever pressed (they are commands); any other id must be on the current question.
COMMAND_BUTTONS = {"back": "back", "skip": "skip", "status": "status", "review": "review", "help": "help",
                   "cancel": "cancel", "gen": "generate"}


@dataclass(frozen=True)
class Accepted:
    step: str
    raw: str
    value: Any  # JSON-ready; for a narrative how the text was used: "default" | "replace" | "extend" | "last"


class Mode(BaseModel):
    """A question waiting for something other than its answer: a confirmation, or text to append."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["block", "warning", "cancel", "extend", "pick", "natural"]
    messages: list[str] = []  # block / warning: the findings' messages, shown again until resolved
    edit: list[str] = []      # block: earlier steps offered as 「改…」 buttons
    picked: list[str] = []    # pick: the options chosen so far (quick.py)
    value: int | None = None  # natural: the one number typed for a row of six


class SavedInterview(BaseModel):
    """The serialized interview (to_data / from_data): checked on load like any file from outside."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = STATE_VERSION
    today: date
    organ_hint: str | None = None
    county_hint: str | None = None
    given: dict[str, Any] = {}  # report values the transport knew before the first question (Interview.new)
    step: str
    finished: bool = False
    report: dict
    extra: dict[str, Any] = {}
    autofilled: list[str] = []
    skipped: list[str] = []
    reask: list[str] = []
    mode: Mode | None = None
    history: list[tuple[str, str, Any]] = []


def _entry_point(method: Callable[..., list[Reply]]) -> Callable[..., list[Reply]]:
    """Resets ``last_accepted`` and sets ``changed``: whether the saved state differs after the call."""

    @functools.wraps(method)
    def call(self: "Interview", *args: Any) -> list[Reply]:
        self.last_accepted = []
        before = self._fingerprint()
        replies = method(self, *args)
        self.changed = self._fingerprint() != before
        return replies

    return call


class Interview:
    def __init__(self, *, today: date, organ_hint: str | None = None, county_hint: str | None = None,
                 prompts: Prompts | None = None, catalogue: Catalogue | None = None,
                 given: dict[str, Any] | None = None) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.prompts = prompts or Prompts()
        self.today = today
        self.organ_hint = organ_hint
        self.county_hint = county_hint
        self.given = dict(given or {})
        # The organ's report of the year before, when the transport has one (never saved with the
        # interview): 上年结转 is proposed from it and the cross-year rules run on every answer.
        self.last_year: Report | None = None
        self._cursor = _Cursor(self, self.catalogue.steps[0].id)
        self._reset()

    def _reset(self) -> None:
        """A blank interview at the first question (also what 取消 leaves)."""
        self._goto(self.catalogue.steps[0].id)
        self.report = Report()
        for path, value in self.given.items():  # answered before the first question: not asked
            self.report.set(path, value)
        self.extra: dict[str, Any] = {}
        self.autofilled: set[str] = set()
        self.skipped: set[str] = set()
        self.reask: set[str] = set()
        self.mode: dict[str, Any] | None = None
        self.history: list[list[Any]] = []
        self.finished = False
        self.last_accepted: list[Accepted] = []  # what the last call accepted: the transport logs it
        self.changed = False  # the last call changed the saved state (an answer, a move, a pending confirmation)
        self._findings: list[Finding] | None = None  # derived from the report: never saved
        if self.given:  # start at the first question the transport could not answer
            self._goto(next(s.id for s in self.catalogue.steps if s.kind == "review" or self.is_pending(s)))

    # ---- construction and persistence ------------------------------------------------------------

    @classmethod
    def new(cls, *, today: date, organ: str | None = None, county: str | None = None,
            prompts: Prompts | None = None, given: dict[str, Any] | None = None) -> "Interview":
        """``organ`` / ``county``: proposed at their questions. ``given``: report values by dotted path
        the transport knows already (the bot: organ, county and level from the invite, the year of
        「/new 年份」, the organ's contact): their questions count as answered (修改 N still reaches them),
        and 取消 keeps them."""
        return cls(today=today, organ_hint=organ, county_hint=county, prompts=prompts,
                   given={path: value for path, value in (given or {}).items() if value is not None})

    def to_data(self) -> dict:
        order = self.catalogue.index.__getitem__
        return SavedInterview(
            today=self.today, organ_hint=self.organ_hint, county_hint=self.county_hint, given=self.given,
            step=self.step_id,
            finished=self.finished, report=self.report.to_data(), extra=self.extra,
            autofilled=sorted(self.autofilled, key=order), skipped=sorted(self.skipped, key=order),
            reask=sorted(self.reask, key=order), mode=self.mode, history=[tuple(h) for h in self.history],
        ).model_dump(mode="json")

    def to_json(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_data(cls, data: dict, *, prompts: Prompts | None = None) -> "Interview":
        saved = SavedInterview.model_validate(data)
        interview = cls(today=saved.today, organ_hint=saved.organ_hint, county_hint=saved.county_hint,
                        prompts=prompts, given=saved.given)
        ids = interview.catalogue.by_id
        named = [saved.step, *saved.autofilled, *saved.skipped, *saved.reask, *(h[0] for h in saved.history),
                 *(saved.mode.edit if saved.mode else ())]
        unknown = [name for name in (*named, *saved.extra) if name not in ids]
        if unknown:
            raise ValueError(f"saved interview names unknown steps: {sorted(set(unknown))}")
        interview._goto(saved.step)
        interview.report = Report.from_data(saved.report)
        interview.extra = saved.extra
        interview.autofilled, interview.skipped, interview.reask = (
            set(saved.autofilled), set(saved.skipped), set(saved.reask))
        interview.mode = saved.mode.model_dump() if saved.mode else None
        interview.history = [list(h) for h in saved.history]
        interview.finished = saved.finished
        return interview

    @classmethod
    def from_json(cls, text: str | bytes, *, prompts: Prompts | None = None) -> "Interview":
        return cls.from_data(json.loads(text), prompts=prompts)

    # ---- where we are ------------------------------------------------------------------------------

    @property
    def step_id(self) -> str:
        return self._cursor.state

    def _goto(self, step_id: str) -> None:
        """Jump (edit, resume, an earlier question needing an answer): no transition involved."""
        self.catalogue.by_id[step_id]  # KeyError for an unknown step
        self._cursor.state = step_id

    def _fire(self, trigger: str) -> bool:
        """``advance`` / ``retreat`` to the nearest step in that direction that is asked; False if none."""
        return bool(_machine(self.catalogue).events[trigger].trigger(self._cursor))

    @property
    def step(self) -> Step:
        return self.catalogue.by_id[self.step_id]

    @property
    def progress(self) -> tuple[int, int]:
        """(x, y): the current question is step x of the y asked so far (gates not yet answered open more)."""
        asked = self.asked_steps()
        ids = [s.id for s in asked]
        x = ids.index(self.step_id) + 1 if self.step_id in ids else len(ids)
        return x, len(ids)

    @property
    def expects_number(self) -> bool:
        """A bare number typed now is an answer (so a terminal must not read it as a button).

        Also while a warning or a blocked answer waits: a number typed then is a new answer.
        """
        mode = (self.mode or {}).get("kind")
        return mode in (None, "block", "warning") and (self.step.takes_numbers or self.step.kind == "review")

    def condition(self, name: str) -> bool | None:
        if name in self.catalogue.gates:
            return self.extra.get(name)
        return CONDITIONS[name](self.report)

    def _holds(self, name: str, step: Step) -> bool | None:
        """A `when` of ``step``: a pick gate's answer lists the rows it opens (quick.py)."""
        value = self.condition(name)
        return step.id in value if isinstance(value, list) else value

    def is_asked(self, step_id: str) -> bool:
        step = self.catalogue.by_id[step_id]
        return all(self._holds(name, step) is True for name in step.when)

    def _decided_off(self, step: Step) -> bool:
        return any(self._holds(name, step) is False for name in step.when)

    def value(self, step: Step) -> Any:
        """The step's answer as data (gates and narratives: the choice kept by the interview)."""
        if step.kind in ("gate", "narrative"):
            return self.extra.get(step.id)
        return answers.current(self.report, step)

    def is_answered(self, step: Step) -> bool:
        return step.kind != "review" and self.value(step) is not None and step.id not in self.autofilled

    def is_pending(self, step: Step) -> bool:
        return (step.kind != "review" and step.id not in self.skipped and self.is_asked(step.id)
                and (step.id in self.reask or not self.is_answered(step)))

    def asked_steps(self) -> list[Step]:
        """The questions of this report so far, in order: the numbering of 预览 and 修改 N."""
        return [s for s in self.catalogue.steps if s.kind != "review" and self.is_asked(s.id)]

    def pending_steps(self) -> list[Step]:
        """Questions the flow still has to ask (skipped ones are not asked again)."""
        return [s for s in self.catalogue.steps if self.is_pending(s)]

    def missing_steps(self) -> list[Step]:
        """Questions without a (fitting) answer, skipped ones included (not an optional one: it is left
        out of the draft): 进度, 预览 and 生成 count them."""
        return [s for s in self.asked_steps() if s.id in self.reask
                or not (self.is_answered(s) or (s.optional and s.id in self.skipped))]

    # ---- the transport's entry points -------------------------------------------------------------
    # Persist ``to_json()`` whenever ``changed`` after a call: besides accepted answers, moves (返回,
    # 修改 N, 跳过) and pending confirmations are part of the state.

    def _fingerprint(self) -> tuple:
        # Everything else in the saved state changes only together with the history (an accepted answer).
        # The mode as it is saved (defaults filled in): one restored from JSON and one made here
        # compare equal, so a restored interview does not report a change that is none.
        mode = Mode.model_validate(self.mode).model_dump() if self.mode else None
        return (self.step_id, json.dumps(mode, sort_keys=True), len(self.history), self.finished,
                frozenset(self.skipped), frozenset(self.reask))

    @_entry_point
    def start(self) -> list[Reply]:
        """Greets (or welcomes back) and asks the current question (or the confirmation it waits for)."""
        if self.history:
            return [Reply(say("interview.resume", **quick.place(self))), *screens.current(self)]
        return [Reply(say("interview.welcome", organ=self.organ_hint)), *screens.current(self)]

    @_entry_point
    def answer(self, text: str) -> list[Reply]:
        # No blanket input check here: each reader rejects empty, overlong and control-character
        # input itself, with the example that fits the question.
        mode = (self.mode or {}).get("kind")
        command = self._command_in(text) if len(text) <= COMMAND_MAX_CHARS else None
        if command == ("edit", "") and mode == "warning":
            return self._resume()  # 「修改」 typed for the button of that name
        if command is not None:
            return self.command(*command)
        words = _plain(text)
        if mode == "cancel":
            return self._cancel() if self._is_yes(words) else self._resume()
        if mode == "warning" and words in self.catalogue.accept_words:
            return self._move_on()
        if mode in quick.MODES and (handled := quick.answer_in_mode(self, text, words)) is not None:
            return handled
        if mode in ("block", "warning"):
            self.mode = None  # a new answer to the same question
        step = self.step
        if step.kind == "review":
            return self._review_answer(words)
        if (handled := quick.answer(self, step, text, words)) is not None:
            return handled  # narratives, choices, channels, one number for six
        try:
            value = answers.read(step, text, today_year=self.today.year)
        except parsing.AnswerError as err:
            return [Reply(err.message), *screens.current(self)]
        return self._accept(step, text, value, notes=answers.notes(step, value))

    @_entry_point
    def press(self, button_id: str) -> list[Reply]:
        if button_id in COMMAND_BUTTONS:
            return self.command(COMMAND_BUTTONS[button_id])
        if button_id not in {b.id for b in screens.buttons(self)}:
            return [Reply(say("interview.stale_button")), *screens.current(self)]
        step = self.step
        raw = f"[{button_id}]"
        if button_id.startswith("edit:"):
            return self._jump(self.catalogue.by_id[button_id.removeprefix("edit:")])
        if (handled := quick.press(self, button_id)) is not None:
            return handled
        if button_id in ("yes", "no"):
            return self._accept(step, raw, button_id == "yes")
        if button_id == "zeros":
            return self._accept(step, raw, answers.zero(step))
        if button_id == "default":
            return self._accept(step, raw, {} if step.kind == "narrative" else self.proposal(step))
        if button_id == "keep":
            return self._accept(step, raw, self.value(step))
        if button_id == "extend":
            self.mode = {"kind": "extend"}
            return screens.current(self)
        if button_id == "continue":
            return self._move_on()
        if button_id == "cancel_yes":
            return self._cancel()
        return self._resume()  # retry, change, cancel_no: the question again, nothing changed

    @_entry_point
    def command(self, name: str, arg: str = "") -> list[Reply]:
        """back | skip | status | edit N | review | help | cancel | generate (| start)."""
        if name == "start":
            return self.start()
        if name == "status":
            return [Reply(screens.status_text(self)), *screens.current(self)]
        if name == "help":
            return [Reply(screens.help_text(self)), *screens.current(self)]
        if name == "review":
            return [screens.review(self), *([] if self.step.kind == "review" else screens.current(self))]
        if name == "cancel":
            self.mode = {"kind": "cancel"}
            return screens.current(self)
        if name == "generate":
            return self._generate()
        if name == "edit":
            return self._edit(arg)
        if name == "back":
            self.mode = None
            if not self._fire("retreat"):
                return [Reply(say("interview.first_step")), *screens.current(self)]
            return screens.current(self)
        if name == "skip":
            if not self.step.skippable:
                return [Reply(say("interview.cannot_skip")), *screens.current(self)]
            self.skipped.add(self.step_id)
            self.reask.discard(self.step_id)
            return self._move_on()
        raise ValueError(f"unknown command {name!r}")

    # ---- reading answers ---------------------------------------------------------------------------

    def _command_in(self, text: str) -> tuple[str, str] | None:
        """A command word (「返回」, 「修改 3」, 「/edit 3」, 「/back@bot」), or None for an ordinary answer."""
        words = _plain(text)
        head, _, arg = words.partition(" ")
        if head.startswith("/"):
            head = head.split("@", 1)[0].lower()
        else:
            head, arg = words, ""
        for name, spellings in self.catalogue.commands.items():
            if head in spellings:
                return name, arg.strip()
        for spelling in self.catalogue.commands["edit"]:  # 「修改 3」「修改第3项」「/edit 3」
            rest = words.removeprefix(spelling).strip().removeprefix("第").rstrip("项步条").strip()
            if words.startswith(spelling) and rest and _is_count(rest):
                return "edit", rest
        return None

    def _is_yes(self, words: str) -> bool:
        try:
            return parsing.parse_yes_no(words) or words in self.catalogue.accept_words
        except parsing.AnswerError:
            return words in self.catalogue.accept_words

    def _review_answer(self, words: str) -> list[Reply]:
        if _is_count(words):
            return self._edit(words)
        return [Reply(say("interview.review_hint")), *screens.current(self)]

    def proposal(self, step: Step) -> Any:
        """The one-tap answer proposed for ``step`` (catalogue `default`), or None."""
        if not step.default:
            return None
        facts = Facts(self.report, self.today, self.organ_hint, self.county_hint, self.catalogue.county_endings,
                      self.catalogue.organ_kinds, functools.partial(quick.county_text, self),
                      tuple(label for _, label in self.catalogue.choices(step)), self.last_year)
        return PROPOSALS[step.default](facts)

    # ---- accepting an answer -----------------------------------------------------------------------

    def _flow_findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = validation.flow_findings(self.report, self.last_year)
        return self._findings

    def _accept(self, step: Step, raw: str, value: Any, notes: list[str] | None = None) -> list[Reply]:
        """Store an answer and move on — unless it breaks a rule, or a finding or one of ``notes``
        (what the reader of a typed answer wants confirmed) waits for 「继续」."""
        before = {validation.key(f) for f in self._flow_findings()}
        change = _Change(self)
        try:
            self._store(step, value, change)
            self._sync(change)
        except ValidationError:
            change.rollback()
            return [Reply(say("interview.invalid_value")), *screens.current(self)]
        after = validation.flow_findings(self.report, self.last_year)
        touched = change.paths | ({step.path} if step.path else set())
        blocking, reask = self._judge(step, after, touched)
        if blocking:
            change.rollback()
            position = self.catalogue.index[step.id]
            earlier = [s.id for s in self.catalogue.steps_for_paths([p for f in blocking for p in f.paths])
                       if self.catalogue.index[s.id] < position and self.is_asked(s.id)]
            self.mode = {"kind": "block", "messages": [f.message for f in blocking], "edit": earlier[:2]}
            return screens.current(self)

        self._findings = after
        if step.kind == "narrative":  # the text is in raw already: log how it was used, not a copy
            value = next(iter(value), "default")
        self.history.append([step.id, raw, value])
        self.last_accepted.append(Accepted(step.id, raw, value))
        self.finished = False
        notices = []
        for later_step, finding in reask:
            if later_step.id not in self.reask:
                self.reask.add(later_step.id)
                notices.append(Reply(say("interview.reask", title=screens.title(self, later_step), message=finding.message)))
        warnings = [f for f in after if not f.is_error and validation.key(f) not in before
                    and validation.involves(f, touched)]
        if warnings or notes:
            self.mode = {"kind": "warning", "messages": [*(notes or ()), *(f.message for f in warnings)]}
            return [*notices, *screens.current(self)]
        return [*notices, *self._move_on()]

    def _judge(self, step: Step, after: list[Finding], touched: set[str]) -> tuple[
            list[Finding], list[tuple[Step, Finding]]]:
        """Errors the answer to ``step`` takes part in: blocking, or a later answer to ask again.

        If no other answer of the error comes later, this answer completed it and is wrong (block).
        Otherwise it is an edit that broke a later answer: the latest such answer is asked again,
        unless one of them is already waiting to be answered.
        """
        position = self.catalogue.index[step.id]
        blocking: list[Finding] = []
        reask: list[tuple[Step, Finding]] = []
        for finding in after:
            if not finding.is_error or not validation.involves(finding, touched):
                continue
            later = [s for s in self.catalogue.steps_for_paths(finding.paths)
                     if self.catalogue.index[s.id] > position and self.is_asked(s.id)]
            if not later:
                blocking.append(finding)
            elif not any(self.is_pending(s) for s in later):
                reask.append((later[-1], finding))
        return blocking, reask

    def _store(self, step: Step, value: Any, change: _Change) -> None:
        if step.kind in ("gate", "narrative"):
            self.extra = {**self.extra, step.id: value}
        else:
            answers.write(change.set_path, step, value)
        for name in ("autofilled", "skipped", "reask"):
            getattr(self, name).discard(step.id)

    def _sync(self, change: _Change) -> None:
        """Fill groups a gate closed, clear groups it reopened, recompose the narratives."""
        for step in self.catalogue.steps:
            if step.kind == "gate" and step.id in self.extra and self._decided_off(step):
                self.extra = {k: v for k, v in self.extra.items() if k != step.id}  # asked again if reopened
            if not step.otherwise:
                continue
            if self._decided_off(step):
                zero = answers.zero(step)
                if step.id not in self.autofilled or self.value(step) != zero:
                    answers.write(change.set_path, step, zero)
                    self.autofilled.add(step.id)
                    self.skipped.discard(step.id)
                    self.reask.discard(step.id)
            elif step.id in self.autofilled:
                change.set_path(step.path, None)
                self.autofilled.discard(step.id)
        narrative_steps = [s for s in self.catalogue.steps if s.kind == "narrative" and s.id in self.extra]
        if narrative_steps:
            figures = quick.figures(self)
            for step in narrative_steps:
                change.set_path(step.path, self.narrative_text(step, self.extra[step.id], figures))

    def narrative_text(self, step: Step, choice: dict, figures: dict) -> str:
        """The text a narrative step puts in the report for ``choice`` (see narratives.compose)."""
        county = self.report.county
        lead = self.prompts.narrative(step.lead, county, **figures) if step.lead else None
        if choice.get("last"):  # last year's paragraph with this year's figures (report/carry_text.py)
            choice = {"replace": self.last_years_text(step) or self.report.get(step.path) or ""}
        default = "" if "replace" in choice else self.prompts.narrative(step.narrative, county, **figures)
        return narratives.compose(lead, default, choice, lead_topic=say("facts.fee_topic") if step.lead else None)

    def last_years_text(self, step: Step) -> str:
        """Last year's paragraph of ``step`` as far as it is true this year ("" when there is none)."""
        if self.last_year is None or not step.path:
            return ""
        return carried(self.last_year.get(step.path), self.last_year, self.report)

    def _move_on(self) -> list[Reply]:
        """Where to go after an answer: an earlier question now needing an answer, else the next pending one."""
        self.mode = None
        if self.step.kind == "review":
            return screens.current(self)
        here = self.catalogue.index[self.step_id]
        earlier = next((s for s in self.catalogue.steps[:here] if self.is_pending(s)), None)
        if earlier is not None:
            self._goto(earlier.id)
            return screens.current(self)
        while self._fire("advance"):
            if self.step.kind == "review" or self.is_pending(self.step):
                break
        return screens.current(self)

    def _jump(self, step: Step) -> list[Reply]:
        self.mode = None
        self._goto(step.id)
        return screens.current(self)

    def _edit(self, arg: str) -> list[Reply]:
        asked = self.asked_steps()
        if not arg:
            return [Reply(say("interview.edit_how")), screens.review(self)]
        n = parsing.parse_count(arg) if _is_count(arg) else 0
        if not 1 <= n <= len(asked):
            return [Reply(say("interview.edit_range", n=arg, y=len(asked))), *screens.current(self)]
        return self._jump(asked[n - 1])

    def _cancel(self) -> list[Reply]:
        self._reset()
        return [Reply(say("interview.cancelled")), *screens.current(self)]

    def _resume(self) -> list[Reply]:
        self.mode = None
        return screens.current(self)

    def _generate(self) -> list[Reply]:
        errors = [f for f in self._flow_findings() if f.is_error]
        if errors:
            return [Reply(say("interview.generate_blocked", messages=[f.message for f in errors])), *screens.current(self)]
        missing = len(self.missing_steps())
        self.finished = missing == 0
        return [Reply(say("interview.generated", missing=missing), render=True)]

def _plain(text: str) -> str:
    """Typed text as compared with command and confirmation words: normalized, no closing 。/!."""
    return parsing.normalize(text).rstrip("。.!！ ").casefold()


def _is_count(text: str) -> bool:
    try:
        parsing.parse_count(text)
    except parsing.AnswerError:
        return False
    return True
