"""Run user code away from the user's files: a temporary copy, time and memory limits.

Every command runs contained (see ``containment``): below a guard that kills every process
it started, double forks and setsid daemons included, and where bubblewrap works in its
own pid and mount namespaces with the real files read-only. The isolation in force is
reported on every result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from refine_lsp.paths import skipped_dir

from .containment import Containment, SandboxError, detect_isolation

# Never copied: the folders paths.SKIP_DIRS names (version control, environments, caches).
_MAX_FILE_BYTES = 20 * 1024 * 1024
_POLL_S = 0.02


# Copying any of these would copy the system or the user's whole home: never a workspace.
_NEVER_WORKSPACES = {"/", "/usr", "/var", "/opt", "/home", "/srv", "/mnt", "/media", "/tmp"}
_SYSTEM_TREES = ("/etc", "/proc", "/sys", "/dev", "/boot", "/bin", "/sbin", "/lib", "/lib64")
# Environment variables with these in their names never reach user code.
_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


class Cancelled(Exception):
    """The caller's cancel event was set; every process started for it is gone."""


@dataclass
class RunResult:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    cancelled: bool = False
    # Which isolation was in force (Isolation.description), for the user to read.
    isolation: str = ""
    # Processes that carried the run's marker after it was killed (0 when contained).
    survivors: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.cancelled


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = set()
    for name in names:
        path = os.path.join(directory, name)
        if skipped_dir(name):
            skipped.add(name)
        elif os.path.islink(path) and os.path.isdir(path):
            skipped.add(name)
        elif os.path.isfile(path) and os.path.getsize(path) > _MAX_FILE_BYTES:
            skipped.add(name)
    return skipped


def workspace_refusal(workspace: Path, target: Path | None = None) -> str | None:
    """Why ``workspace`` (holding ``target``) must not be copied into a sandbox; None if fine."""
    ws = Path(os.path.realpath(workspace))
    text = ws.as_posix()
    if target is not None:
        t = Path(os.path.realpath(target))
        if t != ws and ws not in t.parents:
            return f"{target} is outside the workspace {workspace}"
    if text in _NEVER_WORKSPACES or any(
        text == d or text.startswith(d + "/") for d in _SYSTEM_TREES
    ):
        return f"{workspace} is a system directory, not a project; open the project's folder"
    home = os.path.realpath(os.path.expanduser("~"))
    if text == home or text == os.path.realpath(tempfile.gettempdir()):
        return f"{workspace} is the home or temporary directory, not a project"
    return None


_OWNER = "owner"
_swept: list[bool] = []
_sweep_lock = threading.Lock()


