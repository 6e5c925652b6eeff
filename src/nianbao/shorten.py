"""Labels shortened at a word, never mid-word: the one function every shortened label goes through.

Buttons, the preview's lines and the /drafts list show names that may be too long for a phone row.
``shorten`` keeps a label whole when it fits; otherwise it cuts where a word ends — at a space or a
punctuation mark (not inside brackets), after a level word of a place or organ name (县、区、市、镇、乡、
街道、人民政府、办事处 …) or at the edge of a common word of the report — and marks the cut with 「…」.
``front=True`` drops the front instead (an organ name keeps its own part: 「…哈图镇人民政府」). The word
lists are data: templates/words.toml. A label with no boundary that fits is cut at the boundary
nearest to the limit, or left whole: never inside a word. Templates use it as the ``shorten`` filter.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

WORDS_FILE = resources.files("nianbao") / "templates" / "words.toml"

_OPENING = "（(「『《“‘【〔[{<"
_CLOSING = "）)」』》”’】〕]}>"
_SEPARATORS = "，,、。.；;：:！!？?/|·—-~～"
# 「8.」「（三）」「一、」 before the cut say nothing without what follows: left out of a shortened label.
_TRAILING_MARKER = re.compile(r"(?:[0-9]+[.、．]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)$")
_MIN_LETTERS = 2  # a shortened label keeps at least this much of its own words


@dataclass(frozen=True)
class _Words:
    ellipsis: str
    after: tuple[str, ...]   # a cut may follow these (县, 人民政府 …)
    words: tuple[str, ...]   # a cut may come before or after these (本年, 申请 …)
    glue: tuple[str, ...]    # never cut inside these (市场, 乡镇 …)


@cache
def _words() -> _Words:
    with WORDS_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    return _Words(data["ellipsis"], tuple(data["after"]), tuple(data["words"]), tuple(data["glue"]))


def shorten(text: str, limit: int, front: bool = False) -> str:
    """``text`` if it has at most ``limit`` characters, else cut at a word with 「…」 (see the module)."""
    text = str(text)
    if len(text) <= limit:
        return text
    return _cut(text, limit, front)


@lru_cache(maxsize=4096)
def _cut(text: str, limit: int, front: bool) -> str:
    """The cut itself: every boundary tried (~0.5 ms for a long line); the same labels come back on
    every review screen, so remembered."""
    mark = _words().ellipsis
    kept = [part for part in (_part(text, cut, front) for cut in sorted(boundaries(text))) if part]
    if not kept:
        return text
    fitting = [part for part in kept if len(part) + len(mark) <= limit]
    best = max(fitting, key=len) if fitting else min(kept, key=len)
    if len(best) + len(mark) >= len(text):
        return text  # cutting would not make it shorter
    return mark + best if front else best + mark


def boundaries(text: str) -> set[int]:
    """Positions i where text[:i] | text[i:] is a cut between words."""
    w = _words()
    cuts = set()
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if before.isdigit() and (after.isdigit() or after in ".、．") or _decimal_point(text, i):
            continue  # inside 「2024」「1.5」, or between 「8」 and the 「.」 that numbers a row
        if (after.isspace() or before.isspace() or after in _OPENING or after in _SEPARATORS
                or before in _CLOSING or before in _SEPARATORS):
            cuts.add(i)
        elif any(text.endswith(word, 0, i) for word in (*w.after, *w.words)):
            cuts.add(i)
        elif any(text.startswith(word, i) for word in w.words):
            cuts.add(i)
    for word in w.glue:
        for m in re.finditer(re.escape(word), text):
            cuts -= set(range(m.start() + 1, m.end()))
    return cuts


def _decimal_point(text: str, i: int) -> bool:
    """Either side of the point in 「1.5」 is no cut."""
    return (text[i] == "." and text[i - 1].isdigit() and text[i + 1:i + 2].isdigit()) or (
        text[i - 1] == "." and i >= 2 and text[i - 2].isdigit() and text[i].isdigit())


def _part(text: str, cut: int, front: bool) -> str | None:
    """What a cut at ``cut`` keeps, trimmed; None if that is no label (unbalanced, nothing of its own)."""
    spaces = " \u3000"
    trim = spaces + _SEPARATORS
    if front:
        part = text[cut:].lstrip(trim)
    else:
        part = text[:cut]
        while (trimmed := _TRAILING_MARKER.sub("", part.rstrip(spaces)).rstrip(trim)) != part:
            part = trimmed
    if not _balanced(part) or _letters(part) < _MIN_LETTERS:
        return None
    return part


def _balanced(part: str) -> bool:
    depth = 0
    for ch in part:
        depth += (ch in _OPENING) - (ch in _CLOSING)
        if depth < 0:
            return False
    return depth == 0


def _letters(part: str) -> int:
    """Letters of the label's own words: level words (镇, 人民政府 …) alone are not a name."""
    for word in sorted(_words().after, key=len, reverse=True):
        part = part.replace(word, "")
    return sum(ch.isalnum() for ch in part)
