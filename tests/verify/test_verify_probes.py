"""Boundary probes: the seeds moved to the function's constants, one either side, and to
empty or shorter sequences, so that repairs the tests cannot tell apart differ somewhere."""

from __future__ import annotations

import pytest
from refine_lsp.verify._inputs import boundary_probes, source_constants
from refine_lsp.verify.properties import property_verdict
from refine_lsp.verify.sandbox import Sandbox


def test_source_constants_in_order_with_their_sign_and_without_bools():
    text = "def f(n):\n    r = [0, 0, 2, 0]\n    if n < 4:\n        return r[n]\n"
    text += "    return -1.5 + True\n"
    assert source_constants(text) == [0, 2, 4, -1.5]
    assert source_constants("def f(:\n") == []
    # Indented text (a method, a nested function) reads too.
    assert source_constants("    def g(x):\n        return x > 7\n") == [7]


def test_probes_move_one_argument_at_a_time_nearest_variants_first():
    probes = boundary_probes([([1, 2, 3], 2)], [10])
    # Round-robin over the two arguments: the empty list and 2 - 1 come first.
    assert probes[:4] == [([], 2), ([1, 2, 3], 1), ([1], 2), ([1, 2, 3], 3)]
    assert ([1, 2, 3], 10) in probes and ([1, 2, 3], 11) in probes and ([1, 2, 3], 9) in probes
    assert ([10], 2) in probes  # a one-element list at the function's constant
    assert ([1, 2, 3], 2) not in probes  # never the seed itself
    assert len({repr(p) for p in probes}) == len(probes)
    assert boundary_probes([([1, 2, 3], 2)], [10]) == probes  # fixed by seeds and source


def test_probes_keep_each_argument_type_and_their_number_bounded():
    probes = boundary_probes([("ab", True, {"k": 1}, None)], [])
    assert ("", True, {"k": 1}, None) in probes and ("ab", False, {"k": 1}, None) in probes
    assert ("ab", True, {}, None) in probes
    for p in probes:
        assert [type(v) for v in p] == [str, bool, dict, type(None)]
    many = [(i, [i] * 5, "x" * i) for i in range(20)]
    assert len(boundary_probes(many, list(range(12)), limit=50)) == 50
    assert boundary_probes([], [1]) == [] and boundary_probes([()], [1]) == []


MOD = """\
def small(x):
    return x < 10


def head(xs):
    return xs[0] if xs else None
"""


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    with Sandbox(tmp_path) as sb:
        yield sb


def test_a_change_at_the_constant_is_seen_where_the_seeds_alone_miss_it(sandbox):
    # The tests passed only 3: generated ints keep to the seen range, so without probes
    # `x <= 10` is never told from `x < 10`; the probe at 10 tells them apart.
    candidate = MOD.replace("x < 10", "x <= 10")
    v = property_verdict(
        sandbox, "m.py", "small", candidate=candidate, mode="crash", seeds={"seeds": ["(3,)"]}
    )
    assert v.passed, v.details
    assert v.data["probes"] > 0
    assert v.data["differ"] == 1  # x == 10 only
    same = property_verdict(
        sandbox, "m.py", "small", candidate=MOD, mode="crash", seeds={"seeds": ["(3,)"]}
    )
    assert same.data["differ"] == 0


def test_raising_on_a_probe_is_a_difference_for_repair_and_a_failure_for_equivalence(sandbox):
    candidate = MOD.replace("xs[0] if xs else None", "xs[0]")
    seeds = {"seeds": ["([4, 5],)"]}
    crash = property_verdict(sandbox, "m.py", "head", candidate=candidate, seeds=seeds)
    assert crash.passed, crash.details
    assert crash.data["differ"] >= 1  # head([]) raises now
    eq = property_verdict(
        sandbox, "m.py", "head", candidate=candidate, mode="equivalent", seeds=seeds
    )
    assert not eq.passed
    assert "head([])" in eq.details


def test_inputs_where_the_original_raises_count_the_candidates_that_return(tmp_path):
    # Repair breaks ties in least change by it: the original's crashes are never behaviour a
    # fix must keep, and a fix that returns there (and nowhere else differs) is the likelier.
    text = "def first(xs):\n    return xs[0]\n"
    (tmp_path / "m.py").write_text(text)
    seeds = {"seeds": ["([4, 5],)"]}
    guarded = text.replace("xs[0]", "xs[0] if xs else None")
    with Sandbox(tmp_path) as sb:
        fixed = property_verdict(sb, "m.py", "first", candidate=guarded, seeds=seeds)
        same = property_verdict(sb, "m.py", "first", candidate=text, seeds=seeds)
    assert fixed.passed and same.passed, (fixed.details, same.details)
    assert fixed.data["differ"] == same.data["differ"] == 0  # where the original returns
    assert fixed.data["repaired"] >= 1 and same.data["repaired"] == 0


def test_choice_among_verified_fixes_breaks_a_tie_by_the_crashes_it_stops():
    from types import SimpleNamespace

    from refine_lsp.refine.loop import _Fixer
    from refine_lsp.verify.verdict import Verdict

    def verified(differ, repaired, order, name):
        v = Verdict("properties", True, data={"differ": differ, "repaired": repaired, "valid": 9})
        return (differ, order, SimpleNamespace(name=name), [v])

    fake = SimpleNamespace(s=SimpleNamespace(summary=SimpleNamespace()), chosen_note="")
    pick = _Fixer.choose
    assert pick(fake, [verified(0, 0, 0, "a"), verified(0, 3, 1, "b")]).name == "b"
    assert pick(fake, [verified(0, 3, 0, "a"), verified(1, 9, 1, "b")]).name == "a"
    assert pick(fake, [verified(0, 2, 0, "a"), verified(0, 2, 1, "b")]).name == "a"
