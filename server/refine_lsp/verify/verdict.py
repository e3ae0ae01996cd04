"""What a verifier says about a candidate: passed or not, and where it went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Feedback:
    """One localised complaint: zero-based lines of the file it is about, and a message."""

    lines: tuple[int, ...]
    message: str


@dataclass
class Verdict:
    verifier: str
    passed: bool
    details: str = ""
    feedback: list[Feedback] = field(default_factory=list)
    # Verifier-specific plain data (per-test outcomes, counterexample, timings...).
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "verifier": self.verifier,
            "passed": self.passed,
            "details": self.details,
            "feedback": [{"lines": list(f.lines), "message": f.message} for f in self.feedback],
            "data": self.data,
        }
