"""Ochiai scores on a hand-computed example."""

from __future__ import annotations

import math

from refine_lsp.refine.localise import ochiai, ranked


def test_ochiai_known_example():
    coverage = {"t_fail": [1, 2, 3], "t_pass1": [1, 2], "t_pass2": [1, 4]}
    scores = ochiai(coverage, ["t_fail"], lines=[1, 2, 3, 4, 5])
    assert math.isclose(scores[1], 1 / math.sqrt(3))
    assert math.isclose(scores[2], 1 / math.sqrt(2))
    assert scores[3] == 1.0
    assert scores[4] == 0.0
    assert scores[5] == 0.0
    assert ranked(scores) == [3, 2, 1, 4, 5]


def test_two_failing_tests():
    coverage = {"f1": [1, 2], "f2": [1, 3], "p": [1]}
    scores = ochiai(coverage, ["f1", "f2"])
    # line 1: 2 / sqrt(2 * 3); lines 2 and 3: 1 / sqrt(2 * 1)
    assert math.isclose(scores[1], 2 / math.sqrt(6))
    assert math.isclose(scores[2], 1 / math.sqrt(2))
    assert ranked(scores) == [1, 2, 3]


def test_no_failing_tests_scores_zero():
    assert ochiai({"p": [1, 2]}, []) == {1: 0.0, 2: 0.0}
