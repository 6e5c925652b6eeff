"""Interview benchmark: time to process one answer (p50, p99) over full interviews, and the size of
a serialized interview. Targets: p99 < 2 ms per answer, < 20 KB serialized.

    python bench/interview.py [--rounds N]

Interviews: the reference township by taps, the reference script (its texts typed), and a report
with figures in every group (src/nianbao/examples/*.script). Each answer is timed alone: what the
bot does between receiving a message and replying, before it persists ``to_json()`` (timed apart).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from datetime import date
from importlib import resources

from nianbao.dialogs.interview import Interview
from nianbao.dialogs.scripted import feed, script_lines, shown_buttons

TODAY = date(2025, 1, 20)
EXAMPLES = resources.files("nianbao") / "examples"
# The no-application township by taps (and the two paragraphs no answer speaks to, typed), as in
# tests/test_interview.py.
TAPS = (["#default"] * 4 + ["托里县哈图镇人民政府院内，0901-3651234", "#default"] + ["#zeros"] * 5 + ["#no", "#no"]
        + ["门户网站、公开栏", "4", "#no", "#all", "发布前经审核。", "一是参加业务培训。", "#gen"])
INTERVIEWS = {
    "hatu taps": (TAPS, "托里县哈图镇人民政府"),
    "hatu script": (script_lines((EXAMPLES / "hatu-2024.script").read_text("utf-8")), None),
    "full figures": (script_lines((EXAMPLES / "full-figures.script").read_text("utf-8")), None),
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def one_run(lines: list[str], organ: str | None) -> tuple[list[float], list[float], list[float], list[float], int]:
    """Per-answer wall and CPU times, to_json and from_json times (ms), the largest serialized size (bytes)."""
    interview = Interview.new(today=TODAY, organ=organ)
    replies = interview.start()
    answer_ms, cpu_ms, save_ms, load_ms, size = [], [], [], [], 0
    for line in lines:
        buttons = shown_buttons(replies)
        c0, t0 = time.process_time(), time.perf_counter()
        replies = feed(interview, line, buttons)
        t1, c1 = time.perf_counter(), time.process_time()
        text = interview.to_json()
        t2 = time.perf_counter()
        Interview.from_json(text)
        t3 = time.perf_counter()
        answer_ms.append((t1 - t0) * 1000)
        cpu_ms.append((c1 - c0) * 1000)
        save_ms.append((t2 - t1) * 1000)
        load_ms.append((t3 - t2) * 1000)
        size = max(size, len(text.encode()))
    assert replies[-1].render, "the interview did not finish"
    return answer_ms, cpu_ms, save_ms, load_ms, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    for lines, organ in INTERVIEWS.values():  # warm caches (templates, catalogue) once
        one_run(lines, organ)
    print(f"{'interview':<14}{'answers':>8}{'p50 ms':>9}{'p99 ms':>9}{'cpu p99':>9}"
          f"{'to_json':>9}{'from_json':>10}{'size KB':>9}")
    every: list[float] = []
    every_cpu: list[float] = []
    gc.collect()
    for name, (lines, organ) in INTERVIEWS.items():
        answers, cpus, saves, loads, size = [], [], [], [], 0
        for _ in range(rounds):
            a, c, s, l, z = one_run(lines, organ)
            answers += a
            cpus += c
            saves += s
            loads += l
            size = max(size, z)
        every += answers
        every_cpu += cpus
        print(f"{name:<14}{len(lines):>8}{statistics.median(answers):>9.3f}{percentile(answers, 99):>9.3f}"
              f"{percentile(cpus, 99):>9.3f}{statistics.median(saves):>9.3f}{statistics.median(loads):>10.3f}"
              f"{size / 1024:>9.1f}")
    print(f"{'all':<14}{len(every):>8}{statistics.median(every):>9.3f}{percentile(every, 99):>9.3f}"
          f"{percentile(every_cpu, 99):>9.3f}   targets: p99 < 2 ms, size < 20 KB")
    print("(p50/p99: wall clock; cpu p99: this process's CPU time, unaffected by other load on the machine)")


if __name__ == "__main__":
    main()
