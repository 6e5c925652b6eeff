"""Checks a template a county admin typed in chat before it is saved, and previews it safely.

The sandbox alone stops attribute escapes at render time, but not templates that explode in time or
memory (nested loops, ``'x' * n``, chained ``replace``), and it only fails once rendering has begun.
So the parsed template is checked against an allow-list first: every node type, filter, test and
name must be known to be harmless, and anything else is refused with a Chinese message and its line.

What a template may use:
- the documented variables (``allowed``: names, or a mapping name → sample value / type); a variable
  whose sample is a list or tuple (or is the type ``list``/``tuple``) may be looped over, no other;
- ``{% if %}``, ``{% for %}`` (at most ``MAX_LOOP_DEPTH`` deep), ``{% set %}`` (also as a block),
  ``{% filter %}`` with an allowed filter; attribute access and constant subscripts on variables;
- the filters in ``ALLOWED_FILTERS``, the tests in ``ALLOWED_TESTS``, ``+ - /``, ``~``, comparisons,
  ``and/or/not`` and ``a if b else c``.
Refused: calls of any kind (so ``range()``, ``lipsum()``, ``loop.cycle()``), the environment's globals
and ``self``/``caller``, names starting with ``_`` or internal to Python, ``* ** % //`` (string
repetition and formatting can allocate without bound), import/include/extends/macro/call/block/with,
trees nested deeper than ``MAX_NESTING``, and a ``{% set %}`` whose value reads a name set before (so
``{% set a = a ~ a %}`` forty times — 2⁴⁰ characters — cannot be written). Nothing is compiled before
the walk has passed: compiling folds constants, so ``{{ 9 ** 99999999 }}`` would already hang the check.

What remains is bounded: without accumulation the output grows at most linearly in the template's
length, times the documented lists' lengths to the power ``MAX_LOOP_DEPTH``, times
``MAX_REPLACE_GROWTH``. ``preview_all`` renders against several sample reports and refuses output
over ``MAX_OUTPUT`` characters (streamed, so an oversized rendering is stopped, not built).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import UndefinedError
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
)

from ..text import make_environment, say

ALLOWED_FILTERS = frozenset({
    "default", "d", "length", "count", "join", "round", "int", "abs", "trim", "replace",
    "upper", "lower", "first", "last", "amount",
})
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "even", "odd", "divisibleby"})
MAX_LOOP_DEPTH = 2
# Depth of the parsed tree (brackets, nested if/for, filter chains): deeper trees are refused before any
# recursive walk or compilation, which would otherwise hit Python's recursion limit.
MAX_NESTING = 60
# Chained replace multiplies length: the product of len(new)/len(old) over a template stays below this.
MAX_REPLACE_GROWTH = 8
# What one rendering of an admin's template may produce (a question, a paragraph: a few hundred).
MAX_OUTPUT = 20_000

_INTERNAL_ATTRIBUTES = (
    UNSAFE_FUNCTION_ATTRIBUTES | UNSAFE_METHOD_ATTRIBUTES | UNSAFE_GENERATOR_ATTRIBUTES
    | UNSAFE_COROUTINE_ATTRIBUTES | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES | {"mro"}
)
# Names the template runtime provides besides the environment's globals (range, lipsum, cycler …).
_RUNTIME_NAMES = frozenset({"self", "caller", "varargs", "kwargs"})

# Nodes that are harmless once their children pass; everything else is refused.
_PLAIN_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.If, nodes.CondExpr,
    nodes.Assign, nodes.AssignBlock, nodes.FilterBlock, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair,
    nodes.Keyword, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos,
    nodes.Add, nodes.Sub, nodes.Div, nodes.Concat, nodes.Slice,
)
_OPERATORS = {nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%", nodes.FloorDiv: "//"}
_TAGS = {
    nodes.Include: "{% include %}", nodes.Import: "{% import %}", nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}", nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}",
    nodes.Block: "{% block %}", nodes.With: "{% with %}", nodes.Scope: "{% with %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}", nodes.NSRef: "namespace",
}

_LOOKING_FOR = re.compile(r"innermost block that needs to be closed is '(\w+)'")
_UNKNOWN_TAG = re.compile(r"^Encountered unknown tag '(\w+)'\.?$")


@dataclass(frozen=True)
class TemplateProblem:
    kind: str          # "syntax" | "unknown_variable" | "forbidden" | "too_long" | "render"
    message: str       # Chinese, from templates/text/template_check.toml, with the line where known
    line: int | None = None


class TemplateRejected(ValueError):
    """A template that may not be saved or rendered; ``problems`` says why."""

    def __init__(self, problems: list[TemplateProblem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


def check_template(
    source: str, allowed: Mapping[str, object] | Collection[str], *, max_chars: int = 4000
) -> list[TemplateProblem]:
    """Every reason not to accept ``source``, in line order; an empty list means it is safe to render."""
    if len(source) > max_chars:
        return [TemplateProblem("too_long", say("template_check.too_long", length=len(source), limit=max_chars))]
    env = make_environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as err:
        return [_syntax_problem(err)]
    except RecursionError:  # thousands of nested brackets: the parser itself gives up
        tree = None
    if tree is None or _depth(tree) > MAX_NESTING:
        # Checked before anything recursive walks or compiles the tree.
        return [TemplateProblem("too_long", say("template_check.too_deep", limit=MAX_NESTING))]
    checker = _Checker(
        names=frozenset(allowed),
        lists=frozenset(_list_variables(allowed)),
        reserved=frozenset(env.globals) | _RUNTIME_NAMES,
    )
    checker.visit(tree, depth=0)
    checker.check_unknown_names(tree)
    unique = dict.fromkeys(checker.problems)  # one message per construct and line, first seen first
    return sorted(unique, key=lambda p: p.line or 0)


def preview(
    source: str, variables: Mapping[str, object], *, max_output: int = 4000, max_chars: int = 4000
) -> str:
    """``source`` rendered with ``variables`` (the sample report's), at most ``max_output`` characters.

    Raises TemplateRejected if the template fails the check or its rendering fails.
    """
    return preview_all(source, [variables], shown=max_output, max_chars=max_chars)


def preview_all(source: str, variable_sets: Sequence[Mapping[str, object]], *, shown: int = 4000,
                max_chars: int = 4000, bound: int = MAX_OUTPUT) -> str:
    """Check ``source``, render it with every one of ``variable_sets`` (several sample reports), and
    return the first rendering, cut to ``shown`` characters for the chat.

    Raises TemplateRejected if the check refuses it, or any rendering fails or passes ``bound``.
    """
    problems = check_template(source, variable_sets[0], max_chars=max_chars)
    if problems:
        raise TemplateRejected(problems)
    texts = [render_bounded(source, variables, bound) for variables in variable_sets]
    text = texts[0]
    if len(text) <= shown:
        return text
    marker = say("template_check.preview_truncated")
    return (text[: max(0, shown - len(marker))].rstrip() + marker)[:shown]


def render_bounded(source: str, variables: Mapping[str, object], bound: int = MAX_OUTPUT) -> str:
    """Render a checked template; TemplateRejected if it fails or its output passes ``bound``."""
    chunks: list[str] = []
    size = 0
    try:
        # generate() streams, so output is stopped as soon as the bound is passed rather than built in full.
        for chunk in _compiled(source).generate(**variables):
            chunks.append(chunk)
            size += len(chunk)
            if size > bound:
                raise TemplateRejected([TemplateProblem("too_big", say("template_check.too_big", limit=bound))])
    except TemplateRejected:
        raise
    except Exception as err:  # any failure of an admin's template is reported, never raised as a traceback
        raise TemplateRejected([_render_problem(err)]) from err
    return "".join(chunks).strip()


_ENV = make_environment()


@lru_cache(maxsize=1024)
def _compiled(source: str):
    # Compiling costs ~3 ms (parse, code generation, Python compile): once per text, not per rendering
    # (a preview renders each text against every sample report; the bot renders a county's question
    # on every answer; the start-up check of the config's texts primes it for both).
    return _ENV.from_string(source)


# ---- helpers --------------------------------------------------------------------------------------


def _list_variables(allowed: Mapping[str, object] | Collection[str]) -> Iterator[str]:
    if not isinstance(allowed, Mapping):
        return
    for name, sample in allowed.items():
        if isinstance(sample, (list, tuple)) or sample in (list, tuple):
            yield name


def _depth(tree: nodes.Node) -> int:
    """How deep the tree nests, found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _syntax_problem(err: TemplateSyntaxError) -> TemplateProblem:
    line = err.lineno
    detail = err.message or ""
    if unclosed := _LOOKING_FOR.search(detail):
        message = say("template_check.syntax_unclosed", line=line, block=unclosed.group(1))
    elif unknown := _UNKNOWN_TAG.match(detail):
        message = say("template_check.syntax_unknown_tag", line=line, tag=unknown.group(1))
    else:
        message = say("template_check.syntax", line=line, detail=detail)
    return TemplateProblem("syntax", message, line)


def _render_problem(err: Exception) -> TemplateProblem:
    if isinstance(err, UndefinedError):
        message = say("template_check.render_undefined", detail=err.message or "")
    elif isinstance(err, ZeroDivisionError):
        message = say("template_check.render_zero_division")
    else:
        message = say("template_check.render_failed", detail=f"{type(err).__name__}: {err}")
    return TemplateProblem("render", message)


def _callee_name(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_callee_name(node.node)}.{node.attr}"
    return "…"


@dataclass
class _Checker:
    names: frozenset[str]        # documented variables
    lists: frozenset[str]        # documented variables that may be looped over
    reserved: frozenset[str]     # globals and runtime names: never usable

    def __post_init__(self) -> None:
        self.problems: list[TemplateProblem] = []
        self.replace_growth = 1.0
        self.reads: list[nodes.Name] = []   # names read that are not reserved
        self.stored: set[str] = set()       # names the template sets (set / for targets)
        self.assigned: set[str] = set()     # names set by {% set %} so far
        self.has_loops = False

    def refuse(self, node: nodes.Node, key: str, kind: str = "forbidden", **values: object) -> None:
        line = node.lineno
        self.problems.append(TemplateProblem(kind, say(f"template_check.{key}", line=line, **values), line))

    def visit(self, node: nodes.Node, depth: int) -> None:
        inner = depth
        if isinstance(node, nodes.Name):
            self.check_name(node)
        elif isinstance(node, nodes.Getattr):
            self.check_attribute(node, node.attr)
        elif isinstance(node, nodes.Getitem):
            self.check_subscript(node)
        elif isinstance(node, nodes.Filter):
            self.check_filter(node)
        elif isinstance(node, nodes.Test):
            if node.name not in ALLOWED_TESTS:
                self.refuse(node, "forbidden_test", name=node.name, allowed=sorted(ALLOWED_TESTS))
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            self.check_assignment(node)
        elif isinstance(node, nodes.For):
            inner = depth + 1
            self.has_loops = True
            self.check_loop(node, inner)
        elif isinstance(node, nodes.Call):
            self.refuse(node, "forbidden_call", name=_callee_name(node.node))
        elif type(node) in _OPERATORS:
            self.refuse(node, "forbidden_operator", operator=_OPERATORS[type(node)])
        elif not isinstance(node, _PLAIN_NODES):
            tag = _TAGS.get(type(node), type(node).__name__)
            self.refuse(node, "forbidden_tag", tag=tag)
        for child in node.iter_child_nodes():
            self.visit(child, inner)

    def check_assignment(self, node: nodes.Assign | nodes.AssignBlock) -> None:
        """A value may not read what an earlier ``set`` made: chained, each doubling the last, twenty
        lines make a string of a million characters, forty of a trillion."""
        value = node.node if isinstance(node, nodes.Assign) else node.body
        parts = value if isinstance(value, list) else [value]
        read = {n.name for part in parts for n in part.find_all(nodes.Name) if n.ctx == "load"}
        if read & self.assigned:
            self.refuse(node, "forbidden_growth", name=sorted(read & self.assigned)[0])
        self.assigned |= {n.name for n in node.target.find_all(nodes.Name)} | (
            {node.target.name} if isinstance(node.target, nodes.Name) else set())

    def check_name(self, node: nodes.Name) -> None:
        if node.name in self.reserved:
            self.refuse(node, "forbidden_global", name=node.name)
        elif node.ctx == "load":
            self.reads.append(node)
        elif node.name in self.names:
            self.refuse(node, "shadowed_variable", name=node.name)
        else:
            self.stored.add(node.name)

    def check_unknown_names(self, tree: nodes.Template) -> None:
        """Refuse names that are neither documented nor set by the template before being read."""
        if self.problems:
            # jinja2.meta compiles the template, folding constants on the way (so `9 ** 99999999` would
            # be computed): only safe once nothing is forbidden. Otherwise approximate: never set anywhere.
            undeclared = {n.name for n in self.reads} - self.stored - ({"loop"} if self.has_loops else set())
        else:
            undeclared = meta.find_undeclared_variables(tree)
        for node in self.reads:
            if node.name in undeclared and node.name not in self.names:
                self.refuse(node, "unknown_variable", kind="unknown_variable",
                            name=node.name, allowed=sorted(self.names))

    def check_attribute(self, node: nodes.Node, name: str) -> None:
        if name.startswith("_") or name in _INTERNAL_ATTRIBUTES:
            self.refuse(node, "forbidden_attribute", name=name)

    def check_subscript(self, node: nodes.Getitem) -> None:
        key = node.arg
        if isinstance(key, nodes.Neg):
            key = key.node
        if isinstance(key, nodes.Const) and isinstance(key.value, str):
            self.check_attribute(node, key.value)  # jinja falls back from item to attribute lookup
        elif not (isinstance(key, nodes.Const) and isinstance(key.value, int)) and not isinstance(key, nodes.Slice):
            self.refuse(node, "forbidden_index")

    def check_filter(self, node: nodes.Filter) -> None:
        if node.name not in ALLOWED_FILTERS:
            self.refuse(node, "forbidden_filter", name=node.name, allowed=sorted(ALLOWED_FILTERS))
        elif node.name == "replace":
            self.check_replace(node)

    def check_replace(self, node: nodes.Filter) -> None:
        args = node.args
        texts = [a.value for a in args[:2] if isinstance(a, nodes.Const) and isinstance(a.value, str)]
        count_ok = len(args) < 3 or (isinstance(args[2], nodes.Const) and isinstance(args[2].value, int))
        plain = len(texts) == 2 and count_ok and not (node.kwargs or node.dyn_args or node.dyn_kwargs)
        if plain and texts[0]:
            self.replace_growth *= max(1.0, len(texts[1]) / len(texts[0]))
        if not plain or not texts[0] or self.replace_growth > MAX_REPLACE_GROWTH:
            self.refuse(node, "forbidden_replace", limit=MAX_REPLACE_GROWTH)

    def check_loop(self, node: nodes.For, depth: int) -> None:
        if depth > MAX_LOOP_DEPTH:
            self.refuse(node, "forbidden_nesting", limit=MAX_LOOP_DEPTH)
        iterable = node.iter
        if node.recursive or not (isinstance(iterable, nodes.Name) and iterable.name in self.lists):
            self.refuse(node, "forbidden_loop", lists=sorted(self.lists))
