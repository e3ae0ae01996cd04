"""Inline variable: whole text after the edit, parentheses by precedence, and refusals."""

from __future__ import annotations

import textwrap

import pytest
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
from refine_lsp.refactor import inline_variable as iv


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES = [
    (
        "single_use_with_parens",
        """
        def f(a, b):
            # keep this comment
            t‸otal = a + b
            return total * 2
        """,
        """
        def f(a, b):
            # keep this comment
            return (a + b) * 2
        """,
    ),
    (
        "cursor_on_use_and_several_uses",
        """
        def f(a):
            n = a * 2
            return n + 1, -n‸, n ** 2
        """,
        """
        def f(a):
            return a * 2 + 1, -(a * 2), (a * 2) ** 2
        """,
    ),
    (
        "call_moved_into_next_statement",
        """
        def f(path):
            h‸andle = open(path)
            return handle.read()
        """,
        """
        def f(path):
            return open(path).read()
        """,
    ),
    (
        "integer_attribute_and_only_statement",
        """
        def f():
            if True:
                q‸ = 1
                print(q.real)
        """,
        """
        def f():
            if True:
                print((1).real)
        """,
    ),
    (
        "no_parens_needed",
        """
        from lib import g
        def f(a, b):
            c‸ = a * b
            return g(c, k=c), [c], c + 1
        """,
        """
        from lib import g
        def f(a, b):
            return g(a * b, k=a * b), [a * b], a * b + 1
        """,
    ),
    (
        "fstring_use",
        """
        def f(a, b):
            s‸ = a + b
            return f"{s}!"
        """,
        """
        def f(a, b):
            return f"{a + b}!"
        """,
    ),
]


@pytest.mark.parametrize("name,before,after", CASES, ids=[c[0] for c in CASES])
def test_inline_variable(name, before, after, marks):
    source, span = marks(before)
    offers = {o.id: o for o in list_refactorings(source, span)}
    assert offers["inline.variable"].disabled_reason is None
    assert compute_refactoring(source, span, "inline.variable") == d(after)


REFUSALS = [
    ("x‸ = 1\nprint(x)\n", iv.NOT_LOCAL),
    ("def f():\n    x‸ = 1\n    x = 2\n    return x\n", iv.MULTIPLE.format("x")),
    ("def f(x‸):\n    return x\n", iv.PARAM.format("x")),
    ("def f(xs):\n    for x‸ in xs:\n        print(x)\n", iv.NOT_SIMPLE.format("x")),
    ("def f(a):\n    x‸ = a\n", iv.NEVER_USED.format("x")),
    ("def f(a):\n    x‸ = a\n    return lambda: x\n", iv.NESTED.format("x")),
    ("def f(a):\n    if a:\n        x‸ = 1\n    return x\n", iv.CONDITIONAL.format("x")),
    ("def f(a):\n    x‸ = g(a)\n    return x + x\n", iv.MULTI_EVAL.format("x", 2, 2)),
    ("def f(a):\n    x‸ = g(a)\n    print(a)\n    return x\n", iv.MOVES_CALL),
    ("def f(a):\n    x‸ = a + 1\n    a = 5\n    return x\n", iv.REBOUND.format("a", "x")),
    ("def f(a):\n    x‸ = a[0]\n    a.clear()\n    return x\n", iv.MUTATED.format("a", "x")),
    ("def f(a):\n    x‸ = 'q'\n    return f'{x}'\n", iv.FSTRING),
    ("def f(a):\n    x‸ = (y := a)\n    return x\n", iv.DYNAMIC),
]


@pytest.mark.parametrize("marked,reason", REFUSALS)
def test_inline_variable_refusals(marked, reason, marks):
    source, span = marks(marked)
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, "inline.variable")
    assert str(exc.value) == reason


def test_listing_disables_what_it_can_see(marks):
    source, span = marks("def f():\n    x‸ = 1\n    x = 2\n    return x\n")
    offer = next(o for o in list_refactorings(source, span) if o.id == "inline.variable")
    assert offer.disabled_reason == iv.MULTIPLE.format("x")
