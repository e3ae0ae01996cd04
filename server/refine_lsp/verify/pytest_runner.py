"""Run the user's pytest tests in sandbox copies: per-test outcomes and per-test line coverage.

A :class:`TestPool` keeps one long-lived worker per core, each in its own copy of the
workspace; a request swaps candidate files in, runs the chosen node ids in a forked child
and swaps them back. Coverage is recorded only for one target file (see ``_trace_plugin``).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .containment import ContainedProcess
from .sandbox import Cancelled, Sandbox, max_parallel
from .verdict import Feedback, Verdict

_HERE = Path(__file__).parent
# Extra seconds a worker may take beyond a test timeout (fork, pytest collection) before it
# is considered stuck and restarted.
_SLACK_S = 15.0


@dataclass
class TestOutcome:
    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: str  # passed | failed | error | skipped
    message: str = ""
    lines: frozenset[int] = frozenset()  # zero-based lines of the target file it executed
    fail_lines: tuple[int, ...] = ()  # zero-based target lines on the failure's traceback
    seconds: float = 0.0


@dataclass
class TestRun:
    __test__ = False  # not a pytest test class

    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    timed_out: bool = False
    error: str = ""
    seconds: float = 0.0
    # Which isolation the tests ran under (Isolation.description), for the loop summary.
    isolation: str = ""

    @property
    def passing(self) -> set[str]:
        return {k for k, o in self.outcomes.items() if o.outcome == "passed"}

    @property
    def failing(self) -> set[str]:
        return {k for k, o in self.outcomes.items() if o.outcome in ("failed", "error")}

    def all_pass(self, nodeids: set[str]) -> bool:
        return not self.timed_out and nodeids <= self.passing

    def verdict(self, nodeids: set[str] | None = None) -> Verdict:
        wanted = nodeids if nodeids is not None else set(self.outcomes)
        missing = {n for n in wanted if n not in self.outcomes}
        bad = sorted((wanted & self.failing) | missing)
        feedback = []
        for nodeid in bad:
            o = self.outcomes.get(nodeid)
            if o is None:
                msg = "timed out" if self.timed_out else "did not run"
                feedback.append(Feedback((), f"{nodeid}: {msg}"))
            else:
                feedback.append(Feedback(o.fail_lines, f"{nodeid}: {_last_lines(o.message)}"))
        passed = not bad and not self.timed_out and not self.error
        details = f"{len(wanted) - len(bad)}/{len(wanted)} tests pass"
        if self.timed_out:
            details += " (timed out)"
        if self.error:
            details += f" ({self.error})"
        return Verdict(
            "pytest",
            passed,
            details,
            feedback,
            {k: o.outcome for k, o in self.outcomes.items()},
        )


def _last_lines(message: str, n: int = 6) -> str:
    lines = [ln for ln in message.strip().splitlines() if ln.strip()]
    return "\n".join(lines[-n:])


def _parse(reply: dict) -> TestRun:
    result = reply.get("result") or {}
    outcomes = {}
    for nodeid, t in (result.get("tests") or {}).items():
        outcomes[nodeid] = TestOutcome(
            nodeid,
            t.get("outcome", "error"),
            t.get("message", ""),
            frozenset(n - 1 for n in t.get("lines", [])),
            tuple(n - 1 for n in t.get("fail_lines", [])),
            float(t.get("seconds", 0.0)),
        )
    error = reply.get("error", "")
    if not outcomes and not reply.get("timed_out") and not error:
        code = reply.get("exit")
        error = "no tests ran" if code == 5 else f"pytest exited with {code} before running tests"
    return TestRun(outcomes, bool(reply.get("timed_out")), error, float(reply.get("seconds", 0)))


class PytestWorker:
    """One long-lived worker process inside one sandbox copy."""

    def __init__(
        self, sandbox: Sandbox, python: str | None = None, env: Mapping[str, str] | None = None
    ):
        self.sandbox = sandbox
        self.env = dict(env or {})
        self.python = python or sys.executable
        support = sandbox.root.parent / "support"
        support.mkdir(exist_ok=True)
        shutil.copy(_HERE / "_trace_plugin.py", support / "refine_lsp_trace.py")
        shutil.copy(_HERE / "_worker.py", support / "refine_lsp_worker.py")
        shutil.copy(_HERE / "_reaper.py", support / "refine_lsp_reaper.py")
        self.support = support
        self.proc: ContainedProcess | None = None
        # Processes still carrying the worker's marker after it was killed (0 when contained).
        self.survivors = 0
        self.replies: queue.Queue = queue.Queue()

    def _start(self) -> None:
        root = self.sandbox.root
        # The sandbox copy comes first on the path, so an editable install of the user's
        # package (pointing at the real directory) never shadows the copy.
        path = [str(self.support), str(root), str(root / "src")]
        self.proc = self.sandbox.containment.spawn(
            [self.python, "-u", str(self.support / "refine_lsp_worker.py")],
            root,
            self.sandbox.env({**self.env, "PYTHONPATH": ":".join(path)}),
            memory_mb=self.sandbox.memory_mb,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.replies = queue.Queue()
        threading.Thread(
            target=self._read, args=(self.proc.popen, self.replies), daemon=True
        ).start()

    @staticmethod
    def _read(proc: subprocess.Popen, replies: queue.Queue) -> None:
        for line in proc.stdout:
            replies.put(line)
        replies.put(None)

    def run(
        self,
        args: list[str],
        *,
        files: Mapping[str, str] | None = None,
        trace: str | None = None,
        timeout_s: float = 10.0,
        cancel: threading.Event | None = None,
    ) -> TestRun:
        if self.proc is not None and self.proc.poll() is not None:
            self.close()  # it died: sweep what it left before starting afresh
        if self.proc is None:
            self._start()
        req = {"args": args, "files": dict(files or {}), "trace": trace, "timeout": timeout_s}
        try:
            self.proc.popen.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.popen.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            return TestRun(error="test worker died")
        deadline = time.monotonic() + timeout_s + _SLACK_S
        while True:
            if cancel is not None and cancel.is_set():
                self.close()
                raise Cancelled()
            try:
                line = self.replies.get(timeout=0.02)
            except queue.Empty:
                if time.monotonic() > deadline:
                    self.close()
                    return TestRun(timed_out=True, error="test worker stuck")
                continue
            if line is None:
                self.close()
                if self.sandbox.containment.closed:
                    return TestRun(error="stopped: the sandbox was shut down")
                return TestRun(error="test worker died (memory limit?)")
            try:
                run = _parse(json.loads(line))
            except ValueError:
                continue
            run.isolation = self.sandbox.isolation
            return run

    def close(self) -> None:
        """End the worker and every process it or a test started (guard, then marker sweep)."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            self.survivors += len(proc.kill())


