"""Several worker processes on one PostgreSQL database (``nianbao run --workers N``): 100 officials at
once, one worker SIGKILLed mid-run (the supervisor starts another). Every report as in the
uninterrupted one-worker reference, no answer applied twice, nobody stranded, and never two pollers
at once (the fake server would answer the older getUpdates 409 Conflict).

Seeded (NIANBAO_PG_SEED): which worker dies, and when.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time

import pytest

from crashkit import (BotRun, check_outcome, drive_all, lease_holder, make_officials, conflicts, progress,
                      trouble_in, until, wait_idle, write_config)
from nianbao.bot.app import POLLER_LEASE
from nianbao.text import say

SEED = int(os.environ.get("NIANBAO_PG_SEED", "4242"))
OFFICIALS = int(os.environ.get("NIANBAO_PG_OFFICIALS", "100"))


@pytest.mark.parametrize(("workers", "kill"), [(2, "poller"), (4, "other")])
async def test_workers_share_the_database_and_survive_a_kill(fake_tg, pg_url, tmp_path, workers, kill):
    """``kill``: the worker holding the getUpdates lease (another must take over polling, without two
    polling at once), or one of the others (its lanes and chats go to the rest)."""
    rng = random.Random(SEED * 10 + workers)
    bot = BotRun(write_config(tmp_path / "config.toml", fake_tg, pg_url), tmp_path / "bot.stderr",
                 workers=workers)
    officials = make_officials(fake_tg, pg_url, OFFICIALS)  # the schema exists before the workers start
    started = time.monotonic()
    await bot.start()
    try:
        first = await bot.wait_workers()
        driving = asyncio.create_task(drive_all(officials, patience=30.0))
        total = sum(len(o.actions) for o in officials)
        point = rng.uniform(0.25, 0.6) * total
        await until(fake_tg, lambda: driving.done() or progress(officials) >= point, 60)
        if driving.done():  # before the kill: everybody finished — or got stuck
            stuck = driving.result()
            assert not stuck, (f"{len(stuck)} officials stuck before any kill: {stuck[:2]}; bot stderr: "
                               f"{trouble_in(bot.stderr())[:1]}")
            pytest.fail("the officials finished before the kill")
        poller = lease_holder(pg_url, POLLER_LEASE, first)
        assert poller is not None, f"no worker of {first} holds the poller lease"
        victim = poller if kill == "poller" else rng.choice([pid for pid in first if pid != poller])
        at = progress(officials)
        bot.kill_worker(victim)
        replaced = await bot.wait_workers(replacing=first, timeout=15)
        errors = await driving
        idle = await wait_idle(pg_url, 15)
    finally:
        if "driving" in locals() and not driving.done():
            driving.cancel()
        code = await bot.stop()
    took = time.monotonic() - started
    outcome = check_outcome(pg_url, officials)
    polls = fake_tg.calls_to("getUpdates")
    late = [waited for o in officials for _, waited in o.late]
    print(f"\n--workers {workers}, seed {SEED}: killed worker {victim} ({kill}) at {at}/{total} actions; "
          f"{progress(officials)} actions in {took:.1f} s; {len(polls)} polls; {outcome.summary()}; "
          f"{len(late)} replies later than 5 s (at most {max(late, default=0):.1f} s); supervisor exit {code}")
    assert not errors, (errors[:2], trouble_in(bot.stderr())[:1])
    assert len(replaced) == workers and victim not in replaced
    assert idle, "the workers did not deliver everything after the officials were done"
    assert outcome.problems == []
    assert (outcome.lost, outcome.twice, outcome.misfiled, outcome.stranded) == (0, 0, 0, 0)
    assert conflicts(fake_tg) == []
    said = [say("bot.worker_restarted", number=n, code=-signal.SIGKILL) for n in range(1, workers + 1)]
    assert any(line in bot.stderr() for line in said)  # the supervisor said it restarted one
    assert trouble_in(bot.stderr()) == []
