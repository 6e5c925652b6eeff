"""The question catalogue (catalogue.yaml) as validated data, and the state machine tables built from it.

The YAML is the only place the questions, their order and their conditions are written; this module
checks it (every report value is asked exactly once, conditions and proposals exist, gates come before
the steps they open) and derives the ``transitions`` tables: ``advance`` and ``retreat`` go to the
nearest step in that direction whose conditions hold.
"""

from __future__ import annotations

from functools import cache, cached_property
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..report import labels, rules
from ..report.model import all_leaf_paths, input_paths

Kind = Literal["text", "year", "count", "row3", "row4", "row6", "amount_wan", "amount_yuan",
               "gate", "narrative", "review", "choice", "multi", "approx", "contact"]
Section = Literal["identity", "overview", "proactive", "applications", "appeals", "problems", "other", "review"]

# The columns a row answer is read in, by kind (labels verbatim, in printed order).
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "row3": labels.DOCS_COLUMNS,
    "row4": labels.APPEAL_RESULT_COLUMNS,
    "row6": labels.APPLICANT_COLUMNS,
}
NUMBER_KINDS = frozenset({"count", "row3", "row4", "row6", "amount_wan", "amount_yuan", "year", "approx"})

# Section headings of the national format, by the catalogue's section names.
SECTION_HEADINGS: dict[str, str] = dict(zip(
    ("overview", "proactive", "applications", "appeals", "problems", "other"), labels.SECTION_HEADINGS))

