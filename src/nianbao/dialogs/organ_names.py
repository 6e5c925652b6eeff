"""Does a name look like a government organ's? One check for the admin's /invite and the interview.

A reporting organ's full name is Chinese and ends in what organs are called: 「托里县哈图镇人民政府」,
「托里县自然资源局」, 「托里县政务服务中心」. What is not Chinese at all (「abc」, 「1e9」, a path) is
refused; a Chinese name that ends otherwise (「托里县哈图」, a name cut short) is asked about once — it
may still be right (「…合作社」「…大队」), so the person confirms it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# The endings of organs' names, longest first where one contains another (a name ending in any of
# them is taken as an organ's). Generous on purpose: a confirmation, not a refusal, catches the rest.
ORGAN_ENDINGS = (
    "人民政府", "政府", "街道办事处", "办事处", "街道", "管理委员会", "委员会", "管委会", "委", "办公室", "办",
    "中心", "局", "镇", "乡", "苏木", "厅", "署", "院", "所", "站", "处", "科", "部", "队", "会", "馆", "社",
    "团", "室", "司", "校", "学", "园", "场", "台", "公司", "集团", "总队", "支队", "大队", "分局", "党组",
)
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〇]")
# Besides ideographs an organ's name may hold digits (「第一中学」 is usual, 「12345热线」 happens),
# brackets around a second name, a middle dot (transcribed names) and a dash.
_ALLOWED = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〇0-9()（）〔〕【】《》·・\-—]+")
_TRAILING_BRACKETS = re.compile(r"[(（〔【][^()（）〔〕【】]*[)）〕】]$")

Problem = Literal["not_chinese", "no_organ_word"]


def organ_name_problem(name: str, *, typed: str | None = None) -> Problem | None:
    """None when ``name`` looks like an organ's full name; "not_chinese" (refuse) when it — or the
    part the person ``typed``, if the county was put in front of it — is not a Chinese name of at
    least two characters; "no_organ_word" (ask to confirm) when it does not end in an organ's word."""
    name = unicodedata.normalize("NFKC", name).strip()
    own = unicodedata.normalize("NFKC", typed if typed is not None else name).strip()
    if not _ALLOWED.fullmatch(name) or len(_IDEOGRAPH.findall(own)) < 2:
        return "not_chinese"
    bare = _TRAILING_BRACKETS.sub("", name) or name  # 「…办公室（县政务公开办）」: the name before the brackets
    if not bare.endswith(ORGAN_ENDINGS):
        return "no_organ_word"
    return None


def is_organ_name(name: str) -> bool:
    return organ_name_problem(name) is None
