"""The progress chart: a PNG a county leader reads on a phone, and its caption."""

from __future__ import annotations

import io
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from nianbao.workflow import chart
from nianbao.workflow.chart import (DEFAULT_COLOURS, MAX_BARS, MAX_COUNT, PALETTE, STATE_COLOURS, chart_legend,
                                    progress_chart)

STATES = [("未开始", 3), ("填写中", 12), ("审核中", 5), ("已退回", 2), ("已通过", 20)]
BACKGROUND = (255, 255, 255)
AXIS = (0x9E, 0x9E, 0x9E)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def axis_row(image: Image.Image) -> int:
    """The top row of the axis line (left of the first bar it is the only thing drawn)."""
    for y in range(image.height):
        if image.getpixel((24, y)) == AXIS:
            return y
    raise AssertionError("no axis")


def bars(image: Image.Image) -> list[tuple[int, int, tuple[int, int, int]]]:
    """(centre x, height, colour) of each bar, left to right, read off the pixels just above the axis."""
    y = axis_row(image) - 3
    runs, start = [], None
    for x in range(image.width):
        inked = image.getpixel((x, y)) != BACKGROUND
        if inked and start is None:
            start = x
        elif not inked and start is not None:
            runs.append((start, x - 1))
            start = None
    found = []
    for left, right in runs:
        middle = (left + right) // 2
        top = y
        while top > 0 and image.getpixel((middle, top - 1)) != BACKGROUND:
            top -= 1
        found.append((middle, axis_row(image) - top, image.getpixel((middle, y))))
    return found


def test_a_png_of_the_phone_size():
    image = decode(progress_chart(STATES))
    assert image.size == (chart.WIDTH, chart.HEIGHT) == (800, 450)


def test_the_same_counts_give_the_same_bytes():
    assert progress_chart(STATES) == progress_chart(list(STATES))
    assert progress_chart(STATES) != progress_chart(STATES[:-1] + [("已通过", 21)])


def test_bars_are_as_tall_as_their_counts_in_the_given_order():
    found = bars(decode(progress_chart(STATES)))
    assert len(found) == 5
    assert [x for x, _, _ in found] == sorted(x for x, _, _ in found)
    heights = [height for _, height, _ in found]
    counts = [count for _, count in STATES]
    assert sorted(range(5), key=heights.__getitem__) == sorted(range(5), key=counts.__getitem__)
    tallest, twelve = heights[4], heights[1]
    assert abs(twelve / tallest - 12 / 20) < 0.02
    assert tallest > 0.5 * chart.HEIGHT  # the chart's height is used
    # each bar in its default colour: grey, yellow, blue, red, green
    assert [colour for _, _, colour in found] == [PALETTE[name].fill for name in
                                                  ("white", "yellow", "blue", "red", "green")]


def test_a_zero_count_draws_no_bar_and_all_zero_draws_none():
    found = bars(decode(progress_chart([("未开始", 0), ("已通过", 7), ("已退回", 0)])))
    assert len(found) == 1 and found[0][2] == PALETTE["yellow"].fill
    assert bars(decode(progress_chart([(label, 0) for label, _ in STATES]))) == []


def test_one_huge_count_leaves_the_small_ones_visible():
    found = bars(decode(progress_chart([("未开始", 1), ("填写中", MAX_COUNT), ("已通过", 2)])))
    assert len(found) == 3
    small, huge, two = (height for _, height, _ in found)
    assert 3 <= small <= two < 10 < huge
    assert huge > 0.5 * chart.HEIGHT


def test_twelve_bars_fit_and_more_are_refused():
    counts = [(f"状态{i}", i + 1) for i in range(MAX_BARS)]
    found = bars(decode(progress_chart(counts)))
    assert len(found) == 12
    heights = [height for _, height, _ in found]
    assert heights == sorted(heights) and len(set(heights)) == 12
    assert found[-1][0] < chart.WIDTH - 10  # the last bar is inside the picture
    with pytest.raises(ValueError, match="1 to 12 bars"):
        progress_chart(counts + [("状态13", 1)])
    with pytest.raises(ValueError, match="1 to 12 bars"):
        chart_legend(counts + [("状态13", 1)])
    with pytest.raises(ValueError):
        progress_chart([])


