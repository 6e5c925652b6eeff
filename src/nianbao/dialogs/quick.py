"""Quick answers, and where a question stands: the interview's one-tap paths (interview.py calls in).

One tap where one tap is meant — a whole table 二 of zeros, no application and no appeal, every
remaining default paragraph — and the answers that are not a single typed value: a choice, several
channels, a paragraph's words typed for its buttons, one number for a row of six.

Button ids handled here (screens.buttons shows them; Interview.press accepts only what is shown):

  opt:<value>         choice: that option (the proposed one is the usual "default" button)
  row:<i> / no_groups pick gates (picks.py): only that row has figures / no group from here on has any
  pick:<i> / done     multi: switch the i-th option on or off (the selection waits in the mode
                      "pick", saved like any other), then take the selection
  table_zeros         二: this row and every unanswered row of table 二 are 0
  none_at_all         三's gate: no application, and no 复议/诉讼 either (四's gate answered 否)
  all                 a default paragraph: adopt it and every remaining one with a default text
                      (gates with `adopt: no` answered 否), then on to what still needs an answer
  nat_yes / nat_no    「都是自然人吗？」 after one number typed on a row of six (mode "natural")

The position shown with a question is its section's place among the sections (「三、申请 · 3/8」):
it never grows while the official answers, unlike a count of the questions asked so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..text import say
from . import answers, facts_input, narratives, parsing, picks, screens
from .catalogue import Step

if TYPE_CHECKING:
    from .interview import Interview

MODES = ("pick", "natural")       # waiting modes of this module (Interview.mode["kind"])
OWN_KINDS = ("narrative", "choice", "multi", "approx")  # kinds whose buttons are all made here
EXTEND_WORDS = ("补充", "补充内容")  # typed for the 「补充」 button, not as the paragraph itself
ADOPT_WORDS = ("全部采用", "都采用", "全部默认")
LAST_WORDS = ("用去年的", "去年的", "沿用去年")  # typed for the 「用去年的」 button


# ---- where a question stands -------------------------------------------------------------------


def place(iv: Interview) -> dict[str, Any]:
    """The section of the current question and its place among the interview's sections."""
    sections = iv.catalogue.sections
    name = iv.step.section
    return {"section": say(f"facts.section_{name}"), "k": sections.index(name) + 1, "n": len(sections)}


def header(iv: Interview) -> str:
    return say("interview.header", **place(iv))


# ---- what the default paragraphs quote -----------------------------------------------------------


def _base(iv: Interview) -> dict[str, Any]:
    """The figures a county text is rendered with (the county texts themselves blank, as template_vars
    previews them)."""
    return narratives.figures(iv.report, iv.catalogue.organ_kinds, new_media=iv.catalogue.new_media,
                              texts={text: "" for text in iv.catalogue.county_texts})


def county_text(iv: Interview, name: str, base: dict[str, Any] | None = None) -> str:
    """A text the county admin set (catalogue county_texts; shipped empty), rendered with the figures."""
    return iv.prompts.narrative(name, iv.report.county, **(base if base is not None else _base(iv)))


def figures(iv: Interview) -> dict[str, Any]:
    """Everything the default paragraphs may quote: the answers and the county admin's texts."""
    base = _base(iv)
    texts = {name: narratives.sentence(county_text(iv, name, base)) for name in iv.catalogue.county_texts}
    return {**base, **texts}


def default_text(iv: Interview, step: Step, values: dict[str, Any] | None = None) -> str:
    return iv.narrative_text(step, {}, values if values is not None else figures(iv))


def _adoptable(iv: Interview, after: int) -> list[Step]:
    """Pending steps from catalogue position ``after`` on that 「全部采用」 answers (in order)."""
    values = figures(iv)
    out = []
    for step in iv.catalogue.steps[after:]:
        if not iv.is_pending(step):
            continue
        if step.kind == "narrative" and default_text(iv, step, values):
            out.append(step)
        elif step.kind == "gate" and step.adopt == "no":
            out.append(step)
    return out


