"""Reading the answers of the fact questions: a count with 「约」, the organ's contact, the channels.

Each reader returns the step's value as JSON-ready data (what ``answers.write`` puts into the
report) or raises ``parsing.AnswerError`` with the message to show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text import say
from . import parsing

_APPROX_BEFORE = re.compile(r"^(?:大约|大概|约|近|将近|接近|超过|逾)")
_APPROX_AFTER = re.compile(r"(?:左右|上下|多|余|以上|来)(?=(?:件|个|项|条|份|篇|次)?$)")
_CHANNEL_SPLIT = re.compile(r"[、，,；;/|\s]+|(?<=.)(?:和|及|与|以及)(?=.)")
_CHANNEL_NOISE = re.compile(r"^(?:通过|依托|利用|在|用)|(?:等渠道|等平台|渠道|平台|等)$")
# A Chinese telephone number: area code and number (0901-6581234, (0901)6581234), a mobile (139…),
# a 400 / 12345 service line; an extension after 转 or -.
_PHONE = re.compile(
    r"(?:\(?0\d{2,3}\)?[-\s]?)?[2-9]\d{6,7}(?:(?:-|转)\d{1,5})?"
    r"|1[3-9]\d{9}|400-?\d{3}-?\d{4}|12345")
_CONTACT_LABELS = re.compile(r"(?:办公|通讯|通信|联系|咨询)?(?:地址|电话|邮编|座机|手机)[:：]?")
_EDGES = " ，,、；;：:。.（）()"


def parse_approx(text: str) -> dict:
    """「20」「约20条」「二十多条」「20左右」 → {"count": 20, "approx": bool}."""
    answer = parsing.normalize(text).rstrip("。.! ")
    core, n = _APPROX_BEFORE.subn("", answer)
    core, m = _APPROX_AFTER.subn("", core)
    try:
        count = parsing.parse_count(core or answer)
    except parsing.AnswerError:
        raise parsing.AnswerError(say("facts.approx_unreadable"), kind="unreadable") from None
    return {"count": count, "approx": bool(n or m)}


def parse_contact(text: str, *, max_chars: int = 200) -> dict:
    """「托里县哈图镇人民政府院内，0901-3651234」 → {"address": …, "phone": "0901-3651234"}."""
    expected = say("facts.contact_expected")
    cleaned = parsing.normalize(parsing.check_input(text, max_chars=max_chars, expected=expected))
    phones = [m.group(0) for m in _PHONE.finditer(cleaned)]
    if not phones:
        raise parsing.AnswerError(f"{say('facts.contact_no_phone')}\n{expected}", kind="no_phone")
    rest = _PHONE.sub(" ", cleaned)
    rest = _CONTACT_LABELS.sub(" ", rest)
    address = " ".join(part.strip(_EDGES) for part in rest.split() if part.strip(_EDGES))
    value = {"phone": "、".join(dict.fromkeys(phones))[:50]}
    if len(address) >= 2:
        value["address"] = address[:200]
    return value


def parse_channels(text: str, options: Sequence[str], *, max_chars: int = 200) -> list[str]:
    """「门户网站、公开栏和公众号」 → ["政府门户网站", "政务公开栏", "微信公众号"]; a name not in ``options``
    is kept as typed (「镇便民服务站」)."""
    expected = say("facts.channels_expected", options=list(options))
    cleaned = parsing.normalize(parsing.check_input(text, max_chars=max_chars, expected=expected)).rstrip("。.!")
    picked: list[str] = []
    for piece in _CHANNEL_SPLIT.split(cleaned):
        piece = _CHANNEL_NOISE.sub("", piece.strip(_EDGES))
        if not piece:
            continue
        known = next((o for o in options if piece in o or o in piece), None)
        name = known or piece[:30]
        if name not in picked:
            picked.append(name)
    if not picked:
        raise parsing.AnswerError(f"{say('facts.channels_none')}\n{expected}", kind="empty")
    return picked[:12]


def level_choices(choices: Sequence[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """parse_choice's table for the organ level: each level's label and the words that name it."""
    synonyms = {
        "township": ("乡人民政府", "乡政府"), "town": ("镇人民政府", "镇政府"),
        "street": ("街道办事处", "街道办"),
        "county": ("县人民政府", "县政府", "区人民政府", "区政府", "县级政府", "县级"),
        "county_department": ("部门", "县直单位", "县级部门", "局"), "other": ("其它",),
    }
    return {value: (label, *synonyms.get(value, ())) for value, label in choices}