@pytest.mark.parametrize("counts, error", [
    ([("已通过", -1)], ValueError),
    ([("已通过", MAX_COUNT + 1)], ValueError),
    ([("已通过", True)], TypeError),
    ([("已通过", 2.0)], TypeError),
    ([(None, 2)], TypeError),
    ([("已通过", 1, 2)], TypeError),
])
def test_bad_counts_are_refused(counts, error):
    with pytest.raises(error):
        progress_chart(counts)


def test_the_legend_names_each_bar_with_its_colour_square():
    assert chart_legend(STATES) == "⬜未开始 3 · 🟨填写中 12 · 🟦审核中 5 · 🟥已退回 2 · 🟩已通过 20"
    keys = ["approved", "submitted", "returned", "draft", "not_started"]
    counts = [("已通过", 12), ("待审核", 3), ("已退回", 1), ("填写中", 4), ("未开始", 2)]
    colours = [STATE_COLOURS[key] for key in keys]
    legend = chart_legend(counts, colours=colours)
    assert legend == "🟩已通过 12 · 🟦待审核 3 · 🟥已退回 1 · 🟨填写中 4 · ⬜未开始 2"
    # the square before each name is the colour of that name's bar
    by_emoji = {colour.emoji: colour.fill for colour in PALETTE.values()}
    squares = [item.split(" ")[0][0] for item in legend.split(" · ")]
    found = bars(decode(progress_chart(counts, colours=colours)))
    assert [colour for _, _, colour in found] == [by_emoji[square] for square in squares]


def test_colours_are_checked():
    with pytest.raises(ValueError, match="unknown colours"):
        progress_chart(STATES, colours=["pink"] * 5)
    with pytest.raises(ValueError, match="4 colours for 5 bars"):
        chart_legend(STATES, colours=["red"] * 4)
    assert len(DEFAULT_COLOURS) == len(PALETTE) == 9  # the emoji have nine coloured squares


def test_long_labels_are_cut_in_the_picture_and_bounded_in_the_caption():
    long = "已退回，待修改（第 12 版）" * 5
    png = progress_chart([("未开始", 1), (long, 2)])
    assert decode(png).size == (800, 450)
    caption = chart_legend([("未开始", 1), (long, 2)])
    assert caption.startswith("⬜未开始 1 · 🟨") and len(caption) < 80


@pytest.mark.skipif(chart.find_cjk_font() is None, reason="no CJK font on this machine")
def test_chinese_labels_are_drawn_under_the_bars():
    image = decode(progress_chart(STATES))
    below = axis_row(image) + 6
    found = bars(image)
    crops = []
    for x, _, _ in found:
        crop = image.crop((x - 60, below, x + 60, chart.HEIGHT))
        dark = sum(crop.convert("L").histogram()[:100])
        assert dark > 100  # ink of three characters
        crops.append(crop.tobytes())
    assert len(set(crops)) == 5  # five different names
    fonts = chart.find_cjk_font()
    assert chart._has_glyphs(chart._font(fonts.regular, 30))


def test_without_a_cjk_font_the_labels_are_colour_squares(monkeypatch):
    monkeypatch.setattr(chart, "find_cjk_font", lambda: None)
    png = progress_chart(STATES)
    image = decode(png)
    assert image.size == (800, 450)
    found = bars(image)
    assert [height for _, height, _ in found][4] == max(height for _, height, _ in found)
    below = axis_row(image) + 2 + chart._GAP + chart._SQUARE // 2
    for x, _, colour in found:
        assert image.getpixel((x, below)) == colour  # the square under the bar has its colour
    assert png == progress_chart(STATES)
    assert chart_legend(STATES).startswith("⬜未开始 3")  # the caption carries the names


@pytest.mark.skipif(shutil.which("fc-list") is None or chart.find_cjk_font() is None,
                    reason="no fontconfig or no CJK font")
def test_fontconfig_finds_a_sans_face_with_the_glyphs():
    fonts = chart._from_fontconfig()
    assert fonts is not None
    font = chart._font(fonts.regular, 30)
    assert chart._has_glyphs(font) and "Serif" not in " ".join(font.getname())


def test_a_font_without_the_glyphs_is_not_taken():
    assert not chart._has_glyphs(chart._font(None, 30))  # Pillow's own font: Latin only


def test_charts_drawn_in_threads_are_the_same():
    expected = progress_chart(STATES)
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda _: progress_chart(STATES), range(16))) == {expected}
