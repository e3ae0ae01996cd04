"""Ranking and threshold metrics of the gate: AUC, accepted kept, rejected hidden."""

from __future__ import annotations

from collections.abc import Sequence


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (ties count half); 0.5 when one class is missing."""
    pairs = sorted(zip(scores, labels, strict=False), key=lambda p: p[0])
    pos = sum(1 for _, y in pairs if y)
    neg = len(pairs) - pos
    if not pos or not neg:
        return 0.5
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2.0  # ranks are 1-based
        rank_sum += mid_rank * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def threshold_for_keep(scores: Sequence[float], labels: Sequence[int], keep: float) -> float:
    """The highest threshold t such that at least ``keep`` of accepted have score >= t."""
    accepted = sorted((s for s, y in zip(scores, labels, strict=False) if y), reverse=True)
    if not accepted:
        return float("-inf")
    if keep >= 1.0:
        return accepted[-1]
    index = max(0, min(len(accepted) - 1, int(-(-keep * len(accepted) // 1)) - 1))
    return accepted[index]


def gate_rates(shown: Sequence[bool], labels: Sequence[int]) -> tuple[float, float]:
    """(share of accepted kept, share of rejected hidden) for show/hide decisions."""
    acc = [s for s, y in zip(shown, labels, strict=False) if y]
    rej = [s for s, y in zip(shown, labels, strict=False) if not y]
    kept = sum(acc) / len(acc) if acc else 1.0
    hidden = (len(rej) - sum(rej)) / len(rej) if rej else 0.0
    return kept, hidden
