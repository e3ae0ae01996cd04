"""A seeded sample of Rename's differential tester: every offered rename of a generated
program keeps its behaviour (the new name read back as the old one) and parses.

bench/rename_fuzz.py renames names at random identifier occurrences of generated programs
(closures, global and nonlocal, comprehensions, match, classes, keyword arguments), to fresh
names and to names the program already uses, and runs both programs; here about 150 renames
(enough to catch a `nonlocal` left unrenamed).
"""

from __future__ import annotations

import json


def test_seeded_sample_keeps_behaviour(bench_module):
    report = bench_module("rename_fuzz").run(programs=12, seed=3, renames=20)
    failures = json.dumps(report["failures"], indent=1)
    assert report["offered"] >= 120 and report["refused"] >= 40, report
    assert report["parse_failures"] == 0, failures
    assert report["behaviour_changes"] == 0, failures
