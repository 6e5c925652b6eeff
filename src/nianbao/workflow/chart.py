"""The county's progress as a picture: one bar per state, read at a glance on a leader's phone.

``progress_chart(counts)`` draws an 800×450 PNG (legible when a chat shows it 360 px wide: labels are
drawn at least 20 px, usually 30–34 px, so ≥ 9–15 px on the phone) — the count above each bar, the
state's name under it — and ``chart_legend(counts)`` writes the caption that goes with it
(「⬜未开始 3 · 🟨填写中 5 · …」, each square the colour of its bar). The caption is always there, so the
picture never has to carry the meaning alone.

Library: Pillow. matplotlib would draw the same bars but pulls in numpy and its own font machinery
(30+ MB installed, about half a second to import, a font cache written on first use). Pillow is one
well-kept wheel with FreeType built in, already installed here as a dependency of pdfplumber; it
imports in milliseconds and draws this chart in under 10 ms (bench/chart.py). Its drawing primitives
(rectangles, anchored TrueType text) are all a bar chart needs.

Chinese labels need a CJK font on the machine (fonts-noto-cjk, WenQuanYi, PingFang, Microsoft YaHei …):
known paths are tried first, then fontconfig (``fc-list :lang=zh``); a font is used only when it really
has the glyphs (a font without them draws empty boxes). Without one the chart still works: the labels
under the bars become squares of the bar's colour and only digits are drawn (Pillow's own font has
them), the caption naming each colour.

Bounds: 1 to ``MAX_BARS`` (12) bars, counts 0 to ``MAX_COUNT`` (10**6). More bars than that are refused
(ValueError), not merged into an 「其他」 bar: the chart shows a fixed set of states, so a thirteenth one
is a caller's mistake, and silently merging would hide which states were summed. The same input on the
same machine gives the same bytes (no timestamps, a fixed layout engine, fonts looked up once).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from ..shorten import shorten
from ..text import say

WIDTH, HEIGHT = 800, 450
MAX_BARS = 12
MAX_COUNT = 10**6
MAX_LABEL = 40  # characters of a state's name in the caption (the picture cuts further to fit its bar)


@dataclass(frozen=True)
class Colour:
    emoji: str                      # the caption's square of this colour
    fill: tuple[int, int, int]
    outline: tuple[int, int, int] | None = None  # for a pale bar on the white background


PALETTE: dict[str, Colour] = {
    "white": Colour("⬜", (0xD6, 0xD6, 0xD6), (0x8A, 0x8A, 0x8A)),
    "yellow": Colour("🟨", (0xF4, 0xB4, 0x00)),
    "blue": Colour("🟦", (0x2F, 0x7D, 0xE1)),
    "red": Colour("🟥", (0xDD, 0x3B, 0x33)),
    "green": Colour("🟩", (0x2E, 0x9E, 0x44)),
    "orange": Colour("🟧", (0xF2, 0x7F, 0x1B)),
    "purple": Colour("🟪", (0x8E, 0x44, 0xAD)),
    "brown": Colour("🟫", (0x8B, 0x57, 0x2A)),
    "black": Colour("⬛", (0x3A, 0x3A, 0x3A)),
}
# Bars take these in turn when no colours are given: the usual order 未开始/填写中/审核中/已退回/已通过
# comes out grey, yellow, blue, red, green. There are only nine coloured squares among the emoji, so bars
# 10–12 repeat colours: their place in the row (the caption keeps the bars' order) tells them apart.
DEFAULT_COLOURS = tuple(PALETTE)
# The colour of each stored state (nianbao.workflow.storage Status values, and "not_started").
STATE_COLOURS = {"not_started": "white", "draft": "yellow", "submitted": "blue", "returned": "red",
                 "approved": "green"}

_BACKGROUND = (0xFF, 0xFF, 0xFF)
_TEXT = (0x22, 0x22, 0x22)
_ZERO_TEXT = (0x8A, 0x8A, 0x8A)
_AXIS = (0x9E, 0x9E, 0x9E)
_MARGIN = 20          # left and right, px
_TOP = 12             # above the tallest count
_BOTTOM = 14          # under the labels
_GAP = 8              # count ↔ bar, bar ↔ label
_MIN_BAR = 4          # a count above zero is never drawn flatter than this
_LABEL_SIZES = (34, 30, 26, 22, 20)
_COUNT_SIZES = (44, 40, 36, 32, 28, 24, 20, 18, 16)
_SQUARE = 40          # the font-less chart's colour square under a bar
_PROBE = "已通过未开始填写中审核退回"   # a font is used only if it has these glyphs
# The cached fonts are shared: one FreeType face must not render in two threads at once (a chart may be
# drawn in a worker thread, off the event loop). Drawing takes milliseconds, so one at a time is cheap.
_DRAWING = threading.Lock()


# ---------------------------------------------------------------------------------------------- fonts

@dataclass(frozen=True)
class Face:
    path: str
    index: int = 0


@dataclass(frozen=True)
class CJKFonts:
    regular: Face
    bold: Face   # the counts; the regular face again when the family has no bold one


# (regular, bold) files where the common CJK fonts are installed; a .ttc's simplified-Chinese face is
# picked by its name.
_KNOWN = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ""),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ""),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", ""),
    ("/System/Library/Fonts/PingFang.ttc", ""),
    ("/System/Library/Fonts/STHeiti Medium.ttc", ""),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
    ("C:/Windows/Fonts/simhei.ttf", ""),
)


@cache
def find_cjk_font() -> CJKFonts | None:
    """The CJK font the chart's labels are drawn with, or None (looked up once per process)."""
    for regular, bold in _KNOWN:
        face = _usable(regular)
        if face:
            return CJKFonts(face, _usable(bold) or face)
    return _from_fontconfig()


