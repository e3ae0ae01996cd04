"""A seeded sample of Rename's differential tester: every offered rename of a generated
program keeps its behaviour (the new name read back as the old one) and parses.

bench/rename_fuzz.py renames names at random identifier occurrences of generated programs
(closures, global and nonlocal, comprehensions, match, classes, keyword arguments), to fresh
names and to names the program already uses, and runs both programs; here about 150 renames
(enough to catch a `nonlocal` left unrenamed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "rename_fuzz.py"


def _fuzzer():
    spec = importlib.util.spec_from_file_location("rename_fuzz", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rename_fuzz", module)
    spec.loader.exec_module(module)
    return module


def test_seeded_sample_keeps_behaviour():
    report = _fuzzer().run(programs=12, seed=3, renames=20)
    failures = json.dumps(report["failures"], indent=1)
    assert report["offered"] >= 120 and report["refused"] >= 40, report
    assert report["parse_failures"] == 0, failures
    assert report["behaviour_changes"] == 0, failures
