"""Benchmark: many officials answering on the web page over HTTP (aiohttp client).

    python bench/web.py [--officials 200] [--rate 200] [--server process|inline]

The web front end runs as `nianbao web` runs it — the aiohttp site, the worker and the sender in one
process (web/run.serve, on a free port, a fresh SQLite file in a temp dir) — by default in a child
process of its own, so that its CPU and memory are its own and not the simulated officials' (as
bench/bot.py runs the bot); ``--server inline`` runs it in this process's event loop beside the
officials instead (then CPU and RSS are both together, and they share one core's worth of loop).

Each official logs in through the real login form with an invite code (POST /login, which sends
「/join CODE」 through the inbox; each with its own X-Forwarded-For, as the reverse proxy would give
them, since the login pages are limited per address), reads the chat page's token, then answers the
sample township's script (typed answers, narratives included, buttons pressed by POST /api/press)
ending in 「生成」 and its .docx. After every POST (/api/say or /api/press) the official reads the page
with the long poll (GET /api/messages?after=N&wait=1) until the bot's reply is there: the latency is
from the POST being sent to the reply being readable.

Phases: a warm-up (not measured: the first interviews load the catalogue, compile the templates,
start the rendering process); load — officials think between answers so that together they offer
``--rate`` answers/s; saturation — every official answers the moment the reply is readable (but no
faster than the 2 POSTs/s a session may make: a person cannot answer faster either). Reported
per phase: answers/s and p50/p99 over the middle 80 % of the phase (ramp-up and stragglers left out),
the p99 of all; CPU per answer (the server's process tree over load + saturation, logins included);
peak RSS. Targets (issue 13, as the bot's): ≥ 200 answers/s, p99 < 50 ms on this 2-core machine; the
exit code is 0 when met. The README's bench/bot.py SQLite × 1 row is printed beside, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from importlib import resources
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bot import cpu_seconds, peak_rss_mb, process_tree  # noqa: E402  (bench/bot.py's /proc readers)

COUNTY, ORGAN = "托里县", "托里县{}镇人民政府"
SECRET = "bench-secret-0123456789-abcdefghijklmnop"
RAMP_UP_S = 5.0
WARM_OFFICIALS = 4
POST_INTERVAL_S = 0.5                # an official's answers at most this often (the session's POST rate)
_CSRF = re.compile(r'name="csrf(?:-token)?" (?:value|content)="([^"]*)"')


def script(name: str = "hatu-2024.script") -> list[str]:
    """The script as an official of a 镇 who joined by invite types it (as bench/bot.py plays it)."""
    from nianbao.dialogs.scripted import for_transport

    text = (resources.files("nianbao") / "examples" / name).read_text(encoding="utf-8")
    return for_transport([line for line in text.splitlines() if line.strip() and not line.startswith("# ")])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_for(url: str, port: int):
    from nianbao.workflow.config import Config

    return Config.model_validate({
        "database": {"url": url}, "logging": {"level": "WARNING"},
        "web": {"secret": SECRET, "host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}"}})


def make_invites(url: str, count: int) -> list[str]:
    from nianbao.workflow.storage import Store

    store = Store.open(url)
    try:
        return [store.create_invite(COUNTY, ORGAN.format(i), by=1, ttl=timedelta(hours=2)) for i in range(count)]
    finally:
        store.close()


def serve_child(url: str, port: int) -> None:
    """The child process: exactly `nianbao web` (web/run.serve until SIGTERM), on this config."""
    from nianbao.runtime.serving import serve_until_signal
    from nianbao.web.run import serve

    sys.exit(serve_until_signal(config_for(url, port), serve))


# ---- one simulated official ------------------------------------------------------------------------


class LostReply(RuntimeError):
    pass


class Official:
    def __init__(self, root: str, code: str, address: str, timeout: float) -> None:
        self.root, self.code, self.address, self.timeout = root, code, address, timeout
        self.http = aiohttp.ClientSession(root, cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          timeout=aiohttp.ClientTimeout(total=timeout + 25))
        self.csrf, self.seen, self.ids, self.refused, self.last_post = "", [], 0, 0, 0.0

    async def close(self) -> None:
        await self.http.close()

    async def login(self) -> None:
        form = _CSRF.search(await (await self.http.get("/login")).text())[1]
        signed = await self.http.post("/login", data={"code": self.code, "csrf": form}, allow_redirects=False,
                                      headers={"X-Forwarded-For": self.address})
        if signed.status != 303:
            raise LostReply(f"login refused: {signed.status}")
        self.csrf = _CSRF.search(await (await self.http.get("/chat")).text())[1]
        self.seen = await self._read(0, wait=False)

    async def _read(self, after: int, wait: bool) -> list[dict]:
        response = await self.http.get(f"/api/messages?after={after}" + ("&wait=1" if wait else ""))
        if response.status == 429:
            self.refused += 1
            await asyncio.sleep(0.2)
            return []
        response.raise_for_status()
        return (await response.json())["messages"]

    async def _more(self) -> list[dict]:
        got = await self._read(self.seen[-1]["seq"] if self.seen else 0, wait=True)
        self.seen += got
        return got

    async def _button(self, wanted: str) -> tuple[dict, dict]:
        """The button 「wanted」 (its id, or its place: 「#2」) of the newest message that has buttons,
        waiting for it if the rest of the reply is still coming."""
        deadline = time.perf_counter() + self.timeout
        while True:
            message = next((m for m in reversed(self.seen) if m["buttons"]), None)
            if message is not None:
                buttons = message["buttons"]
                if wanted.isdigit() and int(wanted) <= len(buttons):
                    return message, buttons[int(wanted) - 1]
                found = [b for b in buttons if b["data"].endswith("|" + wanted)]
                if found:
                    return message, found[0]
            if time.perf_counter() > deadline:
                raise LostReply(f"no button {wanted!r} came")
            await self._more()

    async def answer(self, text: str) -> float:
        """Say ``text`` (or press 「#id」); seconds from the POST to the bot's reply being readable."""
        if text.startswith("#"):
            message, button = await self._button(text[1:])
            path, body = "/api/press", {"button": button["data"], "label": button["label"], "under": message["seq"]}
        else:
            path, body = "/api/say", {"text": text}
        self.ids += 1
        body["id"] = f"bench{self.ids:04d}{self.code[:4]}"
        before = self.seen[-1]["seq"] if self.seen else 0
        # Never faster than a session may post (front.py: 2 POSTs/s): a person cannot answer faster, and
        # the bench measures the server, not its limiter (the 429s met are counted all the same).
        await asyncio.sleep(max(0.0, self.last_post + POST_INTERVAL_S - time.perf_counter()))
        sent = self.last_post = time.perf_counter()
        while True:
            response = await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})
            if response.status != 429:
                break
            self.refused += 1  # over the session's limit: the page waits and sends the same id again
            await asyncio.sleep(0.5)
        if response.status != 202:
            raise LostReply(f"{path} answered {response.status}")
        while True:
            got = await self._more()
            if any(m["kind"] != "mine" and m["seq"] > before for m in got):
                return time.perf_counter() - sent
            if time.perf_counter() - sent > self.timeout:
                raise LostReply(f"no reply within {self.timeout:.0f} s to {text[:24]!r}")

    async def document(self) -> None:
        deadline = time.perf_counter() + self.timeout
        while not any(m["kind"] == "file" and m["file"]["name"].endswith(".docx") for m in self.seen):
            if time.perf_counter() > deadline:
                raise LostReply("no .docx after 「生成」")
            await self._more()


