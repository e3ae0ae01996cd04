"""The templates that reach further than one token (refine/fixpatterns.py and the two-site
edits in mutate.py): each one on a small buggy function and its tests, whole text compared.

A template's fix is the first of its mutants, in the loop's order, that passes the tests;
the test runs them in-process (the loop's sandbox is tested in test_refine_loop.py).
"""

from __future__ import annotations

import signal
import textwrap

from refine_lsp.refine.mutate import mutants
from refine_lsp.refine.target import find_target


def _too_long(signum, frame):
    raise TimeoutError("the mutant runs too long")


def _fixed(buggy: str, tests: str, template: str, line: int | None = None) -> str:
    """The whole text of the first ``template`` mutant of the function that passes ``tests``
    (mutants at ``line`` only, zero-based, when given)."""
    buggy = textwrap.dedent(buggy)
    target = find_target(buggy, 0)
    found = mutants(buggy, target, None if line is None else [line])
    for m in found:
        if m.template != template:
            continue
        ns: dict = {}
        signal.signal(signal.SIGALRM, _too_long)
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # a mutant may loop for ever
        try:
            exec(compile(m.source + "\n" + textwrap.dedent(tests), "<m>", "exec"), ns)
            ns["check"]()
        except Exception:  # noqa: BLE001, S112 - a failing mutant: try the next
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return m.source
    raise AssertionError(f"no {template} mutant passes; tried {[m.description for m in found]}")


def test_bitwise_op_and_shift():
    buggy = """\
    def flags(a, b):
        return (a | b) << 1
    """
    tests = """\
    def check():
        assert flags(6, 3) == 4
        assert flags(1, 1) == 2
    """
    assert _fixed(buggy, tests, "bitwise-op") == "def flags(a, b):\n    return (a & b) << 1\n"
    buggy2 = "def half(n):\n    return n << 1\n"
    tests2 = "def check():\n    assert half(8) == 4\n"
    assert _fixed(buggy2, tests2, "bitwise-op") == "def half(n):\n    return n >> 1\n"


def test_insert_stmt_adds_the_missing_update_of_a_while_loop():
    buggy = """\
    def count_down(n):
        steps = 0
        while n:
            steps += 1
        return steps
    """
    tests = "def check():\n    assert count_down(3) == 3\n"
    assert _fixed(buggy, tests, "insert-stmt") == (
        "def count_down(n):\n    steps = 0\n    while n:\n        steps += 1\n"
        "        n -= 1\n    return steps\n"
    )


def test_insert_stmt_copies_the_missing_flush_after_the_loop():
    buggy = """\
    def runs(xs):
        out = []
        cur = [xs[0]]
        for x in xs[1:]:
            if x == cur[-1]:
                cur.append(x)
            else:
                out.append(cur)
                cur = [x]
        return out
    """
    tests = """\
    def check():
        assert runs([1, 1, 2]) == [[1, 1], [2]]
        assert runs([3]) == [[3]]
    """
    assert _fixed(buggy, tests, "insert-stmt") == textwrap.dedent(buggy).replace(
        "    return out", "    out.append(cur)\n    return out"
    )


def test_add_else_counts_the_other_case():
    buggy = """\
    def even_odd(num):
        even = 0
        odd = 0
        for d in str(num):
            if int(d) % 2 == 0:
                even += 1
        return (even, odd)
    """
    tests = """\
    def check():
        assert even_odd(123) == (1, 2)
    """
    assert _fixed(buggy, tests, "add-else") == textwrap.dedent(
        """\
        def even_odd(num):
            even = 0
            odd = 0
            for d in str(num):
                if int(d) % 2 == 0:
                    even += 1
                else:
                    odd += 1
            return (even, odd)
        """
    )


def test_add_cond_takes_a_condition_of_the_function():
    buggy = """\
    def positives_below(xs, limit):
        out = []
        for x in xs:
            if x > 0:
                out.append(x)
            elif x < limit:
                pass
        return out
    """
    tests = """\
    def check():
        assert positives_below([1, 5, -2, 3], 4) == [1, 3]
    """
    assert _fixed(buggy, tests, "add-cond") == textwrap.dedent(buggy).replace(
        "if x > 0:", "if x > 0 and x < limit:"
    )


