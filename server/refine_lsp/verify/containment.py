"""Containment of the processes user code starts: none outlives its run, cancel or shutdown.

Each command runs below a guard (``_reaper.py``): a child subreaper that catches every orphan
(double forks and setsid included) and SIGKILLs all of them when the command ends, when the
server closes its control pipe (cancel, timeout, shutdown) or when the server dies. Every
process also carries an environment marker (``REFINE_SANDBOX_TOKEN``), so that afterwards a
scan of /proc can kill and count anything that escaped the guard. Where bubblewrap works,
the command also runs in its own pid, ipc and mount namespaces: the whole filesystem is
read-only except the sandbox's own directory, and the kernel kills the namespace with it.
Without bubblewrap, util-linux ``unshare`` still gives a pid namespace where it is allowed.
"""

from __future__ import annotations

import atexit
import itertools
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import _reaper

TOKEN_VAR = "REFINE_SANDBOX_TOKEN"
_REAPER = Path(__file__).with_name("_reaper.py")


class SandboxError(Exception):
    """The sandbox could not be set up (unreadable workspace, full disk, refused path,
    server shutting down...)."""


@dataclass(frozen=True)
class Isolation:
    kind: str  # "bwrap" | "unshare" | "tracking"
    description: str  # what a user reads in the loop summary
    prefix: tuple[str, ...] = ()  # the wrapper's argv (bwrap: without its binds and cwd)


_TRACKING = (
    "process tracking only (subreaper and environment marker), temporary HOME and TMPDIR;"
    " the real workspace is writable"
)
_UNSHARE = (
    "unshare: pid namespace (the kernel ends every process with the run), temporary HOME"
    " and TMPDIR; the real workspace is writable (install bubblewrap to make it read-only)"
)
_BWRAP = (
    "bwrap: pid+ipc+mount namespaces, real workspace and HOME read-only"
    " (only the sandbox copy is writable), temporary HOME and TMPDIR"
)
_detected: dict[str, Isolation] = {}
_detect_lock = threading.Lock()