# The verbatim label an official reads for a report path (rows of the tables, narrative sub-headings).
PATH_LABELS: dict[str, str] = {
    **{f"proactive.{key}": label for key, label in labels.PROACTIVE_LABELS.items()},
    **{path: label for path, label in rules.ROW_LABELS.items() if path.startswith("applications.")},
    **{f"appeals.{key}": rules.appeal_group_label(key) for key, _ in labels.APPEAL_GROUPS},
    **{f"overview.{key}": label for key, label in labels.OVERVIEW_TOPICS},
    "problems": labels.PROBLEMS_LABEL,
    "improvements": labels.IMPROVEMENTS_LABEL,
}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")
    kind: Kind
    section: Section
    path: str | None = None
    when: tuple[str, ...] = ()
    otherwise: Literal["zeros"] | None = None
    default: str | None = None
    prompt: str | None = None
    help: str | None = None
    narrative: str | None = None
    lead: str | None = None
    options: str | None = None
    adopt: Literal["no"] | None = None
    pick: bool = False  # a gate whose rows are picked one by one (the answer: the row step ids, or 否)
    skippable: bool = False
    optional: bool = False  # skipped, nothing is missing: the draft leaves it out (not 待填写)
    max_chars: int = Field(default=2000, ge=2, le=20_000)

    @model_validator(mode="after")
    def _consistent(self) -> "Step":
        needs_path = self.kind not in ("gate", "review")
        if needs_path != (self.path is not None):
            raise ValueError(f"step {self.id}: a {self.kind} step {'needs' if needs_path else 'has no'} path")
        if (self.kind == "narrative") != (self.narrative is not None):
            raise ValueError(f"step {self.id}: narrative steps, and only they, name a narrative template")
        if self.otherwise and not self.when:
            raise ValueError(f"step {self.id}: `otherwise` needs a `when`")
        if (self.kind in ("choice", "multi")) != (self.options is not None):
            raise ValueError(f"step {self.id}: choice and multi steps, and only they, name their options")
        if self.optional and not self.skippable:
            raise ValueError(f"step {self.id}: only a skippable step is optional")
        if (self.adopt or self.pick) and self.kind != "gate":
            raise ValueError(f"step {self.id}: only a gate has `adopt` or `pick`")
        return self

    @property
    def prompt_key(self) -> str:
        return self.prompt or f"ask.{self.kind}"

    @property
    def help_key(self) -> str:
        return self.help or f"help.{self.id}"

    @property
    def columns(self) -> tuple[str, ...]:
        return ROW_COLUMNS.get(self.kind, ())

    @property
    def label(self) -> str | None:
        """The national format's label of what this step fills, if it has one."""
        return PATH_LABELS.get(self.path or "")

    @property
    def takes_numbers(self) -> bool:
        """A bare number typed is an answer (a pick gate's: a row number), not a button's number."""
        return self.kind in NUMBER_KINDS or self.pick


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: tuple[Step, ...]
    commands: dict[Literal["back", "skip", "status", "edit", "review", "help", "cancel", "generate", "start"],
                   tuple[str, ...]]
    accept_words: tuple[str, ...]
    none_words: tuple[str, ...]
    organ_kinds: dict[str, tuple[str, ...]]
    county_endings: tuple[tuple[str, ...], ...]
    options: dict[str, tuple[tuple[str, str] | str, ...]]
    county_texts: tuple[str, ...]
    new_media: tuple[str, ...]

    @model_validator(mode="after")
    def _complete(self) -> "Catalogue":
        from .conditions import CONDITIONS
        from .proposals import PROPOSALS

        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        if not self.steps or self.steps[-1].kind != "review" or self.steps[0].when:
            raise ValueError("the first step is unconditional and the last is the review")
        paths = [s.path for s in self.steps if s.path]
        wanted = all_leaf_paths() + input_paths()
        if sorted(paths) != sorted(wanted):
            missing = set(wanted) - set(paths)
            raise ValueError(f"every report value is asked exactly once; not asked: {sorted(missing)}")
        seen_gates: set[str] = set()
        for step in self.steps:
            for name in step.when:
                if name not in seen_gates and name not in CONDITIONS:
                    raise ValueError(f"step {step.id}: unknown condition or later gate {name!r}")
            if step.default and step.default not in PROPOSALS:
                raise ValueError(f"step {step.id}: unknown proposal {step.default!r}")
            if step.options and step.options not in self.options:
                raise ValueError(f"step {step.id}: unknown options {step.options!r}")
            if step.kind == "gate":
                seen_gates.add(step.id)
        return self

    def choices(self, step: Step) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs a choice or multi step offers, in order."""
        return tuple((o, o) if isinstance(o, str) else (o[0], o[1]) for o in self.options.get(step.options or "", ()))

    @cached_property
    def sections(self) -> tuple[str, ...]:
        """The sections in the order the interview reaches them (the 「三、申请 · 3/8」 of a question)."""
        return tuple(dict.fromkeys(s.section for s in self.steps))

    @cached_property
    def by_id(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    @cached_property
    def index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.steps)}

    @cached_property
    def by_path(self) -> dict[str, Step]:
        return {s.path: s for s in self.steps if s.path}

    @cached_property
    def gates(self) -> frozenset[str]:
        return frozenset(s.id for s in self.steps if s.kind == "gate")

    @cached_property
    def picks(self) -> frozenset[str]:
        """Gates answered with the rows they open that have figures (``Step.pick``)."""
        return frozenset(s.id for s in self.steps if s.pick)

    def rows_of(self, gate: Step) -> list[Step]:
        """The steps a gate opens: those whose `when` names it, in order."""
        return [s for s in self.steps if gate.id in s.when]

    def steps_for_paths(self, paths: tuple[str, ...] | list[str]) -> list[Step]:
        """The steps filling any of ``paths`` (or a value inside or around them), in catalogue order."""
        found = {self.by_path[p].id for p in paths if p in self.by_path}
        for path in paths:
            if path not in self.by_path:
                found |= {s.id for p, s in self.by_path.items() if overlaps(p, path)}
        return [s for s in self.steps if s.id in found]

    # ---- the transitions tables ----
    @cached_property
    def transitions_table(self) -> list[dict]:
        """``advance``/``retreat`` from each step to the candidates in that direction, nearest first.

        Consecutive steps with the same `when` form a block that is asked as a whole, so the candidates
        are the neighbour and then the first (last) step of each further block, up to an unconditional
        one; the machine takes the first whose conditions hold (condition ``dest_is_asked``).
        """
        table = []
        for i, step in enumerate(self.steps):
            for trigger, order in (("advance", self.steps[i + 1:]), ("retreat", self.steps[:i][::-1])):
                for dest in _candidates(order, self.picks):
                    table.append({"trigger": trigger, "source": step.id, "dest": dest.id,
                                  "conditions": "dest_is_asked"})
        return table


def overlaps(a: str, b: str) -> bool:
    """One dotted path is the other or lies inside it (``proactive.regulations`` ~ ``…regulations.issued``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _candidates(order: list[Step] | tuple[Step, ...], picks: frozenset[str] = frozenset()) -> list[Step]:
    """The neighbour and the first (last) step of each further block; each row a pick gate opens is
    a block of its own (rows are picked one by one)."""
    out: list[Step] = []
    previous: tuple[str, ...] | None = None
    for step in order:
        if step.when != previous or picks.intersection(step.when):
            out.append(step)
            previous = step.when
        if not step.when:
            break
    return out


@cache
def load_catalogue() -> Catalogue:
    text = (resources.files("nianbao") / "dialogs" / "catalogue.yaml").read_text(encoding="utf-8")
    return Catalogue.model_validate(yaml.safe_load(text))
