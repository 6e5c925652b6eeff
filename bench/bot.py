"""Benchmark: many officials completing interviews through the fake Telegram server over HTTP.

    python bench/bot.py [--officials 200]                  # SQLite × 1, as before
    python bench/bot.py --db postgres --workers 2          # one setup: any --db, any --workers
    python bench/bot.py --progress                         # the 2,000-organ /progress phase alone
    python bench/bot.py --matrix [--officials 100]         # everything below, one table

The bot runs as its own process(es) (`nianbao run [--workers N]`, every answer committed before its
reply); this process runs the fake Bot API server and the simulated officials. Each official joins
with an invite code, answers the sample township's script (typed answers, narratives included) and
ends with 「生成」, receiving the .docx.

``--db URL`` names the database: default a fresh SQLite file in a temp dir; ``postgres`` starts a
throw-away PostgreSQL cluster (tests/pgcluster.py: in RAM, fsync off) and a fresh database in it for
every bot; any other URL is used as it is (invites are added to it). ``--workers N`` is passed to
``nianbao run --workers N`` (PostgreSQL only).

Phases of one bot process, in this order (the most demanding last: when a phase fails — a reply
not there within ``--timeout`` s — the setup ends with what it measured so far):
- warm-up, not measured: the first interviews load the catalogue, compile the templates and start
  the rendering processes — once in a bot's life (in every worker), not per answer;
- load: officials think between answers so that together they offer ``--rate`` updates/s (200 by
  default); reported are the achieved updates/s and the per-update latency from the moment the update
  is queued at the fake server to the bot's first reply (the long-poll idle wait is not counted). An
  official waits for each reply before thinking on: a slow bot is offered less (hence "achieved");
- saturation: every official answers the moment the previous reply arrives — the most the bot can do.
  (Latency there is queueing: with N officials always waiting it is ≈ N / throughput.)
- CPU per update: utime + stime (+ cutime + cstime, so that descendants that exit are not lost) of the
  bot process and all its descendants — the ``--workers`` processes, the .docx rendering processes —
  found by walking the ppid links of /proc/*/stat, over the load and saturation phases together,
  divided by the updates answered in them. With PostgreSQL the database server's own CPU (the
  postmaster's tree) is reported beside it; the ratio to the echo bot counts both, since with SQLite
  the same work happens inside the bot process;
- per answer, between load and saturation: the cost of answer #45 vs answer #5. Hatu's script has only 23 answers (the last one 「生成」, which
  renders the .docx — another job entirely), so this phase plays the full-figures script (37 answers
  since the pick questions of table 三, so its last before 「生成」 stands for #45; buttons pressed
  where it says #default). 24 officials go in lockstep: all send answer #i at once,
  and the CPU the bot's processes (and the database server's) spent until all replies arrived and
  settled is divided by 24 — nanosecond CPU time from /proc/PID/task/*/schedstat, since clock ticks
  are too coarse for one step. CPU, not latency, is the measure: a latency at one index of the
  saturation phase is mostly the queue in front of it, not that answer's own work. What the
  processes burn idle (polls, rescans; measured for 1 s before) is taken off each step by its
  length. Both #5 and #45 are typed answers (a button press costs more: its neighbours #43, #44
  are presses). (A script with fewer than 45 answers would use its last answer before 「生成」, and
  say so.) The median latencies of the two steps are shown beside, for information; a single run
  also prints the CPU of every step.
Also the bot's peak RSS (the sum over its processes), and what it wrote to stdout/stderr, summarised
(``BENCH_BOT_LOGS=DIR`` keeps the whole files there). Targets of a single setup: ≥ 200 updates/s
sustained, p99 < 50 ms, RSS < 300 MB, answer #45 ≤ 1.1 × answer #5 in CPU; exit code 0 when met.

``--matrix`` runs, each against a fresh fake server and a fresh database: a bare python-telegram-bot
echo bot (bench/echo_bot.py; its updates are plain texts, each answered by one message) for the
baseline, then nianbao on SQLite × 1 and PostgreSQL × 1, 2, 4 workers — all with the same officials
(100 unless ``--officials`` says otherwise) and load — and then the /progress phase; a reply not
there within 30 s (``--timeout``) fails the setup. It prints one table (and a line per setup as it
finishes). Targets: CPU per update ≤ 1.5 × the echo bot's (bot + database server); answer #45 ≤ 1.1 ×
answer #5; a /progress listing 2,000 organs delays no other official's reply by more than 50 ms. The
exit code is 0 when these are met. On a 2-core machine more workers bring availability (a worker may
die, the others go on), not throughput: the table shows what the extra processes cost.

/progress phase (``--progress``, and part of ``--matrix``; SQLite × 1 unless --db/--workers say
otherwise): county 托里县 gets 2,000 organs (invites) with a draft report each, and an admin. Groups
of 20 officials answer at a steady ~80 updates/s, alternately alone and while the admin sends
/progress every 0.5 s (the next one when the previous reply has fully arrived, at the earliest 0.5 s
after the previous was sent), twice each, so that a drift of the machine's speed falls on both.
Reported are the officials' p50/p99/max latency alone and beside /progress (and, of the latter, of
the updates sent while a /progress was being answered — chosen by their send time, not by their
latency, which would favour the slow ones), and the /progress reply time (to its first message,
and to the last of its pieces). The target compares the two p99s. (/progress itself is what the bot
answers to the bare command: its first page, if it pages.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakebot import FakeTelegram  # noqa: E402

from nianbao.workflow.storage import ReportExists, Store  # noqa: E402

COUNTY, ORGAN = "托里县", "托里县{}镇人民政府"
BIG_ORGAN = "托里县第{:04d}号单位"   # the 2,000 organs of the /progress phase
ADMIN_ID = 900_001
RAMP_UP_S = 5.0
ECHO_FIRST = "你好"                  # the echo bot's official says this instead of /join
EARLY, LATE = 5, 45                  # the answers whose cost is compared
LOCKSTEP_OFFICIALS = 24
SETTLE_S = 0.05                      # a lockstep step ends when no chat got anything for this long
IDLE_PROBE_S = 1.0                   # how long the bot's idle CPU is measured before the lockstep
PROGRESS_ORGANS, PROGRESS_OFFICIALS, PROGRESS_THINK_S, PROGRESS_PERIOD_S = 2000, 20, 0.25, 0.5
PROGRESS_ROUNDS = 2                  # of (20 officials alone, 20 officials beside /progress)
ECHO_BOT = Path(__file__).resolve().parent / "echo_bot.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def script(name: str = "hatu-2024.script") -> list[str]:
    """The script as an official of a 镇 who joined by invite types it (organ, county, level known)."""
    from nianbao.dialogs.scripted import for_transport

    text = (resources.files("nianbao") / "examples" / name).read_text(encoding="utf-8")
    return for_transport([line for line in text.splitlines() if line.strip() and not line.startswith("# ")])


# ---- processes and their CPU ------------------------------------------------------------------


def _stat(pid: int | str) -> list[str] | None:
    """/proc/PID/stat's fields after the command name: [state, ppid, …, utime (11), stime, cutime, cstime]."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def process_tree(roots: list[int]) -> list[int]:
    """The roots and all their descendants, by the ppid links of /proc/*/stat."""
    children = defaultdict(list)
    alive = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (fields := _stat(entry.name)) is not None:
            alive.add(int(entry.name))
            children[int(fields[1])].append(int(entry.name))
    found, todo = [], [pid for pid in roots if pid in alive]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(roots: list[int]) -> float:
    """utime + stime + cutime + cstime of the process trees (the c* parts hold reaped descendants)."""
    ticks = 0
    for pid in process_tree(roots):
        if (fields := _stat(pid)) is not None:
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / CLK_TCK


