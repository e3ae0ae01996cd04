"""Spectrum-based fault localisation: which lines do failing tests, and not passing ones, reach.

Ochiai(line) = failed(line) / sqrt(total_failed * (failed(line) + passed(line))).
The per-line scores are the loop's step-level signal: they order where mutation templates
are tried and which lines the model's feedback points at.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def ochiai(
    coverage: Mapping[str, Iterable[int]],
    failing: Iterable[str],
    lines: Iterable[int] | None = None,
) -> dict[int, float]:
    """Suspiciousness per line from per-test coverage (test id -> lines it executed).

    ``failing`` names the failing tests; every other test in ``coverage`` counts as passing.
    ``lines`` restricts the result (e.g. to the target function); lines no test reached
    score 0.
    """
    failing = set(failing)
    total_failed = len(failing & set(coverage))
    failed_at: dict[int, int] = {}
    passed_at: dict[int, int] = {}
    for test, covered in coverage.items():
        bucket = failed_at if test in failing else passed_at
        for line in set(covered):
            bucket[line] = bucket.get(line, 0) + 1
    wanted = set(lines) if lines is not None else set(failed_at) | set(passed_at)
    scores = {}
    for line in wanted:
        f = failed_at.get(line, 0)
        p = passed_at.get(line, 0)
        denom = math.sqrt(total_failed * (f + p))
        scores[line] = f / denom if denom else 0.0
    return scores


def ranked(scores: Mapping[int, float]) -> list[int]:
    """Lines from most to least suspicious (ties: earlier line first)."""
    return sorted(scores, key=lambda line: (-scores[line], line))
