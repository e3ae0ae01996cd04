"""The optional model critic: a reviewer model reads a candidate that passed every check.

It runs only when a reviewer model is configured (settings.model.reviewer), after the real
verifiers agree, and returns a Verdict with localised feedback. Tests can pass for the wrong
reason (a special case for the tested input, a deleted branch); a second reader catches some
of these. The critic is advisory: a candidate it rejects is kept as a fallback and offered,
with its objection as a warning, if nothing it accepts turns up. An answer it cannot read
counts as no opinion, never as a rejection.
"""

from __future__ import annotations

import re
import textwrap
import threading

from refine_lsp.verify.verdict import Feedback, Verdict

from .proposals import ModelUsage
from .target import Target

VERIFIER = "model-critic"
SYSTEM = (
    "You review a change to a Python function that already passes its tests. Decide whether "
    "the new version does what the task asks in general, not only for the tested inputs. "
    "Answer with one line `VERDICT: ACCEPT` or `VERDICT: REJECT`, then, when rejecting, one "
    "line per problem: `LINE <n>: <problem>`, n counting lines of the new version from 1."
)
_VERDICT = re.compile(r"VERDICT\s*:\s*\**\s*(ACCEPT|REJECT)", re.IGNORECASE)
_LINE = re.compile(r"^\s*[-*]?\s*LINE\s+(\d+)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def critic_configured(settings) -> bool:
    return bool(settings.model.reviewer)


def _function(source: str, target: Target, end_line: int | None = None) -> str:
    lines = source.splitlines()
    end = target.end_line if end_line is None else end_line
    return textwrap.dedent("\n".join(lines[target.start_line : end + 1]))


def _new_end_line(original: str, candidate: str, target: Target) -> int:
    """The target's last line in the candidate (the rest of the file is unchanged)."""
    return target.end_line + len(candidate.splitlines()) - len(original.splitlines())


def review(
    settings,
    usage: ModelUsage,
    original: str,
    candidate: str,
    target: Target,
    task: str,
    evidence: list[str],
    cancel: threading.Event | None = None,
) -> Verdict:
    """The critic's verdict on ``candidate``; feedback lines are zero-based file lines."""
    try:
        from refine_lsp.llm import ModelError, complete
    except ImportError as exc:
        return Verdict(VERIFIER, True, f"no opinion: model layer unavailable ({exc})")
    end = _new_end_line(original, candidate, target)
    prompt = (
        f"Task: {task}\n\nOriginal version:\n```python\n{_function(original, target)}\n```\n\n"
        f"New version:\n```python\n{_function(candidate, target, end)}\n```\n"
    )
    if evidence:
        prompt += "\nWhat the checks found:\n" + "\n".join(f"- {e}" for e in evidence)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
    try:
        [answer] = complete(
            messages,
            role="reviewer",
            config=settings.model,
            budget=usage.budget,
            max_tokens=256,
            temperature=0.0,
            cancel_event=cancel,
        )
    except (ModelError, ValueError) as exc:
        usage.errors.append(f"critic: {type(exc).__name__}: {exc}")
        return Verdict(VERIFIER, True, f"no opinion: {type(exc).__name__}")
    usage.calls += 1
    usage.tokens += answer.prompt_tokens + answer.completion_tokens
    usage.cost_usd += answer.cost_usd
    return read_verdict(answer.text, target.start_line, end)


def read_verdict(text: str, first_line: int, last_line: int) -> Verdict:
    """Parse the critic's answer; lines outside the function are kept without a location."""
    found = _VERDICT.search(text or "")
    if found is None:
        return Verdict(VERIFIER, True, "no opinion: the critic's answer had no verdict")
    if found.group(1).upper() == "ACCEPT":
        return Verdict(VERIFIER, True, "the critic accepts the change")
    feedback = []
    for n, problem in _LINE.findall(text):
        line = first_line + int(n) - 1
        where = (line,) if first_line <= line <= last_line else ()
        feedback.append(Feedback(where, problem.strip()[:300]))
    details = "; ".join(f.message for f in feedback) or "the critic rejects the change"
    return Verdict(VERIFIER, False, details[:500], feedback)
