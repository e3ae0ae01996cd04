"""The ruff executable shipped by the `ruff` package, found once for every thread.

`ruff.find_ruff_bin` reads sysconfig, whose first use is not thread-safe: two reviewers
asking at once can get None for a config var (seen in CI). One lookup under a lock.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_path: str | None = None


class RuffUnavailable(RuntimeError):
    pass


def ruff_binary() -> str:
    global _path
    with _lock:
        if _path is None:
            try:
                from ruff.__main__ import find_ruff_bin

                _path = os.fsdecode(find_ruff_bin())
            except (ImportError, FileNotFoundError) as exc:
                raise RuffUnavailable("the ruff package is not installed") from exc
        return _path