def prompt_values(iv: Interview, step: Step) -> dict[str, Any]:
    """What the question templates of this module's kinds use besides screens.prompt_values."""
    if step.kind == "multi":
        return {"picked": _selection(iv, step), "options": [label for _, label in iv.catalogue.choices(step)]}
    if step.kind == "choice":
        return {"options": [label for _, label in iv.catalogue.choices(step)]}
    if step.kind == "narrative":  # the one preview: at the first paragraph, every other one with it
        if any(s.kind == "narrative" and s.id in iv.extra for s in iv.catalogue.steps):
            return {"others": []}
        values = figures(iv)
        here = iv.catalogue.index[step.id]
        others = [s for s in _adoptable(iv, here + 1) if s.kind == "narrative"]
        return {"others": [{"title": _title(iv, s), "text": default_text(iv, s, values)} for s in others]
                if default_text(iv, step, values) else []}
    return {}


def _title(iv: Interview, step: Step) -> str:
    return screens.title(iv, step)


# ---- buttons -----------------------------------------------------------------------------------


def kind_buttons(iv: Interview, step: Step) -> list[screens.Button]:
    """The answer buttons of a narrative, choice, multi or approx question, or a pick gate."""
    if step.pick:
        return picks.buttons(iv, step)
    if step.kind == "narrative":
        has_default = bool(default_text(iv, step))
        out = list(screens.fixed_buttons(("default", "button_accept"))) if has_default else []
        if has_default and _adoptable(iv, iv.catalogue.index[step.id] + 1):
            out.append(screens.Button("all", say("facts.button_all")))
        if iv.last_years_text(step):  # beside the default: last year's words, this year's figures
            out.append(screens.Button("last", say("facts.button_last", year=iv.last_year.year)))
        return out + list(screens.fixed_buttons("extend")) if has_default else out
    if step.kind == "choice":
        proposal = iv.proposal(step)
        out = []
        for value, label in iv.catalogue.choices(step):
            if value == proposal:
                out.insert(0, screens.Button("default", label))
            else:
                out.append(screens.Button(f"opt:{value}", label))
        return out
    if step.kind == "multi":
        picked = _selection(iv, step)
        out = [screens.Button(f"pick:{i}", say("facts.button_pick", label=label, on=label in picked))
               for i, (_, label) in enumerate(iv.catalogue.choices(step))]
        return [*out, screens.Button("done", say("facts.button_done"))]
    return []


def shortcut_buttons(iv: Interview, step: Step) -> list[screens.Button]:
    """One tap for a group: zeros for the rest of table 二, 「没有」 for an optional line, no
    application and no appeal at all."""
    out = []
    if step.section == "proactive" and len(_unanswered_in_section(iv, step)) > 1:
        first = not any(iv.is_answered(s) for s in iv.catalogue.steps if s.section == "proactive")
        out.append(screens.Button("table_zeros", say("facts.button_table_zeros", first=first)))
    if step.kind == "text" and step.otherwise:
        out.append(screens.Button("zeros", say("facts.button_none")))
    if step.id == "applications" and "appeals" in iv.catalogue.by_id and iv.extra.get("appeals") is None:
        out.append(screens.Button("none_at_all", say("facts.button_none_at_all")))
    return out


def mode_buttons(iv: Interview) -> tuple[screens.Button, ...]:
    return (screens.Button("nat_yes", say("interview.button_yes")), screens.Button("nat_no", say("interview.button_no")),
            *screens.fixed_buttons("back"))


def mode_reply(iv: Interview, shown: tuple[screens.Button, ...]) -> list[screens.Reply]:
    """The question a mode of this module waits on (pick shows the question itself)."""
    if iv.mode["kind"] == "natural":
        return [screens.Reply(say("facts.natural_confirm", n=iv.mode["value"], column=iv.step.columns[0]), shown)]
    raise KeyError(iv.mode["kind"])


# ---- pressing ----------------------------------------------------------------------------------


