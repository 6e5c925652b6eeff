"""Crash tests: the bot as real processes against FakeTelegram, SIGKILLed at any instant, and simulated
officials who answer a whole interview through it.

The guarantee under test: every answer applied exactly once, every reply and document delivered at
least once, whatever instant the process dies, with one worker or several.

    config = write_config(tmp_path / "config.toml", fake, url)
    bot = BotRun(config, tmp_path / "bot.stderr")
    await bot.start()
    officials = make_officials(fake, url, 50)          # invites in the store, references computed
    await bot.kill(); await bot.start()                # anywhere, any time
    await drive_all(officials)                         # /join, every answer, until the .docx
    assert check_outcome(url, officials).problems == []

An official never resends: when the reply is late (the bot is down), they wait — the guarantee says it
comes after the restart. What they saw is then compared with an uninterrupted in-process run of the
same script (``Reference``): the same questions in the same order (a message sent but not yet marked
delivered at a kill may come twice), the same stored report, each answer logged exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from botkit import script_answers
from fakebot import FakeTelegram
from fakebot.records import SentItem

from nianbao.bot.messages import split_text
from nianbao.workflow.storage import Store
from nianbao.dialogs.catalogue import load_catalogue
from nianbao.dialogs.interview import Interview
from nianbao.dialogs.proposals import level_from_name
from nianbao.dialogs.scripted import for_transport
from nianbao.dialogs.scripted import shown_buttons

SCRIPT = "hatu-2024.script"
COUNTY = "托里县"
DOCUMENT = "<document>"   # an expected item that is a .docx rather than a message text


# ---- the bot as a process ---------------------------------------------------------------------------


def write_config(path: Path, fake: FakeTelegram, db_url: str, *, rendering_workers: int = 0,
                 max_retries: int = 3, level: str = "WARNING") -> Path:
    """A config TOML for the bot against ``fake`` on ``db_url`` (no rate limit, logging ``level``)."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    path.write_text(
        "[telegram]\n"
        f"token = {q(fake.token)}\nbase_url = {q(fake.base_url)}\nbase_file_url = {q(fake.base_file_url)}\n"
        f"max_messages_per_second = 0\nmax_retries = {max_retries}\n"
        f"[database]\nurl = {q(db_url)}\n"
        f"[logging]\nlevel = {q(level)}\n"
        f"[rendering]\nworkers = {rendering_workers}\n"
        "[reminders]\nenabled = false\n", encoding="utf-8")  # wall-clock runs: no January reminder in between
    return path


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (from /proc/*/stat), lowest pid first."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, …
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class BotRun:
    """``nianbao run --config FILE --poll-timeout 1 [--workers N]`` as a subprocess, restartable.

    Every start appends to one stderr file (with a marker line); ``kill`` SIGKILLs the process,
    ``kill_worker`` one child worker of a ``--workers`` supervisor (which starts it again).
    """

    def __init__(self, config: Path, stderr_path: Path, *, workers: int = 1, env: dict | None = None) -> None:
        self.config, self.stderr_path, self.workers = config, stderr_path, workers
        self.extra_env = env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills: list[tuple[float, str]] = []   # (monotonic time, what was killed)
        self.started_at = 0.0

    @property
    def command(self) -> list[str]:
        command = [sys.executable, "-m", "nianbao", "run", "--config", str(self.config), "--poll-timeout", "1"]
        return command + (["--workers", str(self.workers)] if self.workers != 1 else [])

    async def start(self) -> None:
        assert self.process is None or self.process.returncode is not None, "already running"
        env = {**os.environ, **self.extra_env}
        env.pop("NIANBAO_TELEGRAM_TOKEN", None)
        env.pop("NIANBAO_CONFIG", None)
        self.starts += 1
        with open(self.stderr_path, "a", encoding="utf-8") as log:
            log.write(f"=== crashkit: start {self.starts} ===\n")
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                *self.command, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=log)
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL the bot process (no clean-up of any kind runs) and reap it."""
        assert self.process is not None
        with _gone_ok():
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills.append((time.monotonic(), f"process {self.process.pid}"))

    def worker_pids(self) -> list[int]:
        """The supervisor's live worker processes."""
        return children_of(self.pid) if self.running else []

    async def wait_workers(self, n: int | None = None, *, replacing: list[int] = (), timeout: float = 20.0
                           ) -> list[int]:
        """Wait until the supervisor has ``n`` (default: --workers) live workers, at least one of them
        not among ``replacing`` (a killed one's successor); their pids. Polls /proc ten times a second."""
        n = self.workers if n is None else n
        deadline = time.monotonic() + timeout
        while True:
            pids = self.worker_pids()
            if len(pids) >= n and (not replacing or set(pids) - set(replacing)):
                return pids
            if time.monotonic() > deadline:
                raise TimeoutError(f"supervisor {self.pid} has workers {pids}, wanted {n} "
                                   f"(replacing one of {list(replacing)}): {self.stderr()[-2000:]}")
            await asyncio.sleep(0.1)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker child (the supervisor notices and starts another)."""
        assert pid in self.worker_pids(), f"{pid} is not a worker of {self.pid}"
        os.kill(pid, signal.SIGKILL)
        self.kills.append((time.monotonic(), f"worker {pid}"))

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait (the supervisor stops its workers first); SIGKILL after ``timeout``."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        workers = self.worker_pids()
        with _gone_ok():
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with _gone_ok():
                self.process.kill()
            await self.process.wait()
        supervisor = str(self.process.pid)
        for pid in workers:  # they die with their parent anyway (lifeline.py); make sure
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue  # gone
            if b"--child-of" in argv and supervisor.encode() in argv:  # still ours, not a reused pid
                with _gone_ok():
                    os.kill(pid, signal.SIGKILL)
        return self.process.returncode

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def lease_holder(url: str, lease: str, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the PostgreSQL lease ``lease`` (leases.py: a session advisory lock),
    e.g. ``nianbao.bot.app.POLLER_LEASE``: the lock's backend → its client port → the process with
    that socket open. None when nobody holds it (yet)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from nianbao.workflow.storage import lock_key

    key = lock_key(f"lease:{lease}") & 0xFFFF_FFFF_FFFF_FFFF  # bigint locks: classid = high, objid = low half
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = %s AND l.objid = %s",
            (key >> 32, key & 0xFFFF_FFFF)).fetchone()
    if row is None:
        return None
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rpartition(":")[2], 16) == row[0]:
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):  # closed meanwhile
                if os.readlink(fd) in inodes:
                    return pid
    return None


class _gone_ok:
    """Ignore ProcessLookupError: the process may have died by itself meanwhile."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        return kind is not None and issubclass(kind, ProcessLookupError)


def trouble_in(stderr: str) -> list[str]:
    """Lines of the bot's stderr that point at a bug: tracebacks and ERROR/CRITICAL log lines."""
    lines = stderr.splitlines()
    return [line for line in lines
            if line.startswith("Traceback") or " ERROR " in line or " CRITICAL " in line]


# ---- invites and the reference run ---------------------------------------------------------------


def create_invites(url: str, organs: list[str], county: str = COUNTY) -> list[str]:
    """One fresh invite code per organ, written straight into the store."""
    store = Store.open(url)
    try:
        return [store.create_invite(county, organ, by=1, ttl=timedelta(hours=2)) for organ in organs]
    finally:
        store.close()


def contact_of(organ: str) -> str:
    """The contact an official types for their organ (what tells one official's answers from another's)."""
    return f"{organ}院内，0901-3651234"


@dataclass
class Reference:
    """What an uninterrupted run of the script gives, in-process (no bot, no transport)."""

    organ: str
    county: str
    lines: list[str]                 # the official's actions after "/join CODE"
    expected: list[list[str]]        # per action (0: the /join), the message texts (DOCUMENT: a .docx)
    report: dict                     # interview_json["report"] at the end
    history: list                    # interview_json["history"]: [step, raw, value] per accepted answer
    pressed: list[list[str] | None]  # per action: for a button press, the message text it is pressed on

    @property
    def steps(self) -> list[str]:
        return [entry[0] for entry in self.history]


def _items(replies) -> list[str]:
    """What the bot sends for these replies: each text split as the sender splits it, then a document."""
    items: list[str] = []
    for reply in replies:
        if reply.text:
            items += split_text(reply.text)
        if reply.render:
            items.append(DOCUMENT)
    return items


def reference(organ: str, county: str = COUNTY, lines: list[str] | None = None, *,
              today: date | None = None) -> Reference:
    """Play the script once in-process as the bot would (typed text → answer, "#x" → the button press):
    organ, county and level known from the invite, the official typing their own organ's contact."""
    if lines is None:
        lines = script_answers(SCRIPT, known=())
        lines = for_transport([f"@contact {contact_of(organ)}" if line.startswith("@contact ") else line
                               for line in lines])
    today = today or datetime.now(timezone.utc).date()  # the bot's clock is the wall clock
    level = level_from_name(organ, load_catalogue().organ_kinds)
    interview = Interview.new(today=today, organ=organ, county=county,
                              given={"organ": organ, "county": county, "organ_level": level})
    replies = interview.start()
    expected, pressed = [_items(replies)], [None]
    for line in lines:
        if line.startswith("#"):
            wanted, buttons = line[1:], shown_buttons(replies)
            on = [item for item in expected[-1] if item != DOCUMENT]
            button = buttons[int(wanted) - 1].id if wanted.isdigit() else wanted
            replies = interview.press(button)
            pressed.append(on[-1:])
        else:
            replies = interview.answer(line)
            pressed.append(None)
        expected.append(_items(replies))
    assert not interview.missing_steps(), [s.id for s in interview.missing_steps()]
    assert expected[-1][-1] == DOCUMENT, "the script must end by generating the draft"
    data = json.loads(interview.to_json())
    return Reference(organ, county, list(lines), expected, data["report"], data["history"], pressed)


# ---- a simulated official --------------------------------------------------------------------------


class Stalled(Exception):
    """An official waited their whole patience for a reply that never came."""


@dataclass
class Official:
    fake: FakeTelegram
    person_id: int
    code: str
    ref: Reference
    name: str = "张三"
    done_actions: int = 0
    finished: bool = False
    late: list[tuple[int, float]] = field(default_factory=list)  # (action, seconds waited) beyond late_after
    error: BaseException | None = None

    @property
    def actions(self) -> list[str]:
        return [f"/join {self.code}", *self.ref.lines]

    @property
    def user(self):
        return self.fake.user(self.person_id, self.name)

    def seen(self) -> list[SentItem]:
        return self.fake.sent(self.person_id)

    async def run(self, *, patience: float = 60.0, late_after: float = 5.0) -> None:
        """/join, then each answer once the reply to the previous one is there; ends at the .docx.
        A late reply is waited for (up to ``patience`` s per action, across restarts), never resent."""
        try:
            for i, action in enumerate(self.actions):
                before = len(self.seen())
                await self._act(i, action)
                want = self.ref.expected[i][-1]
                started = time.monotonic()
                await self._await_item(want, before, patience, i)
                waited = time.monotonic() - started
                if waited > late_after:
                    self.late.append((i, waited))
                self.done_actions = i + 1
            self.finished = True
        except BaseException as error:
            self.error = error
            raise

    async def _act(self, i: int, action: str) -> None:
        user = self.user
        if not action.startswith("#"):
            await user.send(action)
            return
        # A press on the question's message as it stands (a late duplicate of an older message would
        # carry stale buttons): the latest message with buttons showing the expected question.
        [question] = self.ref.pressed[i]
        message = next(item for item in reversed(self.seen())
                       if item.kind == "message" and item.buttons and item.text == question)
        wanted, data = action[1:], message.callback_data
        chosen = data[int(wanted) - 1] if wanted.isdigit() else next(d for d in data if d.endswith("|" + wanted))
        await user.press(message, chosen)

    async def _await_item(self, want: str, before: int, patience: float, i: int) -> None:
        world = self.fake.world
        deadline = time.monotonic() + patience
        checked = before
        while True:
            items = self.seen()
            for item in items[checked:]:
                if (item.kind == "document") if want == DOCUMENT else (item.kind == "message" and item.text == want):
                    return
            checked = len(items)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [(item.kind, (item.text or item.filename or "")[:40]) for item in items[before:]]
                raise Stalled(f"official {self.person_id}: no reply to action {i} {self.actions[i][:30]!r} within "
                              f"{patience} s (wanted {want[:40]!r}); got since: {got}")
            try:
                await world.output_to(self.person_id, len(items), remaining)
            except TimeoutError:
                pass


def make_officials(fake: FakeTelegram, url: str, n: int, *, first_id: int = 700_001,
                   county: str = COUNTY) -> list[Official]:
    """``n`` officials of distinct organs, with their invites in the store and their references."""
    organs = [f"{county}试{k:03d}镇人民政府" for k in range(n)]
    codes = create_invites(url, organs, county)
    today = datetime.now(timezone.utc).date()
    return [Official(fake, first_id + k, code, reference(organ, county, today=today), name=f"官员{k:03d}")
            for k, (organ, code) in enumerate(zip(organs, codes))]


async def drive_all(officials: list[Official], **run_options) -> list[BaseException]:
    """Every official through the whole script at once; the errors of those who did not finish."""
    results = await asyncio.gather(*(o.run(**run_options) for o in officials), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]


async def wait_idle(url: str, timeout: float = 20.0) -> bool:
    """Wait until the bot has processed every update received and delivered every effect committed
    (what follows the document, e.g. the offer to submit, may still be on its way when the official
    stops); False after ``timeout`` s."""
    store = Store.open(url)
    try:
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(store.idle):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True
    finally:
        store.close()


def progress(officials: list[Official]) -> int:
    """Actions whose replies have arrived, all officials together."""
    return sum(o.done_actions for o in officials)


# ---- what must hold after the run -----------------------------------------------------------------


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)   # empty when the guarantee held
    lost: int = 0            # accepted answers missing from a report (or a report unlike the reference)
    twice: int = 0           # answers applied more than once
    misfiled: int = 0        # answers in someone else's report, or by someone else
    stranded: int = 0        # officials without a question of the script, or without their document
    duplicates: int = 0      # messages received more than once (allowed: at-least-once delivery)
    documents: int = 0
    undelivered: int = 0     # outbox entries not delivered, or given up
    errors: int = 0          # inbox items whose handling failed (apologised)

    def summary(self) -> str:
        return (f"lost={self.lost} twice={self.twice} misfiled={self.misfiled} stranded={self.stranded} "
                f"duplicates={self.duplicates} documents={self.documents} undelivered={self.undelivered} "
                f"errors={self.errors}")


def is_subsequence(wanted: list[str], seen: list[str]) -> int:
    """How many of ``wanted`` were found in order in ``seen`` (== len(wanted) when all)."""
    found, it = 0, iter(seen)
    for item in wanted:
        if any(s == item for s in it):
            found += 1
        else:
            break
    return found


def check_outcome(url: str, officials: list[Official]) -> Outcome:
    """Compare the store and what every official saw with their references (see the module doc)."""
    out = Outcome()
    store = Store.open(url)
    try:
        by_organ = {o.ref.organ: o for o in officials}
        for official in officials:
            ref, who = official.ref, official.person_id
            rows = store.reports_of(who)
            if len(rows) != 1:
                out.problems.append(f"official {who}: {len(rows)} reports, wanted 1")
                out.lost += len(ref.steps)
                continue
            row = rows[0]
            data = json.loads(row.interview_json)
            if row.organ != ref.organ or row.owner_id != who:
                out.misfiled += 1
                out.problems.append(f"official {who}: report {row.id} is {row.organ!r} of {row.owner_id}")
            if data["report"] != ref.report:
                differ = sorted(k for k in set(data["report"]) | set(ref.report)
                                if data["report"].get(k) != ref.report.get(k))
                out.lost += 1
                out.problems.append(f"official {who}: stored report differs from the reference in {differ}")
            if data["history"] != ref.history:
                out.problems.append(f"official {who}: interview history differs: "
                                    f"{[h[0] for h in data['history']]} vs {ref.steps}")
            log = store.answers(row.id)
            steps = [a.step for a in log]
            for step in set(ref.steps):
                count = steps.count(step)
                if count == 0:
                    out.lost += 1
                elif count > 1:
                    out.twice += count - 1
            if steps != ref.steps or [a.raw for a in log] != [h[1] for h in ref.history]:
                out.problems.append(f"official {who}: answer log {steps} is not the reference's {ref.steps}")
            strangers = [a for a in log if a.user_id != who]
            contacts = {contact_of(organ) for organ in by_organ}
            foreign = [a for a in log if a.step == "contact" and a.raw != contact_of(ref.organ) and a.raw in contacts]
            if strangers or foreign:
                out.misfiled += len(strangers) + len(foreign)
                out.problems.append(f"official {who}: answers by others {[(a.step, a.user_id) for a in strangers]}"
                                    f" or of other organs {[a.raw for a in foreign]}")
            out.problems += _check_seen(official, out)
        pending = _undelivered(store)
        out.undelivered = len(pending)
        if pending:
            out.problems.append(f"{len(pending)} outbox entries undelivered or given up: {pending[:5]}")
        out.errors, unprocessed = _inbox_trouble(store)
        if out.errors or unprocessed:
            out.problems.append(f"inbox: {out.errors} updates failed in handling, {unprocessed} unprocessed")
    finally:
        store.close()
    return out


def _check_seen(official: Official, out: Outcome) -> list[str]:
    ref, who, problems = official.ref, official.person_id, []
    items = official.seen()
    seen = [DOCUMENT if item.kind == "document" else (item.text or "") for item in items if
            item.kind in ("message", "document")]
    wanted = [item for action in ref.expected for item in action]
    found = is_subsequence(wanted, seen)
    documents = seen.count(DOCUMENT)
    out.documents += documents
    if found < len(wanted) or documents < 1:
        out.stranded += 1
        problems.append(f"official {who}: saw {found}/{len(wanted)} of the expected messages in order "
                        f"(first missing: {wanted[found][:50] if found < len(wanted) else None!r}), "
                        f"{documents} documents")
    # Between the greeting and the document only the script's own messages, each possibly twice.
    start = seen.index(wanted[0]) if wanted[0] in seen else 0
    end = seen.index(DOCUMENT) if DOCUMENT in seen else len(seen)
    known = set(wanted)
    strange = [text for text in seen[start:end] if text not in known]
    if strange:
        problems.append(f"official {who}: unexpected messages {[t[:40] for t in strange]}")
    out.duplicates += sum(1 for a, b in zip(seen, seen[1:]) if a == b and a != DOCUMENT) + max(documents - 1, 0)
    return problems


def _undelivered(store: Store) -> list[tuple]:
    """(lane, kind, failure) of the outbox entries not delivered, or given up."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT lane, kind, failure FROM outbox "
                                 "WHERE delivered_at IS NULL OR failure IS NOT NULL ORDER BY id"))
        return [tuple(row) for row in rows]


def _inbox_trouble(store: Store) -> tuple[int, int]:
    """(updates whose handling failed, updates never processed)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        failed = conn.execute(text("SELECT count(*) FROM inbox WHERE outcome = 'error'")).scalar()
        unprocessed = conn.execute(text("SELECT count(*) FROM inbox WHERE processed_at IS NULL")).scalar()
    return int(failed), int(unprocessed)


def conflicts(fake: FakeTelegram) -> list[int]:
    """Statuses of getUpdates calls answered 409 Conflict (two pollers at once)."""
    return [call.status for call in fake.calls_to("getUpdates") if call.status == 409]


async def until(fake, predicate, timeout: float) -> bool:
    """Wait for ``predicate`` like ``fake.wait_for``; False instead of TimeoutError."""
    try:
        await fake.wait_for(predicate, timeout)
        return True
    except TimeoutError:
        return False
