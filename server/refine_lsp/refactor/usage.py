"""Where names are read and bound, from libcst scope metadata (never by matching text)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope

from .chunk import Chunk, descendants


@dataclass
class Usage:
    """Reads and binds of the names of one scope (plus closures it reads), by position."""

    scope: Scope
    reads: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    nested_reads: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    binds: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    outer: set[str] = field(default_factory=set)  # names read from enclosing functions
    declared: set[str] = field(default_factory=set)  # global / nonlocal in this scope


def outer_function_scopes(scope: Scope) -> list[Scope]:
    out, s = [], scope.parent
    while s is not None and not isinstance(s, GlobalScope):
        if isinstance(s, FunctionScope):
            out.append(s)
        s = s.parent
    return out


def pattern_names(chunk: Chunk) -> tuple[list[cst.Name], set[int]]:
    """Names a `case` pattern binds (libcst's scopes record them as reads), and the ids of
    every name in a pattern that is not a read (captures and `Class(key=...)` keys)."""
    captures: list[cst.Name] = []
    keys: list[cst.Name] = []
    for node in descendants(chunk.module):
        if isinstance(node, (cst.MatchAs, cst.MatchStar)):
            if node.name is not None:
                captures.append(node.name)
        elif isinstance(node, cst.MatchMapping):
            if node.rest is not None:
                captures.append(node.rest)
        elif isinstance(node, cst.MatchKeywordElement):
            keys.append(node.key)
    return captures, {id(n) for n in captures + keys}


def comprehension_walrus(chunk: Chunk) -> list[tuple[cst.Name, Scope]]:
    """Names a `:=` inside a comprehension binds, each with the scope it binds in: the nearest
    enclosing function or module (PEP 572); libcst records them in the comprehension."""
    found: list[tuple[cst.Name, Scope]] = []
    for node in descendants(chunk.module):
        if not isinstance(node, cst.NamedExpr):
            continue
        s = chunk.scopes.get(node.target)
        if isinstance(node.target, cst.Name) and isinstance(s, ComprehensionScope):
            while isinstance(s, ComprehensionScope):
                s = s.parent
            found.append((node.target, s))
    return found


def _within(inner: Scope | None, outer: Scope) -> bool:
    while inner is not None:
        if inner is outer:
            return True
        inner = None if isinstance(inner, GlobalScope) else inner.parent
    return False


def usage_of(chunk: Chunk, scope: Scope) -> Usage:
    use = Usage(scope)
    outers = outer_function_scopes(scope) if isinstance(scope, FunctionScope) else []
    for a in scope.assignments:
        node = a.node
        if node in chunk.positions:
            use.binds[a.name].append(_bound_at(chunk, node))
    captures, not_reads = pattern_names(chunk)
    for name in captures:
        if chunk.scopes.get(name) is scope:
            use.binds[name.value].append(chunk.start(name))
    walrus_here = set()
    for name, target in comprehension_walrus(chunk):
        if target is scope:
            use.binds[name.value].append(_bound_at(chunk, name))
            walrus_here.add(name.value)
    # Bindings libcst does not record (`case` captures, a comprehension's `:=`), per scope:
    # a read of them from an inner function resolves past them.
    hidden: dict[Scope, set[str]] = defaultdict(set)
    if outers:
        for name in captures:
            hidden[chunk.scopes.get(name)].add(name.value)
        for name, target in comprehension_walrus(chunk):
            hidden[target].add(name.value)
    seen = set()
    for s in {sc for sc in chunk.scopes.values() if sc is not None}:
        for acc in s.accesses:
            if id(acc) in seen or not isinstance(acc.node, cst.Name):
                continue
            if id(acc.node) in not_reads:
                continue
            seen.add(id(acc))
            name = acc.node.value
            scopes = {r.scope for r in acc.referents}
            pos = chunk.start(acc.node)
            if name in walrus_here and _within(s, scope):
                scopes = {scope}  # libcst resolved it past the comprehension's `:=`
            if scope in scopes:
                use.reads[name].append(pos)
                if s is not scope:
                    use.nested_reads[name].append(pos)
            elif any(o in scopes for o in outers) or _bound_around(s, scope, name, hidden):
                use.reads[name].append(pos)
                use.outer.add(name)
    for name, node in _aug_and_declared(chunk, scope):
        if node is None:
            use.declared.add(name)
        elif name in use.binds:
            use.reads[name].append(chunk.start(node))
    return use


def _bound_around(s: Scope, scope: Scope, name: str, hidden) -> bool:
    """A read in ``s`` (within ``scope``) of a name an enclosing function of ``scope`` binds
    where libcst does not see it (``hidden``); False where a nearer scope binds it."""
    if not hidden:
        return False
    inside = True
    while s is not None and not isinstance(s, GlobalScope):
        if not inside and isinstance(s, ClassScope):
            s = s.parent  # a class body's names are not seen from its functions
            continue
        if name in s.assignments or name in hidden.get(s, ()):
            return not inside and isinstance(s, FunctionScope)
        if s is scope:
            inside = False
        s = s.parent
    return False


def _bound_at(chunk: Chunk, node: cst.CSTNode) -> tuple[int, int]:
    """Where a binding takes effect: after the value it is assigned (`a = a + 1` reads first)."""
    child, parent = node, chunk.parents.get(node)
    while parent is not None and isinstance(
        parent, (cst.AssignTarget, cst.Tuple, cst.List, cst.StarredElement, cst.Element)
    ):
        child, parent = parent, chunk.parents.get(parent)
    if isinstance(parent, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
        return chunk.end(parent)
    if isinstance(parent, (cst.For, cst.CompFor)) and child is parent.target:
        return chunk.end(parent.iter)
    return chunk.start(node)


def _aug_and_declared(chunk: Chunk, scope: Scope):
    """AugAssign targets (libcst records them as binds only) and global/nonlocal names."""
    out = []
    for node in descendants(chunk.module):
        if isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name) and chunk.scopes.get(node) is scope:
                out.append((node.target.value, node.target))
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            if chunk.scopes.get(node) is scope:
                out.extend((n.name.value, None) for n in node.names)
    return out


def names_in(node: cst.CSTNode) -> list[str]:
    """Names read anywhere in an expression (for rebinding checks)."""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.append(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

    node.visit(Visitor())
    return found


def bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in bound_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    return []


def block_statements(block: cst.BaseSuite) -> list:
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return list(block.body)
