"""Refactorings on a chunk of the file give exactly the whole file's edit.

codeAction/resolve parses only the innermost function around the selection, under stub
lines for the functions and classes around it (refactor/chunk.py). For every enabled offer
at many ranges of generated programs (flat, nested inside a function, and all of them in
one big file) and of the fixtures, the new text computed on the chunk must equal the one
computed with the whole module parsed, refusal reasons included; where a program runs,
the chunked edit keeps its output.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import random
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import dedent
from libcst.metadata import MetadataWrapper, ParentNodeProvider
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
from refine_lsp.refactor.chunk import parent_map, parse_chunk
from refine_lsp.refactor.tsview import SourceView, parse
from refine_lsp.text import Span

ROOT = Path(__file__).resolve().parents[2]


def _bench(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def nested(program: str) -> str:
    """The program's code inside a function, its module names becoming that function's
    locals: every function and class in it is nested, and reads closures."""
    body = textwrap.indent(program, "    ", lambda line: bool(line.strip()))
    return f"def outer(limit=3):\n{body}\n\nouter()\n"


def outcome(source: str, offer_id: str, span: Span, tree, chunking: str | None) -> str:
    try:
        return compute_refactoring(source, span, offer_id, tree, chunking=chunking)
    except Refusal as exc:
        return f"refused: {exc}"


def check(source: str, count: int, seed: int, runner=None) -> int:
    """Compare chunked and whole-file edits at ``count`` ranges; the number compared."""
    fuzz = _bench("refactor_fuzz")
    tree = parse(source)
    rnd = random.Random(seed)
    compared, ran = 0, {}
    for span in fuzz.spans(source, tree, rnd, count):
        for offer in list_refactorings(source, span, tree):
            if offer.disabled_reason is not None:
                continue
            chunked = outcome(source, offer.id, span, tree, None)
            whole = outcome(source, offer.id, span, tree, "module")
            assert chunked == whole, (offer.id, span, _diff(whole, chunked))
            compared += 1
            if runner is not None and not chunked.startswith("refused: "):
                before = ran.setdefault(source, runner.run(source))
                assert runner.run(chunked) == before, (offer.id, span)
    return compared


def _diff(a: str, b: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), n=2))


@pytest.fixture(scope="module")
def runner():
    r = _bench("refactor_fuzz").Runner()
    yield r
    r.close()


@pytest.mark.parametrize("seed", [3, 21])
def test_generated_programs(seed, runner):
    program = _bench("fuzz_programs").program(seed)
    assert check(program, 40, seed, runner) >= 10


@pytest.mark.parametrize("seed", [5, 22])
def test_generated_programs_nested_in_a_function(seed, runner):
    program = nested(_bench("fuzz_programs").program(seed))
    assert check(program, 40, seed, runner) >= 10


def in_a_class(program: str) -> str:
    """The program as the body of a method: its functions are nested in a method, so the
    chunks widen to the method under a class stub (refactor/chunk.py, "method")."""
    body = textwrap.indent(program, "        ", lambda line: bool(line.strip()))
    return f"class Holder:\n    def outer(self, limit=3):\n{body}\n\nHolder().outer()\n"


@pytest.mark.parametrize("seed", [7, 23])
def test_generated_programs_in_a_method(seed):
    program = in_a_class(_bench("fuzz_programs").program(seed))
    assert check(program, 40, seed) >= 10


def test_big_generated_file():
    gen = _bench("fuzz_programs")
    parts = [gen.program(s) if s % 2 else nested(gen.program(s)) for s in range(30, 34)]
    big = "\n\n".join(parts)
    assert len(big.splitlines()) > 400
    assert check(big, 25, 1) >= 10


@pytest.mark.parametrize(
    "path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures").rglob("*.py"))
)
def test_fixtures(path):
    source = (ROOT / path).read_text()
    check(source, 25, len(path))


CASES = {
    # A method reads a local of the function its class is in: passed to the new function.
    "closure through a class": """
        def outer():
            x = 1
            class C:
                def m(self):
                    ⟦print(x)⟧
            return C
    """,
    # `nonlocal` in the function between: the name still lives in an enclosing function.
    "nonlocal in between": """
        def a():
            v = 0
            def b():
                nonlocal v
                def c():
                    ⟦w = v + 1⟧
                    return w
                return c
            return b
    """,
    # A global declared in the enclosing function: the nested read is a global one.
    "global in the enclosing function": """
        def a():
            global g
            g = 1
            def b():
                ⟦y = g * 2⟧
                return y
            return b
    """,
    # A class-private name inside a method's nested function (the symbol table mangles it).
    "mangled names": """
        class K:
            def m(self):
                __p = 1
                def inner():
                    ⟦q = __p + 1⟧
                    return q
                return inner
    """,
    # Inline a name bound in the enclosing function: the chunk must hold the binding.
    "inline from outside": """
        def a():
            x = 1
            def b():
                return x‸ + 1
            return b
    """,
    "inline inside": """
        def a():
            x = 1
            def b():
                y = x + 1
                return y‸
            return b
    """,
    # Extract method: the new method lands after this one, in the real class.
    "extract method": """
        class K:
            def m(self):
                ⟦self.v = 1⟧
                return self.v

            def n(self):
                return 2
    """,
    # A trailing comment after the method, indented as its body.
    "comment after the method": """
        class K:
            def m(self):
                ⟦self.v = 1⟧
                return self.v
                # trailing

            def n(self):
                return 2
    """,
    "decorated nested function": """
        def deco(f):
            return f

        def a(k):
            @deco
            def b(j=k):
                ⟦z = j + k⟧
                return z
            return b
    """,
    # The enclosing function reads `q` first: the whole file orders the parameters (q, p).
    "closure parameters in the enclosing function's order": """
        def a(p, q):
            print(q, p)
            def b():
                ⟦r = p + q⟧
                return r
            return b
    """,
    "tabs": "def a():\n\tv = 1\n\tdef b():\n\t\t⟦w = v⟧\n\t\treturn w\n\treturn b\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cases(name, marks):
    source, span = marks(CASES[name])
    tree = parse(source)
    offers = [o for o in list_refactorings(source, span, tree) if o.disabled_reason is None]
    assert offers, name
    for o in offers:
        chunked = outcome(source, o.id, span, tree, None)
        whole = outcome(source, o.id, span, tree, "module")
        assert chunked == whole, (o.id, _diff(whole, chunked))


def test_nested_function_chunk_is_the_function_under_stubs(marks):
    source, span = marks(CASES["closure through a class"])
    chunk = parse_chunk(source, span, SourceView(source, chunking="inner"))
    assert chunk.text == dedent(
        """
        def outer(C, x):
            class C:
                def m(self):
                    print(x)
        """
    )
    assert chunk.stubs == 2


def test_parent_map_is_libcst_s():
    module = cst.parse_module(_bench("fuzz_programs").program(4))
    ours = parent_map(module)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    assert len(ours) == len(theirs)
    assert all(ours[node] is parent for node, parent in theirs.items())


def test_chunk_fields_are_plain():
    # The chunk keeps the stub count beside the rows: splice and row arithmetic use both.
    names = {f.name for f in dataclasses.fields(parse_chunk.__globals__["Chunk"])}
    assert {"first_row", "last_row", "stubs", "text"} <= names


def test_a_match_capture_outside_is_passed(marks):
    # The compiler's symbol table binds `x` in `a`; libcst's scopes do not record case
    # captures, so with the whole file parsed the new function would read a global `x`.
    source, span = marks(
        """
        def a(v):
            match v:
                case [x]:
                    pass
            def b():
                ⟦y = x⟧
                return y
            return b
        """
    )
    new = compute_refactoring(source, span, "extract.function")
    assert "y = _compute_y(x)" in new and "def _compute_y(x):" in new
    run = {}
    exec(compile(new + "print_ = a([5])()\n", "<new>", "exec"), run)
    assert run["print_"] == 5


def test_an_edit_reaching_a_stub_line_is_redone_on_the_outer_function(marks):
    from refine_lsp.refactor.chunk import ChunkTooNarrow

    source, span = marks(CASES["nonlocal in between"])
    chunk = parse_chunk(source, span, SourceView(source, chunking="inner"))
    assert chunk.stubs == 2
    moved = cst.parse_module("# a new first line\n" + chunk.text)
    with pytest.raises(ChunkTooNarrow):
        chunk.splice(moved)
    unchanged = chunk.splice(chunk.module)
    assert unchanged == source


def test_extract_function_chunk_widens_to_the_function_binding_what_it_passes(marks):
    """The innermost function reads `total` of the function around it: that function is
    the chunk (under a stub for the one above), not the whole top-level function; the
    edit is the whole file's."""
    source, span = marks(
        """
        def top(a):
            unused = a

            def middle(b):
                total = b

                def inner():
                    ⟦print(total)⟧

                return inner

            return middle
        """
    )
    chunk = parse_chunk(source, span, SourceView(source, chunking="inner-free"))
    assert chunk.stubs == 1 and chunk.text.startswith("def top(a, middle, unused):\n")
    assert chunk.text.split("\n")[1] == "    def middle(b):"
    chunked = compute_refactoring(source, span, "extract.function")
    assert chunked == compute_refactoring(source, span, "extract.function", chunking="module")
    assert chunked == dedent(
        """
        def top(a):
            unused = a

            def middle(b):
                total = b

                def inner():
                    _inner_step(total)

                return inner

            return middle


        def _inner_step(total):
            print(total)
        """
    )