def cpu_ns(roots: list[int]) -> int:
    """On-CPU nanoseconds of every thread in the process trees (/proc/PID/task/TID/schedstat)."""
    total = 0
    for pid in process_tree(roots):
        with contextlib.suppress(OSError):
            for task in os.scandir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += int(Path(task.path, "schedstat").read_text().split()[0])
    return total


def peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ---- simulated people ---------------------------------------------------------------------------


class LostReply(RuntimeError):
    pass


async def act(user, text: str) -> None:
    """Send a text, or press a button of the last message that has buttons ("#default", "#2")."""
    if not text.startswith("#"):
        await user.send(text)
        return
    message = next(item for item in reversed(user.replies) if item.kind == "message" and item.buttons)
    wanted, data = text[1:], message.callback_data
    chosen = data[int(wanted) - 1] if wanted.isdigit() else next(d for d in data if d.endswith("|" + wanted))
    await user.press(message, chosen)


async def first_reply(fake: FakeTelegram, user, text: str, timeout: float) -> float:
    """Act and wait for the bot's first output in the chat; seconds from the act to it."""
    before = len(user.replies)
    sent = time.perf_counter()
    await act(user, text)
    try:
        await fake.world.output_to(user.id, before, timeout)
    except TimeoutError:
        raise LostReply(f"user {user.id}: no reply within {timeout:.0f} s to {text[:24]!r} "
                        f"({where_is(fake, user.id)})") from None
    return time.perf_counter() - sent


def where_is(fake: FakeTelegram, user_id: int) -> str:
    """Whether the bot ever fetched the user's update: it tells a poller that stalled from a lost reply."""
    pending = fake.world.pending
    mine = sum(1 for u in pending if (u.get("message") or u.get("callback_query") or {}).get("from", {}).get("id")
               == user_id)
    polls = fake.calls_to("getUpdates")
    return (f"{'still at the server: the bot never confirmed it' if mine else 'fetched by the bot'}; "
            f"{len(pending)} update(s) pending there; {len(polls)} getUpdates so far")


