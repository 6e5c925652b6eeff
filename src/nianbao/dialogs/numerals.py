"""Chinese numerals (〇一二…十百千万亿, 两/俩, 壹贰…拾佰仟) and Arabic digits → exact numbers.

Hand-written rather than taken from cn2an: cn2an reads malformed numerals without complaint
("三三千" → 6000, "九百千四" → 1300), and a report's figures must never be guessed. Here a numeral
is either digit by digit ("二〇二四") or positional with 零 marking gaps ("一千零五"); the spoken
short forms "一万五" (15000), "两百五" (250), "一千三" (1300) are read too. Anything else is a
ValueError. No user-facing text here: parsing.py turns errors into messages.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

# Each character → a canonical token: "0"–"9" for digits, 十百千万亿 for units.
_TOKENS = str.maketrans({
    "〇": "0", "零": "0",
    "一": "1", "壹": "1",
    "二": "2", "贰": "2", "两": "2", "俩": "2",
    "三": "3", "叁": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6",
    "七": "7", "柒": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9",
    "拾": "十", "佰": "百", "仟": "千",
})
CHINESE_NUMERAL_CHARS = "〇零一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿"
_PAIR_DIGITS = "两俩"  # 两 is said before a unit, never read digit by digit ("两两" is not 22)
_BIG_UNITS = (("亿", 10**8), ("万", 10**4))
_POWERS = {unit: len(str(size)) - 1 for unit, size in _BIG_UNITS}

# One section below 10 000: [d千][零][d百][零][[d]十][d]
_SECTION = re.compile(
    r"(?:(?P<q>[1-9])千)?(?P<z1>0)?(?:(?P<h>[1-9])百)?(?P<z2>0)?"
    r"(?:(?P<t>[1-9])?(?P<ten>十))?(?P<o>[1-9])?"
)
_ARABIC = re.compile(r"([0-9]+(?:\.[0-9]+)?)([万亿]?)")


def chinese_to_int(text: str) -> int:
    """"十五" → 15, "一百零三" → 103, "两千" → 2000, "三万二千" → 32000, "二〇二四" → 2024, "〇" → 0."""
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    tokens = text.translate(_TOKENS)
    if tokens.isascii() and tokens.isdigit():
        if any(ch in _PAIR_DIGITS for ch in text) and len(text) > 1:
            raise ValueError(f"两 read digit by digit: {text!r}")
        return int(tokens)
    return _number(tokens, first=True)


def read_number(text: str) -> Decimal:
    """An unsigned number, Arabic or Chinese, with an optional decimal part and 万/亿 multiplier.

    "15000", "1.5万" → 15000, "一万五" → 15000, "一点五" → 1.5, "一点五万" → 15000. Exact: Decimal.
    """
    arabic = _ARABIC.fullmatch(text)
    if arabic:
        return scaled(Decimal(arabic[1]), _power(arabic[2]))
    whole, point, fraction = text.partition("点")
    if not point:
        return Decimal(chinese_to_int(text))
    unit = fraction[-1:] if fraction[-1:] in ("万", "亿") else ""
    digits = fraction[: len(fraction) - len(unit)].translate(_TOKENS)
    if not (digits.isascii() and digits.isdigit()) or any(ch in _PAIR_DIGITS for ch in fraction):
        raise ValueError(f"bad decimal part: {text!r}")
    return scaled(Decimal(f"{chinese_to_int(whole)}.{digits}"), _power(unit))


def scaled(value: Decimal, power: int) -> Decimal:
    """``value`` × 10**power, exactly: never rounded to the context's 28 digits (1.25 → 12500 for 万)."""
    if not power:
        return value
    with localcontext() as exact:
        exact.prec = len(value.as_tuple().digits) + abs(power) + 2
        return value.scaleb(power)


def _power(unit: str) -> int:
    return _POWERS.get(unit, 0)


def _number(tokens: str, *, first: bool) -> int:
    """A positional numeral below 10¹²: [section 亿][section 万][section], each section below 10 000."""
    for unit, size in _BIG_UNITS:
        head, found, tail = tokens.partition(unit)
        if not found:
            continue
        if not head or unit in tail:
            raise ValueError(f"misplaced {unit}: {tokens!r}")
        return _section(head, first=first, final=False) * size + _below(tail, size)
    return _section(tokens, first=first, final=True)


def _below(tail: str, size: int) -> int:
    """What follows 万 or 亿: "" → 0, "零五" → 5, "五" alone → 5 × size/10 (一万五 = 15000)."""
    if not tail:
        return 0
    if len(tail) == 1 and tail in "123456789":
        return int(tail) * size // 10
    gap = tail[0] == "0"
    low = _number(tail[1:] if gap else tail, first=False)
    if low >= size or (gap and low == 0):
        raise ValueError(f"bad part after the big unit: {tail!r}")
    return low


def _section(tokens: str, *, first: bool, final: bool) -> int:
    m = _SECTION.fullmatch(tokens)
    if not tokens or not m:
        raise ValueError(f"not a numeral: {tokens!r}")
    q, z1, h, z2, t, ten, o = (m[g] for g in ("q", "z1", "h", "z2", "t", "ten", "o"))
    if ten and not t and not (first and not (q or z1 or h or z2)):
        raise ValueError("a bare 十 only opens a number (十五, 十万)")
    if z1 and not (q and not h and (ten or o)):
        raise ValueError("零 after 千 must stand for a skipped 百")
    if z2 and not (h and not ten and o):
        raise ValueError("零 after 百 must stand for a skipped 十")
    if q and not h and not z1 and ten:
        raise ValueError("一千五十 needs its 零: 一千零五十")
    value = int(q or 0) * 1000 + int(h or 0) * 100 + (int(t or 1) * 10 if ten else 0)
    if o and (q or h) and not ten and not (z1 or z2):
        # Spoken short form: the digit after the last unit is one place lower (一千三 = 1300).
        if not final:
            raise ValueError("short form inside a larger numeral")
        return value + int(o) * (10 if h else 100)
    return value + int(o or 0)
