"""Column order from a table's header rows, by the labels printed in them (not by position alone).

Each function takes the header rows of one table (cell texts, top to bottom) and returns the kind of
each value column, left to right, or None when the header does not name every column — the caller then
falls back to the national order and says so.

- table 三: 自然人, the five 法人或其他组织 columns, optionally 法人或其他组织小计, 总计. The five sit under a
  「法人或其他组织」 cell in a row below (the group is replaced by what stands under it); a single header
  row naming all columns works too.
- table 四: three groups of 结果维持 … 尚未审结 (总计): 行政复议 first (its columns stand a row above the
  litigation columns), then 未经复议直接起诉 and 复议后起诉 in the order their labels are printed.
- table 二: the columns after 信息内容 of one block (2021 or the 2019 layout).
"""

from __future__ import annotations

import re

from . import vocabulary as v

# table 三 ---------------------------------------------------------------------------------------

_APPLICANT_WORDS = re.compile(
    r"(?P<subtotal>法人或其他组织小计|小计)|(?P<group>法人或其他组织)|(?P<total>总计|合计)|"
    r"(?P<c0>自然人)|(?P<c1>商业企业)|(?P<c2>科研机构)|(?P<c3>社会公益组织)|(?P<c4>法律服务机构)|(?P<c5>其他)")


def _applicant_items(cell: str) -> list[str | int]:
    items: list[str | int] = []
    for m in _APPLICANT_WORDS.finditer(v.canon(cell)):
        kind = m.lastgroup or ""
        items.append(int(kind[1]) if kind.startswith("c") else kind)
    return items


def applicant_kinds(rows: list[tuple[str, ...]]) -> list[int | str] | None:
    """e.g. [0, 1, 2, 3, 4, 5, "total"] or [0, 1, 2, 3, 4, 5, "subtotal", "total"].

    The labels in reading order (row by row); a 「法人或其他组织」 group is replaced by the legal columns
    (and 小计) printed after it — in the row below in a grid, on the lines after in flat text."""
    seq = [item for row in rows for cell in row for item in _applicant_items(cell)]
    if 0 not in seq:
        return None
    seq = seq[seq.index(0):]
    if "group" in seq:
        at = seq.index("group")
        children = [k for k in seq[at + 1:] if k in (1, 2, 3, 4, 5, "subtotal")]
        top = [k for k in seq[:at + 1] if k not in (1, 2, 3, 4, 5, "subtotal")] + \
              [k for k in seq[at + 1:] if k not in (1, 2, 3, 4, 5, "subtotal", "group")]
        kinds = [k for item in top for k in (children if item == "group" else [item])]
    else:
        kinds = seq
    ok = (all(kinds.count(c) == 1 for c in range(6)) and kinds.count("total") <= 1
          and kinds.count("subtotal") <= 1 and "group" not in kinds)
    return kinds if ok else None


def national_applicant_kinds(n_values: int) -> list[int | str] | None:
    return {6: [0, 1, 2, 3, 4, 5], 7: [0, 1, 2, 3, 4, 5, "total"]}.get(n_values)


# table 四 ---------------------------------------------------------------------------------------

_LEAVES = {v.canon(label): i for i, label in enumerate(v.APPEAL_LEAVES)}  # 结果维持 0 … 总计 4
_APPEAL_WORDS = re.compile("|".join(map(re.escape, (*_LEAVES, "未经复议直接起诉", "复议后起诉"))))

AppealKind = tuple[str, int]  # (group key, 0…3 or 4 for 总计)


def appeal_kinds(rows: list[tuple[str, ...]]) -> list[AppealKind] | None:
    leaves: list[int] = []
    order: list[str] = []
    for row in rows:
        for cell in row:
            for m in _APPEAL_WORDS.finditer(v.canon(cell)):
                word = m.group(0)
                if word in _LEAVES:
                    leaves.append(_LEAVES[word])
                elif word not in order:
                    order.append(word)
    groups: list[list[int]] = [[]]
    for leaf in leaves:
        if leaf in groups[-1]:
            groups.append([])
        groups[-1].append(leaf)
        if leaf == 4:
            groups.append([])
    groups = [g for g in groups if g]
    if len(groups) != 3 or any(sorted(g)[:4] != [0, 1, 2, 3] or len(set(g)) != len(g) for g in groups):
        return None
    litigation = ["litigation_direct", "litigation_after_review"]
    if order == ["复议后起诉", "未经复议直接起诉"]:
        litigation.reverse()
    keys = ["review", *litigation]
    return [(key, leaf) for key, group in zip(keys, groups) for leaf in group]


def national_appeal_kinds(n_values: int) -> list[AppealKind] | None:
    keys = ("review", "litigation_direct", "litigation_after_review")
    width = {15: 5, 12: 4}.get(n_values)
    return None if width is None else [(k, leaf) for k in keys for leaf in range(width)]


# table 二 ---------------------------------------------------------------------------------------


def proactive_kinds(row: tuple[str, ...]) -> list[str] | None:
    """The value columns one 信息内容 row names: "issued"/"repealed"/"in_force", "decisions", "fees",
    or "old" for a column of the 2019 layout."""
    texts = [v.canon(c) for c in row if v.canon(c)]
    if not texts or not texts[0].startswith("信息内容"):
        return None
    kinds = []
    for text in texts[1:]:
        if text in v.DOC_COLUMNS:
            kinds.append(("issued", "repealed", "in_force")[v.DOC_COLUMNS.index(text)])
        elif text == v.DECISIONS or text == "处理决定数量":
            kinds.append("decisions")
        elif text.startswith(v.FEES):
            kinds.append("fees")
        else:
            kinds.append("old")  # 本年新制作数量, 上一年项目数量, 本年增/减, 采购项目数量 …
    return kinds
