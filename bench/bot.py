"""Benchmark: many officials completing interviews through the fake Telegram server over HTTP.

    python bench/bot.py [--officials 200]

The bot runs as its own process (`nianbao run`, SQLite file, every answer committed before its reply);
this process runs the fake Bot API server and the simulated officials. Each official joins with an
invite code, answers the sample township's script (typed answers, narratives included) and ends with
「生成」, receiving the .docx.

Two phases, one bot process:
- load: officials think between answers so that together they offer ``--rate`` updates/s (200 by
  default); reported are the achieved updates/s and the per-update latency from the moment the update
  is queued at the fake server to the bot's first reply (the long-poll idle wait is not counted);
- saturation: every official answers the moment the previous reply arrives — the most the bot can do.
  (Latency there is queueing: with N officials always waiting it is ≈ N / throughput.)
Also the bot's peak RSS. Targets: ≥ 200 updates/s sustained, p99 < 50 ms, RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakebot import FakeTelegram  # noqa: E402

from nianbao.bot.storage import Store  # noqa: E402

COUNTY, ORGAN = "托里县", "托里县{}镇人民政府"
RAMP_UP_S = 5.0


def script() -> list[str]:
    text = (resources.files("nianbao") / "examples" / "hatu-2024.script").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("# ")]


async def official(fake: FakeTelegram, user_id: int, code: str, answers: list[str],
                   latencies: list[float], timeout: float, think: float, rng: random.Random) -> None:
    user = fake.user(user_id, f"官员{user_id}")
    if think:
        await asyncio.sleep(rng.uniform(0, RAMP_UP_S))  # officials arrive over a few seconds, not at once
    for index, text in enumerate([f"/join {code}", *answers]):
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        before = len(user.replies)
        sent = time.perf_counter()
        await user.send(text)
        await fake.world.output_to(user.id, before, timeout)
        latencies.append((sent, time.perf_counter() - sent, index))
    while not any(item.kind == "document" for item in user.replies):
        await fake.world.output_to(user.id, len(user.replies), timeout)


async def phase(fake: FakeTelegram, first_id: int, codes: list[str], answers: list[str], timeout: float,
                think: float, quiet: bool = False) -> tuple[float, list[float]]:
    """(updates/s and latencies over the middle 80 % of the phase — ramp-up and the stragglers'
    tail left out —, every update's latency)."""
    rng = random.Random(first_id)
    samples: list[tuple[float, float, int]] = []
    await asyncio.gather(*(official(fake, first_id + i, code, answers, samples, timeout, think, rng)
                           for i, code in enumerate(codes)))
    sent = sorted(s for s, _, _ in samples)
    low, high = sent[len(sent) // 10], sent[len(sent) * 9 // 10]
    rate = (len(sent) * 8 // 10) / (high - low)
    steady = [latency for s, latency, _ in samples if low <= s <= high]
    slowest = sorted(samples, key=lambda s: s[1])[-max(1, len(samples) // 100):]
    kinds = statistics.multimode(index for _, _, index in slowest)
    if not quiet:
        print(f"  (slowest 1 %: mostly answer #{kinds[0]} of each interview)")
    return rate, steady, [latency for _, latency, _ in samples]


def report(name: str, rate: float, steady: list[float], every: list[float]) -> float:
    q, q_all = statistics.quantiles(steady, n=100), statistics.quantiles(every, n=100)
    print(f"{name:<12}{len(every):>9}{rate:>12.0f}{q[49] * 1000:>10.1f}{q[98] * 1000:>10.1f}"
          f"{q_all[98] * 1000:>14.1f}")
    return q[98]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    """The bot's child processes (the .docx rendering pool and its helper)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


async def main(officials: int, rate: float, timeout: float) -> int:
    answers = script()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.sqlite"
        store = Store.open(db)
        codes = [store.create_invite(COUNTY, ORGAN.format(i), by=1, ttl=timedelta(hours=2))
                 for i in range(2 * officials + 2)]
        store.close()
        async with FakeTelegram() as fake:
            config = Path(tmp) / "config.toml"
            config.write_text(
                f'[telegram]\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\n'
                f'base_file_url = "{fake.base_file_url}"\nmax_messages_per_second = 0\n'
                f'[database]\nurl = "{db}"\n[logging]\nlevel = "WARNING"\n', encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if k != "NIANBAO_TELEGRAM_TOKEN"}
            env["NO_PROXY"] = "127.0.0.1,localhost"
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nianbao", "run", "--config", str(config), "--poll-timeout", "10", env=env)
            try:
                await fake.wait_for(lambda: fake.calls_to("getUpdates"), 30)
                think = officials / rate if rate else 0.0
                print(f"{officials} officials, {len(answers) + 1} updates each (ending in their .docx); "
                      f"load phase offers {rate:.0f} updates/s")
                print("updates/s, p50, p99: the middle 80 % of each phase; last column: p99 of all updates")
                print(f"{'phase':<12}{'updates':>9}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'p99 all ms':>14}")
                # Warm-up (not measured): the first interview loads the catalogue, compiles the
                # templates and starts the rendering process — once in a bot's life, not per answer.
                await phase(fake, 9_000, codes[-2:], answers, timeout, 0.0, quiet=True)
                load_rate, *load = await phase(fake, 10_000, codes[:officials], answers, timeout, think)
                p99 = report("load", load_rate, *load)
                sat_rate, *saturated = await phase(fake, 20_000, codes[officials:-2], answers, timeout, 0.0)
                report("saturation", sat_rate, *saturated)
                rss = peak_rss_mb(bot.pid)
                kids = [peak_rss_mb(child) for child in children(bot.pid)]
            finally:
                bot.terminate()
                await bot.wait()
    print(f"bot peak RSS {rss:.0f} MB; its rendering processes {' + '.join(f'{k:.0f}' for k in kids)} MB; "
          f"all together {rss + sum(kids):.0f} MB")
    print("targets: ≥ 200 updates/s sustained (load phase keeps up, saturation ≥ 200), p99 < 50 ms, RSS < 300 MB")
    ok = load_rate >= 0.9 * rate and sat_rate >= 200 and p99 < 0.05 and rss + sum(kids) < 300
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200, help="updates/s the officials offer in the load phase")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.officials, args.rate, args.timeout)))
