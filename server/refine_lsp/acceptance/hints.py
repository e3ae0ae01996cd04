"""Refinement hints: small improvements shown as hint-severity diagnostics with a quick fix,
gated per kind (the rule id) so that kinds a user keeps turning down fade away.

Only real decisions teach the gate. A shown hint is accepted when its quick fix is applied
(or the user types the fixed line), and rejected when the user dismisses it ("Hide hints
like this") or edits the flagged line without taking the fix. A hint that disappears
because the file closed, the document was replaced wholesale, settings changed, or the run
was headless is no decision: it is forgotten, not counted. Findings a reviewer reports as
errors, and every finding outside the refinement rule families, are never gated.

`HintGate`: each kind has a Beta posterior on its acceptance rate and is shown while its
optimistic estimate (mean plus `OPTIMISM` standard deviations) is at least `floor`; a
faded kind is still shown once every `explore_every` opportunities. A kind the user hid
explicitly stays hidden until `reset`. Nothing here imports pygls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from refine_lsp.text import Finding, Pos, Severity, Span, TextEdit, apply_edits

if TYPE_CHECKING:
    from refine_lsp.acceptance.suggestions import Suggestions

OPTIMISM = 1.0
# ruff rule families whose fixes are refinements (modernise, simplify), not defects.
HINT_PREFIXES = ("UP", "SIM", "C4", "PERF", "FURB", "E711", "E712", "PIE", "RET")


@dataclass
class KindPosterior:
    accepted: float = 0.0
    rejected: float = 0.0
    skipped: int = 0  # opportunities not shown since the kind faded
    hidden: int = 0  # hint instances hidden since the last reset (for `stats`)
    muted: bool = False  # the user chose "Hide hints like this"


@dataclass
class HintGate:
    prior_accepted: float = 1.0
    prior_rejected: float = 2.0
    floor: float = 0.1
    explore_every: int = 25
    forget: float = 0.98
    kinds: dict[str, KindPosterior] = field(default_factory=dict)

    def rate(self, kind: str) -> tuple[float, float]:
        """Posterior mean and standard deviation of the acceptance rate of ``kind``."""
        post = self.kinds.get(kind) or KindPosterior()
        a = self.prior_accepted + post.accepted
        b = self.prior_rejected + post.rejected
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        return mean, sd

    def optimistic_rate(self, kind: str) -> float:
        mean, sd = self.rate(kind)
        return mean + OPTIMISM * sd

    def should_show(self, kind: str) -> bool:
        """Decide for one opportunity to show a hint of ``kind`` (counts what it hides)."""
        post = self.kinds.get(kind)
        if post is not None and post.muted:
            post.hidden += 1
            return False
        if self.optimistic_rate(kind) >= self.floor:
            return True
        post = self.kinds.setdefault(kind, KindPosterior())
        post.skipped += 1
        if post.skipped >= self.explore_every:
            post.skipped = 0
            return True
        post.hidden += 1
        return False

    def record(self, kind: str, accepted: bool) -> None:
        """The user applied (``accepted``) or turned down a shown hint of ``kind``."""
        post = self.kinds.setdefault(kind, KindPosterior())
        post.accepted *= self.forget
        post.rejected *= self.forget
        if accepted:
            post.accepted += 1.0
        else:
            post.rejected += 1.0

    def mute(self, kind: str) -> None:
        self.kinds.setdefault(kind, KindPosterior()).muted = True

    def reset(self, kind: str | None = None) -> list[str]:
        """Forget what was learned for ``kind`` (all kinds when None); the kinds reset."""
        names = list(self.kinds) if kind is None else [k for k in self.kinds if k == kind]
        for name in names:
            del self.kinds[name]
        return names

    def state(self) -> dict:
        return {k: [p.accepted, p.rejected, p.hidden, int(p.muted)] for k, p in self.kinds.items()}

    def load_state(self, state: Mapping) -> None:
        if not isinstance(state, Mapping):
            return
        for kind, value in state.items():
            try:
                a, r, *rest = (float(v) for v in value)
            except (TypeError, ValueError):
                continue
            hidden = int(rest[0]) if rest and rest[0] >= 0 else 0
            muted = bool(rest[1]) if len(rest) > 1 else False
            if a >= 0 and r >= 0:
                self.kinds[str(kind)] = KindPosterior(a, r, 0, hidden, muted)


# -- the hints of one document ------------------------------------------------------------


def is_refinement(f: Finding) -> bool:
    """A finding the gate may hide: a fixable refinement rule that no reviewer calls an error."""
    return (
        f.source == "ruff"
        and f.fix_id is not None
        and f.severity != Severity.error
        and f.code.startswith(HINT_PREFIXES)
    )


@dataclass
class HintInstance:
    finding: Finding  # as published (hint severity), for "Show hidden hints"
    sid: str | None  # None: the gate hid it
    line: int
    before: str  # the lines around the flagged one, to tell a local edit from a wholesale one
    after: str
    fixed: tuple[str, ...] | None  # the lines as the fix leaves them (stripped); None: unknown


@dataclass
class HintLedger:
    """The hint instances of one document, keyed by (rule, text of the flagged line)."""

    uri: str = ""
    decided: dict[tuple[str, str], HintInstance] = field(default_factory=dict)

    def hidden_at(self, line: int) -> list[Finding]:
        """Hints the gate hid on ``line`` (0-based), for a "Show hidden hints" code action."""
        return [
            i.finding
            for i in self.decided.values()
            if i.sid is None and i.finding.span.start.line <= line <= i.finding.span.end.line
        ]

    def hidden_count(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (code, _), inst in self.decided.items():
            if inst.sid is None:
                out[code] = out.get(code, 0) + 1
        return out


def _line(lines: list[str], n: int) -> str:
    return lines[n].strip() if 0 <= n < len(lines) else ""


def _fixed_lines(lines: list[str], f: Finding) -> tuple[str, ...] | None:
    """The lines the fix touches, as they read after the fix (() when it deletes them)."""
    edits = [e for e in f.data.get("edits", ()) if isinstance(e, TextEdit)]
    if not edits:
        return None
    first = min(e.span.start.line for e in edits)
    last = max(e.span.end.line for e in edits)
    padded = [*lines, ""]  # an edit may end at the start of the line after the last
    if last - first > 20 or last >= len(padded):
        return None
    snippet = "\n".join(padded[first : last + 1])
    moved = [
        TextEdit(
            Span(
                Pos(e.span.start.line - first, e.span.start.col),
                Pos(e.span.end.line - first, e.span.end.col),
            ),
            e.new_text,
        )
        for e in edits
    ]
    return tuple(s.strip() for s in apply_edits(snippet, moved).splitlines() if s.strip())


def _outcome(inst: HintInstance, key: tuple[str, str], present_lines: set[str]) -> str | None:
    """What the disappearance of a shown hint means: applied, rejected, or no decision."""
    if key[1] in present_lines:
        return None  # the line is still there: the rule stopped firing for another reason
    if inst.fixed is not None and all(s in present_lines for s in inst.fixed):
        return "applied"  # the user typed the fix (or deleted what the fix deletes)
    if (not inst.before or inst.before in present_lines) and (
        not inst.after or inst.after in present_lines
    ):
        return "rejected"  # the flagged line was edited in place without taking the fix
    return None  # a wholesale change (revert, branch switch, reload): no decision


def gate_hints(
    sug: Suggestions | None,
    ledger: HintLedger,
    uri: str,
    text: str,
    findings: list[Finding],
    severity: Severity = Severity.hint,
) -> list[Finding]:
    """Findings to publish: refinements become hints (of ``severity``: settings
    hints.severity), shown only where the gate says so."""
    ledger.uri = uri
    lines = text.splitlines()
    items: list[tuple[Finding, tuple[str, str] | None]] = []
    for f in findings:
        if not is_refinement(f):
            items.append((f, None))
        else:
            items.append((replace(f, severity=severity), (f.code, _line(lines, f.span.start.line))))
    if sug is None:
        return [f for f, _ in items]
    fresh = {key: f for f, key in items if key is not None}
    gone = {k: ledger.decided.pop(k) for k in list(ledger.decided) if k not in fresh}
    for key, hint in fresh.items():
        start, end = hint.span.start.line, hint.span.end.line
        inst = ledger.decided.get(key) or _carried(gone, key[0], start)
        sid = sug.show_hint(uri, hint.code) if inst is None else inst.sid
        ledger.decided[key] = HintInstance(
            hint,
            sid,
            start,
            _line(lines, start - 1),
            _line(lines, end + 1),
            _fixed_lines(lines, hint),
        )
    present = {s.strip() for s in lines}
    for key, inst in gone.items():
        if inst.sid is None:
            continue
        outcome = _outcome(inst, key, present)
        if outcome is None:
            sug.forget(inst.sid)
        else:
            sug.settle(inst.sid, outcome)  # no-op when its quick fix already settled it
    sug.flush_hints()
    out = []
    for f, key in items:
        if key is None:
            out.append(f)
            continue
        sid = ledger.decided[key].sid
        if sid is not None:
            out.append(replace(f, data={**f.data, "suggestion_id": sid}))
    return out


def _carried(
    gone: dict[tuple[str, str], HintInstance], code: str, line: int
) -> HintInstance | None:
    """A hint whose line was edited but which still fires there: the same instance."""
    near = [k for k, i in gone.items() if k[0] == code and abs(i.line - line) <= 2]
    if not near:
        return None
    return gone.pop(min(near, key=lambda k: abs(gone[k].line - line)))


def close_ledger(sug: Suggestions | None, ledger: HintLedger) -> None:
    """The file closed: no decision on its hints; forget them without learning anything."""
    if sug is not None:
        for inst in ledger.decided.values():
            if inst.sid is not None:
                sug.forget(inst.sid)
        if ledger.uri:
            sug.forget_document(ledger.uri)
    ledger.decided.clear()
