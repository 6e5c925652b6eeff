"""What the benchmark scripts share (each is run as `python bench/<name>.py`, so this imports as benchkit)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(step: Callable[[], object], runs: int) -> float:
    """The median of ``runs`` timed calls of ``step`` in milliseconds, after one untimed call (the
    warm-up: imports, compiled templates, fonts and caches loaded once per process)."""
    step()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000
