"""Ranking and threshold metrics of the gate: AUC, accepted kept, rejected hidden."""

from __future__ import annotations

import random
from collections.abc import Sequence

BOOTSTRAP_SAMPLES = 200


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


def bootstrap_auc(
    scores: Sequence[float], labels: Sequence[int], samples: int = BOOTSTRAP_SAMPLES
) -> tuple[float, float]:
    """95% interval of the AUC, resampling decisions (fixed seed: the report is repeatable)."""
    rng = random.Random(0)
    n = len(scores)
    values = []
    for _ in range(samples):
        pick = [rng.randrange(n) for _ in range(n)]
        values.append(auc([scores[i] for i in pick], [labels[i] for i in pick]))
    values.sort()
    return values[int(0.025 * (samples - 1))], values[int(0.975 * (samples - 1))]


def curve_rejected_hidden(scores: Sequence[float], labels: Sequence[int], keep: float) -> float:
    """Rejected hidden at ``keep`` read off this model's own trade-off curve (threshold on
    these scores): how well it ranks, apart from how well its threshold transfers."""
    t = threshold_for_keep(scores, labels, keep)
    rejected = [s for s, y in zip(scores, labels, strict=True) if not y]
    return sum(1 for s in rejected if s < t) / len(rejected) if rejected else 0.0
