"""Extract variable: an expression becomes a local assigned just before its statement.

The "all occurrences" variant also replaces every identical expression in the same scope
that the new assignment dominates, when none of the names it reads can change in between.
"""

from __future__ import annotations

import ast

import libcst as cst

from ..text import Span
from . import names as naming
from .chunk import Chunk, parse_chunk
from .expressions import (
    ALREADY_NAME,
    IN_MATCH,
    NOT_EXPR,
    PURE_CALLS,
    check_order,
    cst_expression,
    statement_of,
    ts_expression,
)
from .model import Offer, Refusal, offer
from .tsview import SourceView, enclosing_function, walk
from .usage import names_in, usage_of

CONSTANTS = {"None", "True", "False"}  # libcst parses them as names
CALLS_TWICE = "The expression calls `{}()`: one variable would call it once instead of {} times"
RUNS_TWICE = "The expression contains `{}`: one variable would run it once instead of {} times"
REBOUND = "`{}` is reassigned between the occurrences"
MUTATED = "`{}` may be modified between the occurrences"
ONLY_ONE = "There is no other occurrence of the expression in this scope"
FRESH = (
    "The expression builds a new object each time: one variable would share one of them {} times"
)
_FRESH = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp,
          cst.Lambda)  # fmt: skip
_TS_FRESH = {"list", "dictionary", "set", "list_comprehension", "set_comprehension",
             "dictionary_comprehension", "generator_expression", "lambda"}  # fmt: skip


def list_offers(view: SourceView, span: Span) -> list[Offer]:
    node = ts_expression(view, span)
    if node is None:
        return []
    if node.type == "identifier":
        return [offer("extract.variable", ALREADY_NAME)]
    if _in_match_header(node):
        return [offer("extract.variable", IN_MATCH)]
    offers = [offer("extract.variable")]
    func = enclosing_function(node)
    if func is not None:
        key = _ts_key(node)
        kinds = {"parenthesized_expression", key.split(b":")[0].decode()}
        same = sum(
            1 for n in walk(func) if n.type in kinds and not _wrapped(n) and _ts_key(n) == key
        )
        if same > 1:
            runs = next((a.type for a in (node, *walk(node)) if a.type in ("yield", "await")), None)
            reason = RUNS_TWICE.format(runs, same) if runs else None
            if any(a.type in _TS_FRESH for a in (node, *walk(node))):
                reason = FRESH.format(same)
            offers.append(
                offer(
                    "extract.variable.all", reason, title=f"Extract variable ({same} occurrences)"
                )
            )
    return offers


def _in_match_header(node) -> bool:
    """In a `match` subject, a `case` pattern or a guard (resolve refuses those)."""
    for a in _up(node):
        if a.type == "block":
            return False
        if a.type in ("case_clause", "match_statement"):
            return True
    return False


def _up(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def _wrapped(node) -> bool:
    """The only thing inside parentheses (which are counted instead)."""
    parent = node.parent
    return (
        parent is not None
        and parent.type == "parenthesized_expression"
        and (parent.named_child_count == 1)
    )


def _ts_key(node) -> bytes:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node.type.encode() + b":" + b"".join((node.text or b"").split())


def compute(source: str, span: Span, view: SourceView | None = None, all_occurrences=False,
            name: str | None = None) -> str:  # fmt: skip
    view = view or SourceView(source)
    ts_node = ts_expression(view, span)
    if ts_node is None:
        raise Refusal(NOT_EXPR)
    target = view.node_span(ts_node)
    chunk = parse_chunk(source, target, view)
    node = cst_expression(chunk, target)
    if isinstance(node, cst.Name) and node.value not in CONSTANTS:
        raise Refusal(ALREADY_NAME)
    stmt = statement_of(chunk, node, elif_ok=not all_occurrences)
    check_order(chunk, stmt, node)
    occurrences = [node]
    if all_occurrences:
        stmt, occurrences = _occurrences(chunk, node, stmt)
    new_name = naming.suggest_name(name, source, naming.unique(_base_name(node), source))
    return _apply(chunk, stmt, occurrences, node, new_name)


def _apply(chunk: Chunk, stmt, occurrences, node, new_name: str) -> str:
    try:
        value = node.with_changes(lpar=[], rpar=[]) if getattr(node, "lpar", None) else node
    except cst.CSTValidationError:  # `()` keeps its parentheses
        value = node
    code = chunk.module.code_for_node(value)
    if "\n" in code or isinstance(value, cst.GeneratorExp):
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    assign = cst.SimpleStatementLine(
        [cst.Assign([cst.AssignTarget(cst.Name(new_name))], value)],
        leading_lines=stmt.leading_lines,
    )
    ids = {id(o) for o in occurrences}

    class Replace(cst.CSTTransformer):
        def on_leave(self, original, updated):
            if id(original) in ids:
                return cst.Name(new_name)
            return updated

    owner = chunk.parents[stmt]
    if isinstance(owner, cst.If) and owner.orelse is stmt:
        # `elif <test>:` becomes `else:` holding the assignment, then `if <test>:` and the
        # rest of the chain: the test is still evaluated only when the earlier ones fail.
        changed = stmt.visit(Replace())
        inner = cst.If(test=changed.test, body=changed.body, orelse=changed.orelse,
                       whitespace_before_test=changed.whitespace_before_test,
                       whitespace_after_test=changed.whitespace_after_test)  # fmt: skip
        block = cst.IndentedBlock([assign.with_changes(leading_lines=[]), inner])
        new_else = cst.Else(block, leading_lines=stmt.leading_lines)
        tree = chunk.replace(owner, owner.with_changes(orelse=new_else))
        return chunk.splice(tree)
    k = [id(x) for x in owner.body].index(id(stmt))
    new_owner = owner.visit(Replace())
    body = list(new_owner.body)
    body[k] = body[k].with_changes(leading_lines=[])
    body.insert(k, assign)
    tree = chunk.replace(owner, new_owner.with_changes(body=body))
    return chunk.splice(tree)


def _key(chunk: Chunk, node) -> str | None:
    try:
        return ast.dump(ast.parse(chunk.code(node).strip(), mode="eval"))
    except SyntaxError:
        return None


def _occurrences(chunk: Chunk, node, stmt):
    """The statement to insert before, and the identical expressions it dominates."""
    key = _key(chunk, node)
    scope = chunk.scopes[node]
    found = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, n) -> bool:
            if isinstance(n, type(node)) and chunk.scopes.get(n) is scope and _key(chunk, n) == key:
                try:
                    s = statement_of(chunk, n)
                    check_order(chunk, s, n)
                except Refusal:
                    return True
                found.append((n, s))
                return False
            return True

    chunk.module.visit(Visitor())
    # The earliest statement that dominates the selected occurrence becomes the anchor.
    anchor = stmt
    for _, s in sorted(found, key=lambda f: chunk.start(f[1])):
        if _dominates(chunk, s, stmt):
            anchor = s
            break
    kept = [n for n, s in found if _dominates(chunk, anchor, s)]
    if len(kept) < 2:
        raise Refusal(ONLY_ONE)
    _check_same_value(chunk, node, anchor, kept)
    return anchor, kept


