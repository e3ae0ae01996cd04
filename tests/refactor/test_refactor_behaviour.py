"""Refactorings keep behaviour: apply the edit, run both programs, compare what they print.

The reproductions of issue 13 (flow-sensitive bindings, `case` captures, the walrus in a
condition, a bracket continued at column 0) and the failures the differential tester
(bench/refactor_fuzz.py) found, each shrunk to a small program.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import split_marks
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings, selection_flow
from refine_lsp.refactor import extract_function as ef
from refine_lsp.refactor import extract_outer as eo
from refine_lsp.refactor import extract_variable as ev
from refine_lsp.refactor import inline_variable as iv
from refine_lsp.refactor import rewrite_comprehension as rc
from refine_lsp.refactor.expressions import ASSERT_MESSAGE, CHAINED, RAISES_FIRST, UNBOUND_FIRST
from refine_lsp.syntax.parser import parse


def run(src: str) -> tuple[str, str]:
    """What the program prints, and the type of the exception it ends with (if any)."""
    wrapped = (
        "import sys\n"
        f"src = {src!r}\n"
        "try:\n"
        "    exec(compile(src, 'prog', 'exec'), {'__name__': '__main__'})\n"
        "except BaseException as exc:\n"
        "    print('ENDED', type(exc).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=30
    )
    return out.stdout, out.stderr.strip().split("\n")[-1] if out.returncode else ""


def offered(marked: str, offer_id: str):
    source, span = split_marks(marked)
    tree = parse(source)
    offers = {o.id: o for o in list_refactorings(source, span, tree)}
    assert offer_id in offers, offers
    return source, span, tree, offers[offer_id]


def apply(marked: str, offer_id: str) -> tuple[str, str]:
    source, span, tree, o = offered(marked, offer_id)
    assert o.disabled_reason is None, o.disabled_reason
    return source, compute_refactoring(source, span, offer_id, tree)


def refused(marked: str, offer_id: str) -> str:
    source, span, tree, o = offered(marked, offer_id)
    if o.disabled_reason is not None:
        return o.disabled_reason
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, offer_id, tree)
    return str(exc.value)


def assert_same(before: str, after: str) -> None:
    assert after != before
    compile(after, "after", "exec")
    assert run(after) == run(before)


KEEPS = {
    "loop_may_not_assign_so_total_is_passed": (
        """
        def f(items):
            total = 0
            ⟦for x in items:
                total = x
            print(total)⟧
        f([])
        f([1, 2])
        """,
        "extract.function",
        "_f_step(items, total)",
    ),
    "a_closure_reads_what_a_selection_without_calls_assigns": (
        """
        def f(items):
            def get():
                return t
            ⟦t = 3
            u = t⟧
            print(get(), u)
        f([1, 2])
        """,
        "extract.function",
        "t, u = _compute_t()",
    ),
    "reassigned_before_any_read_is_not_returned": (
        """
        def f(n):
            ⟦x = n + 1
            print(x)⟧
            x = 5
            print(x)
        f(1)
        """,
        "extract.function",
        "    _f_step(n)\n",
    ),
    "read_on_next_iteration_is_returned": (
        """
        def f(n):
            acc = 0
            for i in range(n):
                ⟦print(acc)
                acc = acc + i⟧
            print("end")
        f(3)
        """,
        "extract.function",
        "acc = _compute_acc(acc, i)",
    ),
    "capture_of_a_sequence_pattern_is_passed": (
        """
        def f(v):
            match v:
                case [x]:
                    ⟦print(x)⟧
        f([1])
        """,
        "extract.function",
        "_f_step(x)",
    ),
    "captures_of_class_and_mapping_patterns_are_passed": (
        """
        class Foo:
            __match_args__ = ("a",)
            def __init__(self, a):
                self.a = a
        def f(v):
            match v:
                case Foo(x):
                    ⟦print(x)⟧
                case {"k": x, **rest} as y:
                    print(x, rest, y)
        f(Foo(1))
        f({"k": 2, "j": 3})
        """,
        "extract.function",
        "_f_step(x)",
    ),
    "captures_of_mapping_rest_and_as_are_passed": (
        """
        def f(v):
            match v:
                case {"k": x, **rest} as y:
                    ⟦print(x, rest, y)⟧
                case [*xs]:
                    ⟦print(xs)⟧
        f({"k": 2, "j": 3})
        """,
        "extract.function",
        "_f_step(x, rest, y)",
    ),
    "walrus_in_a_condition_binds_on_every_path": (
        """
        def f(a):
            ⟦if (i := a == 5):
                print(1)⟧
            print(i)
        f(5)
        f(4)
        """,
        "extract.function",
        "i = _compute_i(a)",
    ),
    "global_declared_name_is_assigned_through_the_declaration": (
        """
        COUNT = 0
        def f(n):
            global COUNT
            ⟦COUNT += n
            print(COUNT)⟧
            return COUNT
        print(f(2), f(3), COUNT)
        """,
        "extract.function",
        "    global COUNT\n    COUNT += n",
    ),
    "bracket_continued_at_column_0_in_a_module_if": (
        """
        if True:
            a = (3 +
        ⟦(1 + 2)⟧)
            print(a)
        """,
        "extract.variable",
        "value = 1 + 2",
    ),
    "bracket_continued_at_column_0_whole_statement": (
        """
        def f():
            ⟦a = (3 +
        (1 + 2))⟧
            print(a)
        f()
        """,
        "extract.function",
        "a = _compute_a()",
    ),
    "bracket_continued_at_column_0_inline": (
        """
        def f():
            a = (3 +
        (1 + 2))
            print(a‸)
        f()
        """,
        "inline.variable",
        "print((3 +",
    ),
    "expression_becomes_a_function_called_in_place": (
        """
        def h(v):
            print("h", v)
            return v
        def f(a, b):
            x = h(1) + ⟦a * h(b)⟧
            return x
        print(f(2, 3))
        """,
        "extract.function",
        "x = h(1) + _compute_value(a, b)",
    ),
    "expression_under_a_short_circuit_keeps_it": (
        """
        def f(c):
            if c:
                a = 1
            return c and ⟦a + 1⟧
        print(f(0), f(1))
        """,
        "extract.function",
        "return c and _compute_value(a)",
    ),
    "expression_in_a_comprehension_gets_its_variable": (
        """
        def f(xs, k):
            return [⟦q * k⟧ for q in xs]
        print(f([1, 2], 3))
        """,
        "extract.function",
        "[_compute_value(q, k) for q in xs]",
    ),
    "expression_at_module_level_reads_globals": (
        """
        X = 3
        print(⟦X + 1⟧)
        """,
        "extract.function",
        "print(_compute_value())",
    ),
    "expression_capture_of_a_pattern": (
        """
        def f(v):
            match v:
                case [x, *rest]:
                    print(⟦x + len(rest)⟧)
        f([1, 2, 3])
        """,
        "extract.function",
        "_compute_value(x, rest)",
    ),
    "expression_in_a_default_is_defined_before_the_def": (  # fuzz seed 3: NameError
        """
        def f0(a, items=(⟦1⟧, 2, 3)):
            return items
        print(f0(4))
        """,
        "extract.function",
        "def _compute_value():\n    return 1\n\n\ndef f0(a, items=(_compute_value(), 2, 3)):",
    ),
    "nonlocal_name_is_assigned_from_a_function_nested_in_place": (
        """
        def outer(k):
            n = 0
            def inner(m):
                nonlocal n
                print("in")
                ⟦n += m
                print(n)⟧
                return n
            inner(k)
            inner(2)
            print(n)
        outer(3)
        """,
        "extract.function",
        "        def inner_step(m):\n            nonlocal n\n            n += m\n",
    ),
    "append_loop_becomes_a_comprehension": (
        """
        def f(items, k):
            t = []
            for q in items:
                if q > k:
                    t.append(q * k‸)
            return t
        print(f([1, 2, 3], 1))
        """,
        "rewrite.comprehension",
        "t = [q * k for q in items if q > k]",
    ),
    "expression_reads_a_deleted_local": (  # fuzz seed 7: NameError instead of Unbound...
        """
        def f0(a):
            if a:
                raise ValueError(⟦(lambda q: q + 5)(t)⟧)
            del t
        for v in (0, 1):
            try:
                f0(v)
            except Exception as exc:
                print(type(exc).__name__)
        """,
        "extract.function",
        "_compute_result(t)",
    ),
    "expression_continued_over_lines_keeps_its_parentheses": (  # fuzz seed 17: parse
        """
        def f(a, b):
            x = (⟦a +
                 b⟧) * 2
            return x
        print(f(1, 2))
        """,
        "extract.function",
        "    return (a +\n         b)\n",
    ),
    "generator_expression_keeps_its_parentheses": (  # fuzz seed 17: `return q for q in ..`
        """
        items = [1, 5]
        print(max(⟦(q for q in items)⟧, default=3))
        """,
        "extract.function",
        "    return (q for q in items)\n",
    ),
    "expression_in_a_function_a_module_try_defines_and_calls": (  # fuzz seed 17: NameError
        """
        items = [1, 2]
        try:
            def bump(q):
                return q + ⟦len(items)⟧
            print(bump(2))
        except Exception as exc:
            print(type(exc).__name__)
        """,
        "extract.function",
        "def _compute_len_result():\n    return len(items)\n\n\ntry:",
    ),
    "statements_of_a_function_a_module_if_defines_and_calls": (
        """
        if True:
            def bump(q):
                ⟦print(q)⟧
                return q
            print(bump(2))
        """,
        "extract.function",
        "def _bump_step(q):\n    print(q)\n\n\nif True:",
    ),
    "function_a_class_body_calls_while_it_is_created": (
        """
        class K:
            def m(v, k):
                ⟦print("m", k)⟧
                return k
            w = m(None, 3)
        print(K.w)
        """,
        "extract.function",
        'def _m_step(k):\n    print("m", k)\n\n\nclass K:',
    ),
    "walrus_in_a_comprehension_binds_in_the_function": (  # libcst binds it in the comprehension
        """
        def f(items):
            print([(y := q * 2) for q in items])
            ⟦print(y + 1)⟧
        f([1, 2])
        """,
        "extract.function",
        "_f_step(y)",
    ),
    "selected_def_returns_inside_itself": (  # was refused: "a `return` that would leave"
        """
        def f0(a):
            ⟦def g(q):
                return q + a
            print(g(1))⟧
            return g(3)
        print(f0(1))
        """,
        "extract.function",
        "g = _compute_g(a)",
    ),
    "an_enclosing_functions_variable_maybe_deleted_is_passed_where_read_first": (
        """
        def f0(c):
            z = 0
            if c:
                del z
            def nested():
                ⟦print(z)⟧
                print("after")
            nested()
        f0(0)
        f0(1)
        """,
        "extract.function",
        "_nested_step(z)",
    ),
    "a_nested_function_calling_itself_is_passed": (  # bound once its `def` has run
        """
        def f0(n):
            def walk(k):
                x = k - 1
                ⟦if k:
                    print(k)
                    walk(x)⟧
            walk(n)
        f0(3)
        """,
        "extract.function",
        "_walk_step(k, walk, x)",
    ),
    "a_loop_variable_of_the_enclosing_function_read_first": (
        """
        def f0():
            fs = []
            for i in range(3):
                def g():
                    ⟦print(i)⟧
                fs.append(g)
            for g in fs:
                g()
        f0()
        """,
        "extract.function",
        "_g_step(i)",
    ),
    "an_enclosing_variable_never_rebound_is_passed_to_a_closure_in_the_selection": (
        """
        def f0(items):
            z = len(items)
            def nested():
                ⟦def inner(q):
                    return q + z
                print("made")⟧
                return inner
            g = nested()
            print(g(1))
        f0([1, 2])
        """,
        "extract.function",
        "inner = _compute_inner(z)",
    ),
    "an_enclosing_variable_read_first_in_a_comparison_is_passed": (  # `q != x` reads both
        """
        def f0():
            x = 1
            def bump():
                nonlocal x
                x += 1
            def nested(q):
                print(⟦q != x⟧)
                bump()
            nested(1)
            nested(1)
        f0()
        """,
        "extract.function",
        "(q, x)",
    ),
}


@pytest.mark.parametrize("name", sorted(KEEPS))
def test_refactoring_keeps_behaviour(name):
    marked, offer_id, expected = KEEPS[name]
    if marked.count("⟦") > 1:  # only the first mark is the selection
        first, rest = marked.split("⟦", 1)
        head, tail = rest.split("⟧", 1)
        marked = first + "⟦" + head + "⟧" + tail.replace("⟦", "").replace("⟧", "")
    before, after = apply(marked, offer_id)
    assert expected in after, after
    assert_same(before, after)


REFUSES = {
    "maybe_unassigned_parameter": (
        """
        def f(c):
            if 0:
                a = 1
            print("start")
            ⟦if c:
                print(a)⟧
        f(0)
        """,
        "extract.function",
        ef.PARAM_UNBOUND.format("a"),
    ),
    "assignment_lost_when_the_selection_raises": (
        """
        def f(n):
            x = 0
            try:
                ⟦x = 1
                print(10 // n)⟧
            except ZeroDivisionError:
                print(x)
        f(0)
        """,
        "extract.function",
        ef.RAISE_LOSES.format("x"),
    ),
    "name_read_outside_would_turn_global": (
        """
        t = "global"
        def f():
            print(t)
            ⟦t = 1
            print(t)⟧
        f()
        """,
        "extract.function",
        ef.BECOMES_GLOBAL.format("t"),
    ),
    "closure_in_a_loop_shares_one_cell": (
        """
        def f():
            fs = []
            for i in range(3):
                v = i
                ⟦fs.append(lambda: v)⟧
            print([g() for g in fs])
        f()
        """,
        "extract.function",
        ef.CLOSURE_CELL.format("v"),
    ),
    "inline_never_substitutes_into_a_pattern": (
        """
        def f(v):
            x = 1
            match v:
                case [x‸]:
                    print(x)
        f([2])
        """,
        "inline.variable",
        "`x` is assigned more than once",
    ),
    "expression_lambda_would_keep_a_copy": (
        """
        def f(a):
            g = ⟦lambda: a⟧
            a = 2
            return g()
        """,
        "extract.function",
        "A lambda or generator in the expression reads `a`: it would keep a copy of it",
    ),
    "expression_that_yields": (
        """
        def f(a):
            x = ⟦(yield a) + 1⟧
            return x
        """,
        "extract.function",
        "The expression contains `yield`: the new function would change where it suspends",
    ),
    "expression_with_walrus": (
        """
        def f(a):
            x = ⟦(y := a) + 1⟧
            return x + y
        """,
        "extract.function",
        "The expression assigns a name with `:=`",
    ),
    "expression_maybe_unassigned_parameter": (
        """
        def f(c):
            if c:
                a = 1
            return ⟦h(c) + a⟧
        """,
        "extract.function",
        "`a` may be unassigned where the expression is evaluated: it cannot be passed",
    ),
    "fstring_percent_on_a_value_listed_disabled": (
        """
        x = "%s‸" % a
        """,
        "rewrite.fstring",
        "The right side of `%` must be a tuple literal (a tuple value would format differently)",
    ),
    "fstring_d_spec_listed_disabled": (
        """
        x = "%d‸" % (a,)
        """,
        "rewrite.fstring",
        "Only `%s`, `%r` and `%a` convert exactly to f-string fields",
    ),
    "inline_a_deleted_name": (  # found by bench/refactor_fuzz.py (seed 2): `del 4`
        """
        async def f0(a):
            t = 4
            del t
            return t‸
        """,
        "inline.variable",
        iv.DELETED.format("t"),
    ),
    "parameter_rebound_by_a_nonlocal_closure": (  # fuzz seed 7: stale value printed
        """
        def f0(b=2):
            def inner(q):
                nonlocal b
                b = q
            ⟦print(inner(3), b)
            print(b)⟧
        f0()
        """,
        "extract.function",
        ef.REBOUND.format("b"),
    ),
    "comprehension_reads_a_maybe_unassigned_local": (  # fuzz seed 5: NameError in 3.11
        """
        def f1(items=(1, 2)):
            t = []
            for q in items:
                t.append(y‸)
            y = 1
        try:
            f1()
        except Exception as exc:
            print(type(exc).__name__)
        """,
        "rewrite.comprehension",
        rc.UNBOUND.format("y"),
    ),
    "comprehension_loop_variable_read_on_the_next_iteration": (
        """
        def f(items):
            for i in range(2):
                print(q)
                t = []
                for q in items:
                    t.append(q‸)
        """,
        "rewrite.comprehension",
        rc.LEAKS.format("q"),
    ),
    "comprehension_list_read_when_the_loop_raises": (
        """
        def f(items):
            try:
                t = []
                for q in items:
                    t.append(10 // q‸)
            except ZeroDivisionError:
                print(t)
        """,
        "rewrite.comprehension",
        rc.RAISES.format("t"),
    ),
    "expression_in_a_case_pattern": (  # fuzz seed 10: `case _compute_value() | 1:`
        """
        def f0(a):
            match a:
                case ⟦0⟧ | 1:
                    print(a)
        """,
        "extract.function",
        "A `case` pattern is not an expression: a call there would be a class pattern",
    ),
    "all_occurrences_of_a_list_display": (  # fuzz seed 10: two lists became one
        """
        def f0(a):
            t = ⟦[]⟧
            b = []
            t.append(1)
            print(b)
        """,
        "extract.variable.all",
        ev.FRESH.format(2),
    ),
    "hoist_past_an_unassigned_augmented_target": (  # fuzz seed 11: h printed first
        """
        def f0(a):
            z += ⟦h(a)⟧ + 1
        """,
        "extract.variable",
        UNBOUND_FIRST.format("z"),
    ),
    "hoist_past_an_unassigned_read": (  # fuzz seed 11: NameError instead of Unbound...
        """
        def f0(a):
            t = ("%d" % t // "%s-%s" % ⟦(x, a)⟧)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("t"),
    ),
    "hoist_past_an_operation_that_raises": (  # fuzz seed 11: TypeError came second
        """
        def f0(t, items):
            t = ("%d%%" % t // "%s-%s" % ⟦(x, len(items))⟧)
        """,
        "extract.variable",
        RAISES_FIRST,
    ),
    "inline_a_call_past_a_subscript_that_raises": (  # fuzz seed 13: IndexError first
        """
        def f0(items):
            u1 = h(1)
            print(items[2], u1‸ + 1)
        """,
        "inline.variable",
        iv.MOVES_CALL,
    ),
    "expression_reads_a_local_on_a_branch_not_taken": (  # fuzz seed 14
        """
        def f1(items):
            v = ⟦(t if 0 else len(items))⟧
            t = []
        """,
        "extract.function",
        "`t` may be unassigned where the expression is evaluated: it cannot be passed",
    ),
    "walrus_in_a_comprehension_shadows_the_enclosing_function": (  # fuzz seed 20
        """
        def f0(items):
            y = 0
            def nested(q):
                if [(y := q) for q in items]:
                    pass
                ⟦a = (1 if 5 else (y == a))⟧
            nested(1)
        f0([])
        """,
        "extract.function",
        ef.PARAM_UNBOUND.format("y"),
    ),
    "expression_reads_a_name_a_comprehension_walrus_may_bind": (
        """
        def f0(items):
            if [(y := q) for q in items]:
                pass
            return ⟦h(1) + y⟧
        """,
        "extract.function",
        "`y` may be unassigned where the expression is evaluated: it cannot be passed",
    ),
    "inline_a_name_a_comprehension_walrus_rebinds": (
        """
        def f0(items):
            y = 1
            print([(y := q) for q in items])
            print(y‸)
        """,
        "inline.variable",
        iv.MULTIPLE.format("y"),
    ),
    "inline_past_a_comprehension_walrus_rebinding_what_it_reads": (
        """
        def f0(items, a):
            v = a + 1
            print([(a := q) for q in items])
            print(v‸)
        """,
        "inline.variable",
        "`a` is reassigned before `v` is used",
    ),
    "module_selection_assigns_a_global_a_function_it_calls_reads": (  # fuzz seed 20
        """
        def get(q=1):
            return q + z
        ⟦z = 2
        print(get())⟧
        """,
        "extract.function",
        ef.SHARED_GLOBAL.format("z"),
    ),
    "module_selection_assigns_a_global_a_function_it_calls_changes": (
        """
        COUNT = 0
        def bump(q):
            global COUNT
            COUNT += q
        ⟦COUNT = 5
        bump(1)
        print(COUNT)⟧
        """,
        "extract.function",
        ef.SHARED_GLOBAL.format("COUNT"),
    ),
    "hoist_an_assert_message": (  # `h` ran although the assertion held
        """
        def f0(a):
            assert a, ⟦h(a)⟧
        """,
        "extract.variable",
        ASSERT_MESSAGE,
    ),
    "inline_a_call_into_an_assert_message": (
        """
        def f0(a):
            v = h(1)
            assert a, v‸
        """,
        "inline.variable",
        ASSERT_MESSAGE,
    ),
    "expression_reads_a_local_only_comprehension_elements_read": (  # fuzz seed 28
        """
        def f0(items):
            z, *x = [1, ⟦len([q for q in items if q < x])⟧]
        """,
        "extract.function",
        "`x` may be unassigned where the expression is evaluated: it cannot be passed",
    ),
    "module_loop_list_a_function_reads_after_the_loop_raises": (  # fuzz seed 28
        """
        def g():
            return x
        try:
            x = []
            for q in [1, 0]:
                x.append(10 // q‸)
        except ZeroDivisionError:
            pass
        print(g())
        """,
        "rewrite.comprehension",
        rc.RAISES.format("x"),
    ),
    "inline_a_value_that_may_raise_past_a_call_that_may": (  # fuzz seed 28: TypeError first
        """
        def f0(items):
            u3 = 2 - (y < 1)
            print(max(*items, len(items)), u3‸ + 1)
        """,
        "inline.variable",
        iv.MOVES_FAILING,
    ),
    "inline_a_name_read_before_its_assignment": (  # fuzz seed 28: NameError, not Unbound..
        """
        def f1(items):
            print(z)
            z = max(items, default=0)
            print(z‸)
        """,
        "inline.variable",
        iv.USED_BEFORE.format("z"),
    ),
    "hoist_past_a_global_no_code_binds": (  # fuzz seed 29: h printed before the NameError
        """
        try:
            print("%s-%s" % ([z, z], ⟦h(5)⟧ + h(b)))
        except Exception as exc:
            print(type(exc).__name__)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("z"),
    ),
    "hoist_in_a_function_past_a_global_no_code_binds": (
        """
        def f0():
            print([z, len], ⟦h(5)⟧)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("z"),
    ),
    "hoist_past_a_global_bound_only_on_some_paths": (  # fuzz seed 32
        """
        try:
            x = int("a")
        except ValueError:
            pass
        def f0(t):
            print(x < ⟦h(t)⟧)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("x"),
    ),
    "a_global_that_may_be_unbound_is_read_before_a_maybe_unassigned_parameter": (  # seed 25
        """
        def f0():
            def nested():
                ⟦print(z, t)⟧
                t = 1
            nested()
        f0()
        """,
        "extract.function",
        ef.PARAM_UNBOUND.format("t"),
    ),
    "a_local_of_the_nested_function_shadowing_the_enclosing_ones": (  # fuzz seed 25
        """
        def f0():
            t = []
            def nested():
                ⟦print(z, t)⟧
                t = 1
            nested()
        f0()
        """,
        "extract.function",
        ef.PARAM_UNBOUND.format("t"),
    ),
    "a_call_in_the_selection_may_run_a_closure_reading_what_it_assigns": (  # fuzz seed 23
        """
        def f(items):
            def get():
                return t
            ⟦t = sum(items)
            print(get())⟧
        f([1, 2])
        """,
        "extract.function",
        ef.SHARED_CELL.format("t"),
    ),
    "a_default_closure_reads_the_cell_the_selection_assigns": (  # fuzz seed 23, shrunk
        """
        def f0(a, items=(1, 2)):
            def get(q=max(items)):
                return q + a
            ⟦a = len(items) > 1
            print(get())⟧
        f0(4)
        """,
        "extract.function",
        ef.SHARED_CELL.format("a"),
    ),
    "inline_a_maybe_unbound_name_past_an_operation_that_may_raise": (  # fuzz seed 33
        """
        def f1(b):
            u3 = x
            print(b < z, u3‸ + 1)
            x = 1
        """,
        "inline.variable",
        iv.MOVES_FAILING,
    ),
    "hoist_past_a_lambda_default_that_may_raise": (  # fuzz seed 22: h printed first
        """
        def f0(a):
            if (lambda q, k=y: q * k)(⟦h(0)⟧):
                print(a)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("y"),
    ),
    "an_enclosing_variable_deleted_and_read_only_by_a_closure_in_the_selection": (  # seed 25
        """
        def f0():
            z = 0
            del z
            def nested():
                ⟦def inner(q):
                    return q != z
                print(1)⟧
            nested()
        f0()
        """,
        "extract.function",
        eo.OUTER_UNBOUND.format("z"),
    ),
    "an_enclosing_variable_bound_on_some_paths_read_under_a_condition": (
        """
        def f0(c):
            if c:
                z = 1
            def nested():
                ⟦print(c and z)⟧
            nested()
        f0(1)
        f0(0)
        """,
        "extract.function",
        eo.OUTER_UNBOUND.format("z"),
    ),
    "an_expression_reading_an_enclosing_variable_bound_on_some_paths": (
        """
        def f0(c):
            if c:
                z = 1
            def nested():
                print(⟦c and z + 1⟧)
            nested()
        f0(0)
        """,
        "extract.function",
        eo.OUTER_UNBOUND.format("z"),
    ),
    "an_enclosing_variable_rebound_later_read_by_a_closure_in_the_selection": (
        """
        def f():
            z = 0
            def nested():
                ⟦def inner():
                    return z
                return inner⟧
            g = nested()
            z = 5
            print(g())
        f()
        """,
        "extract.function",
        eo.OUTER_STALE.format("z"),
    ),
    "an_enclosing_variable_a_call_in_the_selection_rebinds_with_nonlocal": (
        """
        def f0():
            z = 1
            def bump():
                nonlocal z
                z += 1
            def nested():
                ⟦print(z)
                bump()
                print(z)⟧
            nested()
        f0()
        """,
        "extract.function",
        eo.OUTER_REBOUND.format("z"),
    ),
    "hoist_in_a_class_body_past_a_global_that_may_be_unbound": (  # fuzz seed 26
        """
        t = 7
        def h(v):
            print("h", v)
        try:
            class K:
                a = (y * ⟦h(t)⟧ + h(z))
        except Exception as exc:
            print("module raised", type(exc).__name__)
        """,
        "extract.variable",
        UNBOUND_FIRST.format("y"),
    ),
    "extract_function_from_code_no_path_reaches": (  # fuzz seed 25: it failed (KeyError)
        """
        def f(a):
            try:
                return a
            except ValueError:
                pass
            else:
                ⟦print(a)⟧
        f(1)
        """,
        "extract.function",
        selection_flow.UNREACHABLE,
    ),
    "hoist_out_of_a_later_comparison_of_a_chain": (  # fuzz seed 27: `4 < 1` is False
        """
        def h(v):
            print("h", v)
        def f1():
            c = 4 < 1 <= ⟦h(x)⟧ + h(3)
            print(c)
        f1()
        """,
        "extract.variable",
        CHAINED,
    ),
    "a_class_body_does_not_read_first_what_it_assigns": (  # fuzz seed 27
        """
        def f0(a, items=(1, 2)):
            x = 0
            if a:
                del x
            ⟦class K:
                x = len({q % 2 for q in items})⟧
            print(K.x)
        f0(1)
        """,
        "extract.function",
        ef.PARAM_UNBOUND.format("x"),
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSES))
def test_refactoring_refuses_where_behaviour_would_change(name):
    marked, offer_id, reason = REFUSES[name]
    assert refused(marked, offer_id) == reason


def test_an_enclosing_variable_passed_eagerly_would_raise_at_the_call():
    """Why the seed-25 selection is refused: the variable the closure reads, passed as an
    argument (what extract function did), raises NameError where the program printed."""
    before = (
        "def f0():\n"
        "    z = 0\n"
        "    del z\n"
        "    def nested():\n"
        "        def inner(q):\n"
        "            return q != z\n"
        "        print(1)\n"
        "    nested()\n"
        "f0()\n"
    )
    eager = (
        "def f0():\n"
        "    z = 0\n"
        "    del z\n"
        "    def nested():\n"
        "        _nested_step(z)\n"
        "    nested()\n"
        "def _nested_step(z):\n"
        "    def inner(q):\n"
        "        return q != z\n"
        "    print(1)\n"
        "f0()\n"
    )
    assert run(before) == ("1\n", "")
    assert run(eager) == ("ENDED NameError\n", "")


def test_inline_resolve_refuses_a_name_a_pattern_binds():
    source, span = split_marks(
        """
        def f(v):
            x = 1
            print(x‸)
            match v:
                case [x]:
                    print(x)
        """
    )
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, "inline.variable", parse(source))
    assert str(exc.value) in (iv.PATTERN.format("x"), iv.MULTIPLE.format("x"))


def test_fix_all_on_a_tree_repaired_for_a_column_0_continuation():
    from refine_lsp.refactor.rewrite_none_compare import fix_all

    source = "def f(a):\n    if True:\n        b = h(1 +\n2)\n        if a == None:\n            return b\n"
    expected = source.replace("a == None", "a is None")
    assert fix_all(source, parse(source)) == expected
