"""A bounded random-kill soak on SQLite: 50 officials answering at once through one bot process, which
is SIGKILLed at random moments (and started again right away) while the fake server now and then
answers 429 storms and drops connections. Nothing accepted may be lost, applied twice or misfiled;
nobody may be left without their next question or their document.

Seeded (NIANBAO_SOAK_SEED; also _OFFICIALS, _KILLS): the kill moments are drawn from it, though when
exactly a signal lands in the bot's work is up to the scheduler — the run is bounded, not replayable.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

from crashkit import (BotRun, Outcome, check_outcome, children_of, drive_all, make_officials, progress, trouble_in,
                      until, wait_idle, write_config)

SEED = int(os.environ.get("NIANBAO_SOAK_SEED", "20241"))
OFFICIALS = int(os.environ.get("NIANBAO_SOAK_OFFICIALS", "50"))
KILLS = int(os.environ.get("NIANBAO_SOAK_KILLS", "15"))
# When a kill lands: a random instant once polling; right after the k-th message, document or
# getUpdates answer since then (between "the platform took it" and "marked delivered" / "committed");
# or during start-up, before the bot polls at all.
MOMENTS = ("instant", "after_message", "after_document", "after_poll", "startup")


def calls_since(fake, start: int, method: str) -> int:
    return sum(1 for call in fake.calls[start:] if call.method == method and call.status == 200)


async def kill_at_a_moment(fake, bot: BotRun, rng: random.Random, moment: str, driving: asyncio.Task) -> None:
    """Wait for ``moment`` (while the officials still work), then SIGKILL the bot. Each wait is short:
    the kills spread over the whole run instead of waiting out the officials."""
    start = len(fake.calls)
    if moment == "startup":
        await asyncio.sleep(rng.uniform(0.1, 0.9))
    else:
        await until(fake, lambda: driving.done() or calls_since(fake, start, "getUpdates") > 0, 15)
        mark = len(fake.calls)
        if moment == "instant":
            await asyncio.sleep(rng.uniform(0.0, 0.8))
        else:
            method, k = {"after_message": ("sendMessage", rng.randint(1, 40)),
                         "after_document": ("sendDocument", rng.randint(1, 3)),
                         "after_poll": ("getUpdates", rng.randint(1, 6))}[moment]
            await until(fake, lambda: driving.done() or calls_since(fake, mark, method) >= k, 1.0)
    await bot.kill()


def inject_faults(fake, rng: random.Random, log: list[str]) -> None:
    if rng.random() < 0.5:
        times = rng.randint(2, 8)  # beyond max_retries (3): the sender postpones the lane
        fake.flood("sendMessage", times=times, retry_after=1)
        log.append(f"429x{times}")
    if rng.random() < 0.35:
        fake.drop("sendMessage", times=rng.randint(1, 3))
        log.append("drop sendMessage")
    if rng.random() < 0.35:
        fake.drop("getUpdates")
        log.append("drop getUpdates")
    if rng.random() < 0.15:
        fake.drop("sendDocument")
        log.append("drop sendDocument")


async def test_random_kills_lose_nothing(fake_tg, tmp_path):
    rng = random.Random(SEED)
    url = f"sqlite:///{tmp_path / 'soak.sqlite'}"
    bot = BotRun(write_config(tmp_path / "config.toml", fake_tg, url), tmp_path / "bot.stderr")
    officials = make_officials(fake_tg, url, OFFICIALS)
    started = time.monotonic()
    moments, faults = [], []
    await bot.start()
    driving = asyncio.create_task(drive_all(officials, patience=30.0))
    total = sum(len(o.actions) for o in officials)
    # Spread over the run: the k-th kill once the officials are past the k-th of these points.
    points = sorted(rng.uniform(0.0, 0.95) * total for _ in range(KILLS))
    try:
        for point in points:
            moment = rng.choice([m for m in MOMENTS if m != "after_document" or point > 0.8 * total])
            if moment != "startup":
                await until(fake_tg, lambda: driving.done() or progress(officials) >= point, 40)
            if driving.done():
                break
            await kill_at_a_moment(fake_tg, bot, rng, moment, driving)
            moments.append(f"{moment}@{progress(officials)}")
            inject_faults(fake_tg, rng, faults)
            await bot.start()  # right away: the old one is reaped, its SQLite lock gone with it
        errors = await driving
        idle = await wait_idle(url)
    finally:
        if not driving.done():
            driving.cancel()
        await bot.stop()
    took = time.monotonic() - started
    outcome: Outcome = check_outcome(url, officials)
    statuses = {}
    for call in fake_tg.calls:
        if call.status != 200:
            statuses[f"{call.method}:{call.status}"] = statuses.get(f"{call.method}:{call.status}", 0) + 1
    print(f"\nseed {SEED}: {len(officials)} officials, {len(bot.kills)} kills {moments}, faults {faults}, "
          f"{progress(officials)} actions in {took:.1f} s; refused/dropped calls {statuses}; {outcome.summary()}; "
          f"late replies {sum(len(o.late) for o in officials)}")
    assert not errors, (errors[:2], trouble_in(bot.stderr())[:1])
    assert idle, "the bot did not deliver everything after the officials were done"
    assert len(bot.kills) >= min(KILLS, 10), "the officials finished before the bot was killed often enough"
    assert outcome.problems == []
    assert (outcome.lost, outcome.twice, outcome.misfiled, outcome.stranded) == (0, 0, 0, 0)
    assert all(o.finished for o in officials)
    assert trouble_in(bot.stderr()) == []


async def test_kills_while_rendering_lose_no_document(fake_tg, tmp_path):
    """Rendering in its own process (the default ``rendering.workers = 1``), slowed down so the kills
    land while drafts are rendered: every official still gets their .docx, and the killed bot's
    rendering process does not outlive it."""
    rng = random.Random(SEED + 1)
    url = f"sqlite:///{tmp_path / 'render.sqlite'}"
    bot = BotRun(write_config(tmp_path / "config.toml", fake_tg, url, rendering_workers=1), tmp_path / "bot.stderr",
                 env={"NIANBAO_TEST_RENDER_DELAY_S": "0.4"})
    officials = make_officials(fake_tg, url, 10)
    await bot.start()
    driving = asyncio.create_task(drive_all(officials, patience=30.0))
    orphans: list[int] = []
    try:
        for _ in range(4):
            # A draft asked for («生成» answered: its reply is the last action's first message) …
            asked = lambda: sum(o.done_actions >= len(o.actions) - 1 and not o.finished for o in officials)
            await until(fake_tg, lambda: driving.done() or asked() > 0, 30)
            if driving.done():
                break
            await asyncio.sleep(rng.uniform(0.2, 0.9))  # … and being rendered
            renderers = children_of(bot.pid)
            await bot.kill()
            orphans += renderers
            await bot.start()
        errors = await driving
        idle = await wait_idle(url)
    finally:
        if not driving.done():
            driving.cancel()
        await bot.stop()
    outcome = check_outcome(url, officials)
    print(f"\nrendering: {len(bot.kills)} kills, killed bots' renderers {orphans}; {outcome.summary()}")
    assert not errors, (errors[:2], trouble_in(bot.stderr())[:1])
    assert len(bot.kills) >= 3 and idle
    assert outcome.problems == []
    assert outcome.documents >= len(officials)
    await asyncio.sleep(1.0)  # lifeline.py: a rendering process notices within 0.5 s that its parent died
    assert [pid for pid in orphans if Path(f"/proc/{pid}").exists() and _is_renderer(pid)] == []
    assert trouble_in(bot.stderr()) == []


def _is_renderer(pid: int) -> bool:
    try:
        return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
