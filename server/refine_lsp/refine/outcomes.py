"""What the last test run said about one file: which tests failed and which of its lines each
test executed. "Fix failing tests" is offered where a failing test is known to reach the
function; "Run tests for this function" finds out.

A report holds for the text the tests ran on: an edit to the file, or a saved change to one
of the test files it names, makes it stale (``TestReports.current``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class TestReport:
    __test__ = False  # not a pytest test class

    root: Path
    file: Path  # the traced file (resolved)
    text: str  # its text the tests ran on (the editor's buffer where one was open)
    outcomes: dict[str, str]  # nodeid -> passed | failed | error | skipped
    lines: dict[str, frozenset[int]]  # nodeid -> zero-based lines of ``file`` it executed
    messages: dict[str, str] = field(default_factory=dict)  # nodeid -> failure output
    # (test file, mtime_ns) of the files the failing tests live in, when the run ended
    stamps: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, root: Path, file: Path, text: str, run) -> TestReport:
        """From a traced ``TestRun`` (verify.pytest_runner) of ``file``."""
        outcomes = {n: o.outcome for n, o in run.outcomes.items()}
        failing = sorted(n for n, o in outcomes.items() if o in ("failed", "error"))
        return cls(
            Path(root).resolve(),
            Path(file).resolve(),
            text,
            outcomes,
            {n: o.lines for n, o in run.outcomes.items()},
            {n: run.outcomes[n].message for n in failing},
            _stamps(Path(root), failing),
        )

    def reaching(self, lines: range | set[int]) -> list[str]:
        body = set(lines)
        return sorted(n for n, ls in self.lines.items() if ls & body)

    def failing(self, nodeids: list[str] | None = None) -> list[str]:
        names = self.outcomes if nodeids is None else nodeids
        return [n for n in names if self.outcomes.get(n) in ("failed", "error")]

    def failing_reaching(self, lines: range | set[int]) -> list[str]:
        return self.failing(self.reaching(lines))

    def fresh(self, text: str) -> bool:
        """Whether the report still holds for the file showing ``text``."""
        return text == self.text and _stamps(self.root, self.failing()) == self.stamps


def _stamps(root: Path, nodeids: list[str]) -> tuple[tuple[str, int], ...]:
    out = []
    for rel in sorted({n.split("::", 1)[0] for n in nodeids}):
        try:
            out.append((rel, (root / rel).stat().st_mtime_ns))
        except OSError:
            out.append((rel, -1))
    return tuple(out)


class TestReports:
    """The last report per file, for every workspace the server saw tests run in."""

    __test__ = False

    def __init__(self) -> None:
        self._items: dict[Path, TestReport] = {}
        self._lock = threading.Lock()

    def record(self, report: TestReport | None) -> None:
        if report is None:
            return
        with self._lock:
            self._items[report.file] = report

    def current(self, file: Path, text: str) -> TestReport | None:
        """The report for ``file`` if it still holds for ``text``; a stale one is dropped."""
        key = Path(file).resolve()
        with self._lock:
            report = self._items.get(key)
        if report is None:
            return None
        if report.fresh(text):
            return report
        with self._lock:
            if self._items.get(key) is report:
                del self._items[key]
        return None


@dataclass
class FunctionTests:
    """What "Run tests for this function" found."""

    function: str
    root: str
    reaching: list[str] = field(default_factory=list)  # tests that executed the function
    named: list[str] = field(default_factory=list)  # tests naming it that did not reach it
    failing: list[str] = field(default_factory=list)  # of the two above
    total: int = 0  # tests run in the workspace
    error: str = ""  # the run itself failed (collection error, timeout...)
    seconds: float = 0.0
    isolation: str = ""
    report: TestReport | None = None
    cancelled: bool = False

    @property
    def tests(self) -> list[str]:
        return self.reaching + self.named

    def text(self) -> str:
        """The one-line message the user sees."""
        if self.cancelled:
            return "cancelled"
        if self.error and not self.total:
            return f"could not run the tests: {self.error}"
        where = f"{self.total} tests run in {self.root}, {self.seconds:.1f} s"
        if not self.tests:
            return f"no test reaches or names {self.function} ({where})"
        n = len(self.tests)
        head = f"{n - len(self.failing)} of {n} tests for {self.function} pass"
        if self.failing:
            shown = ", ".join(self.failing[:5]) + (" ..." if len(self.failing) > 5 else "")
            head += f"; {len(self.failing)} failed: {shown}"
            if self.reaching and self.failing_reaching:
                head += "; 'Fix failing tests' is offered now"
        if self.error:
            head += f" ({self.error})"
        return f"{head} ({where})"

    @property
    def failing_reaching(self) -> list[str]:
        return [n for n in self.failing if n in self.reaching]

    def output(self) -> str:
        """The failing tests' output, for the log."""
        if self.report is None:
            return ""
        return "\n\n".join(
            f"{n} {self.report.outcomes.get(n, 'did not run')}:\n{self.report.messages.get(n, '')}"
            for n in self.failing
        )

    def to_json(self) -> dict:
        return {
            "function": self.function,
            "root": self.root,
            "reaching": self.reaching,
            "named": self.named,
            "failing": self.failing,
            "total": self.total,
            "error": self.error,
            "seconds": self.seconds,
            "isolation": self.isolation,
            "cancelled": self.cancelled,
        }


def _names(nodeid: str, function: str) -> bool:
    """Whether a test's own name (not its file's) mentions ``function``."""
    test = nodeid.split("::", 1)[-1].split("[", 1)[0].lower()
    return function.lower() in test


def run_function_tests(
    workspace,
    file,
    line: int,
    settings,
    progress: Callable[[str, int | None], None] | None = None,
    cancel: threading.Event | None = None,
    **kw,
) -> FunctionTests:
    """Run the workspace's tests in the sandbox, tracing ``file``; report those that reach the
    function at zero-based ``line`` or name it. Raises run.LoopError for bad input."""
    from refine_lsp.verify.sandbox import Cancelled, SandboxError

    from .run import Session

    s = Session("tests", workspace, file, line, settings, progress=progress, cancel=cancel, **kw)
    out = FunctionTests(s.target.name, str(s.workspace))
    try:
        run, reaching = s.baseline()
        out.total = len(run.outcomes)
        out.error = run.error or ("timed out" if run.timed_out else "")
        out.isolation = run.isolation
        out.reaching = reaching
        out.named = sorted(
            n for n in run.outcomes if n not in reaching and _names(n, s.target.name)
        )
        out.failing = [n for n in out.tests if n in run.failing]
        out.report = s.report
    except Cancelled:
        out.cancelled = True
    except SandboxError as exc:
        out.error = f"sandbox error: {exc}"
    finally:
        out.seconds = round(s.elapsed(), 2)
        s.close()
    return out