def press(iv: Interview, button_id: str) -> list[screens.Reply] | None:
    """A button of this module (already checked to be on screen); None for any other."""
    step = iv.step
    raw = f"[{button_id}]"
    if step.pick and (picked := picks.pressed(iv, step, button_id)) is not None:
        return _accept_each(iv, picked, raw)
    if button_id.startswith("opt:"):
        return iv._accept(step, raw, button_id.removeprefix("opt:"))
    if button_id.startswith("pick:"):
        labels = [label for _, label in iv.catalogue.choices(step)]
        label = labels[int(button_id.removeprefix("pick:"))]
        picked = _selection(iv, step)
        picked = [p for p in picked if p != label] if label in picked else [*picked, label]
        iv.mode = {"kind": "pick", "picked": picked}
        return screens.current(iv)
    if button_id == "done":
        picked = _selection(iv, step)
        if not picked:
            return [screens.Reply(say("facts.channels_none")), *screens.current(iv)]
        return iv._accept(step, raw, picked)
    if button_id == "table_zeros":
        return _accept_each(iv, [(s, answers.zero(s)) for s in _unanswered_in_section(iv, step)], raw)
    if button_id == "none_at_all":
        steps = [step] + ([iv.catalogue.by_id["appeals"]] if iv.extra.get("appeals") is None else [])
        return _accept_each(iv, [(s, False) for s in steps], raw)
    if button_id == "all":
        return adopt_all(iv)
    if button_id == "last":
        return use_last_years(iv, step, raw)
    if button_id in ("nat_yes", "nat_no"):
        return _natural(iv, button_id == "nat_yes")
    return None


def use_last_years(iv: Interview, step: Step, raw: str) -> list[screens.Reply]:
    """「用去年的」: last year's paragraph, its figures this year's; shown, since it is new to the draft."""
    text = iv.last_years_text(step)
    if not text:
        return [screens.Reply(say("facts.no_last_text")), *screens.current(iv)]
    replies = iv._accept(step, raw, {"last": True})
    if iv.mode is not None:  # a rule stopped it: its message is on screen
        return replies
    return [screens.Reply(say("facts.used_last", year=iv.last_year.year, text=iv.report.get(step.path) or text)),
            *replies]


def adopt_all(iv: Interview) -> list[screens.Reply]:
    """「全部采用」: this paragraph and every remaining one with a default text, as they were previewed."""
    here = iv.catalogue.index[iv.step_id]
    targets = [s for s in _adoptable(iv, here) if s.id != iv.step_id]
    values = [(iv.step, {})] + [(s, {} if s.kind == "narrative" else False) for s in targets]
    replies = _accept_each(iv, values, "[all]")
    return [screens.Reply(say("facts.adopted", n=len(values))), *replies] if iv.mode is None else replies


def _accept_each(iv: Interview, values: list[tuple[Step, Any]], raw: str) -> list[screens.Reply]:
    """Accept several answers in order, as if each was given at its question; stops at the first
    that needs a confirmation or is refused (its question is then on screen)."""
    replies: list[screens.Reply] = []
    for step, value in values:
        if not iv.is_asked(step.id):
            continue  # closed by an earlier answer of the batch
        iv._goto(step.id)
        replies = iv._accept(step, raw, value)
        if iv.mode is not None:
            break
    return replies


def _unanswered_in_section(iv: Interview, step: Step) -> list[Step]:
    """This step and the later ones of its section still without an answer (in order)."""
    here = iv.catalogue.index[step.id]
    return [s for s in iv.catalogue.steps[here:] if s.section == step.section and iv.is_asked(s.id)
            and (s.id == step.id or not iv.is_answered(s)) and s.kind != "gate"]


# ---- typing ------------------------------------------------------------------------------------


def answer_in_mode(iv: Interview, text: str, words: str) -> list[screens.Reply] | None:
    """Typed while a mode of this module waits; None: read it as an ordinary answer (mode dropped)."""
    kind = (iv.mode or {}).get("kind")
    if kind == "natural":
        try:
            return _natural(iv, parsing.parse_yes_no(words))
        except parsing.AnswerError:
            iv.mode = None
            return None
    if kind == "pick" and words in iv.catalogue.accept_words:
        return press(iv, "done")
    if kind == "pick":
        iv.mode = None
    return None