def test_bool_chain_flips_every_and():
    buggy = """\
    def any_equal(a, b, c):
        return a == b and b == c and a == c
    """
    tests = """\
    def check():
        assert any_equal(1, 1, 2)
        assert not any_equal(1, 2, 3)
    """
    assert _fixed(buggy, tests, "bool-chain") == (
        "def any_equal(a, b, c):\n    return a == b or b == c or a == c\n"
    )


def test_replace_operand_by_another_of_the_statement():
    buggy = """\
    def shift(s):
        return "".join(chr((ord(ch) - ord("a") + 1) % 26 + ord(ch)) for ch in s)
    """
    tests = """\
    def check():
        assert shift("abz") == "bca"
    """
    assert _fixed(buggy, tests, "replace-operand") == (
        'def shift(s):\n    return "".join(chr((ord(ch) - ord("a") + 1) % 26 + ord("a")) '
        "for ch in s)\n"
    )


def test_replace_operand_by_a_literal_of_the_function_and_a_call_applied_twice():
    buggy = """\
    def tag(n):
        return "db" + bin(n)[2:] + "d"
    """
    tests = "def check():\n    assert tag(2) == 'db10db'\n"
    assert _fixed(buggy, tests, "replace-operand") == (
        'def tag(n):\n    return "db" + bin(n)[2:] + "db"\n'
    )
    buggy2 = """\
    def decode(s):
        return rot(s)
    def rot(s):
        return s[1:] + s[:1]
    """
    # Only the first function is the target; its helper is left alone.
    tests2 = "def check():\n    assert decode('abc') == 'cab'\n"
    assert _fixed(buggy2, tests2, "replace-operand").startswith(
        "def decode(s):\n    return rot(rot(s))\n"
    )


def test_drop_term_anywhere_in_a_chain_and_from_a_literal():
    buggy = """\
    def add(x, y):
        return x + y + y + x
    """
    tests = "def check():\n    assert add(2, 3) == 5\n"
    assert _fixed(buggy, tests, "drop-term") == "def add(x, y):\n    return x + y\n"
    buggy2 = """\
    def odd_digit(d):
        return d in (1, 2, 3, 5, 7, 9)
    """
    tests2 = "def check():\n    assert odd_digit(3) and not odd_digit(2)\n"
    assert _fixed(buggy2, tests2, "drop-term") == (
        "def odd_digit(d):\n    return d in (1, 3, 5, 7, 9)\n"
    )


def test_wrap_and_unwrap():
    buggy = """\
    def grid(n):
        rows = []
        for i in range(n):
            rows.append(i)
        return rows
    """
    tests = "def check():\n    assert grid(2) == [[0, 1]]\n"
    assert _fixed(buggy, tests, "wrap") == textwrap.dedent(buggy).replace(
        "return rows", "return [rows]"
    )
    buggy2 = "def empty():\n    return [[]]\n"
    tests2 = "def check():\n    assert empty() == []\n"
    assert _fixed(buggy2, tests2, "wrap") == "def empty():\n    return []\n"
    buggy3 = "def unique_sorted(xs):\n    return sorted(xs)\n"
    tests3 = "def check():\n    assert unique_sorted([2, 1, 2]) == [1, 2]\n"
    assert _fixed(buggy3, tests3, "wrap") == (
        "def unique_sorted(xs):\n    return sorted(set(xs))\n"
    )


def test_swap_branches_of_an_elif_chain_and_two_returns():
    buggy = """\
    def grade(score):
        if score >= 90:
            return "B"
        elif score >= 80:
            return "A"
        else:
            return "C"
    """
    tests = """\
    def check():
        assert grade(95) == "A"
        assert grade(85) == "B"
        assert grade(10) == "C"
    """
    assert _fixed(buggy, tests, "swap-branches") == textwrap.dedent(buggy).replace(
        'return "B"', "@"
    ).replace('return "A"', 'return "B"').replace("@", 'return "A"')
    buggy2 = """\
    def all_below(xs, t):
        for x in xs:
            if x >= t:
                return True
        return False
    """
    tests2 = "def check():\n    assert all_below([1, 2], 5)\n    assert not all_below([9], 5)\n"
    assert _fixed(buggy2, tests2, "swap-branches") == textwrap.dedent(buggy2).replace(
        "return True", "@"
    ).replace("return False", "return True").replace("@", "return False")


