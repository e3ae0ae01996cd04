"""A seeded sample of the differential tester: every applied edit keeps behaviour and parses.

bench/refactor_fuzz.py lists the refactorings at random ranges of generated programs as the
server does, applies each enabled one and runs both programs; here about 200 edits.
"""

from __future__ import annotations

import json


def test_seeded_sample_keeps_behaviour(bench_module):
    report = bench_module("refactor_fuzz").run(programs=9, seed=7, ranges=40, shrink=True)
    failures = json.dumps(report["failures"], indent=1)
    assert report["edits_applied"] >= 150, report
    assert report["parse_failures"] == 0, failures
    assert report["behaviour_changes"] == 0, failures
