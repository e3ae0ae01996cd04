"""The loop end to end with no model: fix, cancel, make faster, property tests, CLI."""

from __future__ import annotations

import threading
import time

import pytest
from refine_lsp.cli import main as cli_main
from refine_lsp.refine.improve import add_property_tests, make_faster, refine_with_checks
from refine_lsp.refine.loop import fix_failing_tests
from refine_lsp.refine.memory import Memory
from refine_lsp.refine.run import LoopError
from refine_lsp.settings import Settings

ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _tree(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fixes_the_fixture_bug_without_a_model(buggy, tmp_path):
    pricing = buggy / "shop" / "pricing.py"
    before_text = pricing.read_text()
    before = _tree(buggy)
    messages = []
    res = fix_failing_tests(
        buggy,
        pricing,
        6,  # zero-based: `if quantity > 10:`
        Settings(),
        progress=lambda m, p: messages.append((m, p)),
        memory_dir=tmp_path / "memory",
        worker_env=ENV,
    )
    assert res.new_source == before_text.replace("quantity > 10", "quantity >= 10")
    assert res.description == "line 7: `quantity > 10` -> `quantity >= 10`"
    s = res.summary
    assert (s.tests_total, s.tests_passed_before, s.tests_passed) == (3, 2, 3)
    assert s.model_calls == 0 and s.test_runs >= 2 and s.properties_checked > 0
    assert [v["verifier"] for v in s.verdicts] == ["parse", "ruff", "pytest", "no-crash"]
    assert all(v["passed"] for v in s.verdicts)
    assert messages and messages[0][0].startswith("running the tests")
    # Only an edit is offered; the user's files are untouched.
    assert _tree(buggy) == before
    assert "+    if quantity >= 10:" in res.diff()
    # The outcome was remembered: the winning template now weighs more for this code kind.
    mem = Memory(tmp_path / "memory")
    assert mem.stats and any(v["fixes"] == 1 for v in mem.stats.values())


def test_nothing_to_fix_when_tests_pass(buggy):
    pricing = buggy / "shop" / "pricing.py"
    res = fix_failing_tests(buggy, pricing, 12, Settings(), worker_env=ENV)
    assert res.new_source is None
    assert res.summary.message == "all 2 tests that reach shipping pass"


def test_cancel_stops_within_a_moment(buggy):
    (buggy / "tests" / "test_slow.py").write_text(
        "import time\nfrom shop.pricing import bulk_discount\n\n\n"
        "def test_slow():\n    time.sleep(30)\n    assert bulk_discount(1, 1.0) == 1.0\n"
    )
    cancel = threading.Event()
    threading.Timer(1.5, cancel.set).start()
    start = time.monotonic()
    res = fix_failing_tests(buggy, buggy / "shop" / "pricing.py", 6, Settings(), cancel=cancel)
    assert res.cancelled and res.new_source is None
    assert res.summary.message == "cancelled"
    assert time.monotonic() - start < 10


def test_bad_input_is_a_clear_error(buggy, tmp_path):
    with pytest.raises(LoopError, match="not inside the workspace"):
        fix_failing_tests(buggy, tmp_path / "elsewhere.py", 0, Settings())
    with pytest.raises(LoopError, match="no function at line 1"):
        fix_failing_tests(buggy, buggy / "shop" / "pricing.py", 0, Settings())


def test_make_faster_keeps_tests_green(slow):
    seq = slow / "slowmath" / "seq.py"
    res = make_faster(slow, seq, 4, Settings(), worker_env=ENV)
    assert res.new_source == seq.read_text().replace(
        '"""Number sequences."""\n', '"""Number sequences."""\nimport functools\n'
    ).replace("def fib", "@functools.cache\ndef fib")
    s = res.summary
    assert s.tests_passed == s.tests_total == 2
    assert s.speedup is not None and s.speedup > 1.2


def test_add_property_tests_verified_on_current_code(buggy):
    res = add_property_tests(buggy, buggy / "shop" / "pricing.py", 12, Settings(), worker_env=ENV)
    assert res.file == buggy / "tests" / "test_pricing_properties.py"
    assert not res.file.exists()
    assert res.new_source.startswith(
        "import copy\n\nfrom hypothesis import given, settings\n"
        "from hypothesis import strategies as st\n\nfrom shop.pricing import shipping\n"
    )
    assert "def test_shipping_does_not_crash(weight_kg):" in res.new_source
    assert res.summary.message == "added 3 property tests"


def test_refine_with_checks_fixes_failing_tests_first(buggy):
    res = refine_with_checks(buggy, buggy / "shop" / "pricing.py", 6, Settings(), worker_env=ENV)
    assert res.new_source is not None and "quantity >= 10" in res.new_source


def test_cli_fix_prints_diff_and_applies_only_when_asked(buggy, capsys):
    pricing = buggy / "shop" / "pricing.py"
    original = pricing.read_text()
    code = cli_main(["fix", f"{pricing}:7", "--workspace", str(buggy)])
    out = capsys.readouterr()
    assert code == 0
    assert out.out.startswith("fixed: line 7: `quantity > 10` -> `quantity >= 10`")
    assert "-    if quantity > 10:\n+    if quantity >= 10:\n" in out.out
    assert "%" in out.err  # the progress bar
    assert pricing.read_text() == original
    assert cli_main(["fix", f"{pricing}:7", "--workspace", str(buggy), "--apply"]) == 0
    assert pricing.read_text() == original.replace("quantity > 10", "quantity >= 10")


def test_cli_bad_location(capsys):
    assert cli_main(["fix", "nowhere.py:x"]) == 2
    assert "FILE:LINE" in capsys.readouterr().err


def test_a_fix_that_raises_on_new_inputs_is_offered_with_a_warning(tmp_path):
    (tmp_path / "calc.py").write_text("def ratio(a: int, b: int) -> float:\n    return a * b\n")
    (tmp_path / "test_calc.py").write_text(
        "from calc import ratio\n\n\ndef test_ratio():\n    assert ratio(6, 3) == 2.0\n"
    )
    res = fix_failing_tests(tmp_path, tmp_path / "calc.py", 1, Settings(), worker_env=ENV)
    assert res.new_source == "def ratio(a: int, b: int) -> float:\n    return a / b\n"
    [warning] = res.summary.warnings
    assert warning.startswith("on generated inputs the fix raises where the original did not")
    assert "ZeroDivisionError" in warning
    # The verifiers it passed are listed; the crash check is advisory, not among them.
    assert [v["verifier"] for v in res.summary.verdicts] == ["parse", "ruff", "pytest"]


def test_splice_keeps_the_rest_of_the_file():
    from refine_lsp.refine.proposals import splice_function
    from refine_lsp.refine.target import find_target

    src = "import os\n\n\nclass A:\n    def f(self):\n        return 1\n\n\nX = 2\n"
    code = "Sure:\ndef f(self):\n    return 2\n"
    new = splice_function(src, find_target(src, 5), "def f(self):\n    return 2\n")
    assert new == src.replace("return 1", "return 2")
    assert splice_function(src, find_target(src, 5), "def g():\n    pass\n") is None
    assert splice_function(src, find_target(src, 5), code) is None  # not code at all


def test_the_first_traced_run_keeps_to_the_time_budget(tmp_path):
    # A big suite's first run (all of it, traced) may take longer than the action may: it is
    # stopped when the budget is spent, not after the longer per-request test timeout.
    (tmp_path / "calc.py").write_text("def twice(x):\n    return x + x\n")
    (tmp_path / "test_calc.py").write_text(
        "import time\n\nfrom calc import twice\n\n\ndef test_slow():\n"
        "    time.sleep(20)\n    assert twice(2) == 4\n"
    )
    settings = Settings()
    settings.refine.max_seconds = 3.0
    settings.refine.test_timeout_s = 30.0
    start = time.monotonic()
    res = fix_failing_tests(tmp_path, tmp_path / "calc.py", 0, settings, worker_env=ENV)
    assert time.monotonic() - start < 12, res.summary.message
    assert res.new_source is None