def _started(pid: int) -> str | None:
    """The process's start time (so a reused pid is not taken for the owner)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def remove_stale_sandboxes() -> int:
    """Remove the sandbox copies of servers that died without removing them (SIGKILL, a
    crash); their processes died with them. Returns how many were removed."""
    removed = 0
    for d in Path(tempfile.gettempdir()).glob("refine-sbx-*"):
        try:
            pid, started = (d / _OWNER).read_text().split()
        except (OSError, ValueError):
            continue  # not ours, or still being created
        if _started(int(pid)) != started:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    return removed


def _sweep_stale_once() -> None:
    with _sweep_lock:
        if not _swept:
            _swept.append(True)
            remove_stale_sandboxes()


def copy_workspace(
    workspace: Path | None, files: Mapping[str, str] | None = None, *, target: Path | None = None
) -> Path:
    """A fresh temporary directory holding a copy of ``workspace`` plus ``files`` (relpath -> text).

    Refuses (SandboxError) a ``target`` file outside ``workspace`` and system directories.
    The caller owns the directory and removes it (see :class:`Sandbox`).
    """
    if workspace is not None:
        why = workspace_refusal(Path(workspace), target)
        if why is not None:
            raise SandboxError(f"refusing to build a sandbox: {why}")
    _sweep_stale_once()
    root = Path(tempfile.mkdtemp(prefix="refine-sbx-"))
    dest = root / "ws"
    try:
        # Who owns the copy: a later server removes it if this one dies without doing so.
        (root / _OWNER).write_text(f"{os.getpid()} {_started(os.getpid())}")
        if workspace is not None:
            shutil.copytree(workspace, dest, ignore=_ignore, symlinks=True)
        else:
            dest.mkdir()
        for rel, text in (files or {}).items():
            target_path = (dest / rel).resolve()
            if dest.resolve() not in target_path.parents:
                raise SandboxError(f"file outside the sandbox: {rel}")
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target_path.write_text(text, encoding="utf-8")
    except (OSError, shutil.Error, SandboxError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        if isinstance(exc, SandboxError):
            raise
        raise SandboxError(f"cannot copy the workspace: {exc}") from exc
    return dest


def sandbox_env(
    extra: Mapping[str, str] | None = None, secret_env: Iterable[str | None] = ()
) -> dict[str, str]:
    """The environment user code gets: ours minus secrets, plus ``extra``.

    ``secret_env`` names variables removed whatever their names (the configured API key
    variable, refineLsp.model.apiKeyEnv); any variable holding the same value goes too.
    """
    named = {n for n in secret_env if n}
    values = {os.environ[n] for n in named if len(os.environ.get(n, "")) >= 8}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in named and v not in values and not any(s in k.upper() for s in _SECRET_WORDS)
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    for n in named:
        env.pop(n, None)
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
    containment: Containment | None = None,
    secret_env: Iterable[str | None] = (),
) -> RunResult:
    """Run ``argv`` in ``cwd`` (already a sandbox copy) and wait; on exit, timeout or cancel
    everything it started is killed. Without ``containment``, one is made for this run
    (temporary HOME beside it; ``cwd`` is the only writable place under bwrap)."""
    own = None
    try:
        if containment is None:
            own = Path(tempfile.mkdtemp(prefix="refine-run-"))
            containment = Containment(own, [own, Path(cwd)], detect_isolation())
        return _run_contained(
            argv, cwd, containment, timeout_s, memory_mb, cancel, env, stdin, secret_env
        )
    finally:
        if own is not None:
            shutil.rmtree(own, ignore_errors=True)


def _run_contained(argv, cwd, containment, timeout_s, memory_mb, cancel, env, stdin, secret_env):
    isolation = containment.isolation.description
    program = argv[0] if argv else ""
    if not program or shutil.which(program, path=(env or {}).get("PATH")) is None:
        return RunResult(None, "", f"cannot start {program}: not found", 0.0, isolation=isolation)
    start = time.monotonic()
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        try:
            proc = containment.spawn(
                argv,
                Path(cwd),
                sandbox_env(env, secret_env),
                memory_mb=memory_mb,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=out_f,
                stderr=err_f,
            )
        except OSError as exc:
            return RunResult(None, "", f"cannot start {program}: {exc}", 0.0, isolation=isolation)
        if stdin is not None:
            try:
                proc.popen.stdin.write(stdin.encode())
                proc.popen.stdin.close()
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
        # Kill even after a normal exit: a daemonised grandchild must not outlive the run.
        survivors = proc.kill()
        out_f.seek(0)
        err_f.seek(0)
        return RunResult(
            proc.popen.returncode if not (timed_out or cancelled) else None,
            out_f.read().decode(errors="replace"),
            err_f.read().decode(errors="replace"),
            time.monotonic() - start,
            timed_out,
            cancelled,
            isolation,
            len(survivors),
        )


class Sandbox:
    """A temporary copy of a workspace; a context manager that removes it on exit.

    ``target``: the file the work is about; refused (SandboxError) outside ``workspace``.
    ``secret_env``: variable names never passed to user code (the configured API key's).
    ``isolation``: "auto" (the strongest available) or "tracking" (never bwrap).
    """

    def __init__(
        self,
        workspace: Path | None = None,
        files: Mapping[str, str] | None = None,
        *,
        memory_mb: int | None = 1024,
        target: Path | None = None,
        secret_env: Iterable[str | None] = (),
        isolation: str = "auto",
    ):
        self.root = copy_workspace(workspace, files, target=target)
        self.memory_mb = memory_mb
        self.secret_env = tuple(n for n in secret_env if n)
        base = self.root.parent
        try:
            self.containment = Containment(base, [base], detect_isolation(isolation))
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise

    @property
    def isolation(self) -> str:
        """The isolation in force for this sandbox's commands, in words."""
        return self.containment.isolation.description

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def kill_all(self) -> list[int]:
        """Kill every process this sandbox started; the pids that survived (empty if contained)."""
        return self.containment.kill_all()

    def close(self) -> None:
        self.kill_all()
        shutil.rmtree(self.root.parent, ignore_errors=True)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return sandbox_env(extra, self.secret_env)

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
            containment=self.containment,
            secret_env=self.secret_env,
        )


def max_parallel() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
