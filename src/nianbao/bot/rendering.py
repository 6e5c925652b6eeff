"""Rendering .docx files in a separate process.

python-docx spends tens of milliseconds of pure-Python CPU on a report. In a worker thread that
still holds this process's GIL, and every other official's answer waits behind it. A small process
pool takes the work to another core; the report crosses as its JSON file, the .docx comes back as
bytes. ``workers = 0`` renders in the calling thread (tests, tiny deployments).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

from ..report.docx_render import render_docx
from ..report.model import Report

RENDER_TIMEOUT_S = 120


def _render_file(report_json: str, draft: bool, title: str | None) -> bytes:
    return render_docx(Report.from_json(report_json), draft=draft, title=title)


class Renderer:
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, report: Report, *, draft: bool = True, title: str | None = None) -> bytes:
        if self.workers == 0:
            return render_docx(report, draft=draft, title=title)
        future = self._executor().submit(_render_file, report.to_json(), draft, title)
        return future.result(timeout=RENDER_TIMEOUT_S)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:  # several worker threads may ask for the first render at once
            if self._pool is None:
                # spawn, not fork: forking a process that runs threads and an event loop is unsafe.
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