def test_same_edit_at_every_identical_site():
    buggy = """\
    def middle(s):
        if not s:
            return " "
        if len(s) < 3:
            return " "
        return s[1:-1]
    """
    tests = """\
    def check():
        assert middle("") == ""
        assert middle("ab") == ""
        assert middle("abc") == "b"
    """
    assert _fixed(buggy, tests, "same-edit") == textwrap.dedent(buggy).replace('" "', '""')


def test_descriptions_name_the_changed_line_not_the_unchanged_first_one():
    src = textwrap.dedent(
        """\
        def f(xs, n):
            c = 0
            o = 0
            for x in xs:
                if x > 0:
                    c += 1
            while n:
                c += 1
            return c
        """
    )
    found = {m.description for m in mutants(src, find_target(src, 0))}
    assert "line 5: add `else: o += 1`" in found
    assert "line 5: `if x > 0:` -> `if x > 0 and n:`" in found
    assert "line 7: add `n -= 1`" in found
    assert "line 4: insert `c += 1` after `for x in xs:`" in found


def test_slice_trims_a_returned_or_iterated_sequence():
    # The first element wrongly kept (a derivative's constant term).
    buggy = "def tail(xs):\n    return [i * x for i, x in enumerate(xs)]\n"
    tests = "def check():\n    assert tail([3, 1, 2]) == [1, 4]\n"
    assert _fixed(buggy, tests, "slice") == (
        "def tail(xs):\n    return [i * x for i, x in enumerate(xs)][1:]\n"
    )
    # Only the first k count: the sequence cut at another parameter.
    buggy2 = "def first_sum(arr, k):\n    return sum(x for x in arr)\n"
    tests2 = "def check():\n    assert first_sum([1, 2, 3], 2) == 3\n    assert first_sum([4, 5, 6], 1) == 4\n"
    assert _fixed(buggy2, tests2, "slice") == (
        "def first_sum(arr, k):\n    return sum(x for x in arr[:k])\n"
    )


def test_normalise_compares_both_sides_as_collections():
    buggy = "def same_chars(a, b):\n    return a == b\n"
    tests = "def check():\n    assert same_chars('abca', 'cab')\n    assert not same_chars('ab', 'ac')\n"
    assert _fixed(buggy, tests, "normalise") == (
        "def same_chars(a, b):\n    return set(a) == set(b)\n"
    )


def test_wrap_normalises_the_case_of_a_text_argument():
    buggy = "def distinct(text):\n    return len(set(text))\n"
    tests = "def check():\n    assert distinct('aAb') == 2\n    assert distinct('ab') == 2\n"
    assert (
        _fixed(buggy, tests, "wrap") == "def distinct(text):\n    return len(set(text.lower()))\n"
    )


def test_precedence_regroups_an_operand_that_binds_tighter():
    buggy = """\
    def lower_middle(n):
        return n - 1 // 2
    """
    tests = """\
    def check():
        assert lower_middle(6) == 2
        assert lower_middle(9) == 4
    """
    fixed = _fixed(buggy, tests, "precedence")
    assert fixed == "def lower_middle(n):\n    return (n - 1) // 2\n"
    buggy2 = """\
    def total(price, qty, extra):
        return price * qty + extra
    """
    tests2 = """\
    def check():
        assert total(2, 3, 1) == 8
        assert total(5, 0, 2) == 10
    """
    fixed2 = _fixed(buggy2, tests2, "precedence")
    assert fixed2 == "def total(price, qty, extra):\n    return price * (qty + extra)\n"
    # same binding strength, or parentheses already there: nothing to regroup
    for same in (
        "def f(a, b, c):\n    return a - b - c\n",
        "def f(a, b, c):\n    return a - (b // c)\n",
    ):
        target = find_target(same, 0)
        assert not [m for m in mutants(same, target, None) if m.template == "precedence"]
