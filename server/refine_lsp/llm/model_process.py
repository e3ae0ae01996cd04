"""ModelProcess: a model backend in a child process, so that no model failure ends the caller.

One child per ModelProcess, started on first call, restarted on the call after it died.
Calls are serialised (threads queue on a lock; the wait counts against the call's timeout)
and go over a pair of pipes in the framed protocol of ``model_child``. A child that crashes
mid-call raises ModelProcessDied naming the signal or exit status; one that does not answer
within the timeout (plus a grace the backend's own deadline should make unneeded) is killed
and raises ModelProcessHung. The child dies with its parent: it exits on end of file on its
request pipe and when its parent pid changes, and an atexit hook closes it on a clean exit.
The child's stdout and stderr are logged line by line, redacted, and never reach fd 1.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from typing import Any

from .errors import ModelError, ModelProcessDied, ModelProcessHung, ModelUnavailable
from .model_child import HEADER, MAX_FRAME, FrameError, decode, encode, write_all
from .redact import redact

log = logging.getLogger(__name__)

# Signals a model process meets, each with what it most likely means for the user.
_SIGNAL_HINTS = {
    # GGML_NATIVE=OFF builds for x86-64-v3 (AVX2, FMA, F16C, BMI2; no AVX-512, no AMX).
    signal.SIGILL: "the llama.cpp build uses CPU instructions this machine lacks; reinstall "
    'with CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --force-reinstall --no-cache-dir '
    "llama-cpp-python (on a CPU without AVX2, add -DGGML_AVX2=OFF -DGGML_FMA=OFF "
    "-DGGML_BMI2=OFF -DGGML_F16C=OFF to CMAKE_ARGS)",
    signal.SIGKILL: "killed from outside the server (often the out-of-memory killer)",
    signal.SIGSEGV: "crashed in native code (llama.cpp)",
    signal.SIGBUS: "crashed in native code (llama.cpp), or its model file changed on disk",
    signal.SIGABRT: "aborted in native code (llama.cpp)",
    signal.SIGTERM: "terminated from outside the server",
}
_REMOTE_ERRORS: dict[str, type[Exception]] = {
    "TimeoutError": TimeoutError,
    "FileNotFoundError": FileNotFoundError,
    "ModuleNotFoundError": ModuleNotFoundError,
    "ValueError": ValueError,
}
_live: weakref.WeakSet[ModelProcess] = weakref.WeakSet()


def describe_exit(returncode: int | None) -> tuple[str, str | None, int | None]:
    """(text, signal name, exit status) for a Popen returncode."""
    if returncode is None:
        return "still running", None, None
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"killed by signal {-returncode}", str(-returncode), None
        hint = _SIGNAL_HINTS.get(sig)
        return (f"{sig.name}: {hint}" if hint else f"killed by {sig.name}"), sig.name, None
    return f"exited with status {returncode}", None, returncode


class ModelProcess:
    """Run ``backend`` (``module:Class`` or ``file.py:Class``) in a child and call its methods."""

    def __init__(
        self,
        backend: str,
        *,
        label: str = "local model",
        start_timeout_s: float = 120.0,
        grace_s: float = 5.0,
        max_call_s: float = 3600.0,
    ) -> None:
        self.backend = backend
        self.label = label
        self.start_timeout_s = start_timeout_s
        self.grace_s = grace_s
        self.max_call_s = max_call_s  # the hang limit of a call made without a timeout
        self.starts = 0  # children started so far: 1 + the restarts
        # How the latest children ended, newest last.
        self.deaths: collections.deque[str] = collections.deque(maxlen=20)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._requests = -1
        self._replies = -1
        self._output: threading.Thread | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._setups: set[str] = set()
        self._seq = 0
        _live.add(self)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        setup: tuple[str, dict[str, Any]] | None = None,
    ) -> Any:
        """``backend.method(**params)`` in the child. ``setup`` is a call made once per child
        before this one (loading a model), under ``start_timeout_s`` rather than the call's
        timeout. Raises ModelProcessDied, ModelProcessHung, TimeoutError (busy, or the
        backend's own deadline), ModelUnavailable (the child could not start) or ModelError."""
        start = time.monotonic()
        if not self._lock.acquire(timeout=timeout_s if timeout_s is not None else -1):
            raise TimeoutError(f"{self.label} busy with another call past {timeout_s} s")
        try:
            if self._proc is None:
                self._start()
            if setup is not None:
                key = json.dumps(setup, sort_keys=True)
                if key not in self._setups:
                    self._exchange(setup[0], setup[1], self.start_timeout_s)
                    self._setups.add(key)
            left = None if timeout_s is None else max(0.001, timeout_s - (time.monotonic() - start))
            return self._exchange(method, params or {}, left)
        finally:
            self._lock.release()

    def close(self, wait_s: float = 2.0) -> None:
        """End the child: close its request pipe (it exits on end of file), then kill it."""
        proc = self._proc
        if proc is None:
            return
        self._close_pipes()
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        self._proc = None
        self._setups.clear()

    # -- the child's life --------------------------------------------------------------------

    def _start(self) -> None:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        cmd = [
            sys.executable,
            "-m",
            "refine_lsp.llm.model_child",
            "--backend",
            self.backend,
            "--requests-fd",
            str(req_r),
            "--replies-fd",
            str(rep_w),
            "--parent",
            str(os.getpid()),
        ]
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,  # fd 1 of the server is the LSP channel
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, rep_w),
                env=_child_env(),
                # Its own session: a Ctrl-C or a sandbox's group kill aimed at the server's
                # group does not reach it; the server ends it instead.
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            raise ModelUnavailable(f"cannot start the {self.label} process: {exc}") from None
        os.close(req_r)
        os.close(rep_w)
        self._proc, self._requests, self._replies = proc, req_w, rep_r
        self.starts += 1
        self._tail = collections.deque(maxlen=40)
        self._output = threading.Thread(
            target=_log_output,
            args=(proc, self._tail, self.label),
            name="model-output",
            daemon=True,
        )
        self._output.start()
        ready = self._read(time.monotonic() + self.start_timeout_s)
        if ready is None:
            raise self._died("while starting")
        if ready == "timeout":
            self._kill()
            raise ModelUnavailable(
                f"the {self.label} process did not start within {self.start_timeout_s} s"
            )
        if not ready.get("ready"):
            error = ready.get("error") or {}
            self.close()
            raise ModelUnavailable(
                f"the {self.label} process could not load its backend: "
                f"{redact(error.get('type'))}: {redact(error.get('message'))}"
            )
        log.info("%s process started (pid %s)", self.label, proc.pid)

    def _exchange(self, method: str, params: dict[str, Any], timeout_s: float | None) -> Any:
        self._seq += 1
        request = {"id": self._seq, "method": method, "params": params, "timeout_s": timeout_s}
        try:
            write_all(self._requests, encode(request))
        except (BrokenPipeError, OSError):
            raise self._died("before the call reached it") from None
        limit = (timeout_s if timeout_s is not None else self.max_call_s) + self.grace_s
        reply = self._read(time.monotonic() + limit)
        if reply is None:
            raise self._died("mid-call")
        if reply == "timeout":
            pid = self._proc.pid if self._proc else None
            self._kill()
            self.deaths.append(f"hung past {limit:.1f} s, killed")
            raise ModelProcessHung(
                f"the {self.label} process (pid {pid}) did not answer within {limit:.1f} s; "
                "it was killed and the next call starts a new one"
            )
        if reply.get("id") != self._seq:
            self._kill()
            raise ModelError(f"the {self.label} process answered out of turn; it was restarted")
        if "error" in reply:
            raise _remote_error(reply["error"], self.label)
        return reply.get("result")

    def _read(self, deadline: float) -> dict[str, Any] | str | None:
        """The next reply frame; None when the child closed the pipe, "timeout" past deadline."""
        try:
            head = self._read_exact(HEADER.size, deadline)
            if not isinstance(head, bytes):
                return head
            (size,) = HEADER.unpack(head)
            if size > MAX_FRAME:
                raise FrameError(f"reply of {size} bytes")
            body = self._read_exact(size, deadline)
            return decode(body) if isinstance(body, bytes) else body
        except (OSError, ValueError):
            return None  # the pipe was closed under us (close() at exit): as if it died
        except FrameError as exc:
            self._kill()
            raise ModelError(f"the {self.label} process sent a malformed reply ({exc})") from None

    def _read_exact(self, n: int, deadline: float) -> bytes | str | None:
        chunks: list[bytes] = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([self._replies], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self._replies, min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _died(self, when: str) -> ModelProcessDied:
        proc = self._proc
        if proc is None:  # close() ended it under this call: the server is exiting
            return ModelProcessDied(f"the {self.label} process was closed {when}")
        self._close_pipes()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # it closed its pipe but lives on: end it
            proc.kill()
            proc.wait(5)
        if self._output is not None:
            self._output.join(1.0)  # its last words, for the log
        text, sig, status = describe_exit(proc.returncode)
        self._proc = None
        self._setups.clear()
        self.deaths.append(text)
        tail = [line for line in self._tail if line.strip()][-12:]
        if tail:
            log.warning(
                "%s process (pid %s) last output:\n%s", self.label, proc.pid, "\n".join(tail)
            )
        message = (
            f"the {self.label} process (pid {proc.pid}) died {when}: {text}; "
            "the next call starts a new one"
        )
        log.warning("%s", message)
        return ModelProcessDied(message, signal=sig, exit_status=status)

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._close_pipes()
        proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            log.warning("%s process (pid %s) did not die on SIGKILL", self.label, proc.pid)
        self._proc = None
        self._setups.clear()

    def _close_pipes(self) -> None:
        for fd in (self._requests, self._replies):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._requests = self._replies = -1

    def _forget_after_fork(self) -> None:
        # A forked copy of the server must not talk to the parent's child (their frames would
        # interleave) nor keep its request pipe open (the child would outlive the server).
        self._close_pipes()
        self._proc = None
        self._setups.clear()
        self._lock = threading.Lock()  # another thread may have held it at the fork


def _child_env() -> dict[str, str]:
    # The model needs no credentials: drop every variable holding a known or key-shaped secret.
    env = {k: v for k, v in os.environ.items() if redact(v) == v}
    env["PYTHONUNBUFFERED"] = "1"  # its output reaches the log as it happens
    return env


def _log_output(proc: subprocess.Popen, tail: collections.deque, label: str) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = redact(raw.decode("utf-8", "replace").rstrip("\n"))
        tail.append(line)
        log.info("%s process: %s", label, line)
    proc.stdout.close()


def _remote_error(error: Any, label: str) -> Exception:
    kind = str(error.get("type")) if isinstance(error, dict) else "Error"
    message = redact(error.get("message") if isinstance(error, dict) else error)
    builtin = _REMOTE_ERRORS.get(kind)
    if builtin is not None:
        return builtin(message)
    return ModelError(f"{label} failed: {kind}: {message}")


def _close_all() -> None:
    for process in list(_live):
        try:
            process.close(wait_s=1.0)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def _after_fork() -> None:
    for process in list(_live):
        process._forget_after_fork()


atexit.register(_close_all)
os.register_at_fork(after_in_child=_after_fork)
