"""Run user code away from the user's files: a temporary copy, time and memory limits.

Every command starts in a new session (its own process group), so a timeout or a cancel
kills the whole tree, grandchildren included, with one ``killpg``.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# Never copied: version control, environments and caches are large and never needed by tests.
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "build",
    "dist",
    ".hypothesis",
}
_MAX_FILE_BYTES = 20 * 1024 * 1024
_POLL_S = 0.02


class Cancelled(Exception):
    """The caller's cancel event was set; every process started for it is gone."""


class SandboxError(Exception):
    """The sandbox could not be set up (unreadable workspace, full disk...)."""


@dataclass
class RunResult:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.cancelled


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = set()
    for name in names:
        path = os.path.join(directory, name)
        if name in _SKIP_DIRS or name.endswith(".egg-info"):
            skipped.add(name)
        elif os.path.islink(path) and os.path.isdir(path):
            skipped.add(name)
        elif os.path.isfile(path) and os.path.getsize(path) > _MAX_FILE_BYTES:
            skipped.add(name)
    return skipped


def copy_workspace(workspace: Path | None, files: Mapping[str, str] | None = None) -> Path:
    """A fresh temporary directory holding a copy of ``workspace`` plus ``files`` (relpath -> text).

    The caller owns the directory and removes it (see :class:`Sandbox`).
    """
    root = Path(tempfile.mkdtemp(prefix="refine-sbx-"))
    dest = root / "ws"
    try:
        if workspace is not None:
            shutil.copytree(workspace, dest, ignore=_ignore, symlinks=True)
        else:
            dest.mkdir()
        for rel, text in (files or {}).items():
            target = (dest / rel).resolve()
            if dest.resolve() not in target.parents:
                raise SandboxError(f"file outside the sandbox: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except (OSError, shutil.Error) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise SandboxError(f"cannot copy the workspace: {exc}") from exc
    return dest


def limits_preexec(memory_mb: int | None) -> Callable[[], None]:
    def preexec() -> None:
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # No core dumps from crashing user code.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return preexec


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the process group that ``proc`` leads (it was started in a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def sandbox_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # Keys and tokens stay out of user code.
        if not any(s in k.upper() for s in ("KEY", "TOKEN", "SECRET", "PASSWORD"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env


def run_command(
    argv: list[str],
    cwd: Path,
    *,
    timeout_s: float,
    memory_mb: int | None = 1024,
    cancel: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> RunResult:
    """Run ``argv`` in ``cwd`` (already a sandbox copy) and wait, killing the tree on limits."""
    start = time.monotonic()
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out_f,
            stderr=err_f,
            env=sandbox_env(env),
            start_new_session=True,
            preexec_fn=limits_preexec(memory_mb),
        )
    except OSError as exc:
        return RunResult(None, "", f"cannot start {argv[0]}: {exc}", 0.0)
    if stdin is not None:
        try:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
    timed_out = cancelled = False
    while proc.poll() is None:
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        if time.monotonic() - start > timeout_s:
            timed_out = True
            break
        time.sleep(_POLL_S)
    # Kill the group even after a normal exit: a daemonised grandchild must not outlive us.
    kill_tree(proc)
    out_f.seek(0)
    err_f.seek(0)
    result = RunResult(
        proc.returncode if not (timed_out or cancelled) else None,
        out_f.read().decode(errors="replace"),
        err_f.read().decode(errors="replace"),
        time.monotonic() - start,
        timed_out,
        cancelled,
    )
    out_f.close()
    err_f.close()
    return result


class Sandbox:
    """A temporary copy of a workspace; a context manager that removes it on exit."""

    def __init__(
        self,
        workspace: Path | None = None,
        files: Mapping[str, str] | None = None,
        *,
        memory_mb: int | None = 1024,
    ):
        self.root = copy_workspace(workspace, files)
        self.memory_mb = memory_mb

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def run(
        self,
        argv: list[str],
        *,
        timeout_s: float,
        cancel: threading.Event | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        return run_command(
            argv,
            self.root,
            timeout_s=timeout_s,
            memory_mb=self.memory_mb,
            cancel=cancel,
            env=env,
            stdin=stdin,
        )


def max_parallel() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def run_parallel(jobs: Iterable[Callable[[], object]], workers: int | None = None) -> list[object]:
    """Run callables on up to the core count threads (each one typically waits on a process)."""
    jobs = list(jobs)
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(len(jobs), workers or max_parallel())) as pool:
        return list(pool.map(lambda job: job(), jobs))
