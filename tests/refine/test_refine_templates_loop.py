"""The further-reaching repair through the real loop and sandbox: what a user is offered."""

from __future__ import annotations

from refine_lsp.refine.loop import fix_failing_tests
from refine_lsp.settings import Settings

ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def test_two_site_fix_at_the_two_most_suspicious_lines(tmp_path):
    # One failing test, and no single edit makes it pass: the loop pairs edits at two lines.
    src = "def area(w, h):\n    w2 = w - 1\n    h2 = h + 2\n    return w2 * h2\n"
    (tmp_path / "geo.py").write_text(src)
    (tmp_path / "test_geo.py").write_text(
        "from geo import area\n\n\ndef test_area():\n"
        "    assert area(2, 3) == 6\n    assert area(3, 4) == 12\n"
    )
    res = fix_failing_tests(tmp_path, tmp_path / "geo.py", 0, Settings(), worker_env=ENV)
    # Constants come before dropped operands (their prior is higher): `- 0` and `+ 0`.
    assert res.new_source == src.replace("w - 1", "w - 0").replace("h + 2", "h + 0")
    assert res.summary.message == "fixed: line 2: `1` -> `0`; line 3: `2` -> `0`"
    assert res.summary.tests_passed == res.summary.tests_total == 1


def test_inverted_predicate_is_fixed_by_swapping_the_returns(tmp_path, monkeypatch):
    # The first verified fix (no least-change pick): an inversion changes the result on every
    # input, so the pick prefers any narrower patch that the two tests let through
    # (`sorted(xs, reverse=True)`, wrong on most lists). The template is what is tested here.
    from refine_lsp.refine import loop

    monkeypatch.setattr(loop, "PICK_AMONG", 1)
    src = "def increasing(xs):\n    if xs == sorted(xs):\n        return False\n    return True\n"
    (tmp_path / "seq.py").write_text(src)
    (tmp_path / "test_seq.py").write_text(
        "from seq import increasing\n\n\ndef test_yes():\n    assert increasing([1, 2])\n\n\n"
        "def test_no():\n    assert not increasing([2, 1])\n"
    )
    res = fix_failing_tests(tmp_path, tmp_path / "seq.py", 0, Settings(), worker_env=ENV)
    assert res.new_source is not None, res.summary.message
    # Either inversion is right; both read the same to a user (the original's SIM103 stays).
    assert res.new_source in (
        src.replace("return False", "@")
        .replace("return True", "return False")
        .replace("@", "return True"),
        src.replace("if xs == sorted(xs):", "if xs != sorted(xs):"),
        src.replace("if xs == sorted(xs):", "if not xs == sorted(xs):"),
    )


def test_choosing_among_verified_fixes_by_least_change(tmp_path, monkeypatch):
    # The verified candidates at the first one's line are compared on generated inputs and
    # the one that changes the original's results least is offered. The rivals are fixed by
    # the candidates' order (not by timing or the number of workers) and the inputs are
    # seeded by the original's text, so the choice is the same on every run.
    from refine_lsp.refine import loop

    monkeypatch.setattr(loop, "PICK_AMONG", 3)
    src = "def below(ops: list[int]) -> bool:\n    total = 0\n    for op in ops:\n"
    src += (
        "        total += op\n        if total == 0:\n            return True\n    return False\n"
    )
    (tmp_path / "bank.py").write_text(src)
    (tmp_path / "test_bank.py").write_text(
        "from bank import below\n\n\ndef test_negative():\n    assert below([1, -2])\n\n\n"
        "def test_positive():\n    assert not below([1, 2])\n"
    )
    res = fix_failing_tests(tmp_path, tmp_path / "bank.py", 0, Settings(), worker_env=ENV)
    assert res.new_source is not None, res.summary.message
    assert "verified fixes, the one that changes the original's results least" in (
        res.summary.message
    )
    found = [desc for desc, _, _ in res.alternatives]
    assert found == [
        "line 5: `total == 0` -> `total <= 0`",
        "line 5: `total == 0` -> `total < 0`",
        "line 5: `0` -> `-1`",
    ]
    # The least change is `total == -1` (it differs only where the total reaches -1 exactly;
    # the tests cannot tell it from the right `total < 0`, which differs on many more).
    differ = {desc: d for desc, _, d in res.alternatives}
    assert min(differ.values()) == differ["line 5: `0` -> `-1`"]
    assert res.new_source == src.replace("total == 0", "total == -1")


def test_a_tie_in_least_change_goes_to_the_fix_that_stops_the_crash(tmp_path):
    # The original raises on every even-length list (`len(xs) - 1 // 2` is `len(xs)`), so
    # the generated inputs where it returns (odd lengths) cannot tell the verified fixes apart;
    # a constant in place of `len(xs)` passes the one even test too. The regrouped fix returns
    # on the inputs where the original raised, and the constant does not (length 2): it wins.
    src = (
        "def middle(xs):\n"
        "    xs = sorted(xs)\n"
        "    if len(xs) % 2 == 1:\n"
        "        return xs[len(xs) // 2]\n"
        "    return (xs[len(xs) - 1 // 2] + xs[len(xs) // 2]) / 2\n"
    )
    (tmp_path / "stats.py").write_text(src)
    (tmp_path / "test_stats.py").write_text(
        "from stats import middle\n\n\ndef test_odd():\n    assert middle([3, 1, 2]) == 2\n\n\n"
        "def test_even():\n    assert middle([6, 1, 5, 2, 4, 3]) == 3.5\n"
    )
    res = fix_failing_tests(tmp_path, tmp_path / "stats.py", 0, Settings(), worker_env=ENV)
    assert res.new_source == src.replace("len(xs) - 1 // 2", "(len(xs) - 1) // 2")
    ns: dict = {}
    exec(res.new_source, ns)
    assert [ns["middle"](list(range(n))) for n in (2, 4, 8)] == [0.5, 1.5, 3.5]
