"""Extract function from an expression: `def new(params): return <expr>` and a call in its place.

The call stays where the expression was, so evaluation order and short circuits are kept;
the parameters are the names the expression reads from the function, a comprehension or a
lambda around it, evaluated when the call is. Refused where that could change behaviour:
the expression yields, awaits or binds a name with `:=`; a parameter may be unassigned
there; a name it reads may be rebound while it runs (`nonlocal` in a nested function);
a lambda or a lazy generator in it would read a copy of a variable; it uses `super()`,
`locals()` and the like, or class-private names.
"""

from __future__ import annotations

import builtins

import libcst as cst
from libcst.metadata import ClassScope, ComprehensionScope, FunctionScope, GlobalScope

from ..text import Span
from . import extract_outer
from . import flow_events as fe
from . import names as naming
from .chunk import parse_chunk
from .expressions import cst_expression, ts_expression
from .extract_bindings import nonlocal_names
from .flow import Graph
from .model import Refusal
from .namespace_reads import check_new_module_name
from .selection_flow import param_names
from .tsview import SourceView, top_level_rows
from .usage import block_statements, comprehension_walrus, pattern_names

YIELDS = "The expression contains `{}`: the new function would change where it suspends"
WALRUS = "The expression assigns a name with `:=`"
TARGET = "The selection is assigned to, not an expression that is read"
PATTERN = "A `case` pattern is not an expression: a call there would be a class pattern"
CLASS_BODY = "An expression in a class body reads the class namespace: it cannot be moved"
UNBOUND = "`{}` may be unassigned where the expression is evaluated: it cannot be passed"
REBOUND = "`{}` may be rebound by a nested function while the expression runs"
LAZY = "A lambda or generator in the expression reads `{}`: it would keep a copy of it"
DYNAMIC = "The expression calls `{}()`, which depends on where it runs"
PRIVATE = "Class-private names cannot be moved out of the class"
_CONSUMERS = {"sum", "any", "all", "list", "tuple", "set", "sorted", "min", "max", "dict",
              "frozenset", "len"}  # fmt: skip
_DYNAMIC = {"locals", "vars", "exec", "eval", "dir", "super", "globals"}


def ts_offerable(view: SourceView, span: Span):
    """The expression an extract-function offer would take, or None."""
    node = ts_expression(view, span)
    if node is None or node.type in ("identifier", "true", "false", "none", "expression_list"):
        return None
    return node


def compute(source: str, span: Span, view: SourceView, name: str | None = None) -> str:
    ts_node = ts_offerable(view, span)
    if ts_node is None:
        raise Refusal("The selection is not a whole expression")
    target = view.node_span(ts_node)
    chunk = parse_chunk(source, target, view)
    expr = cst_expression(chunk, target)
    _check_position(chunk, expr)
    scope = chunk.scopes.get(expr)
    if isinstance(scope, ClassScope):
        raise Refusal(CLASS_BODY)
    events: list = []
    fe.expr(expr, events)
    kinds = {k for k, _ in events}
    if "w" in kinds or "m" in kinds:
        raise Refusal(WALRUS)
    _check_contents(expr)
    bound_by = _params(chunk, expr, scope, events)
    params = list(bound_by)
    _check_outer(chunk, expr, scope, bound_by, events)
    func = _function_of(chunk, expr)
    if func is not None:
        own = [n for n in params if bound_by[n] is chunk.scopes.get(func.body)]
        _check_flow(chunk, func, expr, own, events)
    # Always a module-level function: private, as extract_function names one.
    default = naming.unique("compute_" + _base(expr), source, private=True)
    fname = naming.suggest_name(name, source, default, private=True)
    check_new_module_name(view.path)
    new_def = cst.FunctionDef(
        name=cst.Name(fname),
        params=cst.Parameters([cst.Param(cst.Name(n)) for n in params]),
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(_returned(expr))])]),
    )
    call = cst.Call(cst.Name(fname), [cst.Arg(cst.Name(n)) for n in params])
    tree = chunk.replace(expr, call)
    return _place(view, target, chunk, tree, new_def, func, expr)


def _returned(expr):
    """The expression as `return` takes it: its own parentheses dropped unless it needs them
    (a generator expression; lines continued inside brackets that were around it)."""
    bare = expr.with_changes(lpar=[], rpar=[])
    if isinstance(expr, cst.GeneratorExp) or "\n" in cst.Module(body=[]).code_for_node(bare):
        return bare.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return bare


def _check_position(chunk, expr) -> None:
    child, parent = expr, chunk.parents.get(expr)
    while parent is not None and not isinstance(parent, cst.BaseSuite):
        if isinstance(parent, cst.MatchPattern):
            raise Refusal(PATTERN)
        if isinstance(parent, (cst.Subscript, cst.Attribute, cst.Call, cst.SubscriptElement)):
            return  # an index, a receiver or an argument: read even inside a target
        holds_target = (
            (isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For,
                                 cst.CompFor, cst.Del)) and child is parent.target)
            or (isinstance(parent, cst.AsName) and child is parent.name)
        )  # fmt: skip
        if holds_target:
            raise Refusal(TARGET)
        child, parent = parent, chunk.parents.get(parent)


def _check_contents(expr) -> None:
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Lambda(self, node) -> bool:
            return True

        def visit_Yield(self, node) -> None:
            found.append(YIELDS.format("yield"))

        def visit_Await(self, node) -> None:
            found.append(YIELDS.format("await"))

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value in _DYNAMIC:
                found.append(DYNAMIC.format(node.func.value))

        def visit_Name(self, node: cst.Name) -> None:
            if node.value.startswith("__") and not node.value.endswith("__"):
                found.append(PRIVATE)

        def visit_CompFor(self, node: cst.CompFor) -> None:
            if node.asynchronous is not None:
                found.append(YIELDS.format("async for"))

    expr.visit(Visitor())
    if found:
        raise Refusal(found[0])