@dataclass
class TestRequest:
    __test__ = False  # not a pytest test class

    args: list[str]
    files: dict[str, str] = field(default_factory=dict)
    trace: str | None = None
    # This request's time limit when shorter than the pool's (None: the pool's).
    timeout_s: float | None = None


class TestPool:
    """Up to one worker per core, each in its own copy of the workspace."""

    __test__ = False

    def __init__(
        self,
        workspace: Path | None,
        *,
        files: Mapping[str, str] | None = None,
        workers: int | None = None,
        memory_mb: int | None = 1024,
        timeout_s: float = 10.0,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        target: Path | None = None,
        secret_env: Iterable[str | None] = (),
        isolation: str = "auto",
    ):
        """``target``: the file under work, refused outside ``workspace``; ``secret_env``:
        variable names never passed to the tests (the configured API key's);
        ``isolation``: "auto" (strongest available) or "tracking"."""
        self.timeout_s = timeout_s
        self.runs = 0
        n = max(1, workers or max_parallel())
        self.sandboxes: list[Sandbox] = []
        try:
            for _ in range(n):
                self.sandboxes.append(
                    Sandbox(
                        workspace,
                        files,
                        memory_mb=memory_mb,
                        target=target,
                        secret_env=secret_env,
                        isolation=isolation,
                    )
                )
        except BaseException:
            for s in self.sandboxes:
                s.close()
            raise
        self.workers = [PytestWorker(s, python, env) for s in self.sandboxes]
        for w in self.workers:
            # Start (and warm up) every worker now, concurrently, not on first use.
            w._start()
        self._lock = threading.Lock()

    def __enter__(self) -> TestPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def isolation(self) -> str:
        """The isolation the tests run under, in words (for the loop summary)."""
        return self.sandboxes[0].isolation

    @property
    def survivors(self) -> int:
        """Processes that outlived a kill so far (0 when contained): say it if ever not."""
        return sum(w.survivors for w in self.workers)

    def kill_all(self) -> int:
        """Kill every process the workers and the tests started; how many survived (0)."""
        for w in self.workers:
            w.close()
        return sum(len(s.kill_all()) for s in self.sandboxes)

    def close(self) -> None:
        for w in self.workers:
            w.close()
        for s in self.sandboxes:
            s.close()

    def run(self, req: TestRequest, cancel: threading.Event | None = None) -> TestRun:
        return self.run_many([req], cancel)[0]

    def run_many(
        self,
        reqs: list[TestRequest],
        cancel: threading.Event | None = None,
        stop: Callable[[int, TestRun], bool] | None = None,
    ) -> list[TestRun | None]:
        """Run requests in parallel; once ``stop(index, run)`` says so, skip the rest (None)."""
        results: list[TestRun | None] = [None] * len(reqs)
        next_index = [0]
        stopped = threading.Event()
        errors: list[BaseException] = []

        def drain(worker: PytestWorker) -> None:
            while not stopped.is_set():
                with self._lock:
                    i = next_index[0]
                    if i >= len(reqs):
                        return
                    next_index[0] += 1
                    self.runs += 1
                r = reqs[i]
                try:
                    run = worker.run(
                        r.args,
                        files=r.files,
                        trace=r.trace,
                        timeout_s=min(self.timeout_s, r.timeout_s or self.timeout_s),
                        cancel=cancel,
                    )
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                    errors.append(exc)
                    stopped.set()
                    return
                results[i] = run
                if stop is not None and stop(i, run):
                    stopped.set()

        threads = [
            threading.Thread(target=drain, args=(w,), daemon=True)
            for w in self.workers[: max(1, len(reqs))]
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return results
