"""The flow analysis behind extract function: definitely assigned and live names."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from refine_lsp.refactor.selection_flow import analyse, param_names


def flow(src: str, first: int, last: int):
    """Analyse statements first..last (0-based, of the function's body) of ``def f``."""
    func = cst.parse_module(textwrap.dedent(src)).body[0]
    body = list(func.body.body)
    return analyse(body, param_names(func), body[first : last + 1])


def test_a_loop_may_run_zero_times():
    fl = flow(
        """
        def f(items):
            total = 0
            for x in items:
                total = x
            print(total)
        """,
        1,
        2,
    )
    assert "total" in fl.upward  # read before every path assigned it
    assert "total" not in fl.must_def
    assert "total" in fl.assigned_entry


def test_reassigned_before_any_read_is_dead():
    fl = flow(
        """
        def f(n):
            x = n
            x = 5
            print(x)
        """,
        0,
        0,
    )
    assert fl.may_def == {"x"} and "x" not in fl.live_after


def test_walrus_in_a_condition_binds_on_every_path():
    fl = flow(
        """
        def f(a):
            if (i := a == 5):
                pass
            print(i)
        """,
        0,
        0,
    )
    assert "i" in fl.must_def and "i" in fl.live_after


def test_walrus_after_a_short_circuit_may_not_bind():
    fl = flow(
        """
        def f(a):
            if a and (i := 1):
                pass
            print(i)
        """,
        0,
        0,
    )
    assert "i" in fl.may_def and "i" not in fl.must_def


def test_while_true_leaves_only_by_break():
    fl = flow(
        """
        def f():
            while True:
                y = 1
                break
            print(y)
        """,
        0,
        0,
    )
    assert "y" in fl.must_def


@pytest.mark.parametrize(
    "handler,must",
    [("raise", True), ("pass", False), ("y = 2", True)],
)
def test_try_falls_through_from_the_body_or_a_handler(handler, must):
    fl = flow(
        f"""
        def f(g):
            try:
                y = g()
            except ValueError:
                {handler}
            print(y)
        """,
        0,
        0,
    )
    assert ("y" in fl.must_def) is must


def test_an_exception_caught_outside_sees_the_assignment():
    fl = flow(
        """
        def f(g):
            y = 0
            try:
                y = 1
                g()
            except ValueError:
                print(y)
        """,
        1,
        1,
    )
    body = fl  # the whole try is the selection: nothing is caught outside it
    assert not body.catches_outside
    func = cst.parse_module(
        "def f(g):\n    y = 0\n    try:\n        y = 1\n        g()\n    except E:\n        print(y)\n"
    ).body[0]
    inner = func.body.body[1].body.body
    fl2 = analyse(list(func.body.body), param_names(func), [inner[0], inner[1]])
    assert fl2.catches_outside and "y" in fl2.live_on_raise


def test_match_captures_are_writes_and_an_irrefutable_case_ends_the_chain():
    fl = flow(
        """
        def f(v):
            match v:
                case [x]:
                    pass
                case x:
                    pass
            print(x)
        """,
        0,
        0,
    )
    assert "x" in fl.must_def and "x" in fl.live_after


def test_suppress_swallows_the_rest_of_its_body():
    fl = flow(
        """
        def f(g):
            with suppress(ValueError):
                g()
                y = 1
            print(y)
        """,
        0,
        0,
    )
    assert "y" not in fl.must_def
