"""Rendering .docx files in a separate process.

python-docx spends tens of milliseconds of pure-Python CPU on a report. In a worker thread that
still holds this process's GIL, and every other official's answer waits behind it. A small process
pool takes the work to another core; the report crosses as its JSON file, the .docx comes back as
bytes. ``workers = 0`` renders in the calling thread (tests, tiny deployments).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from ..report.docx_render import render_docx
from ..report.model import Report
from .lifeline import die_with_parent

RENDER_TIMEOUT_S = 120
# python-docx/lxml leave native memory behind that the process never returns (≈0.3 MB a render,
# measured: 64 MB after one render, 171 MB after 400): a fresh worker every so often keeps it bounded.
RENDERS_PER_WORKER = 100


def _render_file(report_json: str, draft: bool, title: str | None) -> bytes:
    # Fault-injection knob for the crash tests (a render slow enough to kill the bot during it).
    if delay := os.environ.get("NIANBAO_TEST_RENDER_DELAY_S"):
        time.sleep(float(delay))
    return render_docx(Report.from_json(report_json), draft=draft, title=title)


class Renderer:
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._renders = 0  # given to the current pool
        self._lock = threading.Lock()

    def __call__(self, report: Report, *, draft: bool = True, title: str | None = None) -> bytes:
        if self.workers == 0:
            return render_docx(report, draft=draft, title=title)
        return self.render_json(report.to_json(), draft=draft, title=title)

    def render_json(self, report_json: str, *, draft: bool = True, title: str | None = None) -> bytes:
        """The same from a report file's JSON (as the outbox keeps it)."""
        if self.workers == 0:
            return _render_file(report_json, draft, title)
        future = self._executor().submit(_render_file, report_json, draft, title)
        return future.result(timeout=RENDER_TIMEOUT_S)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:  # several worker threads may ask for the first render at once
            if self._pool is None:
                # spawn, not fork: forking a process that runs threads and an event loop is unsafe.
                self._pool = self._new_pool()
            self._renders += 1
            if self._renders > RENDERS_PER_WORKER * self.workers:
                # Replace the pool (not max_tasks_per_child: on Python 3.11 a pool whose worker
                # retires that way can stop starting new ones and hang). The old pool finishes
                # what it was given, then its processes exit.
                self._pool.shutdown(wait=False)
                self._pool = self._new_pool()
                self._renders = 1
            return self._pool

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
