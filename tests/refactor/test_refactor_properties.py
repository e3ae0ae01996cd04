"""Property tests: every offered edit parses, and extraction keeps behaviour.

Programs are generated (straight-line code, branches, loops, augmented assignments over a
few variables) and ranges are picked at random; each offered refactoring is applied and the
result must compile. For generated functions, the extracted version must return the same
values (or raise the same exception) as the original.
"""

from __future__ import annotations

import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
from refine_lsp.text import Span

NAMES = ["a", "b", "c", "d"]
INTERNAL = "The refactoring failed"

expr = st.recursive(
    st.one_of(st.sampled_from(NAMES), st.integers(0, 9).map(str)),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "%", "//"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})" if t[1] not in "%//" else f"({t[0]} {t[1]} 7)"
        ),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} if {t[1]} > 3 else 1)"),
    ),
    max_leaves=4,
)


@st.composite
def block(draw, depth=0):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["assign", "aug", "if", "for"] if depth < 2 else ["assign"]))
        target = draw(st.sampled_from(NAMES))
        if kind == "assign":
            lines.append(f"{target} = {draw(expr)}")
        elif kind == "aug":
            lines.append(f"{target} += {draw(expr)}")
        elif kind == "if":
            lines.append(f"if {draw(expr)} > 2:")
            lines += ["    " + x for x in draw(block(depth + 1))]
            if draw(st.booleans()):
                lines.append("else:")
                lines += ["    " + x for x in draw(block(depth + 1))]
        else:
            lines.append(f"for i in range({draw(st.integers(0, 3))}):")
            lines += ["    " + x for x in draw(block(depth + 1))]
    return lines


@st.composite
def program(draw):
    body = ["c = 1", "d = 2", *draw(block())]
    if draw(st.booleans()):
        body.append("return a, b, c, d")
    source = "def f(a, b):\n" + "".join(f"    {x}\n" for x in body)
    source += "\n\ndef g(x):\n    y = x * 2\n    return y + 1\n"
    return source


def run(source: str):
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    try:
        return namespace["f"](3, 5), namespace["g"](4)
    except Exception as exc:  # noqa: BLE001 - the same exception must happen in both
        return type(exc).__name__


def offered(source: str, span: Span) -> list[str]:
    return [o.id for o in list_refactorings(source, span) if o.disabled_reason is None]


def apply_all(source: str, span: Span):
    for offer_id in offered(source, span):
        if offer_id == "source.organize-imports":
            continue
        try:
            new = compute_refactoring(source, span, offer_id)
        except Refusal as exc:
            assert not str(exc).startswith(INTERNAL), (offer_id, str(exc), source, span)
            continue
        compile(new, "<refactored>", "exec")  # every offered edit parses
        yield offer_id, new


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program(), st.data())
def test_offered_edits_parse_and_keep_behaviour(source, data):
    lines = source.split("\n")
    first = data.draw(st.integers(1, len(lines) - 2))
    last = data.draw(st.integers(first, min(first + 4, len(lines) - 2)))
    indent = len(lines[first]) - len(lines[first].lstrip())
    span = Span.of(first, indent, last, len(lines[last]))
    before = run(source)
    for offer_id, new in apply_all(source, span):
        if offer_id in ("extract.function", "inline.variable", "extract.variable"):
            assert run(new) == before, (offer_id, source, new)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program(), st.data())
def test_cursor_and_expression_ranges(source, data):
    lines = source.split("\n")
    row = data.draw(st.integers(0, len(lines) - 1))
    c1 = data.draw(st.integers(0, len(lines[row])))
    c2 = data.draw(st.integers(c1, len(lines[row])))
    before = run(source)
    for _offer_id, new in apply_all(source, Span.of(row, c1, row, c2)):
        assert run(new) == before, (_offer_id, source, new)


FIXTURE = textwrap.dedent(
    '''
    import os
    from collections import defaultdict


    class Inventory:
        """Items by category."""

        def __init__(self):
            self.items = defaultdict(list)

        def add(self, category, name, count=1):
            if count <= 0:
                raise ValueError("count must be positive")
            entry = (name, count)
            self.items[category].append(entry)
            total = sum(c for _, c in self.items[category])
            return total

        def report(self):
            lines = []
            for category in sorted(self.items):
                names = ", ".join(n for n, _ in self.items[category])
                lines.append("%s: %s" % (category, names))
            return "\\n".join(lines)


    def load(path):
        result = []
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if line == None or not line:
                    continue
                result.append(line.split(","))
        return result


    async def fetch_all(client, urls):
        pages = {}
        for url in urls:
            page = await client.get(url)
            pages[url] = page
        return pages
    '''
)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_range_on_fixture_code_gives_parsable_edits(data):
    lines = FIXTURE.split("\n")
    r1 = data.draw(st.integers(0, len(lines) - 1))
    r2 = data.draw(st.integers(r1, min(r1 + 6, len(lines) - 1)))
    c1 = data.draw(st.integers(0, len(lines[r1])))
    c2 = data.draw(st.integers(0, len(lines[r2])))
    if r1 == r2 and c2 < c1:
        c1, c2 = c2, c1
    for _ in apply_all(FIXTURE, Span.of(r1, c1, r2, c2)):
        pass
