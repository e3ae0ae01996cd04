"""Per-test outcomes and per-test line coverage of one target file, from sandbox workers."""

from __future__ import annotations

import threading
import time

import pytest
from refine_lsp.verify.pytest_runner import TestPool, TestRequest
from refine_lsp.verify.sandbox import Cancelled

MOD = """\
def grade(score):
    if score > 90:
        return "A"
    if score > 50:
        return "B"
    return "C"


def spin(n):
    while n != 0:
        n -= 2
    return n
"""

TESTS = """\
from mod import grade, spin


def test_a():
    assert grade(95) == "A"


def test_b():
    assert grade(60) == "B"


def test_c_wrong():
    assert grade(10) == "F"


def test_spin_odd_hangs():
    assert spin(3) == 0
"""

ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "mod.py").write_text(MOD)
    (tmp_path / "test_mod.py").write_text(TESTS)
    return tmp_path


def test_outcomes_and_coverage_per_test(ws):
    with TestPool(ws, workers=1, timeout_s=6, env=ENV) as pool:
        run = pool.run(TestRequest([], trace="mod.py"))
    o = run.outcomes
    assert {k.split("::")[1]: v.outcome for k, v in o.items()} == {
        "test_a": "passed",
        "test_b": "passed",
        "test_c_wrong": "failed",
        "test_spin_odd_hangs": "failed",
    }
    # Zero-based lines of mod.py each test executed.
    assert o["test_mod.py::test_a"].lines == {1, 2}
    assert o["test_mod.py::test_b"].lines == {1, 3, 4}
    assert o["test_mod.py::test_c_wrong"].lines == {1, 3, 5}
    assert "assert 'C' == 'F'" in o["test_mod.py::test_c_wrong"].message
    # The hanging test was stopped alone; its coverage (the loop) is kept.
    hang = o["test_mod.py::test_spin_odd_hangs"]
    assert "timed out" in hang.message
    assert {9, 10} <= hang.lines
    assert 10 in hang.fail_lines or 9 in hang.fail_lines
    assert run.passing == {"test_mod.py::test_a", "test_mod.py::test_b"}


def test_candidate_files_are_swapped_in_and_back(ws):
    fixed = MOD.replace('return "C"', 'return "F"')
    with TestPool(ws, workers=2, timeout_s=6, env=ENV) as pool:
        runs = pool.run_many(
            [
                TestRequest(["test_mod.py::test_c_wrong"], {"mod.py": fixed}),
                TestRequest(["test_mod.py::test_c_wrong"]),
                TestRequest(["test_mod.py::test_c_wrong"], {"mod.py": fixed}),
            ]
        )
        assert pool.runs == 3
        on_disk = [(s.root / "mod.py").read_text() for s in pool.sandboxes]
    assert [r.passing == {"test_mod.py::test_c_wrong"} for r in runs] == [True, False, True]
    assert on_disk == [MOD, MOD]
    assert (ws / "mod.py").read_text() == MOD


def test_cancel_stops_a_run_and_its_worker(ws):
    (ws / "test_slow.py").write_text("import time\n\ndef test_slow():\n    time.sleep(60)\n")
    cancel = threading.Event()
    pool = TestPool(ws, workers=1, timeout_s=120, env=ENV)
    try:
        threading.Timer(1.0, cancel.set).start()
        start = time.monotonic()
        with pytest.raises(Cancelled):
            pool.run(TestRequest(["test_slow.py"]), cancel)
        assert time.monotonic() - start < 10
        assert pool.workers[0].proc is None
    finally:
        pool.close()


def test_verdict_names_failing_tests_and_lines(ws):
    with TestPool(ws, workers=1, timeout_s=6, env=ENV) as pool:
        run = pool.run(TestRequest(["test_mod.py::test_c_wrong"], trace="mod.py"))
    v = run.verdict()
    assert not v.passed
    assert v.details == "0/1 tests pass"
    assert v.feedback[0].lines == ()  # the assert is in the test, not in mod.py
    assert "test_c_wrong" in v.feedback[0].message
