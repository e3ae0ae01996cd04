"""Static verifiers: the candidate parses, and ruff finds nothing new in it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .verdict import Feedback, Verdict


def parse_verdict(source: str, filename: str = "<candidate>") -> Verdict:
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = (exc.lineno or 1) - 1
        return Verdict("parse", False, f"syntax error: {exc.msg}", [Feedback((line,), exc.msg)])
    except (ValueError, RecursionError) as exc:
        return Verdict("parse", False, f"cannot compile: {exc}")
    return Verdict("parse", True, "parses")


def ruff_findings(
    source: str, filename: Path, *, cwd: Path | None = None, timeout_s: float | None = None
) -> list[dict] | None:
    """Ruff's JSON findings for ``source`` as if it were ``filename``; None if ruff can't run.

    Ruff only reads the text (it never runs it), so it needs no sandbox.
    """
    from refine_lsp.tools.ruff import RuffFailed, RuffUnavailable, run_ruff

    try:
        proc = run_ruff(
            ["check", "--no-cache", "--no-fix", "--output-format", "json"],
            source,
            filename=filename,
            cwd=cwd,
            timeout_s=timeout_s,
        )
        return json.loads(proc.stdout or "[]")
    except (RuffFailed, RuffUnavailable, ValueError):
        return None


def _key(f: dict) -> str:
    # By rule, not message: inverting `if c: return False` changes SIM103's wording
    # ("the negated condition") without adding a finding, and such a fix must not be refused.
    return f.get("code") or f.get("message") or ""


def ruff_verdict(
    candidate: str, original: str, filename: Path, *, cwd: Path | None = None
) -> Verdict:
    """Passes when ruff reports nothing in the candidate that it did not report in the original."""
    new = ruff_findings(candidate, filename, cwd=cwd)
    if new is None:
        return Verdict("ruff", True, "ruff unavailable; not checked", data={"skipped": True})
    old = ruff_findings(original, filename, cwd=cwd) or []
    budget = Counter(_key(f) for f in old)
    added = []
    for f in new:
        k = _key(f)
        if budget[k] > 0:
            budget[k] -= 1
        else:
            added.append(f)
    feedback = [
        Feedback(
            ((f.get("location") or {}).get("row", 1) - 1,),
            f"{f.get('code')}: {f.get('message')}",
        )
        for f in added
    ]
    details = f"{len(new)} ruff findings, {len(added)} new"
    return Verdict("ruff", not added, details, feedback, {"findings": len(new), "new": len(added)})