async def official(root: str, code: str, index: int, answers: list[str], samples: list, think: float,
                   rng: random.Random, timeout: float, refused: list) -> None:
    person = Official(root, code, f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}", timeout)
    try:
        if think:
            await asyncio.sleep(rng.uniform(0, RAMP_UP_S))  # they arrive over a few seconds, not at once
        await person.login()
        for text in answers:
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
            sent = time.perf_counter()
            samples.append((sent, await person.answer(text)))
        await person.document()
    finally:
        refused.append(person.refused)
        await person.close()


async def phase(root: str, codes: list[str], first: int, answers: list[str], think: float,
                timeout: float) -> tuple[float, list[float], list[float], int]:
    """(answers/s and latencies of the middle 80 % of the phase, every latency, 429s met)."""
    rng = random.Random(first)
    samples: list[tuple[float, float]] = []
    refused: list[int] = []
    async with asyncio.TaskGroup() as group:
        for i, code in enumerate(codes):
            group.create_task(official(root, code, first + i, answers, samples, think, rng, timeout, refused))
    sent = sorted(s for s, _ in samples)
    low, high = sent[len(sent) // 10], sent[len(sent) * 9 // 10]
    rate = (len(sent) * 8 // 10) / (high - low)
    return rate, [lat for s, lat in samples if low <= s <= high], [lat for _, lat in samples], sum(refused)


# ---- the server ---------------------------------------------------------------------------------------


class Server:
    """web/run.serve on ``url``: in a child process (``process``) or in this event loop (``inline``)."""

    def __init__(self, mode: str, url: str) -> None:
        self.mode, self.url, self.port = mode, url, free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.child: multiprocessing.Process | None = None

    async def __aenter__(self) -> Server:
        if self.mode == "process":
            self.child = multiprocessing.get_context("spawn").Process(target=serve_child, args=(self.url, self.port))
            self.child.start()
        else:
            from nianbao.web.run import serve
            from nianbao.workflow import opening

            self.stop = asyncio.Event()
            self.store = opening.open_store(self.url)
            self.task = asyncio.create_task(serve(config_for(self.url, self.port), self.store, self.stop))
        deadline = time.perf_counter() + 60
        async with aiohttp.ClientSession() as probe:
            while True:
                try:
                    if (await probe.get(f"{self.root}/login")).status == 200:
                        return self
                except aiohttp.ClientError:
                    pass
                if time.perf_counter() > deadline or (self.child is not None and not self.child.is_alive()):
                    raise RuntimeError("the web front end did not start")
                await asyncio.sleep(0.1)

    @property
    def pids(self) -> list[int]:
        return [self.child.pid] if self.child is not None else [os.getpid()]

    def cpu(self) -> float:
        return cpu_seconds(self.pids)

    def rss_mb(self) -> float:
        return sum(peak_rss_mb(pid) for pid in process_tree(self.pids))

    async def __aexit__(self, *exc) -> None:
        if self.child is not None:
            self.child.terminate()
            await asyncio.to_thread(self.child.join, 30)
        else:
            self.stop.set()
            await self.task
            self.store.close()


def bot_row() -> str | None:
    """bench/bot.py's SQLite × 1 line of the README's table, as measured there."""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| SQLite × 1 |"):
            return line
    return None


def quantile_ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


async def main(officials: int, rate: float, mode: str, timeout: float) -> int:
    answers = script()
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-web-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        codes = make_invites(url, 2 * officials + WARM_OFFICIALS)
        async with Server(mode, url) as server:
            print(f"{officials} officials × {len(answers)} answers each (hatu's script, ending in 「生成」 and "
                  f"its .docx), after a login each; server: {mode} "
                  f"({'its own process' if mode == 'process' else 'this process, beside the officials'}); "
                  f"{os.cpu_count()} cores")
            print("answers/s, p50, p99: the middle 80 % of each phase; latency: POST sent → the reply readable")
            print(f"{'phase':<12}{'answers':>9}{'answers/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'p99 all ms':>12}{'429s':>6}")
            await phase(server.root, codes[-WARM_OFFICIALS:], 60_000, answers, 0.0, timeout)   # warm-up
            results, spent, handled = {}, 0.0, 0
            for name, batch, first, think in (("load", codes[:officials], 0, officials / rate),
                                              ("saturation", codes[officials:2 * officials], 30_000, 0.0)):
                before = server.cpu()
                got = await phase(server.root, batch, first, answers, think, timeout)
                spent += server.cpu() - before
                handled += len(got[2]) + len(batch)   # the answers and the logins (each a /join)
                results[name] = got
                answers_per_s, steady, every, refused = got
                print(f"{name:<12}{len(every):>9}{answers_per_s:>11.0f}{quantile_ms(steady, 50):>9.1f}"
                      f"{quantile_ms(steady, 99):>9.1f}{quantile_ms(every, 99):>12.1f}{refused:>6}")
            cpu_ms, rss = spent / handled * 1000, server.rss_mb()
    load_rate, load_steady, _, _ = results["load"]
    sat_rate = results["saturation"][0]
    p99 = quantile_ms(load_steady, 99)
    what = "server process tree" if mode == "process" else "this process: server and officials"
    print(f"CPU {cpu_ms:.2f} ms per answer ({what}, load + saturation, logins counted as answers); "
          f"peak RSS {rss:.0f} MB")
    throughput_ok = sat_rate >= 200 and load_rate >= 0.9 * rate
    at_target = rate >= 200 and officials >= 200
    latency = (f"{'met' if p99 < 50 else 'MISSED'}" if at_target else
               f"not judged (the target is for 200 officials offering 200 answers/s; {officials} offered {rate:.0f})")
    print(f"targets: ≥ 200 answers/s — saturation {sat_rate:.0f}/s, load phase {load_rate:.0f} of {rate:.0f} "
          f"offered: {'met' if throughput_ok else 'MISSED'}; p99 < 50 ms at the load phase — {p99:.1f} ms: {latency}")
    if (row := bot_row()) is not None:
        print("bench/bot.py (README, --matrix, 100 officials; Telegram through the fake Bot API, bot in its own "
              "process):")
        print("  | setup | saturation upd/s | load upd/s | p50 / p99 ms | CPU ms/update (bot + DB) | × echo | RSS MB |")
        print("  " + row)
    return 0 if throughput_ok and p99 < 50 and at_target else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officials", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200.0, help="answers/s offered in the load phase")
    parser.add_argument("--server", choices=("process", "inline"), default="process")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a reply may take before the run fails")
    args = parser.parse_args()
    return asyncio.run(main(args.officials, args.rate, args.server, args.timeout))


if __name__ == "__main__":
    sys.exit(cli())
