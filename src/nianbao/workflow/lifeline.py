"""A child process that dies with its parent: rendering processes, and workers under ``--workers N``.

A SIGKILLed parent runs no clean-up, and a child blocked on a pipe may never notice (the pipe's other
ends can live on in sibling processes): 60–100 MB rendering processes were seen piling up. The
kernel's PR_SET_PDEATHSIG follows the *thread* that spawned the child, which may be any short-lived
worker thread here, so a tiny watcher thread asks who the parent is instead.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK_S = 0.5


def die_with_parent(parent: int) -> None:
    """Call in the child: exit at once when ``parent`` is no longer this process's parent."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