def _dominates(chunk: Chunk, first, later) -> bool:
    """``later`` runs only after ``first`` ran: same statement, or after it in its block."""
    if first is later:
        return True
    owner = chunk.parents.get(first)
    node = later
    while node is not None:
        if chunk.parents.get(node) is owner:
            body = list(owner.body)
            ids = [id(b) for b in body]
            return id(node) in ids and ids.index(id(node)) > ids.index(id(first))
        node = chunk.parents.get(node)
    return False


def _check_same_value(chunk: Chunk, node, anchor, kept) -> None:
    for n in _walk(node):
        if isinstance(n, _FRESH):
            raise Refusal(FRESH.format(len(kept)))
        if isinstance(n, (cst.Yield, cst.Await)):
            word = "await" if isinstance(n, cst.Await) else "yield"
            raise Refusal(RUNS_TWICE.format(word, len(kept)))
        if isinstance(n, cst.Call):
            fname = cst.helpers.get_full_name_for_node(n.func) or "?"
            if fname not in PURE_CALLS:
                raise Refusal(CALLS_TWICE.format(fname, len(kept)))
    start = chunk.start(anchor)
    end = max(chunk.end(k) for k in kept)
    loop_end = end
    for k in kept:
        p = chunk.parents.get(k)
        while p is not None and p is not anchor:
            if isinstance(p, (cst.For, cst.While)) and chunk.start(p) > start:
                loop_end = max(loop_end, chunk.end(p))
            p = chunk.parents.get(p)
    use = usage_of(chunk, chunk.scopes[node])
    read = set(names_in(node))
    for name in read:
        if any(start <= p <= loop_end for p in use.binds.get(name, [])):
            raise Refusal(REBOUND.format(name))
    kept_ids = {id(k) for k in kept}
    for n in _walk_range(chunk, anchor, start, loop_end, kept_ids):
        base = _mutated_base(n)
        if base in read:
            raise Refusal(MUTATED.format(base))


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def _walk_range(chunk, anchor, start, end, skip_ids):
    owner = chunk.parents[anchor]
    for n in _walk(owner):
        if id(n) in skip_ids or n not in chunk.positions:
            continue
        if start <= chunk.start(n) and chunk.end(n) <= end:
            yield n


def _mutated_base(n) -> str | None:
    """The variable a node may mutate: ``x.append(...)``, ``x[i] = ...``, ``f(x)``..."""
    if isinstance(n, cst.Call):
        if isinstance(n.func, cst.Attribute):
            return _root(n.func.value)
        for arg in n.args:
            root = _root(arg.value)
            if root:
                return root
    if isinstance(n, (cst.AssignTarget, cst.AugAssign)):
        t = n.target
        if isinstance(t, (cst.Attribute, cst.Subscript)):
            return _root(t.value)
    if isinstance(n, cst.Del) and isinstance(n.target, (cst.Attribute, cst.Subscript)):
        return _root(n.target.value)
    return None


def _root(expr) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _base_name(node) -> str:
    if isinstance(node, cst.Call):
        fname = cst.helpers.get_full_name_for_node(node.func) or ""
        last = naming.snake(fname.split(".")[-1])
        for prefix in ("get_", "compute_", "make_", "build_", "load_", "read_"):
            if last.startswith(prefix) and len(last) > len(prefix):
                return last[len(prefix) :]
        return f"{last}_result" if last else "result"
    if isinstance(node, cst.Attribute):
        return naming.snake(node.attr.value)
    if isinstance(node, cst.Subscript):
        return "item"
    if isinstance(node, (cst.Comparison, cst.BooleanOperation)) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)
    ):
        return "condition"
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return "text"
    if isinstance(node, (cst.List, cst.ListComp)):
        return "items"
    return "value"