def test_a_closure_in_a_method_is_chunked_as_the_method_under_its_class(marks):
    """A function nested in a method of a big class reads `self`: the method is the chunk,
    under a `class` stub line, not the class."""
    source, span = marks(
        """
        class Big:
            def other(self):
                return 1

            def m(self, xs):
                def each(x):
                    ⟦return self.other() + x⟧

                return [each(x) for x in xs]
        """
    )
    view = SourceView(source, chunking="method")
    chunk = parse_chunk(source, span, view)
    assert chunk.stubs == 1 and chunk.text.startswith("class Big:\n    def m(self, xs):\n")
    chunked = compute_refactoring(source, span, "extract.function")
    assert chunked == compute_refactoring(source, span, "extract.function", chunking="module")
    before, after = {}, {}
    exec(compile(source, "<before>", "exec"), before)  # noqa: S102 - our own fixture code
    exec(compile(chunked, "<after>", "exec"), after)  # noqa: S102
    assert after["Big"]().m([1, 2]) == before["Big"]().m([1, 2]) == [2, 3]


EVERY_CONTEXT = """
import os.path as p, sys
from a.b import c as d, e
x: int = 1
y, *z = [a[i], b.c] = w = (q := f(k=1))
del a[0], b.c, (e1, e2)
x += 1
for i, (j, k) in enumerate(p):
    pass
else:
    pass
with open(f) as (g, h), ctx:
    pass
try:
    pass
except E as err:
    pass
global gg
lam = lambda u, *v, w=1, **kw: u + v
comp = [m for m, n in items if n for o in m]
gen = {r: s async for r, s in t}
match subject:
    case [1, *rest] if rest:
        pass
    case {"k": v1, **others} | Point(x=0, y=yy) as whole:
        pass
@decorator(arg)
class C(Base, metaclass=M):
    attr: "T" = 1
    def m(self, a: int = 2, /, b=3, *, c, **d) -> R:
        nonlocal_name = a.b.c[d]
        return (yield from a)
async def af():
    async with a as b:
        await c
    async for x in y:
        pass
"""


def test_expression_contexts_are_libcst_s():
    from libcst.metadata import ExpressionContextProvider
    from refine_lsp.refactor.chunk import expression_contexts

    gen = _bench("fuzz_programs")
    type_params = "def f[T: int, *Ts, **P](x: T) -> T:\n    pass\nclass C[T](B[T]):\n    pass\n"
    sources = [EVERY_CONTEXT, type_params + "type X[U] = list[U]\n"]
    sources += [gen.program(s) for s in range(40)]
    sources += [p.read_text() for p in sorted((ROOT / "fixtures").rglob("*.py"))]
    compared = 0
    for source in sources:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue  # a fixture of broken code
        compared += 1
        theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ExpressionContextProvider)
        assert expression_contexts(module) == dict(theirs)
    assert compared > 40