async def official(fake: FakeTelegram, user_id: int, first: str, answers: list[str], samples: list,
                   timeout: float, think: float, rng: random.Random, document: bool) -> None:
    user = fake.user(user_id, f"官员{user_id}")
    if think:
        await asyncio.sleep(rng.uniform(0, RAMP_UP_S))  # officials arrive over a few seconds, not at once
    for index, text in enumerate([first, *answers]):
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        sent = time.perf_counter()
        samples.append((sent, await first_reply(fake, user, text, timeout), index))
    while document and not any(item.kind == "document" for item in user.replies):
        try:
            await fake.world.output_to(user.id, len(user.replies), timeout)
        except TimeoutError:
            raise LostReply(f"user {user_id}: no .docx within {timeout:.0f} s after 「生成」") from None


async def phase(fake: FakeTelegram, first_id: int, firsts: list[str], answers: list[str], timeout: float,
                think: float, quiet: bool = False, document: bool = True,
                keep: list | None = None) -> tuple[float, list[float], list[float]]:
    """(updates/s and latencies over the middle 80 % of the phase — ramp-up and the stragglers'
    tail left out —, every update's latency). ``keep`` gets every (sent, latency, index)."""
    rng = random.Random(first_id)
    samples: list[tuple[float, float, int]] = []
    async with asyncio.TaskGroup() as group:
        for i, first in enumerate(firsts):
            group.create_task(official(fake, first_id + i, first, answers, samples, timeout, think, rng, document))
    if keep is not None:
        keep += samples
    sent = sorted(s for s, _, _ in samples)
    low, high = sent[len(sent) // 10], sent[len(sent) * 9 // 10]
    rate = (len(sent) * 8 // 10) / (high - low)
    steady = [latency for s, latency, _ in samples if low <= s <= high]
    slowest = sorted(samples, key=lambda s: s[1])[-max(1, len(samples) // 100):]
    kinds = statistics.multimode(index for _, _, index in slowest)
    if not quiet:
        print(f"  (slowest 1 %: mostly answer #{kinds[0]} of each interview)")
    return rate, steady, [latency for _, latency, _ in samples]


async def settle(fake: FakeTelegram, users: list) -> None:
    """Until no chat of ``users`` got anything new for SETTLE_S (the rest of a multi-piece reply)."""
    counts = [len(user.replies) for user in users]
    while True:
        await asyncio.sleep(SETTLE_S)
        now = [len(user.replies) for user in users]
        if now == counts:
            return
        counts = now


async def lockstep(fake: FakeTelegram, first_id: int, codes: list[str], answers: list[str], timeout: float,
                   roots: list[int]) -> tuple[list[float], list[float]]:
    """All officials give answer #i at once, for every i: (CPU seconds per official, median latency) by i."""
    users = [fake.user(first_id + i, f"官员{first_id + i}") for i in range(len(codes))]
    cpu, latency = [], []
    # What the processes spend doing nothing (polls, rescans, LISTEN) is taken off each step, by its length.
    idle_started, idle_before = time.perf_counter(), cpu_ns(roots)
    await asyncio.sleep(IDLE_PROBE_S)
    idle_rate = (cpu_ns(roots) - idle_before) / (time.perf_counter() - idle_started)
    for index in range(len(answers) + 1):
        texts = [f"/join {code}" for code in codes] if index == 0 else [answers[index - 1]] * len(users)
        started, before = time.perf_counter(), cpu_ns(roots)
        async with asyncio.TaskGroup() as group:
            waits = [group.create_task(first_reply(fake, user, text, timeout)) for user, text in zip(users, texts)]
        await settle(fake, users)
        busy = cpu_ns(roots) - before - idle_rate * (time.perf_counter() - started)
        cpu.append(max(0.0, busy) / 1e9 / len(users))
        latency.append(statistics.median(w.result() for w in waits))
    for user in users:
        if answers[-1] == "生成":
            await fake.wait_for(lambda u=user: any(i.kind == "document" for i in u.replies), timeout)
    return cpu, latency


# ---- bots and databases -------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    echo: bool = False
    db: str | None = None       # None: fresh SQLite file; "postgres": fresh database in the cluster
    workers: int = 1


@dataclass
class Result:
    setup: Setup
    load_rate: float = float("nan")
    sat_rate: float = float("nan")
    load: tuple = ()             # (steady, every) latencies
    saturated: tuple = ()
    cpu_ms: float = float("nan")     # per update, the bot's process tree
    db_cpu_ms: float = 0.0           # per update, the PostgreSQL server's
    rss_mb: float = 0.0
    early: tuple | None = None       # (index, CPU s, median latency s)
    late: tuple | None = None
    late_note: str = ""
    profile: list[float] = field(default_factory=list)  # CPU s per official by answer (lockstep phase)
    stderr: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def total_cpu_ms(self) -> float:
        return self.cpu_ms + self.db_cpu_ms

    @property
    def answer_ratio(self) -> float:
        return self.late[1] / self.early[1] if self.early and self.late else float("nan")


class Databases:
    """Fresh databases: SQLite files in a temp dir, or databases in one throw-away PostgreSQL cluster."""

    def __init__(self, tmp: str) -> None:
        self.tmp, self.cluster, self.count = tmp, None, 0

    def fresh(self, db: str | None) -> str:
        self.count += 1
        if db is None:
            return f"sqlite:///{self.tmp}/bench{self.count}.sqlite"
        if db != "postgres":
            return db
        if self.cluster is None:
            from pgcluster import PostgresCluster

            self.cluster = PostgresCluster().start()
        import psycopg

        with psycopg.connect(self.cluster.conninfo(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE bench{self.count}")
        return self.cluster.database_url(f"bench{self.count}")

    @property
    def server_pids(self) -> list[int]:
        return [self.cluster.process.pid] if self.cluster is not None and self.cluster.process else []

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def describe(error: BaseException) -> str:
    """An error in one line; a TaskGroup's: its first exception and how many there were."""
    if isinstance(error, BaseExceptionGroup):
        leaves = []
        todo = [error]
        while todo:
            e = todo.pop(0)
            todo += e.exceptions if isinstance(e, BaseExceptionGroup) else []
            leaves += [] if isinstance(e, BaseExceptionGroup) else [e]
        return f"{describe(leaves[0])}" + (f" (and {len(leaves) - 1} more)" if len(leaves) > 1 else "")
    return f"{type(error).__name__}: {error}"


def make_invites(url: str, count: int, reused: bool = False) -> list[str]:
    """Invite codes for ``count`` organs of 托里县; in a database given by --db (``reused``) the organs'
    names carry a stamp, so that no earlier run's report for them is in the way."""
    stamp = f"{time.time_ns() % 10**8}-" if reused else ""
    store = Store.open(url)
    try:
        return [store.create_invite(COUNTY, ORGAN.format(f"{stamp}{i}"), by=1, ttl=timedelta(hours=2))
                for i in range(count)]
    finally:
        store.close()


class BotProcess:
    """`nianbao run` (or the echo bot) as a child process against ``fake``; stdout+stderr to a file."""

    def __init__(self, setup: Setup, fake: FakeTelegram, url: str | None, tmp: str) -> None:
        self.setup, self.fake, self.url = setup, fake, url
        logs = Path(os.environ.get("BENCH_BOT_LOGS") or tmp)
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / f"{setup.name.replace(' ', '')}-{time.monotonic_ns()}.log"
        self.config = Path(tmp) / "config.toml"
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> BotProcess:
        fake = self.fake
        env = {k: v for k, v in os.environ.items() if k != "NIANBAO_TELEGRAM_TOKEN"}
        env["NO_PROXY"] = "127.0.0.1,localhost"
        if self.setup.echo:
            command = [sys.executable, str(ECHO_BOT), fake.token, fake.base_url, "10"]
        else:
            self.config.write_text(
                f'[telegram]\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\n'
                f'base_file_url = "{fake.base_file_url}"\nmax_messages_per_second = 0\n'
                f'[database]\nurl = "{self.url}"\n[logging]\nlevel = "WARNING"\n', encoding="utf-8")
            command = [sys.executable, "-m", "nianbao", "run", "--config", str(self.config), "--poll-timeout", "10",
                       "--workers", str(self.setup.workers)]
        with open(self.log, "wb") as log:
            self.process = await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log)
        ready = (lambda: fake.calls_to("getUpdates")) if self.setup.echo else (
            lambda: fake.calls_to("getUpdates") and len(fake.calls_to("setMyCommands")) >= self.setup.workers)
        try:
            await fake.wait_for(ready, 60)
        except TimeoutError:
            await self.__aexit__()
            raise RuntimeError(f"{self.setup.name}: the bot did not start; it said: {self.output()[-5:]}") from None
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return sum(peak_rss_mb(pid) for pid in process_tree([self.pid]))

    def output(self) -> list[str]:
        with contextlib.suppress(OSError):
            return [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return []

    async def __aexit__(self, *exc) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def first_messages(setup: Setup, codes: list[str]) -> list[str]:
    return [ECHO_FIRST] * len(codes) if setup.echo else [f"/join {code}" for code in codes]


def late_index(answers: list[str]) -> tuple[int, str]:
    """The answer compared with #EARLY: #LATE, or the script's last one before 「生成」 when it is shorter."""
    last = len(answers) - (answers[-1] == "生成")
    if last >= LATE:
        return LATE, ""
    return last, f"(the script has no answer #{LATE}: #{last} is its last before 「生成」)"


async def measure(setup: Setup, dbs: Databases, officials: int, rate: float, timeout: float,
                  answers: list[str], per_answer: bool, verbose: bool) -> Result:
    """One bot: warm-up, load, the lockstep per-answer phase, saturation (CPU over load + saturation).
    The most demanding phase last: when one fails, the setup ends there, with what it measured so far."""
    result = Result(setup)
    warm = 2 * setup.workers
    lock_answers = script("full-figures.script")
    per_answer = per_answer and not setup.echo
    url = None
    if not setup.echo:
        url = dbs.fresh(setup.db)
        codes = make_invites(url, 2 * officials + warm + (2 * warm + LOCKSTEP_OFFICIALS) * per_answer,
                             reused=setup.db not in (None, "postgres"))
    else:
        codes = [""] * (2 * officials + warm)
    db_pids = dbs.server_pids if setup.db == "postgres" else []
    spare = codes[2 * officials:-warm]
    handled, spent, spent_db = 0, 0.0, 0.0

    def account(before: tuple[float, float], updates: int) -> None:
        nonlocal handled, spent, spent_db
        handled += updates
        spent += cpu_seconds([bot.pid]) - before[0]
        spent_db += cpu_seconds(db_pids) - before[1]
        result.cpu_ms = spent / handled * 1000
        result.db_cpu_ms = spent_db / handled * 1000
        result.rss_mb = bot.rss_mb()

    async with FakeTelegram() as fake:
        bot = BotProcess(setup, fake, url, dbs.tmp)
        try:
            async with bot:
                think = officials / rate if rate else 0.0
                document = not setup.echo
                if verbose:
                    print(f"{officials} officials, {len(answers) + 1} updates each (ending in their .docx); "
                          f"load phase offers {rate:.0f} updates/s")
                    print("updates/s, p50, p99: the middle 80 % of each phase; last column: p99 of all updates")
                    print(f"{'phase':<12}{'updates':>9}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}"
                          f"{'p99 all ms':>14}")
                # Warm-up (not measured): the first interview loads the catalogue, compiles the
                # templates and starts the rendering process — once in a bot's life, not per answer.
                # The full-figures script's steps too, in every worker.
                warm_ups = [phase(fake, 9_000, first_messages(setup, codes[-warm:]), answers, timeout, 0.0,
                                  quiet=True, document=document)]
                if per_answer:
                    warm_ups.append(lockstep(fake, 30_000, spare[:2 * warm], lock_answers, timeout, [bot.pid]))
                await asyncio.gather(*warm_ups)
                before = cpu_seconds([bot.pid]), cpu_seconds(db_pids)
                result.load_rate, *result.load = await phase(
                    fake, 10_000, first_messages(setup, codes[:officials]), answers, timeout, think,
                    quiet=not verbose, document=document)
                account(before, len(result.load[1]))
                if verbose:
                    report("load", result.load_rate, *result.load)
                if per_answer:
                    cpu, latency = await lockstep(fake, 31_000, spare[2 * warm:], lock_answers, timeout,
                                                  [bot.pid, *db_pids])
                    late, result.late_note = late_index(lock_answers)
                    result.early = (EARLY, cpu[EARLY], latency[EARLY])
                    result.late = (late, cpu[late], latency[late])
                    result.profile = cpu
                before = cpu_seconds([bot.pid]), cpu_seconds(db_pids)
                result.sat_rate, *result.saturated = await phase(
                    fake, 20_000, first_messages(setup, codes[officials:2 * officials]), answers, timeout, 0.0,
                    quiet=not verbose, document=document)
                account(before, len(result.saturated[1]))
                if verbose:
                    report("saturation", result.sat_rate, *result.saturated)
        except Exception as error:  # noqa: BLE001 — one setup failing must not hide the others' numbers
            result.error = describe(error)
        result.stderr = bot.output()
    return result


def report(name: str, rate: float, steady: list[float], every: list[float]) -> float:
    q, q_all = statistics.quantiles(steady, n=100), statistics.quantiles(every, n=100)
    print(f"{name:<12}{len(every):>9}{rate:>12.0f}{q[49] * 1000:>10.1f}{q[98] * 1000:>10.1f}"
          f"{q_all[98] * 1000:>14.1f}")
    return q[98]


def quantile_ms(values, q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else float("nan")


# ---- the /progress phase ------------------------------------------------------------------------


@dataclass
class ProgressResult:
    alone: list[float] = field(default_factory=list)      # officials' latencies without /progress
    beside: list[float] = field(default_factory=list)     # … while the admin asks for /progress
    overlapping: list[float] = field(default_factory=list)  # … of those, sent while a /progress was answered
    first: list[float] = field(default_factory=list)      # /progress: to its first message
    full: list[float] = field(default_factory=list)       # … to its last piece
    asked: list[tuple[float, float]] = field(default_factory=list)  # each /progress: (sent, fully answered)
    pieces: int = 0
    setup_s: float = 0.0
    stderr: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def delay_ms(self) -> float:
        return quantile_ms(self.beside, 99) - quantile_ms(self.alone, 99)


def big_county(url: str, organs: int) -> None:
    """``organs`` organs in 托里县, each with an invite and a draft report (ten answers in), and an admin."""
    from nianbao.dialogs.interview import Interview
    from nianbao.dialogs.scripted import play

    today = date.today()
    interview = Interview.new(today=today, organ=BIG_ORGAN.format(0), county=COUNTY,
                              given={"organ": BIG_ORGAN.format(0), "county": COUNTY, "organ_level": "other"})
    play(interview, script()[:10])
    saved = interview.to_json()
    store = Store.open(url)
    try:
        for i in range(organs):
            store.create_invite(COUNTY, BIG_ORGAN.format(i), by=1, ttl=timedelta(days=30))
            with contextlib.suppress(ReportExists):  # a database given by --db may have them already
                store.create_report(800_000 + i, BIG_ORGAN.format(i), COUNTY, today.year - 1, saved,
                                    activate=False)
        store.grant(ADMIN_ID, COUNTY, "admin", by=1)
    finally:
        store.close()


async def admin_asks(fake: FakeTelegram, admin, pieces: int, stop: asyncio.Event, out: ProgressResult,
                     timeout: float) -> None:
    while not stop.is_set():
        sent = time.perf_counter()
        before = len(admin.replies)
        out.first.append(await first_reply(fake, admin, "/progress", timeout))
        while len(admin.replies) < before + pieces:
            await fake.world.output_to(admin.id, len(admin.replies), timeout)
        out.full.append(time.perf_counter() - sent)
        out.asked.append((sent, time.perf_counter()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, sent + PROGRESS_PERIOD_S - time.perf_counter()))


async def progress_phase(setup: Setup, dbs: Databases, answers: list[str], timeout: float) -> ProgressResult:
    out = ProgressResult()
    started = time.perf_counter()
    url = dbs.fresh(setup.db)
    big_county(url, PROGRESS_ORGANS)
    codes = make_invites(url, 2 * PROGRESS_ROUNDS * PROGRESS_OFFICIALS + 2,
                         reused=setup.db not in (None, "postgres"))
    out.setup_s = time.perf_counter() - started
    async with FakeTelegram() as fake:
        bot = BotProcess(setup, fake, url, dbs.tmp)
        try:
            async with bot:
                await phase(fake, 9_000, first_messages(setup, codes[-2:]), answers, timeout, 0.0, quiet=True)
                admin = fake.user(ADMIN_ID, "县管理员")
                await first_reply(fake, admin, "/progress", timeout)  # warm-up, and how many pieces it has
                await settle(fake, [admin])
                await asyncio.sleep(1.0)
                out.pieces = len(admin.replies)
                firsts = first_messages(setup, codes[:2 * PROGRESS_ROUNDS * PROGRESS_OFFICIALS])
                groups = [firsts[i:i + PROGRESS_OFFICIALS] for i in range(0, len(firsts), PROGRESS_OFFICIALS)]
                kept: list[tuple[float, float, int]] = []
                for number, group in enumerate(groups):  # alone, beside, alone, beside: drifts cancel
                    if number % 2 == 0:
                        _, _, alone = await phase(fake, 40_000 + 1000 * number, group, answers, timeout,
                                                  PROGRESS_THINK_S, quiet=True)
                        out.alone += alone
                        continue
                    stop = asyncio.Event()
                    asking = asyncio.create_task(admin_asks(fake, admin, out.pieces, stop, out, timeout))
                    try:
                        _, _, beside = await phase(fake, 40_000 + 1000 * number, group, answers, timeout,
                                                   PROGRESS_THINK_S, quiet=True, keep=kept)
                        out.beside += beside
                    finally:
                        stop.set()
                        await asking
                out.overlapping = [latency for sent, latency, _ in kept
                                   if any(asked <= sent < done for asked, done in out.asked)]
        except Exception as error:  # noqa: BLE001
            out.error = describe(error)
        out.stderr = bot.output()
    return out


def print_progress(out: ProgressResult, name: str) -> bool:
    print(f"/progress phase ({name}): {PROGRESS_ORGANS} organs with a draft each in {COUNTY} "
          f"(set up in {out.setup_s:.0f} s); {PROGRESS_OFFICIALS} officials at a time, ~"
          f"{PROGRESS_OFFICIALS / PROGRESS_THINK_S:.0f} updates/s, {PROGRESS_ROUNDS} × (alone, beside the admin's "
          f"/progress every {PROGRESS_PERIOD_S} s); its reply: {out.pieces} message(s)")
    if out.error:
        print(f"  FAILED: {out.error}")
    if out.alone:
        print(f"  {'officials':<28}{'updates':>9}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        for name, values in (("without /progress", out.alone), ("beside /progress", out.beside),
                             ("  … sent during a /progress", out.overlapping)):
            if values:
                print(f"  {name:<28}{len(values):>9}{quantile_ms(values, 50):>10.1f}{quantile_ms(values, 99):>10.1f}"
                      f"{max(values) * 1000:>10.1f}")
    if out.first:
        print(f"  /progress replies: {len(out.first)}; first message p50 {statistics.median(out.first) * 1000:.0f} ms"
              f" (max {max(out.first) * 1000:.0f}); all {out.pieces} pieces p50 "
              f"{statistics.median(out.full) * 1000:.0f} ms (max {max(out.full) * 1000:.0f})")
    ok = not out.error and bool(out.beside) and out.delay_ms <= 50
    during = [quantile_ms(out.overlapping, q) - quantile_ms(out.alone, q) if len(out.overlapping) > 1
              else float("nan") for q in (50, 99)]
    print(f"  officials' p99 delayed by {out.delay_ms:.1f} ms (target ≤ 50 ms): {'met' if ok else 'MISSED'}; "
          f"updates sent during a /progress: p50 {during[0]:+.1f} ms, p99 {during[1]:+.1f} ms against alone")
    return ok


def print_stderr(name: str, lines: list[str]) -> None:
    """What the bot logged, summarised: each distinct line (timestamps and chat hashes left out, traceback
    frames skipped) with how often it came."""
    if not lines:
        return
    counts: dict[str, int] = {}
    for line in lines:
        if line.startswith((" ", "\t", "Traceback", "During handling", "The above exception")) or set(line) <= {"^", "~", " "}:
            continue
        words = line.split()
        if len(words) > 2 and words[0][:2] == "20" and words[0].count("-") == 2:
            words = words[2:]  # the log record's date and time
        text = " ".join("…" if len(w.rstrip(":")) == 8 and all(c in "0123456789abcdef" for c in w.rstrip(":"))
                        else w for w in words)
        counts[text] = counts.get(text, 0) + 1
    print(f"{name}: the bot wrote {len(lines)} line(s) to stdout/stderr; distinct messages, most frequent first:")
    for text, count in sorted(counts.items(), key=lambda item: -item[1])[:10]:
        print(f"  {count:>5} × {text[:220]}")


# ---- runs -----------------------------------------------------------------------------------------


async def single(setup: Setup, officials: int, rate: float, timeout: float) -> int:
    answers = script()
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(tmp)
        try:
            r = await measure(setup, dbs, officials, rate, timeout, answers, per_answer=True, verbose=True)
        finally:
            dbs.close()
    if r.error:
        print(f"FAILED: {r.error}")
    print_stderr(setup.name, r.stderr)
    if not r.load:
        return 1
    p99 = statistics.quantiles(r.load[0], n=100)[98]
    db = f" + database server {r.db_cpu_ms:.2f}" if setup.db == "postgres" else ""
    print(f"bot peak RSS (all its processes) {r.rss_mb:.0f} MB; CPU {r.cpu_ms:.2f}{db} ms per update "
          f"({'load and saturation phases' if r.saturated else 'load phase only'})")
    if r.early:
        print(f"CPU per answer (full-figures script, {LOCKSTEP_OFFICIALS} officials in lockstep): #{r.early[0]} "
              f"{r.early[1] * 1000:.2f} ms, #{r.late[0]} {r.late[1] * 1000:.2f} ms: ratio {r.answer_ratio:.2f} "
              f"{r.late_note}")
        print("  CPU ms by answer #1…: " + " ".join(f"{c * 1000:.1f}" for c in r.profile[1:]))
    print("targets: ≥ 200 updates/s sustained (load phase keeps up, saturation ≥ 200), p99 < 50 ms, RSS < 300 MB, "
          "answer #45 ≤ 1.1 × answer #5 in CPU")
    ok = (not r.error and r.load_rate >= 0.9 * rate and r.sat_rate >= 200 and p99 < 0.05 and r.rss_mb < 300
          and r.answer_ratio <= 1.1)
    return 0 if ok else 1


async def progress_only(setup: Setup, timeout: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(tmp)
        try:
            out = await progress_phase(setup, dbs, script(), timeout)
        finally:
            dbs.close()
    ok = print_progress(out, setup.name)
    print_stderr("/progress phase", out.stderr)
    return 0 if ok else 1


MATRIX = [Setup("echo bot (PTB)", echo=True), Setup("SQLite × 1"), Setup("PostgreSQL × 1", db="postgres"),
          Setup("PostgreSQL × 2", db="postgres", workers=2), Setup("PostgreSQL × 4", db="postgres", workers=4)]


async def matrix(officials: int, rate: float, timeout: float) -> int:
    answers = script()
    results: list[Result] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(tmp)
        try:
            for setup in MATRIX:
                r = await measure(setup, dbs, officials, rate, timeout, answers, per_answer=True, verbose=False)
                results.append(r)
                got = (f"load {r.load_rate:.0f} upd/s p99 {quantile_ms(r.load[0], 99):.0f} ms, "
                       f"CPU {r.total_cpu_ms:.2f} ms/upd" if r.load else "nothing measured")
                got += f", #{r.late[0]}/#{r.early[0]} CPU {r.answer_ratio:.2f}" if r.early else ""
                got += f", saturation {r.sat_rate:.0f} upd/s" if r.saturated else ""
                print(f"  {setup.name}: done at {time.perf_counter() - started:.0f} s: {got}"
                      f"{'; FAILED: ' + r.error if r.error else ''}", flush=True)
            progress = await progress_phase(Setup("SQLite × 1"), dbs, answers, timeout)
            print(f"  /progress phase: done at {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            dbs.close()
    echo = results[0]
    echo_cpu = echo.total_cpu_ms if echo.load else float("nan")
    print()
    print(f"{officials} officials × {len(answers) + 1} updates per phase (nianbao: hatu's script ending in the "
          f".docx; echo bot: the same texts, one reply each); load phase offers {rate:.0f} updates/s")
    print("sat upd/s: saturation, middle 80 %; p50/p99: load phase, middle 80 %; CPU: load + saturation phases, "
          "per update answered; ×echo: (bot + database server) / echo bot")
    print(f"{'setup':<16}{'sat upd/s':>10}{'load upd/s':>11}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/upd':>11}"
          f"{'+DB ms':>8}{'×echo':>7}{'RSS MB':>8}")
    for r in results:
        if not r.load:
            print(f"{r.setup.name:<16}  FAILED: {r.error}")
            continue
        q = statistics.quantiles(r.load[0], n=100)
        sat = f"{r.sat_rate:>10.0f}" if r.saturated else f"{'FAILED':>10}"
        db = f"{r.db_cpu_ms:>8.2f}" if r.setup.db == "postgres" else f"{'–':>8}"
        note = "" if r.saturated else "  (CPU: load phase only)"
        print(f"{r.setup.name:<16}{sat}{r.load_rate:>11.0f}{q[49] * 1000:>8.1f}{q[98] * 1000:>8.1f}"
              f"{r.cpu_ms:>11.2f}{db}{r.total_cpu_ms / echo_cpu:>7.2f}{r.rss_mb:>8.0f}{note}")
    nianbao = [r for r in results if not r.setup.echo]
    one = next((r for r in nianbao if r.setup.db == "postgres" and r.setup.workers == 1 and r.saturated), None)
    if one:
        scaling = ", ".join(f"× {r.setup.workers}: {r.sat_rate / one.sat_rate:.2f}× the updates/s at "
                            f"{r.total_cpu_ms / one.total_cpu_ms:.2f}× the CPU per update"
                            for r in nianbao if r.setup.db == "postgres" and r.setup.workers > 1 and r.saturated)
        print(f"PostgreSQL workers on {os.cpu_count()} cores, against × 1: {scaling}")
    print()
    print(f"CPU per answer: the full-figures script, {LOCKSTEP_OFFICIALS} officials in lockstep (bot + database "
          "server, schedstat ns, idle CPU taken off); "
          "median latency of the same steps beside")
    print(f"{'setup':<16}{'#5 CPU ms':>10}{'#45 CPU ms':>11}{'ratio':>7}{'#5 p50 ms':>11}{'#45 p50 ms':>12}")
    for r in nianbao:
        if r.early:
            print(f"{r.setup.name:<16}{r.early[1] * 1000:>10.2f}{r.late[1] * 1000:>11.2f}{r.answer_ratio:>7.2f}"
                  f"{r.early[2] * 1000:>11.1f}{r.late[2] * 1000:>12.1f} {r.late_note}")
        else:
            print(f"{r.setup.name:<16}  not measured")
    print()
    progress_ok = print_progress(progress, "SQLite × 1")
    print()
    for r in results:
        print_stderr(r.setup.name, r.stderr)
    print_stderr("/progress phase", progress.stderr)
    cpu_ok = all(r.saturated and r.total_cpu_ms <= 1.5 * echo_cpu for r in nianbao) and bool(echo.saturated)
    answer_ok = all(r.answer_ratio <= 1.1 for r in nianbao)
    failed = [r.setup.name for r in results if r.error]

    def verdict(ok: bool, measured: bool) -> str:
        return "met" if ok else "MISSED" if measured else "MISSED (not measured in every setup)"

    print(f"targets: CPU per update ≤ 1.5 × the echo bot's: "
          f"{verdict(cpu_ok, all(r.saturated for r in results))}; "
          f"answer #45 ≤ 1.1 × answer #5: {verdict(answer_ok, all(r.early for r in nianbao))}; "
          f"/progress delays others ≤ 50 ms: {'met' if progress_ok else 'MISSED'}"
          f"{'; failed setups: ' + ', '.join(failed) if failed else ''}")
    return 0 if cpu_ok and answer_ok and progress_ok and not failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=None, help="per phase (default 200; --matrix: 100)")
    parser.add_argument("--rate", type=float, default=200, help="updates/s the officials offer in the load phase")
    parser.add_argument("--timeout", type=float, default=None,
                        help="s an official waits for a reply before it counts as lost (default 60; --matrix: 30)")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="database URL, or 'postgres' for a throw-away cluster (default: a temp SQLite file)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="nianbao run --workers N")
    parser.add_argument("--matrix", action="store_true",
                        help="echo bot, SQLite × 1, PostgreSQL × 1, 2, 4 and the /progress phase: one table")
    parser.add_argument("--progress", action="store_true", help="only the 2,000-organ /progress phase")
    args = parser.parse_args()
    if args.matrix and (args.db or args.workers != 1 or args.progress):
        parser.error("--matrix chooses its own databases and workers")
    if args.matrix:
        return asyncio.run(matrix(args.officials or 100, args.rate, args.timeout or 30))
    setup = Setup(f"{'PostgreSQL' if args.db == 'postgres' else 'SQLite' if not args.db else args.db} "
                  f"× {args.workers}", db=args.db, workers=args.workers)
    if args.progress:
        return asyncio.run(progress_only(setup, args.timeout or 60))
    return asyncio.run(single(setup, args.officials or 200, args.rate, args.timeout or 60))


if __name__ == "__main__":
    sys.exit(main())
