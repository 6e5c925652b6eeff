"""Pick gates (catalogue ``pick: true``): which rows of a group of table 三 have figures.

Instead of 「有不予公开的申请吗？」 and then all eight rows, the official names the rows that have
figures — one tap for one row, 「1 4」 for several, 否 for none — and only those are asked; the others
are 0. The answer kept is the list of the picked rows' step ids (``True`` from an older interview:
every row). On the first pick gate the groups still to come can be answered at once: 「四1 五3」 (the
group's numeral in its label, then the row), or 「（三）至（六）都没有」.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..report import labels
from ..text import say
from . import parsing, screens
from .catalogue import Step

if TYPE_CHECKING:
    from .interview import Interview

_CODE = re.compile(r"([一二三四五六七八九])\s*[.、-]?\s*(\d{1,2})")
_GROUP_NUMERAL = {group.key: group.label[1] for group in labels.OUTCOME_GROUPS}  # 「（三）不予公开」 → 三


def gates_from(iv: Interview, gate: Step) -> list[Step]:
    """This pick gate and the later ones that are asked (the groups a 「四1 五3」 may answer)."""
    here = iv.catalogue.index[gate.id]
    return [s for s in iv.catalogue.steps[here:] if s.pick and iv.is_asked(s.id)]


def buttons(iv: Interview, gate: Step) -> list[screens.Button]:
    out = [screens.Button("no", say("interview.button_no"))]
    names = dict(next((g.rows for g in labels.OUTCOME_GROUPS if g.key == gate.id), ()))
    out += [screens.Button(f"row:{i}", say("facts.button_row", label=names.get(row.id.removeprefix(gate.id + "_"),
                                                                                screens.title(iv, row))))
            for i, row in enumerate(iv.catalogue.rows_of(gate))]
    later = gates_from(iv, gate)
    if len(later) > 1 and not any(iv.is_answered(s) for s in later):
        out.append(screens.Button("no_groups", say("facts.button_no_groups", first=_GROUP_NUMERAL.get(later[0].id, ""),
                                                   last=_GROUP_NUMERAL.get(later[-1].id, ""))))
    return out


def pressed(iv: Interview, gate: Step, button_id: str) -> list[tuple[Step, Any]] | None:
    """The answers a pick button gives (in order), or None when it is not one."""
    if button_id.startswith("row:"):
        return [(gate, [iv.catalogue.rows_of(gate)[int(button_id.removeprefix("row:"))].id])]
    if button_id == "no_groups":
        return [(s, False) for s in gates_from(iv, gate)]
    return None


def typed(iv: Interview, gate: Step, text: str) -> list[tuple[Step, Any]]:
    """是/否, row numbers of this group (「1 4」), or rows of several groups (「三1 四1 五3」)."""
    words = parsing.normalize(text).rstrip("。.! ")
    rows = iv.catalogue.rows_of(gate)
    expected = say("facts.pick_expected", n=len(rows))
    codes = _CODE.findall(words)
    if codes and not _CODE.sub("", words).strip(" ,，、;；"):
        later = gates_from(iv, gate)
        by_numeral = {_GROUP_NUMERAL.get(s.id): s for s in later}
        picked: dict[str, list[str]] = {}
        for numeral, number in codes:
            target = by_numeral.get(numeral)
            group_rows = iv.catalogue.rows_of(target) if target else []
            if not 1 <= int(number) <= len(group_rows):
                raise parsing.AnswerError(f"{say('facts.pick_no_row', code=numeral + number)}\n{expected}",
                                          kind="no_match")
            picked.setdefault(target.id, []).append(group_rows[int(number) - 1].id)
        return [(s, _ordered(iv, s, picked[s.id]) if s.id in picked else False) for s in later]
    try:
        return [(gate, parsing.parse_yes_no(words))]
    except parsing.AnswerError:
        pass
    numbers = re.split(r"[\s,，、;；和]+", words.replace("第", "").replace("项", " "))
    if not all(n.isdigit() for n in numbers if n) or not any(numbers):
        raise parsing.AnswerError(f"{say('parsing.unreadable', text=words[:12])}\n{expected}", kind="unreadable")
    chosen = []
    for n in filter(None, numbers):
        if not 1 <= int(n) <= len(rows):
            raise parsing.AnswerError(f"{say('facts.pick_no_row', code=n)}\n{expected}", kind="no_match")
        chosen.append(rows[int(n) - 1].id)
    return [(gate, _ordered(iv, gate, chosen))]


def display(iv: Interview, gate: Step, value: Any) -> Any:
    """「1、4」 for the rows picked (their numbers in the group); 是/否 as a gate's."""
    if not isinstance(value, list):
        return value
    if not value:
        return False
    numbers = [str(i) for i, row in enumerate(iv.catalogue.rows_of(gate), 1) if row.id in value]
    return say("facts.pick_display", numbers=numbers)


def _ordered(iv: Interview, gate: Step, ids: list[str]) -> list[str]:
    return [row.id for row in iv.catalogue.rows_of(gate) if row.id in ids]
