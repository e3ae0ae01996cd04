"""Extract variable (one or all occurrences): whole text after the edit, and refusals."""

from __future__ import annotations

import textwrap

import pytest
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
from refine_lsp.refactor import expressions as ex
from refine_lsp.refactor import extract_variable as ev


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES = [
    (
        "selection",
        "extract.variable",
        """
        def area(w, h):
            # the area
            return ⟦w * h⟧ / 2
        """,
        """
        def area(w, h):
            # the area
            value = w * h
            return value / 2
        """,
    ),
    (
        "cursor_on_call_name",
        "extract.variable",
        """
        def f(path):
            data = op‸en(path).read()
            return data
        """,
        """
        def f(path):
            open_result = open(path)
            data = open_result.read()
            return data
        """,
    ),
    (
        "getter_name_and_parenthesized_selection",
        "extract.variable",
        """
        def f(store):
            print((⟦store.get_user(1)⟧))
        """,
        """
        def f(store):
            user = store.get_user(1)
            print(user)
        """,
    ),
    (
        "multiline_expression_keeps_parentheses",
        "extract.variable",
        """
        from lib import g
        def f(a, b):
            return g(⟦a +
                     b⟧)
        """,
        """
        from lib import g
        def f(a, b):
            value = (a +
                     b)
            return g(value)
        """,
    ),
    (
        "if_condition",
        "extract.variable",
        """
        def f(xs):
            if ⟦len(xs) > 3⟧:
                return 1
        """,
        """
        def f(xs):
            condition = len(xs) > 3
            if condition:
                return 1
        """,
    ),
    (
        "all_occurrences",
        "extract.variable.all",
        """
        def f(a, b):
            x = ⟦a + b⟧
            if a + b > 3:
                print(a + b)
            return (a + b) * 2
        """,
        """
        def f(a, b):
            value = a + b
            x = value
            if value > 3:
                print(value)
            return value * 2
        """,
    ),
    (
        "yield_sent_value",
        "extract.variable",
        """
        def echo(xs):
            for x in xs:
                y = 1 + ⟦(yield x)⟧
                print(y)
        """,
        """
        def echo(xs):
            for x in xs:
                value = yield x
                y = 1 + value
                print(y)
        """,
    ),
    (
        "yield_from_statement",
        "extract.variable",
        """
        def chain(a):
            ⟦yield from a⟧
        """,
        """
        def chain(a):
            value = yield from a
            value
        """,
    ),
    (
        "elif_condition_becomes_else_if",
        "extract.variable",
        """
        def size(xs, limit):
            if not xs:
                return 0
            # long ones
            elif ⟦len(xs)⟧ > limit:  # too long
                return limit
            elif xs[0]:
                return 1
            else:
                return 2
        """,
        """
        def size(xs, limit):
            if not xs:
                return 0
            # long ones
            else:
                len_result = len(xs)
                if len_result > limit:  # too long
                    return limit
                elif xs[0]:
                    return 1
                else:
                    return 2
        """,
    ),
    (
        "last_elif_condition",
        "extract.variable",
        """
        def size(xs, limit):
            if not xs:
                return 0
            elif len(xs) > limit:
                return limit
            elif ⟦xs[0].ready()⟧:
                return 1
        """,
        """
        def size(xs, limit):
            if not xs:
                return 0
            elif len(xs) > limit:
                return limit
            else:
                ready_result = xs[0].ready()
                if ready_result:
                    return 1
        """,
    ),
    (
        "all_with_pure_calls",
        "extract.variable.all",
        """
        def f(xs):
            return ⟦len(xs)⟧ + len(xs)
        """,
        """
        def f(xs):
            len_result = len(xs)
            return len_result + len_result
        """,
    ),
]


@pytest.mark.parametrize("name,offer_id,before,after", CASES, ids=[c[0] for c in CASES])
def test_extract_variable(name, offer_id, before, after, marks):
    source, span = marks(before)
    offers = {o.id: o for o in list_refactorings(source, span)}
    assert offers[offer_id].disabled_reason is None
    assert compute_refactoring(source, span, offer_id) == d(after)


