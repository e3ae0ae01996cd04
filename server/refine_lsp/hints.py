"""Refinement hints: small improvements shown as hint-severity diagnostics with a quick fix,
gated per kind so that kinds a user keeps ignoring fade away.

A hint instance is identified by (rule, the text of its line); it is "shown" once, "applied"
when the user takes its quick fix, and "rejected" when it disappears otherwise (the line was
rewritten another way, or the file closed). Nothing here imports pygls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from refine_lsp.core import Finding, Severity

if TYPE_CHECKING:
    from refine_lsp.suggestions import Suggestions

# ruff rule families whose fixes are refinements (modernise, simplify), not defects.
HINT_PREFIXES = ("UP", "SIM", "C4", "PERF", "FURB", "E711", "E712", "PIE", "RET")


def is_refinement(f: Finding) -> bool:
    return f.source == "ruff" and f.fix_id is not None and f.code.startswith(HINT_PREFIXES)


@dataclass
class HintLedger:
    """The hint instances of one document and what the gate decided for each."""

    decided: dict[tuple[str, str], str | None] = field(default_factory=dict)  # key -> sid


def _key(f: Finding, lines: list[str]) -> tuple[str, str]:
    line = lines[f.span.start.line] if f.span.start.line < len(lines) else ""
    return f.code, line.strip()


def gate_hints(
    sug: Suggestions | None, ledger: HintLedger, uri: str, text: str, findings: list[Finding]
) -> list[Finding]:
    """Findings to publish: refinements become hints, shown only where the gate says so."""
    lines = text.splitlines()
    out: list[Finding] = []
    present: set[tuple[str, str]] = set()
    for f in findings:
        if not is_refinement(f):
            out.append(f)
            continue
        hint = replace(f, severity=Severity.hint)
        if sug is None:
            out.append(hint)
            continue
        key = _key(f, lines)
        present.add(key)
        if key not in ledger.decided:
            from refine_lsp.suggestions import Pending

            sid = None
            if sug.hints.should_show(f.code):
                sid = sug.new_id()
                sug.shown(sid, Pending("refinement_hint", {}, time.time(), uri, hint_kind=f.code))
            ledger.decided[key] = sid
        sid = ledger.decided[key]
        if sid is not None:
            out.append(replace(hint, data={**hint.data, "suggestion_id": sid}))
    if sug is not None:
        for key in [k for k in ledger.decided if k not in present]:
            sid = ledger.decided.pop(key)
            if sid is not None:
                sug.settle(sid, "rejected")  # gone without its fix: no-op if it was applied
    return out


def close_ledger(sug: Suggestions | None, ledger: HintLedger) -> None:
    if sug is None:
        return
    for sid in ledger.decided.values():
        if sid is not None:
            sug.settle(sid, "rejected")
    ledger.decided.clear()
