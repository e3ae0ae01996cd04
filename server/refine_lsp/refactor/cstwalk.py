"""Finding nodes of a libcst tree without a visitor.

``CSTNode.visit`` rebuilds every node it passes (and its whitespace and tokens), which costs
as much as parsing the module; a rename that looks for a few node types in a big module
paid that once per lookup. ``find`` reads the dataclass fields instead, skips the fields
that hold only whitespace and tokens, and touches each node once: about nine times faster
on the corpus modules. Nodes come in an order close to the source's but not equal to it
(a function's decorators come after its body); callers that report the first of several
sort by position.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

# Fields holding whitespace, comments and punctuation only: no name, string or statement
# is ever below them.
_TOKEN_FIELDS = (
    "whitespace",
    "leading_lines",
    "lines_after",
    "header",
    "footer",
    "lpar",
    "rpar",
    "comma",
    "semicolon",
    "equal",
    "colon",
    "dot",
    "arrow",
    "asynchronous",
    "newline",
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(kind) if not f.name.startswith(_TOKEN_FIELDS)
        )
        _FIELDS[kind] = names
    return names


def walk(root: cst.CSTNode, prune: tuple[type, ...] = ()) -> Iterator[cst.CSTNode]:
    """Every node under ``root`` (itself first) that is not whitespace or a token; below a
    node of a ``prune`` type (other than ``root``), nothing."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if prune and node is not root and isinstance(node, prune):
            continue
        kids = children(node)
        kids.reverse()
        stack += kids


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children that are not whitespace or tokens (``node.children`` rebuilds
    the node to find them)."""
    kids = []
    node_type = cst.CSTNode
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, node_type):
            kids.append(value)
        elif isinstance(value, (tuple, list)):
            kids += [v for v in value if isinstance(v, node_type)]
    return kids


def find(root: cst.CSTNode, kinds, prune: tuple[type, ...] = ()) -> list:
    """The nodes of type ``kinds`` (a type or a tuple) under ``root``, as ``walk`` meets them."""
    return [n for n in walk(root, prune) if isinstance(n, kinds)]


def module_statements(module: cst.Module, kinds) -> list:
    """The statements of type ``kinds`` that run at the module's level: in its body and in
    the blocks of its ``if``, ``try``, ``for``, ``while``, ``with`` and ``match``, not in a
    function or a class (where ``import *`` is a SyntaxError)."""
    return find(module, kinds, prune=(cst.FunctionDef, cst.ClassDef, cst.BaseExpression))


def dispatch(visitor, root: cst.CSTNode, prune: tuple[type, ...] = ()) -> None:
    """Call ``visitor.visit_<Type>(node)`` for every node ``walk`` meets that has one, as a
    ``CSTVisitor`` whose methods only collect would (no ``leave_``, no skipping of
    subtrees by their return value)."""
    methods: dict[type, object] = {}
    for node in walk(root, prune):
        kind = type(node)
        method = methods.get(kind, _MISSING)
        if method is _MISSING:
            method = methods[kind] = getattr(visitor, "visit_" + kind.__name__, None)
        if method is not None:
            method(node)


_MISSING = object()


def in_source_order(items: list, positions, node=None) -> list:
    """``items`` sorted by where their node starts (``positions``: a PositionProvider's
    mapping; ``node``: the item's node, where the items are not nodes themselves)."""
    if len(items) < 2:
        return list(items)

    def start(item):
        where = positions[item if node is None else node(item)].start
        return where.line, where.column

    return sorted(items, key=start)
