"""Benchmark: does an answer cost more when many answers were given before it?

    python bench/answer_cost.py [--db URL] [--rounds 20]

Every answer of the full-figures script, one update each through ``Drafting`` and the store in its
own unit of work (as the worker runs it); CPU time (process_time), median over ``--rounds`` officials.
Reported: answer 5 against the first narrative answer (the issue measured #45 of the script of then),
and — because a narrative's question renders default paragraphs while 5 is a count — answer 5 against
the last count question (信息处理费件数), so that only the answers given before differ. Compared in the same run with a baseline
that parses the stored interview on every update (the parsed-interview cache switched off), which is
what the bot did before. Target: ≤ 1.1× for the same kind of question.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nianbao.workflow.access import identify  # noqa: E402
from nianbao.workflow.config import Config  # noqa: E402
from nianbao.workflow.drafting import report_token  # noqa: E402
from nianbao.workflow.services import Services  # noqa: E402
from nianbao.workflow.storage import Store  # noqa: E402
from nianbao.dialogs.interview import Interview  # noqa: E402
from nianbao.dialogs.scripted import feed, for_transport, script_lines, shown_buttons  # noqa: E402

TODAY = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)


def script_lines_for_bot() -> list[str]:
    """The full-figures script as an official of a 镇 who joined by invite types it."""
    text = (resources.files("nianbao") / "examples" / "full-figures.script").read_text("utf-8")
    return for_transport(script_lines(text))


def positions() -> tuple[int, int]:
    """The indices of the first narrative answer and of the last count answer of the script."""
    interview = Interview.new(today=TODAY.date(), given={"organ": "托里县1镇人民政府", "county": "托里县",
                                                          "organ_level": "town"})
    replies = interview.start()
    kinds = []
    for line in script_lines_for_bot():
        kinds.append(interview.step.kind)
        replies = feed(interview, line, shown_buttons(replies))
    return kinds.index("narrative"), max(i for i, kind in enumerate(kinds) if kind == "count")


def measure(store: Store, cached: bool, rounds: int, first_id: int) -> list[float]:
    lines = script_lines_for_bot()
    config = Config.model_validate({"telegram": {"token": "1:abc"}, "rendering": {"workers": 0}})
    svc = Services(store, config, lambda: TODAY)
    timings: list[list[float]] = [[] for _ in lines]
    for n in range(rounds):
        tg = first_id + n
        code = store.create_invite("托里县", f"托里县{tg}镇人民政府", by=1, ttl=timedelta(hours=1), now=TODAY)
        store.redeem_invite(code, tg, TODAY)
        who = identify(store, config, tg, "")
        svc.drafting.new(who, "")
        for i, line in enumerate(lines[:-1]):  # not 「生成」: rendering is another process's work
            if not cached:
                svc.drafting._parsed.clear()
            started = time.process_time()
            with store.unit_of_work():
                if line.startswith("#"):
                    svc.drafting.press(who, report_token(store.active_report(who.person_id)), line[1:])
                else:
                    svc.drafting.text(who, line)
            timings[i].append((time.process_time() - started) * 1000)
    return [statistics.median(values) if values else 0.0 for values in timings]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite://", help="database URL (default: SQLite in memory)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    store = Store.open(args.db)
    try:
        baseline = measure(store, cached=False, rounds=args.rounds, first_id=10_000)
        now = measure(store, cached=True, rounds=args.rounds, first_id=20_000)
    finally:
        store.close()
    narrative, count = positions()
    print(f"{'CPU ms per answer':<28}{'#5':>8}{f'#{narrative}':>8}{f'{narrative}/5':>7}{f'#{count}':>8}{f'{count}/5':>7}")
    for name, ms in (("parsed on every update", baseline), ("parsed interview kept", now)):
        print(f"{name:<28}{ms[5]:>8.2f}{ms[narrative]:>8.2f}{ms[narrative] / ms[5]:>7.2f}{ms[count]:>8.2f}"
              f"{ms[count] / ms[5]:>7.2f}")
    ratio = now[count] / now[5]
    print(f"target: a count answer after {count} answers ≤ 1.1× one after 5 — {'met' if ratio <= 1.1 else 'missed'}")
    return 0 if ratio <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main())
