"""Where the loop's actions are offered, from what the last test run said (refine.outcomes):
"Fix failing tests" only in a function a failing test reached, as a lightbulb too; "Run tests
for this function" elsewhere; a stale report (the file or a failing test's file changed)
offers nothing it no longer knows."""

from __future__ import annotations

import os

from refine_lsp.actions import ActionContext, kinds
from refine_lsp.actions.providers import LoopActions
from refine_lsp.refine.outcomes import FunctionTests, TestReport
from refine_lsp.settings import Settings
from refine_lsp.text import Pos, Span
from refine_lsp.text.document import Document
from refine_lsp.verify.pytest_runner import TestOutcome, TestRun

SOURCE = """\
import functools


@functools.cache
def price(n):
    if n > 50:
        return 0.2
    return 0.0


def label(n):
    return f"{n} items"
"""
IN_PRICE, IN_LABEL = 5, 11  # zero-based lines inside each function


def report(tmp_path, text=SOURCE) -> TestReport:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_m.py").write_text("...")
    run = TestRun(
        {
            "tests/test_m.py::test_price": TestOutcome(
                "tests/test_m.py::test_price", "failed", "assert 0.0 == 0.2", frozenset({4, 5, 7})
            ),
            "tests/test_m.py::test_label": TestOutcome(
                "tests/test_m.py::test_label", "passed", "", frozenset({11})
            ),
        }
    )
    return TestReport.of(tmp_path, tmp_path / "m.py", text, run)


def offers(provider: LoopActions, tmp_path, line: int, invoked: bool, text=SOURCE) -> list:
    doc = Document((tmp_path / "m.py").as_uri(), text, 1)
    ctx = ActionContext(
        doc.snapshot(), Span(Pos(line, 4), Pos(line, 4)), [], Settings(), invoked=invoked
    )
    return [(o.title, o.kind, o.command) for o in provider.offers(ctx)]


def test_before_any_run_only_invoked_requests_get_the_actions_and_run_tests_leads(tmp_path):
    p = LoopActions()
    assert offers(p, tmp_path, IN_PRICE, invoked=False) == []
    assert offers(p, tmp_path, IN_PRICE, invoked=True) == [
        ("Run tests for this function: price", kinds.RUN_TESTS_KIND, kinds.RUN_TESTS),
        ("Refine with checks: price", f"{kinds.LOOP}.refine", kinds.RUN_LOOP),
        ("Make faster (keeps tests green): price", f"{kinds.LOOP}.faster", kinds.RUN_LOOP),
        ("Add property tests: price", f"{kinds.LOOP}.properties", kinds.RUN_LOOP),
    ]


def test_fix_where_a_failing_test_reaches_even_for_the_lightbulb(tmp_path):
    p = LoopActions()
    p.reports.record(report(tmp_path))
    fix = ("Fix failing tests: price (1 failing)", f"{kinds.LOOP}.fix", kinds.RUN_LOOP)
    assert offers(p, tmp_path, IN_PRICE, invoked=False) == [fix]
    assert offers(p, tmp_path, IN_PRICE, invoked=True)[0] == fix
    # test_label passes and reaches only label: nothing to fix there.
    assert offers(p, tmp_path, IN_LABEL, invoked=False) == []
    assert offers(p, tmp_path, IN_LABEL, invoked=True)[0][0] == "Run tests for this function: label"


def test_an_edit_to_the_file_or_a_saved_test_file_makes_the_report_stale(tmp_path):
    p = LoopActions()
    p.reports.record(report(tmp_path))
    edited = SOURCE.replace("n > 50", "n >= 50")
    assert offers(p, tmp_path, IN_PRICE, invoked=False, text=edited) == []
    assert p.reports.current(tmp_path / "m.py", SOURCE) is None  # dropped, not kept

    p.reports.record(report(tmp_path))
    test_file = tmp_path / "tests" / "test_m.py"
    st = test_file.stat()
    os.utime(test_file, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert offers(p, tmp_path, IN_PRICE, invoked=False) == []


def test_the_run_tests_message_names_counts_and_failing_tests(tmp_path):
    r = report(tmp_path)
    out = FunctionTests(
        "price",
        str(tmp_path),
        reaching=["tests/test_m.py::test_price"],
        named=["tests/test_m.py::test_price_named"],
        failing=["tests/test_m.py::test_price"],
        total=12,
        seconds=1.25,
        report=r,
    )
    assert out.text() == (
        "1 of 2 tests for price pass; 1 failed: tests/test_m.py::test_price; "
        f"'Fix failing tests' is offered now (12 tests run in {tmp_path}, 1.2 s)"
    )
    assert out.output() == "tests/test_m.py::test_price failed:\nassert 0.0 == 0.2"
    nothing = FunctionTests("label", "/w", total=3, seconds=0.5)
    assert nothing.text() == "no test reaches or names label (3 tests run in /w, 0.5 s)"
    broken = FunctionTests("label", "/w", error="no tests ran")
    assert broken.text() == "could not run the tests: no tests ran"