REFUSALS = [
    ("extract.variable", "def f(a, b):\n    return a or ⟦b.c()⟧\n", ex.SHORT_CIRCUIT.format("or")),
    ("extract.variable", "def f(a, b):\n    return ⟦a.x⟧ if a else b\n", ex.CONDITIONAL),
    (
        "extract.variable",
        "def f(xs):\n    return [⟦x * 2⟧ for x in xs]\n",
        ex.IN_LOOP_EXPR.format("list comprehension"),
    ),  # fmt: skip
    (
        "extract.variable",
        "def f(xs):\n    return lambda: ⟦xs + 1⟧\n",
        ex.IN_LOOP_EXPR.format("lambda"),
    ),  # fmt: skip
    ("extract.variable", "def f(a):\n    ⟦a.b⟧ = 1\n", ex.TARGET),
    ("extract.variable", "def f(a):\n    while ⟦a.ready()⟧:\n        pass\n", ex.LOOP_CONDITION),
    (
        "extract.variable.all",
        "def f(a):\n    if a:\n        pass\n    elif ⟦a.b > 1⟧:\n        return a.b > 1\n",
        ex.ELIF,
    ),  # fmt: skip
    (
        "extract.variable.all",
        "def f(xs):\n    for x in xs:\n        y = 1 + ⟦(yield x)⟧\n        z = (yield x)\n",
        ev.RUNS_TWICE.format("yield", 2),
    ),  # fmt: skip
    (
        "extract.variable.all",
        "async def f(a):\n    x = ⟦await a⟧\n    return await a\n",
        ev.RUNS_TWICE.format("await", 2),
    ),  # fmt: skip
    (
        "extract.variable",
        "def f(a):\n    try:\n        pass\n    except ⟦a.Error⟧:\n        pass\n",
        ex.EXCEPT,
    ),  # fmt: skip
    ("extract.variable", "def f(a: ⟦x.y⟧):\n    pass\n", ex.ANNOTATION),
    ("extract.variable", "def f(a):\n    if a: return ⟦a + 1⟧\n", ex.ONE_LINE),
    ("extract.variable", "def f(a):\n    return g(a.pop(), ⟦a[0] + 1⟧)\n", ex.ORDER),
    ("extract.variable", "def f(a):\n    return ⟦(b := a + 1)⟧\n", ex.WALRUS),
    ("extract.variable", "def f(a):\n    return ⟦a +⟧ 1\n", ex.NOT_EXPR),
    ("extract.variable", "def f(a):\n    a = 1; b = ⟦a + 2⟧\n", ex.SEMICOLON),
    (
        "extract.variable.all",
        "def f(a):\n    x = ⟦g(a)⟧\n    return g(a)\n",
        ev.CALLS_TWICE.format("g", 2),
    ),  # fmt: skip
    (
        "extract.variable.all",
        "def f(a):\n    x = ⟦a + 1⟧\n    a = 2\n    return a + 1\n",
        ev.REBOUND.format("a"),
    ),  # fmt: skip
    (
        "extract.variable.all",
        "def f(a):\n    x = ⟦a[0] + 1⟧\n    a.append(2)\n    return a[0] + 1\n",
        ev.MUTATED.format("a"),
    ),  # fmt: skip
    ("extract.variable.all", "def f(a):\n    return ⟦a + 1⟧\n", ev.ONLY_ONE),
]


@pytest.mark.parametrize("offer_id,marked,reason", REFUSALS)
def test_extract_variable_refusals(offer_id, marked, reason, marks):
    source, span = marks(marked)
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, offer_id)
    assert str(exc.value) == reason


def test_plain_name_is_listed_disabled(marks):
    source, span = marks("def f(a):\n    return ⟦a⟧\n")
    offer = next(o for o in list_refactorings(source, span) if o.id == "extract.variable")
    assert offer.disabled_reason == ex.ALREADY_NAME


def test_all_occurrences_offered_only_when_repeated(marks):
    source, span = marks("def f(a):\n    return ⟦a + 1⟧, (a + 1)\n")
    ids = [o.id for o in list_refactorings(source, span)]
    assert "extract.variable.all" in ids
    source, span = marks("def f(a):\n    return ⟦a + 1⟧\n")
    assert "extract.variable.all" not in [o.id for o in list_refactorings(source, span)]


@pytest.mark.parametrize(
    "marked,title,reason",
    [
        ("def f(a):\n    return ⟦a + 1⟧, ((a + 1)), (a+1)\n", "Extract variable (3 occurrences)",
         None),
        ("def f(xs):\n    y = 1 + ⟦(yield xs)⟧\n    return (yield xs)\n",
         "Extract variable (2 occurrences)", ev.RUNS_TWICE.format("yield", 2)),
    ],
)  # fmt: skip
def test_all_occurrences_counted_once_each_and_disabled_for_yield(marked, title, reason, marks):
    source, span = marks(marked)
    offer = next(o for o in list_refactorings(source, span) if o.id == "extract.variable.all")
    assert (offer.title, offer.disabled_reason) == (title, reason)
