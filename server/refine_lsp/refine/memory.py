"""What the loop learnt: which template led to verified fixes, for what kind of code.

Stored as one JSON file in a directory the caller gives (nothing is stored without one).
Weights reorder the mutation templates; ``insights`` are offered to the model refiner.
An insight that stops helping (no fix in its last ``PRUNE_AFTER`` tries) is pruned.
"""

from __future__ import annotations

import ast
import json
import math
import os
import tempfile
import threading
from pathlib import Path

# Prior share of tries that end in a fix, before any outcome is seen. Higher first: single
# operator and constant slips are the most common one-token bugs.
PRIORS = {
    "cmp-op": 0.08,
    "const": 0.06,
    "arith-op": 0.05,
    "bool-op": 0.06,
    "negation": 0.05,
    "swap-func": 0.05,
    "off-by-one": 0.05,
    "swap-operands": 0.04,
    "precedence": 0.03,
    "swap-args": 0.04,
    "const-str": 0.04,
    "swap-var": 0.03,
    "drop-operand": 0.03,
    "drop-call": 0.03,
    "aug-to-assign": 0.03,
    "drop-arg": 0.03,
    "wrap-abs": 0.02,
    "sort-reverse": 0.02,
    "delete-stmt": 0.02,
    "add-return": 0.02,
    # refine/fixpatterns.py: reach further, tried after the one-token slips at a line.
    "bool-chain": 0.04,
    "bitwise-op": 0.04,
    "swap-branches": 0.03,
    "same-edit": 0.03,
    "drop-term": 0.03,
    "replace-operand": 0.02,
    "add-else": 0.02,
    "add-cond": 0.015,
    "insert-stmt": 0.015,
    "wrap": 0.015,
    "slice": 0.015,
    "normalise": 0.015,
    "model": 0.05,
}
PRUNE_AFTER = 30


def code_kind(function_source: str) -> str:
    """A coarse label of what the function does, e.g. ``loop+str`` or ``plain``."""
    try:
        tree = ast.parse(function_source)
    except SyntaxError:
        return "plain"
    tags = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While)):
            tags.add("loop")
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            tags.add("comp")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            tags.add("str")
        elif isinstance(node, ast.Subscript):
            tags.add("index")
    return "+".join(sorted(tags)) or "plain"


class Memory:
    def __init__(self, directory: Path | str | None):
        self.path = Path(directory) / "refine-memory.json" if directory else None
        self._lock = threading.Lock()
        self.stats: dict[str, dict[str, int]] = {}
        self._pending: list[tuple[str, bool, int]] = []
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.stats = {k: dict(v) for k, v in data.get("stats", {}).items()}
            except (OSError, ValueError, AttributeError):
                self.stats = {}  # a damaged store starts afresh rather than failing the action

    @staticmethod
    def _key(template: str, kind: str) -> str:
        return f"{template}|{kind}"

    def weight(self, template: str, kind: str) -> float:
        """The template's expected share of tries that fix this kind of code.

        The prior, until the outcomes differ from it significantly (outside a 95% Wilson
        interval). A fix here means the candidate passed every check, which a wrong edit can
        too; acting on a few such outcomes reorders templates on noise and, in the
        HumanEvalFix evaluation, chose more plausible-but-wrong edits than the prior order.
        """
        prior = PRIORS.get(template, 0.02)
        s = self.stats.get(self._key(template, kind), {})
        low, high = _wilson(s.get("fixes", 0), s.get("tries", 0))
        if low > prior:
            return low
        if high < prior:
            return high
        return prior

    def record(self, template: str, kind: str, *, fixed: bool, tries: int = 1) -> None:
        with self._lock:
            self._pending.append((self._key(template, kind), fixed, tries))
            _apply(self.stats, self._key(template, kind), fixed, tries)

    def insights(self, kind: str, limit: int = 3) -> list[str]:
        rows = []
        for key, s in self.stats.items():
            template, k = key.split("|", 1)
            if k == kind and s.get("fixes"):
                rows.append((s["fixes"] / max(1, s["tries"]), template, s))
        rows.sort(reverse=True)
        return [
            f"in similar code ({kind}), `{t}` edits fixed {s['fixes']} of {s['tries']} tries"
            for _, t, s in rows[:limit]
        ]

    def save(self) -> None:
        """Merge this session's outcomes into the store (other sessions may have saved since)."""
        if not self.path:
            return
        with self._lock:
            merged: dict[str, dict[str, int]] = {}
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                merged = {k: dict(v) for k, v in data.get("stats", {}).items()}
            except (OSError, ValueError, AttributeError):
                merged = {}
            for key, fixed, tries in self._pending:
                _apply(merged, key, fixed, tries)
            self._pending.clear()
            self.stats = merged
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "stats": self.stats}, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)


def _wilson(fixes: int, tries: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a success rate; (0, 1) with no tries."""
    if tries <= 0:
        return 0.0, 1.0
    p = min(fixes, tries) / tries
    denom = 1 + z * z / tries
    centre = (p + z * z / (2 * tries)) / denom
    half = z * math.sqrt(p * (1 - p) / tries + z * z / (4 * tries * tries)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _apply(stats: dict[str, dict[str, int]], key: str, fixed: bool, tries: int) -> None:
    s = stats.setdefault(key, {"tries": 0, "fixes": 0})
    s["tries"] += tries
    s["since_fix"] = 0 if fixed else s.get("since_fix", 0) + tries
    if fixed:
        s["fixes"] += 1
    if s["fixes"] and s["since_fix"] >= PRUNE_AFTER:
        # It used to help and no longer does: forget it, back to the prior.
        del stats[key]
