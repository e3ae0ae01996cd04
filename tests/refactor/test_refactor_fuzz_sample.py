"""A seeded sample of the differential tester: every applied edit keeps behaviour and parses.

bench/refactor_fuzz.py lists the refactorings at random ranges of generated programs as the
server does, applies each enabled one and runs both programs; here about 200 edits.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "refactor_fuzz.py"


def _fuzzer():
    spec = importlib.util.spec_from_file_location("refactor_fuzz", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("refactor_fuzz", module)
    spec.loader.exec_module(module)
    return module


def test_seeded_sample_keeps_behaviour():
    report = _fuzzer().run(programs=9, seed=7, ranges=40, shrink=True)
    failures = json.dumps(report["failures"], indent=1)
    assert report["edits_applied"] >= 150, report
    assert report["parse_failures"] == 0, failures
    assert report["behaviour_changes"] == 0, failures