def bwrap_prefix(bwrap: str, writable: Sequence[Path], cwd: Path) -> list[str]:
    """bwrap's argv up to ``--``: everything read-only but ``writable``, own pid namespace."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    argv += ["--tmpfs", "/dev/shm"]  # multiprocessing's semaphores live there
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    # The parent is the single-threaded guard, so its death (and only its) ends the sandbox.
    argv += ["--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session"]
    return [*argv, "--chdir", str(cwd), "--"]


def unshare_prefix(unshare: str) -> list[str]:
    """util-linux unshare: a pid namespace whose first process dies with unshare (and so
    with the guard); unprivileged through a user namespace that keeps the same uid."""
    user = [] if os.geteuid() == 0 else ["--user", "--map-current-user"]
    return [unshare, *user, "--pid", "--fork", "--kill-child", "--mount-proc", "--"]


def _probe(argv: list[str]) -> str | None:
    """None when ``argv + [true]`` runs here; otherwise why not."""
    try:
        true = shutil.which("true") or "/bin/true"
        proc = subprocess.run([*argv, true], capture_output=True, text=True, timeout=10)
        if proc.returncode != 0:
            return (proc.stderr.strip() or f"exit {proc.returncode}")[:200]
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)[:200]


def _detect_bwrap() -> Isolation | str:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap not found (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = Path(tempfile.mkdtemp(prefix="refine-probe-"))
    try:
        why = _probe(bwrap_prefix(bwrap, [probe], probe))
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return Isolation("bwrap", _BWRAP, (bwrap,)) if why is None else f"bwrap: {why}"


def _detect_unshare() -> Isolation | str:
    unshare = shutil.which("unshare")
    if unshare is None:
        return "unshare not found"
    why = _probe(unshare_prefix(unshare))
    if why is None:
        return Isolation("unshare", _UNSHARE, tuple(unshare_prefix(unshare)))
    return f"unshare: {why}"


def detect_isolation(prefer: str = "auto") -> Isolation:
    """The strongest isolation that works on this machine (probed once per process).

    ``prefer``: "auto" (bwrap, else an unshare pid namespace, else tracking), "unshare"
    (never bwrap) or "tracking" (no namespaces). What was unavailable is said in the text.
    """
    if prefer == "tracking":
        return Isolation("tracking", _TRACKING + " (requested)")
    with _detect_lock:
        if prefer not in _detected:
            reasons = []
            levels = [_detect_unshare] if prefer == "unshare" else [_detect_bwrap, _detect_unshare]
            for detect in levels:
                found = detect()
                if isinstance(found, Isolation):
                    if reasons and found.kind != "bwrap":
                        found = Isolation(
                            found.kind, f"{found.description} ({'; '.join(reasons)})", found.prefix
                        )
                    _detected[prefer] = found
                    break
                reasons.append(found)
            else:
                _detected[prefer] = Isolation("tracking", f"{_TRACKING} ({'; '.join(reasons)})")
        return _detected[prefer]


def limits_preexec(memory_mb: int | None) -> Callable[[], None]:
    def preexec() -> None:
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # No core dumps from crashing user code.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return preexec


def marked_processes(token: str, *, prefix: bool = False) -> list[int]:
    """Pids of live processes whose environment holds ``REFINE_SANDBOX_TOKEN=token``
    (``prefix``: a token starting with ``token``)."""
    want = f"{TOKEN_VAR}={token}".encode()
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                entries = f.read().split(b"\0")
        except OSError:
            continue  # gone, or a zombie
        if any(e == want or (prefix and e.startswith(want)) for e in entries):
            found.append(int(name))
    return found


def sweep(token: str, *, prefix: bool = False, rounds: int = 100) -> list[int]:
    """SIGKILL every process carrying the marker until none is left; the pids still alive
    after ``rounds`` scans (empty when contained)."""
    for _ in range(rounds):
        pids = marked_processes(token, prefix=prefix)
        if not pids:
            return []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return marked_processes(token, prefix=prefix)


class Containment:
    """The processes of one sandbox: their marker, temporary HOME, isolation, and their end."""

    def __init__(self, base: Path, writable: Sequence[Path], isolation: Isolation):
        self.token = secrets.token_hex(8)
        self.base = Path(base)
        self.writable = [Path(p) for p in writable]
        if _refusing:
            raise SandboxError("the server is shutting down: no new sandboxes")
        self.isolation = isolation
        self.closed = False
        self._count = itertools.count()
        self._procs: set[ContainedProcess] = set()
        self._lock = threading.Lock()
        self.home = self.base / "home"
        self.tmp = self.base / "tmp"
        for d in (".config", ".cache", ".local/share", ".local/state"):
            (self.home / d).mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(exist_ok=True)
        (self.base / "run").mkdir(mode=0o700, exist_ok=True)
        _LIVE.add(self)

    def env(self) -> dict[str, str]:
        """Variables that point user code at the sandbox's own HOME and temporary dirs."""
        h, t = str(self.home), str(self.tmp)
        return {
            "HOME": h,
            "XDG_CONFIG_HOME": f"{h}/.config",
            "XDG_CACHE_HOME": f"{h}/.cache",
            "XDG_DATA_HOME": f"{h}/.local/share",
            "XDG_STATE_HOME": f"{h}/.local/state",
            "XDG_RUNTIME_DIR": str(self.base / "run"),
            "TMPDIR": t,
            "TMP": t,
            "TEMP": t,
        }

    def spawn(
        self,
        argv: list[str],
        cwd: Path,
        env: Mapping[str, str],
        *,
        memory_mb: int | None,
        stdin=None,
        stdout=None,
        stderr=None,
    ) -> ContainedProcess:
        if self.closed or _refusing:
            raise SandboxError("the sandbox was shut down: no new processes")
        token = f"{self.token}-{next(self._count)}"
        full_env = {**env, **self.env(), TOKEN_VAR: token}
        if self.isolation.kind == "bwrap":
            argv = [*bwrap_prefix(self.isolation.prefix[0], self.writable, cwd), *argv]
        elif self.isolation.kind == "unshare":
            argv = [*self.isolation.prefix, *argv]
        proc = ContainedProcess(self, token, argv, cwd, full_env, memory_mb, stdin, stdout, stderr)
        with self._lock:
            self._procs.add(proc)
        return proc

    def _forget(self, proc: ContainedProcess) -> None:
        with self._lock:
            self._procs.discard(proc)

    def kill_all(self, *, close: bool = False) -> list[int]:
        """Kill everything this sandbox started; the pids that survived (empty when contained).
        ``close``: also refuse to start anything more in it."""
        with self._lock:
            self.closed = self.closed or close
            procs = list(self._procs)
        for p in procs:
            p.kill()
        return sweep(self.token + "-", prefix=True)

    def alive(self) -> list[int]:
        """Processes still carrying this sandbox's marker."""
        return marked_processes(self.token + "-", prefix=True)


class ContainedProcess:
    """One command below its guard; ``kill`` ends it and everything it started."""

    def __init__(
        self,
        owner: Containment,
        token: str,
        argv: list[str],
        cwd: Path,
        env: Mapping[str, str],
        memory_mb: int | None,
        stdin,
        stdout,
        stderr,
    ):
        self.owner = owner
        self.token = token
        self.survivors: list[int] = []
        control_r, self._control = os.pipe()
        try:
            self.popen = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_REAPER), str(control_r), "--", *argv],
                cwd=cwd,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                env=dict(env),
                start_new_session=True,
                preexec_fn=limits_preexec(memory_mb),
                pass_fds=(control_r,),
            )
        except BaseException:
            os.close(self._control)
            raise
        finally:
            os.close(control_r)
        self.pid = self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def _close_control(self) -> None:
        fd, self._control = self._control, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def kill(self, wait_s: float = 3.0) -> list[int]:
        """Kill the command and every process it started; the pids that survived."""
        self._close_control()  # the guard SIGKILLs its whole tree on EOF
        try:
            self.popen.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            # The guard is stuck or stopped: do its job from here, then end it.
            _reaper.kill_descendants(self.pid)
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.survivors = sweep(self.token)
        self.owner._forget(self)
        return self.survivors


_LIVE: weakref.WeakSet[Containment] = weakref.WeakSet()
_refusing = False


def kill_all_sandboxes(*, refuse_new: bool = False) -> int:
    """Kill every process any live sandbox started; the number that survived (0 when
    contained). ``refuse_new`` (shutdown, exit): from now on no sandbox starts anything,
    so a loop still running in a thread cannot start a fresh worker (SandboxError)."""
    global _refusing
    _refusing = _refusing or refuse_new
    survivors = 0
    for c in list(_LIVE):
        survivors += len(c.kill_all(close=refuse_new))
    return survivors


atexit.register(kill_all_sandboxes)
