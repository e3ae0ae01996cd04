"""The state one refine action shares between its steps: target, sandboxes, budgets, progress."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

from refine_lsp.settings import Settings
from refine_lsp.verify.checks import parse_verdict, ruff_verdict
from refine_lsp.verify.properties import (
    hypothesis_available,
    input_seed,
    property_verdict,
    record_arguments,
    run_properties,
)
from refine_lsp.verify.pytest_runner import TestPool, TestRequest, TestRun
from refine_lsp.verify.sandbox import Cancelled, Sandbox
from refine_lsp.verify.verdict import Verdict

from .memory import Memory, code_kind
from .outcomes import TestReport
from .proposals import new_usage
from .result import LoopResult, Summary
from .target import Target, TargetError, find_target

Progress = Callable[[str, "int | None"], None]


def describe_inputs(res: dict, seed_error: str = "") -> str:
    """Where the inputs of a property run came from, in words (for the summary)."""
    if not res or "seeds" not in res:
        return ""
    c = res["seeds"]
    parts = []
    for key, words in (
        ("recorded", "passed by the tests"),
        ("docstring", "from docstring examples"),
        ("defaults", "from the defaults"),
    ):
        if c.get(key):
            parts.append(f"{c[key]} {words}")
    if c.get("partial"):
        parts.append(f"values for {c['partial']} parameters from calls that passed objects")
    if c.get("objects"):
        parts.append("objects of " + ", ".join(t.split(":")[-1] for t in c["objects"]))
    if not parts:
        why = f" (recording failed: {seed_error})" if seed_error else ""
        parts.append("none seen in the tests; shaped by the annotations" + why)
    text = ", ".join(parts)
    if res.get("calibrated", 1) < 1:
        text += f"; sizes cut to x{res['calibrated']:g} so the original answers quickly"
    if res.get("out_of_range"):
        text += f"; {res['out_of_range']} out of range (the original hangs on them)"
    timing = res.get("timing") or {}
    if timing.get("input"):
        text += f"; timed on {timing['input']} (seed scaled x{timing.get('factor', 1):g})"
    return text


class LoopError(Exception):
    """Bad input for a refine action (file outside the workspace, no function at the line...)."""


class Session:
    def __init__(
        self,
        action: str,
        workspace: Path,
        file: Path,
        line: int,
        settings: Settings,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        memory_dir: Path | None = None,
        tests: list[str] | None = None,
        worker_env: dict[str, str] | None = None,
        workers: int | None = None,
        overlay: dict[str, str] | None = None,
    ):
        """``overlay`` maps workspace-relative paths to the text the editor holds (unsaved
        buffers): the sandboxes see it instead of the files on disk, the target included."""
        self.started = time.monotonic()
        self.workspace = Path(workspace).resolve()
        self.file = Path(file).resolve()
        if not self.workspace.is_dir():
            raise LoopError(f"workspace is not a directory: {workspace}")
        try:
            self.rel = self.file.relative_to(self.workspace).as_posix()
        except ValueError as exc:
            raise LoopError(f"{file} is not inside the workspace {workspace}") from exc
        self.overlay = dict(overlay or {})
        try:
            self.source = (
                self.overlay[self.rel]
                if self.rel in self.overlay
                else self.file.read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise LoopError(f"cannot read {file}: {exc}") from exc
        try:
            self.target: Target = find_target(self.source, line)
        except TargetError as exc:
            raise LoopError(str(exc)) from exc
        self.settings = settings
        self.progress_cb = progress
        self.cancel = cancel or threading.Event()
        self.memory = Memory(memory_dir)
        self.tests = tests
        self.worker_env = worker_env
        self.workers = workers
        lines = self.source.splitlines()
        self.function_text = "\n".join(lines[self.target.start_line : self.target.end_line + 1])
        self.kind = code_kind(textwrap.dedent(self.function_text))
        self.usage = new_usage(settings)
        self.summary = Summary(action, self.target.qualname)
        self._pool: TestPool | None = None
        self._props: Sandbox | None = None
        self._seeds: dict | None = None
        self.seed_error = ""
        # What the baseline run said about the file (which tests failed, what each reached):
        # the server keeps it to offer "Fix failing tests" where a failing test reaches.
        self.report: TestReport | None = None

    # -- resources -------------------------------------------------------------------------
    @property
    def pool(self) -> TestPool:
        if self._pool is None:
            r = self.settings.refine
            self._pool = TestPool(
                self.workspace,
                files=self.overlay or None,
                memory_mb=r.memory_mb,
                timeout_s=r.test_timeout_s,
                env=self.worker_env,
                workers=self.workers,
                target=self.file,
                secret_env=[self.settings.model.api_key_env],
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._props is not None:
            self._props.close()

    # -- budget, cancel, progress ----------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def test_runs(self) -> int:
        return self._pool.runs if self._pool else 0

    def out_of_budget(self, reserve_runs: int = 0) -> str | None:
        r = self.settings.refine
        if self.test_runs >= r.max_test_runs - reserve_runs:
            return f"test-run budget spent ({r.max_test_runs})"
        if self.elapsed() >= r.max_seconds:
            return f"time budget spent ({r.max_seconds:.0f} s)"
        return None

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def progress(self, message: str, percent: int | None = None) -> None:
        self.check_cancel()
        if self.progress_cb is not None:
            try:
                self.progress_cb(message, percent)
            except Exception:  # noqa: BLE001 - a broken progress reporter must not stop the work
                pass

    # -- test runs ---------------------------------------------------------------------------
    def baseline(self) -> tuple[TestRun, list[str]]:
        """Run the workspace's tests on the original with coverage of the target file; keep
        the tests whose coverage reaches the target function."""
        self.progress("running the tests that reach " + self.target.name, 5)
        # The first run is the whole selection, traced: in a big suite it is the longest of
        # all, and it gets no more than the action's time budget has left.
        left = max(1.0, self.settings.refine.max_seconds - self.elapsed())
        req = TestRequest(list(self.tests or []), trace=self.rel, timeout_s=left)
        run = self.pool.run(req, self.cancel)
        if run.outcomes:
            self.report = TestReport.of(self.workspace, self.file, self.source, run)
        body = set(self.target.lines)
        related = sorted(n for n, o in run.outcomes.items() if o.lines & body)
        return run, related

    def run_candidates(
        self,
        sources: list[str],
        related: list[str],
        stop: Callable[[int, TestRun], bool] | None = None,
    ) -> list[TestRun | None]:
        reqs = [TestRequest(list(related), {self.rel: s}) for s in sources]
        runs = self.pool.run_many(reqs, self.cancel, stop)
        for src, run in zip(sources, runs, strict=True):
            if run is not None and not run.all_pass(set(related)):
                self.refused_proposal(src, run.verdict(set(related)))
        return runs

    def refused_proposal(self, candidate: str | None, verdict: Verdict) -> None:
        """Say which check refused a model proposal (the user asked the model; they should
        learn why its answer was not offered). Other candidates fail by the thousand."""
        if verdict.passed or candidate is None or candidate not in self.usage.proposals:
            return
        self.summary.failed_check = verdict.verifier
        why = f"{verdict.verifier} ({verdict.details})"
        first = next((f.message for f in verdict.feedback if f.message), "")
        if first:
            why += ": " + first.strip().splitlines()[0][:200]
            last = first.strip().splitlines()[-1][:200]
            if last not in why:
                why += " ... " + last
        self.summary.model_refused.append(why)

    # -- final checks ------------------------------------------------------------------------
    def props_sandbox(self) -> Sandbox:
        if self._props is None:
            self._props = Sandbox(
                self.workspace,
                self.overlay or None,
                memory_mb=self.settings.refine.memory_mb,
                target=self.file,
                secret_env=[self.settings.model.api_key_env],
            )
        return self._props

    def can_check_properties(self) -> bool:
        return self.target.top_level and not self.target.is_async and hypothesis_available()

    def seeds(self, tests: list[str] | None = None) -> dict:
        """What the tests pass to the function (see ``record_arguments``), recorded once per
        action by running ``tests`` (default: the workspace's) in the property sandbox."""
        if self._seeds is None:
            self.progress("recording the arguments the tests pass to " + self.target.name, None)
            left = self.settings.refine.max_seconds - self.elapsed()
            self._seeds, self.seed_error = record_arguments(
                self.props_sandbox(),
                self.rel,
                self.target.name,
                list(tests if tests is not None else self.tests or []),
                timeout_s=max(10.0, min(60.0, left)),
                cancel=self.cancel,
            )
        return self._seeds

    def input_domain(self) -> dict:
        """The calibrated input specs per parameter (see verify/_inputs.py), from the seeds."""
        self.check_cancel()
        res = run_properties(
            self.props_sandbox(),
            self.rel,
            self.target.name,
            candidate=None,
            mode="domain",
            seeds=self.seeds(),
            cancel=self.cancel,
            timeout_s=max(10.0, min(60.0, self.settings.refine.max_seconds - self.elapsed())),
        )
        return res or {"error": "did not run"}

    def static_checks(self, candidate: str) -> list[Verdict]:
        verdicts = [parse_verdict(candidate, self.rel)]
        if verdicts[0].passed and self.settings.reviewers.ruff:
            verdicts.append(ruff_verdict(candidate, self.source, self.file, cwd=self.workspace))
        for v in verdicts:
            self.refused_proposal(candidate, v)
        return verdicts

    def property_check(
        self, candidate: str, mode: str = "crash", timing: bool = False, examples: int = 60
    ) -> Verdict:
        self.check_cancel()
        verdict = property_verdict(
            self.props_sandbox(),
            self.rel,
            self.target.name,
            candidate=candidate,
            mode=mode,
            timing=timing,
            max_examples=examples,
            lines=(self.target.def_line,),
            cancel=self.cancel,
            seeds=self._seeds or {},
            # Inputs fixed by the original function's text: every candidate of one action
            # meets the same inputs (repair compares candidates by their differences there).
            random_seed=input_seed(self.function_text),
            timeout_s=max(10.0, min(60.0, self.settings.refine.max_seconds - self.elapsed())),
        )
        self.refused_proposal(candidate, verdict)
        return verdict

    # -- result ------------------------------------------------------------------------------
    def result(self, new_source: str | None, description: str = "", **kw) -> LoopResult:
        s = self.summary
        s.test_runs = self.test_runs
        s.seconds = round(self.elapsed(), 2)
        s.model_calls = self.usage.calls
        s.tokens = self.usage.tokens
        s.model_errors = list(self.usage.errors)
        s.root = str(self.workspace)
        if new_source is not None:
            s.failed_check = ""  # something passed every check: nothing failed in the end
        if self._pool is not None:
            s.isolation = self._pool.isolation
        return LoopResult(
            self.file, self.source, new_source, s, description, report=self.report, **kw
        )