def _usable(path: str) -> Face | None:
    """The file's simplified-Chinese face (else its first) if it draws the probe's glyphs."""
    if not path:
        return None
    faces = []
    for index in range(16):
        try:
            font = ImageFont.truetype(path, 20, index=index, layout_engine=ImageFont.Layout.BASIC)
        except OSError:
            break
        faces.append((index, font))
    if not faces:
        return None
    names = [" ".join(font.getname()) for _, font in faces]
    order = sorted(range(len(faces)), key=lambda i: (not _simplified(names[i]), "Mono" in names[i], i))
    for i in order:
        if _has_glyphs(faces[i][1]):
            return Face(path, faces[i][0])
    return None


def _simplified(name: str) -> bool:
    return any(mark in name for mark in (" SC", " CN", "Hans", " GB", "YaHei", "PingFang SC", "Hei"))


def _has_glyphs(font: ImageFont.FreeTypeFont) -> bool:
    missing = bytes(font.getmask("\U0010fffd"))  # a code point no font has: its .notdef box (or nothing)
    return all(bytes(font.getmask(char)) != missing for char in _PROBE)


def _from_fontconfig() -> CJKFonts | None:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    try:
        listed = subprocess.run([fc_list, "-f", "%{file}\t%{index}\t%{family}\t%{style}\n", ":lang=zh"],
                                capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    entries = []
    for line in listed.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[1].isdigit():
            path, index, family, style = parts[0], int(parts[1]), parts[2], parts[3]
            entries.append((path, index, family.split(",")[0], style))

    def rank(entry):
        path, index, family, style = entry
        serif = any(word in family for word in ("Serif", "Song", "Ming", "Mono", "Kai", "FangSong", "Fangsong"))
        return (serif, not _simplified(family), "Regular" not in style and "Book" not in style, path, index)

    for path, index, family, style in sorted(entries, key=rank):
        try:
            font = ImageFont.truetype(path, 20, index=index, layout_engine=ImageFont.Layout.BASIC)
        except OSError:
            continue
        if not _has_glyphs(font):
            continue
        regular = Face(path, index)
        bold = next((Face(p, i) for p, i, f, s in entries if f == family and "Bold" in s), regular)
        return CJKFonts(regular, bold)
    return None


@cache
def _font(face: Face | None, size: int) -> ImageFont.FreeTypeFont:
    if face is None:
        return ImageFont.load_default(size)  # Pillow's own (Latin letters and digits)
    return ImageFont.truetype(face.path, size, index=face.index, layout_engine=ImageFont.Layout.BASIC)


# --------------------------------------------------------------------------------------------- checks

def _checked(counts: Sequence[tuple[str, int]], colours: Sequence[str] | None) -> tuple[list, list[Colour]]:
    counts = list(counts)
    if not 1 <= len(counts) <= MAX_BARS:
        raise ValueError(f"a progress chart has 1 to {MAX_BARS} bars, not {len(counts)}")
    for item in counts:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"each bar is a (label, count) pair, not {item!r}")
        label, count = item
        if not isinstance(label, str):
            raise TypeError(f"a bar's label is a str, not {label!r}")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"a bar's count is an int, not {count!r}")
        if not 0 <= count <= MAX_COUNT:
            raise ValueError(f"a bar's count is 0 to {MAX_COUNT}, not {count}")
    if colours is None:
        names = [DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)] for i in range(len(counts))]
    else:
        names = list(colours)
        if len(names) != len(counts):
            raise ValueError(f"{len(names)} colours for {len(counts)} bars")
        unknown = [name for name in names if name not in PALETTE]
        if unknown:
            raise ValueError(f"unknown colours {unknown}: use {', '.join(PALETTE)}")
    # shortened at a word like every label; a label with no word boundary is cut hard further on
    labels = [(shorten(" ".join(label.split()), MAX_LABEL)[:2 * MAX_LABEL], count) for label, count in counts]
    return labels, [PALETTE[name] for name in names]


# ---------------------------------------------------------------------------------------------- chart

