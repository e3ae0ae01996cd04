"""refineLsp/stats: server-side timings, for benchmarks and diagnosing a slow editor."""

from __future__ import annotations

import statistics

from ..server import RefineServer


def _summary(values: list[float], name: str) -> dict:
    if not values:
        return {f"{name}_median": None, f"{name}_p95": None}
    ordered = sorted(values)
    return {
        f"{name}_median": statistics.median(ordered),
        f"{name}_p95": ordered[int(0.95 * (len(ordered) - 1))],
    }


def server_stats(ls: RefineServer, params=None) -> dict:
    s = ls.session
    wall = [w for w, _ in s.parse_ms]
    cpu = [c for _, c in s.parse_ms]
    return {
        "documents": len(s.documents),
        "parses": len(wall),
        **_summary(wall, "reparse_ms"),
        **_summary(cpu, "reparse_cpu_ms"),
        "position_encoding": s.documents.encoding,
    }
