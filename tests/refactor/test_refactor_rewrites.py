"""Safe simplifications (refactor.rewrite): whole text after the edit, and refusals."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
from refine_lsp.refactor import rewrite_bool_return as rb
from refine_lsp.refactor import rewrite_comprehension as rc
from refine_lsp.refactor import rewrite_fstring as rf
from refine_lsp.refactor import rewrite_none_compare as rn


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES = [
    ("bool_else", "rewrite.bool-return",
     "def f(a, b):\n    i‸f a > b:\n        return True\n    else:\n        return False\n",
     "def f(a, b):\n    return bool(a > b)\n"),
    ("bool_negated_following_return", "rewrite.bool-return",
     "def f(a):\n    i‸f a.done or a.failed:\n        return False\n    return True\n",
     "def f(a):\n    return not (a.done or a.failed)\n"),
    ("bool_already_bool", "rewrite.bool-return",
     "def f(a, xs):\n    i‸f a in xs:\n        return True\n    return False\n",
     "def f(a, xs):\n    return a in xs\n"),
    ("none_eq", "rewrite.compare-to-none",
     "def f(x):\n    if x =‸= None:\n        return 1\n",
     "def f(x):\n    if x is None:\n        return 1\n"),
    ("none_ne_reversed", "rewrite.compare-to-none",
     "def f(x):\n    while None !‸= x.next:\n        x = x.next\n",
     "def f(x):\n    while x.next is not None:\n        x = x.next\n"),
    ("comprehension", "rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        out.append(x * 2)\n    return out\n",
     "def f(xs):\n    out = [x * 2 for x in xs]\n    return out\n"),
    ("comprehension_if", "rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        if x:\n            out.append(x)\n    return out\n",
     "def f(xs):\n    out = [x for x in xs if x]\n    return out\n"),
    ("percent", "rewrite.fstring",
     "def f(a, b):\n    return '%s is %r {ok} 100%%' ‸% (a, b.c)\n",
     "def f(a, b):\n    return f'{a} is {b.c!r} {{ok}} 100%'\n"),
    ("format", "rewrite.fstring",
     "def f(a, b):\n    return '{} <{:>4}> {k!r}'.for‸mat(a, b, k=a)\n",
     "def f(a, b):\n    return f'{a} <{b:>4}> {a!r}'\n"),
]  # fmt: skip


@pytest.mark.parametrize("name,offer_id,before,after", CASES, ids=[c[0] for c in CASES])
def test_rewrite(name, offer_id, before, after, marks):
    source, span = marks(before)
    offers = {o.id: o for o in list_refactorings(source, span)}
    assert offers[offer_id].disabled_reason is None
    assert compute_refactoring(source, span, offer_id) == after


REFUSALS = [
    ("rewrite.bool-return",
     "def f(a):\n    i‸f a:\n        # why\n        return True\n    return False\n", rb.COMMENTS),
    ("rewrite.bool-return",
     "bool = int\ndef f(a):\n    i‸f a:\n        return True\n    return False\n", rb.BOOL_REBOUND),
    ("rewrite.bool-return",
     "def f(a):\n    i‸f a:\n        return True\n    elif a is None:\n        return False\n", rb.ELIF),
    ("rewrite.bool-return", "def f(a):\n    i‸f a:\n        return 1\n", rb.NOT_HERE),
    ("rewrite.compare-to-none", "def f(q, c):\n    return q.filter(c =‸= None)\n", rn.PASSED_ON),
    ("rewrite.compare-to-none", "def f(a, b):\n    if a =‸= None == b:\n        pass\n", rn.CHAINED),
    ("rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        out.append(x)\n    return out, x\n",
     rc.LEAKS.format("x")),
    ("rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        out.append(len(out))\n    return out\n",
     rc.READS_LIST.format("out")),
    ("rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        # keep\n        out.append(x)\n",
     rc.COMMENTS),
    ("rewrite.comprehension",
     "def f(xs):\n    out = []\n    f‸or x in xs:\n        out.append(x)\n        print(x)\n",
     rc.NOT_HERE),
    ("rewrite.comprehension",
     "class A:\n    out = []\n    f‸or x in range(3):\n        out.append(x)\n", rc.CLASS_BODY),
    ("rewrite.comprehension",
     "async def f(xs):\n    out = []\n    async f‸or x in xs:\n        out.append(x)\n", rc.ASYNC),
    ("rewrite.fstring", "def f(a):\n    return '%d' ‸% (a,)\n", rf.PERCENT_SPEC),
    ("rewrite.fstring", "def f(a):\n    return '%s' ‸% a\n", rf.NOT_TUPLE),
    ("rewrite.fstring", "def f(a):\n    return '%s %s' ‸% (a,)\n", rf.COUNT),
    ("rewrite.fstring", "def f(a):\n    return '{}'.for‸mat(a['k'])\n", rf.ARG_TEXT),
    ("rewrite.fstring", "def f(a):\n    return '{0[k]}'.for‸mat(a)\n", rf.FIELD.format("0[k]")),
    ("rewrite.fstring", "def f(a):\n    return '{0}{0}'.for‸mat(g(a))\n", rf.REUSED.format("g(a)")),
    ("rewrite.fstring", "def f(a):\n    return '{1}{0}'.for‸mat(g(a), h(a))\n", rf.ORDER),
    ("rewrite.fstring", "def f(a):\n    return '{}{0}'.for‸mat(a)\n", rf.MIXED),
    ("rewrite.fstring", "def f(a):\n    return '{}'.for‸mat(*a)\n", rf.STARRED),
    ("rewrite.fstring", "def f(a):\n    return b'%s' ‸% (a,)\n", rf.PREFIX),
]  # fmt: skip


@pytest.mark.parametrize("offer_id,marked,reason", REFUSALS)
def test_rewrite_refusals(offer_id, marked, reason, marks):
    source, span = marks(marked)
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, offer_id)
    assert str(exc.value) == reason


def test_fix_all_compare_to_none_only_in_tested_positions():
    source = d(
        """
        if x == None and (y != None):
            z = a == None
        assert not w == None
        v = [i for i in k if i == None]
        f(a == None)
        """
    )
    assert rn.fix_all(source) == d(
        """
        if x is None and (y is not None):
            z = a == None
        assert not w is None
        v = [i for i in k if i is None]
        f(a == None)
        """
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["None", "==", "!=", "=", " ", "\n", "x", "_", "é", "(", "Nonex"])))
def test_none_hits_are_where_a_comparison_with_none_is_written(parts):
    """Every `None` word with `==`/`!=` beside it (whitespace between allowed), as the regex
    `[=!]=\\s*None\\b|\\bNone\\s*[=!]=` would find around it."""
    import re

    from refine_lsp.refactor.rewrite_none_compare import _none_hits

    data = "".join(parts).encode()
    op_before = re.compile(rb"[=!]=\s*\Z")
    op_after = re.compile(rb"None\s*[=!]=")
    word = re.compile(rb"\bNone\b")
    expected = [
        m.start()
        for m in word.finditer(data)
        if op_before.search(data[: m.start()]) or op_after.match(data, m.start())
    ]
    assert _none_hits(data) == expected