def chart_legend(counts: Sequence[tuple[str, int]], *, colours: Sequence[str] | None = None) -> str:
    """The chart's caption: each state's square (its bar's colour), name and count, in the bars' order."""
    labels, palette = _checked(counts, colours)
    items = [{"square": colour.emoji, "label": label, "count": count}
             for (label, count), colour in zip(labels, palette)]
    return say("exports.chart_legend", items=items)


def progress_chart(counts: Sequence[tuple[str, int]], *, colours: Sequence[str] | None = None) -> bytes:
    """A WIDTH×HEIGHT PNG: one bar per (label, count), left to right in the given order.

    ``colours`` names each bar's colour (keys of PALETTE; STATE_COLOURS maps the stored states); by
    default bars take DEFAULT_COLOURS in turn. Labels are drawn in a CJK font when the machine has
    one, else as squares of their bar's colour (chart_legend names them either way).
    """
    labels, palette = _checked(counts, colours)
    fonts = find_cjk_font()
    with _DRAWING:
        return _draw(labels, palette, fonts)


def _draw(labels: list[tuple[str, int]], palette: list[Colour], fonts: CJKFonts | None) -> bytes:
    n = len(labels)
    slot = (WIDTH - 2 * _MARGIN) / n
    bar_width = min(round(slot * 0.66), 120)
    room = slot - 6  # a label's or a count's width

    count_face = fonts.bold if fonts else None
    numbers = [str(count) for _, count in labels]
    count_font = _fitting_count_font(count_face, numbers, room)
    count_height = count_font.getbbox("0123456789", anchor="ls")
    count_height = count_height[3] - count_height[1]

    if fonts:
        label_font, lines = _fit_labels(fonts.regular, [label for label, _ in labels], room)
        line_height = round(label_font.size * 1.2)
        label_block = line_height * max(len(split) for split in lines)
    else:
        label_font, lines, line_height, label_block = None, [], 0, _SQUARE
    baseline = HEIGHT - _BOTTOM - label_block - _GAP
    top = _TOP + count_height + _GAP            # the tallest bar's top
    span = baseline - top
    highest = max(count for _, count in labels) or 1

    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    for i, ((_, count), colour) in enumerate(zip(labels, palette)):
        middle = _MARGIN + slot * (i + 0.5)
        left, right = round(middle - bar_width / 2), round(middle + bar_width / 2)
        height = 0 if count == 0 else max(_MIN_BAR, round(span * count / highest))
        bar_top = baseline - height
        if height:
            radius = min(6, height // 2, bar_width // 4)
            draw.rounded_rectangle((left, bar_top, right - 1, baseline - 1), radius=radius, fill=colour.fill,
                                   outline=colour.outline, corners=(True, True, False, False))
        draw.text((middle, bar_top - _GAP), numbers[i], font=count_font, anchor="ms",
                  fill=_TEXT if count else _ZERO_TEXT)
        if fonts:
            y = baseline + _GAP
            for line in lines[i]:
                draw.text((middle, y), line, font=label_font, anchor="ma", fill=_TEXT)
                y += line_height
        else:
            half = _SQUARE // 2
            square = (round(middle) - half, baseline + _GAP, round(middle) + half - 1, baseline + _GAP + _SQUARE - 1)
            draw.rounded_rectangle(square, radius=6, fill=colour.fill, outline=colour.outline or colour.fill,
                                   width=2)
    draw.line((_MARGIN, baseline, WIDTH - _MARGIN, baseline), fill=_AXIS, width=2)

    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _fitting_count_font(face: Face | None, numbers: list[str], room: float) -> ImageFont.FreeTypeFont:
    for size in _COUNT_SIZES:
        font = _font(face, size)
        if all(font.getlength(number) <= room for number in numbers):
            return font
    return font


def _fit_labels(face: Face, labels: list[str], room: float) -> tuple[ImageFont.FreeTypeFont, list[list[str]]]:
    """The largest size at which every label fits on one line, else on two (cut between any two
    characters: Chinese has no spaces to wait for); at the smallest size a label still too long ends
    in 「…」."""
    for max_lines in (1, 2):
        for size in _LABEL_SIZES:
            font = _font(face, size)
            split = [_wrap(font, label, room, max_lines) for label in labels]
            if all(lines is not None for lines in split):
                return font, split
    font = _font(face, _LABEL_SIZES[-1])
    return font, [_wrap(font, label, room, 2, cut=True) for label in labels]


def _wrap(font, label: str, room: float, max_lines: int, cut: bool = False) -> list[str] | None:
    lines, rest = [], label
    while rest:
        if len(lines) == max_lines:
            if not cut:
                return None
            last = lines.pop()
            while last and font.getlength(last + "…") > room:
                last = last[:-1]
            lines.append(last + "…")
            break
        take = len(rest)
        while take > 1 and font.getlength(rest[:take]) > room:
            take -= 1
        lines.append(rest[:take].strip())
        rest = rest[take:].lstrip()
    return lines or [""]
