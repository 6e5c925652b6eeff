"""What the import could not read, one Chinese line each, naming the cell and where it looked.

Every report value a published report prints (tables 二、三、四, the narratives, 六's 信息处理费, organ
and year) is either read or named here: by the reason found for it (a blank cell, a short row, two
different values) or, when nothing was found, by the tables and sections searched. Cells of the source
that could not be placed anywhere follow.
"""

from __future__ import annotations

from ..report import labels
from ..report.model import Report
from ..report.rules import unanswered
from ..text import say
from . import vocabulary as v

_NOT_PRINTED = ("county",)  # not in a published report: given by the caller, never a gap


def gap_lines(report: Report, problems: dict[str, list[str]], unplaced: list[str], tables: int) -> list[str]:
    lines: list[str] = []
    reported: set[str] = set()
    for path in unanswered(report):
        if path in _NOT_PRINTED:
            continue
        reasons = problems.get(path) or next(
            (problems[p] for p in problems if path.startswith(p + ".") or p.startswith(path + ".")), None)
        name = _name(path)
        if reasons:
            key = id(reasons)
            if key in reported:
                continue
            reported.add(key)
            lines += [say("importing.gap", name=name, reason=reason) for reason in reasons]
        else:
            lines.append(say("importing.gap", name=name, reason=_not_found(path, tables)))
    return lines + unplaced


def _not_found(path: str, tables: int) -> str:
    if path.startswith(("proactive.", "applications.", "appeals.")):
        return say("importing.gap_no_row", tables=tables)
    return say("importing.gap_not_found")


def _name(path: str) -> str:
    head = path.split(".")[0]
    if head == "proactive":
        key, *rest = path.split(".")[1:]
        name = labels.PROACTIVE_LABELS[key]
        if rest:
            name += " " + say(f"importing.column_{rest[0]}")
        return say("importing.name_cell", section=labels.SECTION_HEADINGS[1], label=name)
    if head == "applications":
        return say("importing.name_cell", section=labels.SECTION_HEADINGS[2], label=v.ROW_NAMES.get(path, path))
    if head == "appeals":
        key = path.split(".")[1]
        label = labels.APPEAL_LABELS[key] if key == "review" else f"{labels.LITIGATION_HEADER} {labels.APPEAL_LABELS[key]}"
        return say("importing.name_cell", section=labels.SECTION_HEADINGS[3], label=label)
    if head == "overview":
        topic = dict(labels.OVERVIEW_TOPICS)[path.split(".")[1]]
        return say("importing.name_cell", section=labels.SECTION_HEADINGS[0], label=topic)
    return say(f"importing.name_{path.replace('.', '_')}")