def _params(chunk, expr, scope, events) -> dict[str, object]:
    """Names read that some scope between the expression and the module binds: name -> scope."""
    captures, _ = pattern_names(chunk)
    deleted = _deleted_names(chunk)  # `del x` makes x local too (libcst records no assignment)
    walrus = comprehension_walrus(chunk)
    bound: dict[str, object] = {}
    s = scope
    while s is not None and not isinstance(s, GlobalScope):
        if isinstance(s, (FunctionScope, ComprehensionScope)):
            here = {a.name for a in s.assignments}
            here |= {c.value for c in captures if chunk.scopes.get(c) is s}
            here |= {d.value for d in deleted if chunk.scopes.get(d) is s}
            here |= {w.value for w, target in walrus if target is s}
            for n in here:
                bound.setdefault(n, s)
        s = s.parent
    out: dict[str, object] = {}
    for kind, n in events:
        if kind == "r" and n in bound and n not in out:
            out[n] = bound[n]
    _check_lazy(expr, set(out))
    return out


def _check_outer(chunk, expr, scope, bound_by, events) -> None:
    """Variables of enclosing functions must be assigned and unchanged at the call."""
    first: set[str] = set()
    reads: dict[str, int] = {}
    for kind, n in events:
        if kind == "r":
            reads[n] = reads.get(n, 0) + 1
    for kind, n in events:
        if kind != "r":
            break
        first.add(n)
        if n not in bound_by and not hasattr(builtins, n):
            break  # a global may be unbound: it fails first
    effects = any(kind == "x" for kind, _ in events)
    extract_outer.check(chunk, [expr], scope, list(bound_by), first, effects, reads)


def _deleted_names(chunk) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Visitor(cst.CSTVisitor):
        def visit_Del(self, node: cst.Del) -> None:
            stack = [node.target]
            while stack:
                t = stack.pop()
                if isinstance(t, cst.Name):
                    found.append(t)
                elif isinstance(t, (cst.Tuple, cst.List)):
                    stack.extend(e.value for e in t.elements)

    chunk.module.visit(Visitor())
    return found


def _check_lazy(expr, params: set[str]) -> None:
    """A lambda, or a generator not consumed at once, would read the new function's copy."""
    bad = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            name = cst.helpers.get_full_name_for_node(node.func)
            if name in _CONSUMERS and len(node.args) == 1:
                arg = node.args[0].value
                if isinstance(arg, cst.GeneratorExp):
                    self.consumed = getattr(self, "consumed", set()) | {id(arg)}

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            local = {p.name.value for p in node.params.params}
            bad.extend(n for n in fe.free_reads(node.body) if n in params and n not in local)
            return False

        def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
            if node is not expr and id(node) not in getattr(self, "consumed", set()):
                inner: list = []
                fe.expr(node, inner)
                first: list = []
                fe.expr(node.for_in.iter, first)
                lazy = {n for k, n in inner if k == "r"} - {n for k, n in first if k == "r"}
                bad.extend(sorted(lazy & params))

    expr.visit(Visitor())
    if isinstance(expr, cst.GeneratorExp):
        inner: list = []
        fe.expr(expr, inner)
        bad.extend(n for k, n in inner if k == "r" and n in params)
    if bad:
        raise Refusal(LAZY.format(bad[0]))


def _function_of(chunk, node):
    """The function whose body runs the expression (a default or decorator runs outside)."""
    child, node = node, chunk.parents.get(node)
    while node is not None:
        if isinstance(node, cst.FunctionDef) and child is node.body:
            return node
        child, node = node, chunk.parents.get(node)
    return None


def _check_flow(chunk, func, expr, params, events) -> None:
    """Function locals passed must be assigned there, and not rebindable from a closure."""
    g = Graph(block_statements(func.body), param_names(func))
    stmt = expr
    while stmt is not None and id(stmt) not in g.stmt_entry:
        stmt = chunk.parents.get(stmt)
    if stmt is None:
        return
    entry = g.stmt_entry[id(stmt)]
    must = g.assigned(must=True)[entry]
    local = set(param_names(func)) | {n for b in g.blocks for k, n in b.events if k in "wmd"}
    first = set()
    for kind, n in events:
        if kind != "r":
            break
        first.add(n)
    rebindable = nonlocal_names(func)
    for n in params:
        if n in rebindable:
            raise Refusal(REBOUND.format(n))
        if n in local and must is not None and n not in must and n not in first:
            raise Refusal(UNBOUND.format(n))


def _base(expr) -> str:
    from .extract_variable import _base_name

    return _base_name(expr)


def _place(view, target, chunk, tree, new_def, func, expr) -> str:
    one_blank = [cst.EmptyLine(indent=False)]
    if func is None:  # module level: the function must exist before the statement runs
        top = expr
        while not isinstance(chunk.parents.get(top), cst.Module):
            top = chunk.parents[top]
        body = list(tree.body)
        k = [id(x) for x in chunk.module.body].index(id(top))
        comments = [x for x in top.leading_lines if x.comment is not None]
        body[k] = body[k].with_changes(leading_lines=one_blank * 2)
        lead = one_blank * 2 if k or chunk.first_row else []
        body.insert(k, new_def.with_changes(leading_lines=lead + comments))
        return chunk.splice(tree.with_changes(body=body))
    from .extract_function import _insert_after_top_level

    if top_level_rows(view, target) is None:
        raise Refusal("The expression is not inside one top-level statement")
    return _insert_after_top_level(view, target, chunk, tree, new_def)