def answer(iv: Interview, step: Step, text: str, words: str) -> list[screens.Reply] | None:
    """Typed answers this module reads; None: the ordinary reader (answers.read) takes it."""
    if step.kind == "narrative":
        return _narrative(iv, step, text, words)
    try:
        if step.kind == "multi":
            if words in iv.catalogue.accept_words:
                return press(iv, "done")
            options = [label for _, label in iv.catalogue.choices(step)]
            return iv._accept(step, text, facts_input.parse_channels(text, options, max_chars=step.max_chars))
        if step.kind == "choice":
            table = facts_input.level_choices(iv.catalogue.choices(step))
            return iv._accept(step, text, parsing.parse_choice(text, table))
        if step.kind == "row6":
            return _row_of_one(iv, step, text)
        if step.pick:
            return _accept_each(iv, picks.typed(iv, step, text), text)
    except parsing.AnswerError as err:
        return [screens.Reply(err.message), *screens.current(iv)]
    return None


def _row_of_one(iv: Interview, step: Step, text: str) -> list[screens.Reply] | None:
    """One number n > 0 for six columns: nearly every township applicant is a 自然人, so ask."""
    try:
        answers.read(step, text, today_year=iv.today.year)
        return None  # a row it reads: the ordinary path accepts it
    except parsing.AnswerError:
        pass
    try:
        n = parsing.parse_count(text)
    except parsing.AnswerError:
        return None
    if n <= 0:
        return None
    iv.mode = {"kind": "natural", "value": n}
    return screens.current(iv)


def _natural(iv: Interview, yes: bool) -> list[screens.Reply]:
    n = iv.mode["value"]
    iv.mode = None
    step = iv.step
    if yes:
        return iv._accept(step, f"{n} [{say('facts.natural_raw')}]", [n] + [0] * (len(step.columns) - 1))
    return [screens.Reply(say("facts.natural_no", n=len(step.columns))), *screens.current(iv)]


def _narrative(iv: Interview, step: Step, text: str, words: str) -> list[screens.Reply]:
    """A paragraph's question: 采用 / 全部采用 / 补充 typed for their buttons, 「无」 on 六, or own words."""
    extending = (iv.mode or {}).get("kind") == "extend" or text.startswith(("+", "＋"))
    has_default = bool(default_text(iv, step))
    if not extending and words in EXTEND_WORDS:
        iv.mode = {"kind": "extend"}
        return screens.current(iv)
    if not extending and has_default and words in ADOPT_WORDS:
        return adopt_all(iv)
    if not extending and words in LAST_WORDS:
        return use_last_years(iv, step, text)
    if not extending and has_default and words in iv.catalogue.accept_words:
        return iv._accept(step, text, {})
    if not extending and not has_default and words in (*iv.catalogue.accept_words, *ADOPT_WORDS):
        return [screens.Reply(say("facts.no_default")), *screens.current(iv)]  # 「好」 is no paragraph
    if not extending and step.lead and words in iv.catalogue.none_words:
        # 「无」 on 六: nothing besides what the answers give (the fee sentence, the items told, else
        # 「本年度无其他需要报告的事项」) — that is the default paragraph.
        return iv._accept(step, text, {})
    try:
        own = parsing.parse_text(text.lstrip("+＋") if extending else text, min_chars=2, max_chars=step.max_chars)
    except parsing.AnswerError as err:
        return [screens.Reply(err.message), *screens.current(iv)]
    return iv._accept(step, text, {"extend": own} if extending else {"replace": own})


def _selection(iv: Interview, step: Step) -> list[str]:
    """The channels picked so far: the selection being made, else the answer, else the proposal."""
    if (iv.mode or {}).get("kind") == "pick":
        return list(iv.mode.get("picked", []))
    current = iv.value(step)
    if current is not None:
        return list(current)
    return list(iv.proposal(step) or [])
