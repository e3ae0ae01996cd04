"""Parse, ruff and generated-property verifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from refine_lsp.verify.checks import parse_verdict, ruff_verdict
from refine_lsp.verify.properties import module_name, property_verdict, timing_verdict
from refine_lsp.verify.sandbox import Sandbox


def test_parse_verdict_points_at_the_line():
    ok = parse_verdict("def f():\n    return 1\n")
    bad = parse_verdict("def f():\n    return (1\n")
    assert ok.passed
    assert not bad.passed and bad.feedback[0].lines in ((1,), (2,))


def test_ruff_verdict_fails_only_on_new_findings(tmp_path):
    original = "import os\n\n\ndef f(x):\n    return x\n"
    same = "import os\n\n\ndef f(x):\n    return x + 1\n"
    worse = "import os\n\n\ndef f(x):\n    y = 2\n    return x\n"
    f = tmp_path / "m.py"
    assert ruff_verdict(same, original, f, cwd=tmp_path).passed  # F401 was there before
    v = ruff_verdict(worse, original, f, cwd=tmp_path)
    assert not v.passed
    assert v.feedback[0].lines == (4,)
    assert v.feedback[0].message.startswith("F841")


def test_ruff_verdict_matches_findings_by_rule_not_wording(tmp_path):
    # An inverted predicate fix changes SIM103's message ("the negated condition") only.
    original = "def f(x):\n    if x > 1:\n        return False\n    return True\n"
    fixed = "def f(x):\n    if x > 1:\n        return True\n    return False\n"
    f = tmp_path / "m.py"
    (tmp_path / "ruff.toml").write_text('[lint]\nselect = ["SIM"]\n')
    v = ruff_verdict(fixed, original, f, cwd=tmp_path)
    assert v.passed, v.details
    assert v.data["findings"] == 1


def test_module_names():
    assert module_name("pkg/mod.py") == "pkg.mod"
    assert module_name("src/pkg/__init__.py") == "pkg"
    assert module_name("task.py") == "task"


MOD = """\
def clamp(x: int, low: int = 0) -> int:
    return max(low, x)


def first(xs: list[int]) -> int:
    return xs[0] if xs else 0
"""


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    with Sandbox(tmp_path) as sb:
        yield sb


def test_no_new_crash_gives_the_minimal_failing_example(sandbox):
    crashing = MOD.replace("return xs[0] if xs else 0", "return xs[0]")
    v = property_verdict(sandbox, "m.py", "first", candidate=crashing, mode="crash")
    assert not v.passed
    assert v.details == "minimal failing example: first([]): IndexError: list index out of range"


def test_equivalence_with_the_original(sandbox):
    same = MOD.replace("max(low, x)", "x if x > low else low")
    other = MOD.replace("max(low, x)", "min(low, x)")
    assert property_verdict(sandbox, "m.py", "clamp", candidate=same, mode="equivalent").passed
    v = property_verdict(sandbox, "m.py", "clamp", candidate=other, mode="equivalent")
    assert not v.passed
    assert "where the original returned" in v.details


def test_timing_verdict_reports_speedup(sandbox):
    slow = MOD.replace(
        "    return max(low, x)", "    for _ in range(20000):\n        pass\n    return max(low, x)"
    )
    Path(sandbox.root / "m.py").write_text(slow)
    v = property_verdict(sandbox, "m.py", "clamp", candidate=MOD, mode="equivalent", timing=True)
    assert v.passed
    t = timing_verdict(v.data)
    assert t.passed and t.data["speedup"] > 1.5
