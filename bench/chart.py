"""Benchmark: drawing the county's progress chart (workflow/chart.py) as a PNG.

    python bench/chart.py [--runs N] [--out chart.png]

Prints the import time, the first render (fonts looked up and loaded), and the median of N renders
for the five states, for twelve bars and for the font-less variant, each against the target, with the
PNG's size.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchkit import median_ms  # bench/ is on the path: scripts run as python bench/<name>.py

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--out", help="also write the five-state chart here")
    args = parser.parse_args()

    start = time.perf_counter()
    from nianbao.workflow import chart
    imported = (time.perf_counter() - start) * 1000
    print(f"import nianbao.workflow.chart: {imported:.1f} ms (Pillow and nianbao.text)")

    states = [("未开始", 312), ("填写中", 845), ("审核中", 127), ("已退回", 36), ("已通过", 680)]
    twelve = [(f"状态{i + 1}", (i + 1) * 83_000) for i in range(chart.MAX_BARS)]

    start = time.perf_counter()
    png = chart.progress_chart(states)
    first = (time.perf_counter() - start) * 1000
    fonts = chart.find_cjk_font()
    print(f"font: {fonts.regular.path} #{fonts.regular.index}" if fonts else "font: none (squares for labels)")
    print(f"first render (font lookup and loading): {first:.1f} ms")
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(png)

    failed = False
    cases = [("5 states", lambda: chart.progress_chart(states)),
             ("12 bars, counts to 10**6", lambda: chart.progress_chart(twelve))]
    for name, step in cases:
        ms = median_ms(step, args.runs)
        failed |= ms > TARGET_MS
        print(f"{name:28} median {ms:6.2f} ms of {args.runs} (target < {TARGET_MS:.0f} ms), PNG {len(step()):,} bytes")

    real = chart.find_cjk_font
    chart.find_cjk_font = lambda: None
    try:
        ms = median_ms(lambda: chart.progress_chart(states), args.runs)
        failed |= ms > TARGET_MS
        print(f"{'5 states, no CJK font':28} median {ms:6.2f} ms of {args.runs} (target < {TARGET_MS:.0f} ms), "
              f"PNG {len(chart.progress_chart(states)):,} bytes")
    finally:
        chart.find_cjk_font = real
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
