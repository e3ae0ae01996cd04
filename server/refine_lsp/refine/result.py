"""What a refine action hands back: at most one verified edit, and a summary of the work."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from refine_lsp.text import TextEdit, diff_edits


@dataclass
class Summary:
    action: str
    function: str = ""
    tests_total: int = 0
    tests_passed_before: int = 0
    tests_passed: int = 0
    properties_checked: int = 0
    speedup: float | None = None
    # The 95% interval of the speed-up (bootstrap over repeated timings).
    speedup_low: float | None = None
    speedup_high: float | None = None
    # Where the inputs of the property checks and the timing came from.
    inputs: str = ""
    # Why the action did not try at all (no test reaches the function...), when it did not.
    refused: str = ""
    # The verifier that rejected the last candidate tried ("" when none was rejected).
    failed_check: str = ""
    # Each model proposal a check refused: the check, its details and the first failure.
    model_refused: list[str] = field(default_factory=list)
    model_calls: int = 0
    tokens: int = 0
    test_runs: int = 0
    seconds: float = 0.0
    candidates: int = 0
    plausible: int = 0
    route: str = ""
    message: str = ""
    verdicts: list[dict] = field(default_factory=list)
    model_errors: list[str] = field(default_factory=list)
    # The folder the tests ran in (the workspace folder holding the file) and the sandbox's
    # isolation in words, so the user can tell what was verified and where.
    root: str = ""
    isolation: str = ""
    # Advisory findings about the offered edit (not verifier failures), shown to the user.
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        parts = [self.message] if self.message else []
        if self.refused and self.refused not in self.message:
            parts.append(f"refused: {self.refused}")
        parts.append(f"{self.tests_total} tests run, {self.tests_passed} passed")
        if self.properties_checked:
            what = "properties hold" if self.action == "properties" else "generated inputs checked"
            parts.append(f"{self.properties_checked} {what}")
        if self.inputs:
            parts.append(f"inputs: {self.inputs}")
        if self.speedup is not None:
            ci = ""
            if self.speedup_low is not None and self.speedup_high is not None:
                ci = f" (95% CI {self.speedup_low:.2f}-{self.speedup_high:.2f}x)"
            parts.append(f"{self.speedup:.2f}x faster{ci}")
        parts += [f"warning: {w}" for w in self.warnings]
        if self.model_refused:
            n = len(self.model_refused)
            parts.append(
                f"{n} model proposal{'s' if n > 1 else ''} refused by " + self.model_refused[-1]
            )
        if self.model_errors:
            shown = "; ".join(dict.fromkeys(self.model_errors))  # each cause once, in order
            parts.append(f"model errors ({len(self.model_errors)}): {shown}")
        parts.append(
            f"{self.model_calls} model calls, {self.tokens} tokens, {self.test_runs} test runs, "
            f"{self.seconds:.1f} s"
        )
        if self.root:
            parts.append(f"root {self.root}" + (f" ({self.isolation})" if self.isolation else ""))
        return "; ".join(parts)


@dataclass
class LoopResult:
    """``new_source`` is the verified new content of ``file`` (None: nothing to offer)."""

    file: Path
    old_source: str
    new_source: str | None
    summary: Summary
    description: str = ""
    cancelled: bool = False
    # The baseline test run's report on the file (refine.outcomes.TestReport), if one ran.
    report: object | None = None
    # Repair's verified candidates compared by least change: (description, source, inputs
    # on which its results differ from the original's), in the order they were found.
    alternatives: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def edits(self) -> list[TextEdit]:
        if self.new_source is None:
            return []
        return diff_edits(self.old_source, self.new_source)

    def diff(self) -> str:
        if self.new_source is None:
            return ""
        name = str(self.file)
        return "".join(
            difflib.unified_diff(
                self.old_source.splitlines(keepends=True),
                self.new_source.splitlines(keepends=True),
                fromfile=f"{name} (original)",
                tofile=f"{name} (verified)",
            )
        )
