"""Extract function/method: whole text after the edit, and every refusal reason."""

from __future__ import annotations

import textwrap

import pytest
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings, statements
from refine_lsp.refactor import extract_function as ef


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES = {
    "params_and_return": (
        """
        def f(a, b):
            ⟦x = a + 1
            y = x * b⟧
            print(y)
            return y
        """,
        """
        def f(a, b):
            y = compute_y(a, b)
            print(y)
            return y


        def compute_y(a, b):
            x = a + 1
            y = x * b
            return y
        """,
    ),
    "generator_delegates_with_yield_from": (
        """
        def running(xs):
            ⟦total = 0
            for x in xs:
                sent = yield x
                total += x + (sent or 0)⟧
            print(total)
            return total
        """,
        """
        def running(xs):
            total = yield from compute_total(xs)
            print(total)
            return total


        def compute_total(xs):
            total = 0
            for x in xs:
                sent = yield x
                total += x + (sent or 0)
            return total
        """,
    ),
    "generator_tail_returns_what_it_returns": (
        """
        def chunks(xs, n):
            if not xs:
                return 0
            ⟦yield xs[:n]
            yield xs[n:]
            return 2⟧
        """,
        """
        def chunks(xs, n):
            if not xs:
                return 0
            return (yield from chunks_step(xs, n))


        def chunks_step(xs, n):
            yield xs[:n]
            yield xs[n:]
            return 2
        """,
    ),
    "two_outputs_tuple": (
        """
        def f(a):
            ⟦lo = a - 1
            hi = a + 1⟧
            return lo, hi
        """,
        """
        def f(a):
            lo, hi = compute_lo(a)
            return lo, hi


        def compute_lo(a):
            lo = a - 1
            hi = a + 1
            return lo, hi
        """,
    ),
    "no_output_keeps_comment_at_call": (
        """
        def report(items):
            total = sum(items)
            # say it
            ⟦print("total", total)
            print("count", len(items))⟧
        """,
        """
        def report(items):
            total = sum(items)
            # say it
            report_step(items, total)


        def report_step(items, total):
            print("total", total)
            print("count", len(items))
        """,
    ),
    "method_uses_self": (
        """
        class Account:
            def deposit(self, amount):
                ⟦self.balance += amount
                self.history.append(amount)⟧
                return self.balance
        """,
        """
        class Account:
            def deposit(self, amount):
                self.deposit_step(amount)
                return self.balance

            def deposit_step(self, amount):
                self.balance += amount
                self.history.append(amount)
        """,
    ),
    "ending_return_becomes_return_call": (
        """
        def sign(x):
            if x == 0:
                return 0
            ⟦if x > 0:
                return 1
            return -1⟧
        """,
        """
        def sign(x):
            if x == 0:
                return 0
            return sign_step(x)


        def sign_step(x):
            if x > 0:
                return 1
            return -1
        """,
    ),
    "async_awaits": (
        """
        async def fetch(client, url):
            ⟦response = await client.get(url)
            data = response.json()⟧
            return data
        """,
        """
        async def fetch(client, url):
            data = await compute_data(client, url)
            return data


        async def compute_data(client, url):
            response = await client.get(url)
            data = response.json()
            return data
        """,
    ),
    "loop_variable_read_next_iteration": (
        """
        def run(xs):
            acc = 0
            for x in xs:
                ⟦acc = acc + x⟧
            return acc
        """,
        """
        def run(xs):
            acc = 0
            for x in xs:
                acc = compute_acc(acc, x)
            return acc


        def compute_acc(acc, x):
            acc = acc + x
            return acc
        """,
    ),
    "loop_carried_state_is_returned": (  # found by bench/refactor_corpus.py on more-itertools
        """
        def running(items):
            out = []
            k = 0
            for x in items:
                ⟦k += x
                out.append(k)⟧
            return out
        """,
        """
        def running(items):
            out = []
            k = 0
            for x in items:
                k = compute_k(k, x, out)
            return out


        def compute_k(k, x, out):
            k += x
            out.append(k)
            return k
        """,
    ),
    "closure_variable_becomes_parameter": (
        """
        def outer(n):
            def inner(k):
                ⟦m = n * k⟧
                return m

            return inner
        """,
        """
        def outer(n):
            def inner(k):
                m = compute_m(n, k)
                return m

            return inner


        def compute_m(n, k):
            m = n * k
            return m
        """,
    ),
    "module_level_statements": (
        """
        import sys

        ⟦args = sys.argv[1:]
        count = len(args)⟧
        print(count)
        """,
        """
        import sys


        def compute_args():
            args = sys.argv[1:]
            count = len(args)
            return args, count


        args, count = compute_args()
        print(count)
        """,
    ),
    "name_never_collides": (
        """
        def compute_y(a):
            ⟦y = a⟧
            return y
        """,
        """
        def compute_y(a):
            y = compute_y_2(a)
            return y


        def compute_y_2(a):
            y = a
            return y
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_extract_function(name, marks):
    before, after = CASES[name]
    source, span = marks(before)
    offers = {o.id: o for o in list_refactorings(source, span)}
    assert offers["extract.function"].disabled_reason is None
    assert compute_refactoring(source, span, "extract.function") == d(after)


def test_method_title_and_model_name(marks):
    source, span = marks(CASES["method_uses_self"][0])
    offer = next(o for o in list_refactorings(source, span) if o.id == "extract.function")
    assert offer.title == "Extract method"
    out = compute_refactoring(source, span, "extract.function", name="record")
    assert "self.record(amount)" in out and "def record(self, amount):" in out
    clash = compute_refactoring(source, span, "extract.function", name="deposit")
    assert "def deposit_step(self, amount):" in clash


def test_maybe_unbound_output_passes_old_value(marks):
    source, span = marks(
        """
        def f(xs, best):
            ⟦for x in xs:
                if x > best:
                    best = x⟧
            return best
        """
    )
    assert compute_refactoring(source, span, "extract.function") == d(
        """
        def f(xs, best):
            best = compute_best(xs, best)
            return best


        def compute_best(xs, best):
            for x in xs:
                if x > best:
                    best = x
            return best
        """
    )


REFUSALS = [
    ("def f(x):\n    ⟦if x:\n        return 1⟧\n    return 2\n", ef.RETURN),
    ("async def f(xs):\n    ⟦yield 1⟧\n", ef.YIELD),
    (
        "def f(it):\n    try:\n        while True:\n            ⟦b = next(it)\n"
        "            yield b⟧\n    except StopIteration:\n        return\n",
        ef.GUARDED_YIELD,
    ),  # fmt: skip
    (
        "def f(path):\n    with open(path) as lines:\n        for line in lines:\n"
        "            ⟦yield line.strip()⟧\n",
        ef.GUARDED_YIELD,
    ),  # fmt: skip
    ("def f(xs):\n    for x in xs:\n        ⟦if x:\n            break⟧\n", ef.JUMP.format("break")),
    ("def f(xs):\n    for x in xs:\n        ⟦continue⟧\n", ef.JUMP.format("continue")),
    ("def f():\n    ⟦global G\n    G = 1⟧\n", ef.GLOBAL),
    ("class A:\n    ⟦x = 1\n    y = 2⟧\n", ef.CLASS_BODY),
    ("def f(a):\n    ⟦b = a +⟧ 1\n    return b\n", statements.NOT_WHOLE),
    ("def f(a):\n    ⟦if a:\n        b = 1⟧\n    return b\n", ef.MAYBE_UNBOUND.format("b")),
    ("def f(a):\n    b = a\n    ⟦print(b)\n    del b⟧\n    return b\n", ef.DELETED.format("b")),
    ("def f(a):\n    ⟦print(locals())⟧\n", ef.DYNAMIC.format("locals")),
    (
        "class A:\n    def m(self):\n        ⟦print(self)\n        self = 2⟧\n",
        ef.SELF_REBOUND.format("self"),
    ),  # fmt: skip
]


@pytest.mark.parametrize("marked,reason", REFUSALS)
def test_extract_function_refusals(marked, reason, marks):
    source, span = marks(marked)
    with pytest.raises(Refusal) as exc:
        compute_refactoring(source, span, "extract.function")
    assert str(exc.value) == reason


def test_listing_shows_cheap_refusals_disabled(marks):
    source, span = marks("def f(x):\n    ⟦if x:\n        return 1⟧\n    return 2\n")
    offer = next(o for o in list_refactorings(source, span) if o.id == "extract.function")
    assert offer.disabled_reason == ef.RETURN


def test_editor_line_selection_counts_as_whole_statements():
    from refine_lsp.text import Span

    source = "def f(a):\n    b = a + 1\n    c = b * 2\n    return c\n"
    # From column 0 of line 1 to column 0 of line 3, as a line-wise selection gives.
    out = compute_refactoring(source, Span.of(1, 0, 3, 0), "extract.function")
    assert out == d(
        """
        def f(a):
            c = compute_c(a)
            return c


        def compute_c(a):
            b = a + 1
            c = b * 2
            return c
        """
    )


def test_text_outside_the_chunk_is_unchanged(marks):
    source, span = marks(
        "x  =  1   # odd spacing kept\n\n\ndef f(a):\n    ⟦b = a⟧\n    return b\n\n\ny =   2\n"
    )
    out = compute_refactoring(source, span, "extract.function")
    assert out.startswith("x  =  1   # odd spacing kept\n\n\ndef f(a):\n    b = compute_b(a)\n")
    assert out.endswith("\n\n\ny =   2\n")


def test_nested_loop_state_keeps_behaviour(marks):
    """more_itertools.nth_combination_with_replacement: the inner loop's state."""
    source, span = marks(
        """
        def nth(pool, n, r, index):
            result = []
            i = 0
            while r:
                r -= 1
                ⟦while n >= 0:
                    num = n + r
                    if index < num:
                        break
                    n -= 1
                    i += 1
                    index -= num
                result.append(pool[i])⟧
            return tuple(result)
        """
    )
    out = compute_refactoring(source, span, "extract.function")
    before, after = {}, {}
    exec(source, before)
    exec(out, after)
    for args in [("abcdef", 5, 3, 4), ("abcdef", 5, 2, 7), ("xyz", 2, 3, 1)]:
        assert after["nth"](*args) == before["nth"](*args)


def test_extracted_generator_behaves_the_same_under_send(marks):
    """Values, sent values and the return value go through `yield from` unchanged."""
    before, _ = CASES["generator_delegates_with_yield_from"]
    source, span = marks(before)
    after = compute_refactoring(source, span, "extract.function")

    def drive(code):
        namespace: dict = {}
        exec(compile(code, "<test>", "exec"), namespace)  # noqa: S102 - our own fixture code
        gen, seen, value = namespace["running"]([1, 2, 3]), [], None
        try:
            while True:
                value = gen.send(value)
                seen.append(value)
                value *= 10
        except StopIteration as stop:
            return seen, stop.value

    assert drive(after) == drive(source) == ([1, 2, 3], 66)


def test_listing_disables_a_yield_inside_try_or_with(marks):
    source, span = marks(
        "def f(path):\n    with open(path) as lines:\n        for line in lines:\n"
        "            ⟦yield line.strip()⟧\n"
    )
    offer = next(o for o in list_refactorings(source, span) if o.id == "extract.function")
    assert offer.disabled_reason == ef.GUARDED_YIELD
