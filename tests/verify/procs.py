"""Process checks for sandbox tests: what is alive, found through /proc as a user would."""

from __future__ import annotations

import os
import time


def cmdline_pids(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line contains ``marker``."""
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmd and state not in ("Z", "X"):
            found.append(int(name))
    return found


def wait_until(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    # Generous: on a loaded machine a worker can take many seconds to start.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
