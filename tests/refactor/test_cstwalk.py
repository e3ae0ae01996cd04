"""The visitor-free node walk finds what libcst's visitor finds."""

import libcst as cst
from refine_lsp.refactor.cstwalk import find, in_source_order, module_statements

SOURCE = """
import os
from a import *
try:
    from b import *
except ImportError:
    pass
if os:
    from c import *

@decorate(name="x")
def f(a, /, b=1, *args, c: int = 2, **kw) -> str:
    global g
    x = [y for y in args if y]
    z = lambda q=1: q + a
    match kw:
        case {"k": v, **rest}:
            pass
        case [first, *others]:
            pass
        case Point(x=px) as p:
            pass
    return f"{x!r:>{b}}" + "s" "t"

class C(Base, metaclass=M):
    attr: int = 1
    def m(self):
        nonlocal_ = self.attr.real
        with open("p") as (h, i):
            del h
        return getattr(self, "attr")
"""


def _by_visitor(module: cst.Module, kind) -> list:
    found = []

    class V(cst.CSTVisitor):
        def on_visit(self, node):
            if isinstance(node, kind):
                found.append(node)
            return True

    module.visit(V())
    return found


def test_find_meets_every_node_the_visitor_meets():
    module = cst.parse_module(SOURCE)
    for kind in (
        cst.Name,
        cst.Attribute,
        cst.SimpleString,
        cst.Call,
        cst.Param,
        cst.Arg,
        cst.MatchAs,
        cst.MatchStar,
        cst.MatchMapping,
        cst.Global,
        cst.Decorator,
        cst.FormattedStringExpression,
        cst.ImportFrom,
        cst.BaseExpression,
        cst.BaseStatement,
        cst.BaseSmallStatement,
    ):
        mine, theirs = find(module, kind), _by_visitor(module, kind)
        assert {id(n) for n in mine} == {id(n) for n in theirs}, kind
        assert len(mine) == len(theirs), kind


def test_module_statements_are_the_module_level_ones_in_source_order():
    module = cst.parse_module(SOURCE + "def g():\n    from d import *\n")
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    stars = [n for n in module_statements(module, cst.ImportFrom)]
    names = [n.module.value for n in in_source_order(stars, positions)]
    assert names == ["a", "b", "c"]
