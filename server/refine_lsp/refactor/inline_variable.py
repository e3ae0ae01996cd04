"""Inline variable: a local assigned once and never rebound is replaced at every use."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import FunctionScope

from ..text import Span
from .chunk import Chunk, parse_chunk
from .expressions import (
    PURE_CALLS,
    _may_fail,
    check_order,
    maybe_unbound,
    side_effects,
    statement_of,
)
from .extract_variable import _mutated_base, _walk
from .model import Offer, Refusal, offer
from .precedence import wrap
from .tsview import SourceView, ancestors, enclosing_function, walk
from .usage import comprehension_walrus, names_in, pattern_names, usage_of

NOT_NAME = "Put the cursor on a variable name"
NOT_LOCAL = "Only local variables of a function can be inlined"
MULTIPLE = "`{}` is assigned more than once"
PARAM = "`{}` is a parameter"
NOT_SIMPLE = "`{}` is not bound by a plain `name = value` assignment"
NEVER_USED = "`{}` is never used"
NESTED = "`{}` is used inside a nested function, lambda, class or comprehension"
USED_BEFORE = "`{}` is used before its assignment"
CONDITIONAL = "`{}` is used where its assignment may not have run"
MULTI_EVAL = "`{}` is used {} times: the expression would be evaluated {} times"
MOVES_CALL = "Inlining would move the call past other code"
MOVES_FAILING = (
    "The value may raise, and code that would run before it may raise or have effects: "
    "which comes first would change"
)
REBOUND = "`{}` is reassigned before `{}` is used"
MUTATED = "`{}` may be modified before `{}` is used"
FSTRING = "The value cannot be placed inside this f-string"
DYNAMIC = "The value contains `yield` or `:=`"
PATTERN = "`{}` is also bound by a `case` pattern"
DELETED = "`{}` is deleted with `del`"

_PLAIN = (cst.Name, cst.Attribute, cst.Subscript, cst.Index, cst.Integer, cst.Float,
          cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.UnaryOperation,
          cst.BinaryOperation, cst.BooleanOperation, cst.Comparison, cst.ComparisonTarget,
          cst.Tuple, cst.Element, cst.Ellipsis, cst.SubscriptElement, cst.Slice,
          cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.Dot,
          cst.LeftParen, cst.RightParen, cst.Comma, cst.LeftSquareBracket,
          cst.RightSquareBracket, cst.Colon)  # fmt: skip


def list_offer(view: SourceView, span: Span) -> Offer | None:
    trimmed = view.trimmed(span)
    node = view.node_at(trimmed)
    if node is None or node.type != "identifier":
        return None
    parent = node.parent
    if parent is not None and parent.type in ("keyword_argument", "attribute"):
        if parent.child_by_field_name("name") == node or (
            parent.type == "attribute" and parent.child_by_field_name("attribute") == node
        ):
            return None
    if parent is not None and parent.type in ("function_definition", "class_definition"):
        return None
    func = enclosing_function(node)
    if func is None:
        return offer("inline.variable", NOT_LOCAL)
    name = node.text
    binds, uses = 0, 0
    for n in walk(func):
        if n.type == "identifier" and n.text == name:
            p = n.parent
            if (
                p.type in ("assignment", "augmented_assignment")
                and p.child_by_field_name("left") == n
            ):
                binds += 1
            elif _in_pattern(n):
                binds += 1  # a `case` capture binds the name again
            elif _ts_deleted(n):
                return offer("inline.variable", DELETED.format(name.decode()))
            elif p.type == "parameters" or p.type.endswith("parameter"):
                return offer("inline.variable", PARAM.format(name.decode()))
            else:
                uses += 1
    if binds != 1:
        # No plain assignment in the function: resolve could only refuse (a global, a
        # builtin, a loop or `with` target), so say so now.
        reason = MULTIPLE if binds else NOT_SIMPLE
        return offer("inline.variable", reason.format(name.decode()))
    if uses == 0:
        return offer("inline.variable", NEVER_USED.format(name.decode()))
    return offer("inline.variable")


def _deleted(chunk: Chunk, ref) -> bool:
    p = chunk.parents.get(ref)
    while isinstance(p, (cst.Tuple, cst.List, cst.Element)):
        p = chunk.parents.get(p)
    return isinstance(p, cst.Del)


def _ts_deleted(node) -> bool:
    p = node.parent
    while p is not None and p.type in (
        "expression_list",
        "tuple",
        "list",
        "parenthesized_expression",
    ):
        p = p.parent
    return p is not None and p.type == "delete_statement"


def _in_pattern(node) -> bool:
    for a in ancestors(node):
        if a.type in ("case_pattern", "as_pattern"):
            return True
        if a.type in ("case_clause", "block", "function_definition"):
            return False
    return False


def compute(source: str, span: Span, view: SourceView | None = None) -> str:
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    ts = view.node_at(trimmed)
    if ts is None or ts.type != "identifier":
        raise Refusal(NOT_NAME)
    where = view.node_span(ts)
    chunk = parse_chunk(source, where, view)
    target = _name_at(chunk, where)
    n = target.value
    scope = _defining_scope(chunk, target)
    if not isinstance(scope, FunctionScope):
        raise Refusal(NOT_LOCAL)
    assignments = [a for a in scope.assignments if a.name == n]
    walrus = [w for w, t in comprehension_walrus(chunk) if t is scope and w.value == n]
    if len(assignments) != 1 or walrus:
        raise Refusal(MULTIPLE.format(n))
    a = assignments[0]
    captures, _ = pattern_names(chunk)
    if any(c.value == n and chunk.scopes.get(c) is scope for c in captures):
        raise Refusal(PATTERN.format(n))
    if isinstance(a.node, cst.Param):
        raise Refusal(PARAM.format(n))
    stmt, small, value = _plain_assignment(chunk, a.node, n)
    refs = [r.node for r in a.references if isinstance(r.node, cst.Name)]
    refs.sort(key=chunk.start)
    if len(refs) != len(a.references):
        raise Refusal(NOT_SIMPLE.format(n))
    if not refs:
        raise Refusal(NEVER_USED.format(n))
    if any(_deleted(chunk, r) for r in refs):
        raise Refusal(DELETED.format(n))
    if any(chunk.scopes.get(r) is not scope for r in refs):
        raise Refusal(NESTED.format(n))
    if any(chunk.start(r) < chunk.end(stmt) for r in refs):
        raise Refusal(USED_BEFORE.format(n))
    if len(scope.accesses[n]) > len(refs):  # a read libcst links to no assignment (it
        raise Refusal(USED_BEFORE.format(n))  # comes first) would turn into a global
    owner = chunk.parents[stmt]
    index = [id(x) for x in owner.body].index(id(stmt))
    tops = [_top_in(chunk, owner, r) for r in refs]
    body_ids = [id(x) for x in owner.body]
    if any(t is None or body_ids.index(id(t)) < index for t in tops):
        raise Refusal(CONDITIONAL.format(n))
    if any(isinstance(x, (cst.Yield, cst.NamedExpr)) for x in _walk(value)):
        raise Refusal(DYNAMIC)
    effects = side_effects(value)
    if len(refs) > 1 and not _plain(value):
        raise Refusal(MULTI_EVAL.format(n, len(refs), len(refs)))
    if effects:
        use_stmt = statement_of(chunk, refs[0])
        if id(tops[0]) not in body_ids or body_ids.index(id(tops[0])) != index + 1:
            raise Refusal(MOVES_CALL)
        if use_stmt is not tops[0]:
            raise Refusal(MOVES_CALL)
        try:
            check_order(chunk, use_stmt, refs[0], moved=value)
        except Refusal:
            raise Refusal(MOVES_CALL) from None
    _check_unchanged(chunk, scope, stmt, value, refs, n)
    failing = _may_fail(value) or maybe_unbound(chunk, stmt, names_in(value))
    if not effects and failing:  # its error would come after what runs before the use
        use_stmt = statement_of(chunk, refs[0])
        between = owner.body[index + 1 : body_ids.index(id(tops[0]))]
        if use_stmt is not tops[0] or not all(_harmless(s) for s in between):
            raise Refusal(MOVES_FAILING)
        try:
            check_order(chunk, use_stmt, refs[0], moved=value, fails=True)
        except Refusal:
            raise Refusal(MOVES_FAILING) from None
    return _apply(chunk, owner, stmt, small, value, refs)


def _name_at(chunk: Chunk, where: Span) -> cst.Name:
    s = chunk.cpos(where.start)
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if chunk.start(node) == s:
                found.append(node)

    chunk.module.visit(Visitor())
    if not found:
        raise Refusal(NOT_NAME)
    return found[0]


def _defining_scope(chunk: Chunk, name: cst.Name):
    scope = chunk.scopes.get(name)
    if scope is None:
        raise Refusal(NOT_LOCAL)
    for acc in scope.accesses:
        if acc.node is name:
            refs = list(acc.referents)
            return refs[0].scope if refs else None
    return scope


def _plain_assignment(chunk: Chunk, node, n: str):
    parent = chunk.parents.get(node)
    small = chunk.parents.get(parent) if isinstance(parent, cst.AssignTarget) else parent
    ok = (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and small.targets[0].target is node
    ) or (isinstance(small, cst.AnnAssign) and small.target is node and small.value is not None)
    if not ok:
        raise Refusal(NOT_SIMPLE.format(n))
    stmt = chunk.parents[small]
    if not isinstance(stmt, cst.SimpleStatementLine) or isinstance(
        chunk.parents.get(stmt), cst.SimpleStatementSuite
    ):
        raise Refusal(NOT_SIMPLE.format(n))
    return stmt, small, small.value


def _top_in(chunk: Chunk, owner, node):
    """The statement of ``owner``'s body that holds ``node``, or None when outside it."""
    while node is not None:
        parent = chunk.parents.get(node)
        if parent is owner:
            return node
        node = parent
    return None


def _harmless(stmt) -> bool:
    """A statement that cannot raise or have effects (assignments of names and literals)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Pass):
            continue
        if not isinstance(small, cst.Assign) or _may_fail(small.value):
            return False
        if not all(isinstance(t.target, cst.Name) for t in small.targets):
            return False
    return True


def _plain(value) -> bool:
    for x in _walk(value):
        if isinstance(x, cst.Call):
            if cst.helpers.get_full_name_for_node(x.func) not in PURE_CALLS:
                return False
        elif not isinstance(x, _PLAIN + (cst.Call, cst.Arg)) and not isinstance(
            x, cst.BaseParenthesizableWhitespace
        ):
            return False
    return True


def _check_unchanged(chunk: Chunk, scope, stmt, value, refs, n: str) -> None:
    """Names the value reads must not be rebound or mutated before each use."""
    start = chunk.end(stmt)
    end = max(chunk.end(r) for r in refs)
    for r in refs:
        p = chunk.parents.get(r)
        while p is not None and p is not chunk.parents[stmt]:
            if isinstance(p, (cst.For, cst.While)):
                end = max(end, chunk.end(p))
            p = chunk.parents.get(p)
    read = set(names_in(value))
    use = usage_of(chunk, scope)
    for name in sorted(read):
        if any(start <= p <= end for p in use.binds.get(name, [])):
            raise Refusal(REBOUND.format(name, n))
    owner = chunk.parents[stmt]
    for x in _walk(owner):
        if x not in chunk.positions or not (start <= chunk.start(x) and chunk.end(x) <= end):
            continue
        base = _mutated_base(x)
        if base in read:
            raise Refusal(MUTATED.format(base, n))


def _apply(chunk: Chunk, owner, stmt, small, value, refs) -> str:
    ids = {id(r) for r in refs}
    bare = value.with_changes(lpar=[], rpar=[]) if _redundant_parens(value) else value
    for r in refs:
        parent = chunk.parents[r]
        if isinstance(parent, cst.FormattedStringExpression):
            code = chunk.code(bare)
            if any(c in code for c in "'\"\\\n{}#"):
                raise Refusal(FSTRING)
    wrapped = {id(r): wrap(bare, chunk.parents[r], r) for r in refs}

    class Inline(cst.CSTTransformer):
        def on_leave(self, original, updated):
            if id(original) in ids:
                return wrapped[id(original)]
            return updated

    new_owner = owner.visit(Inline())
    body = list(new_owner.body)
    k = [id(x) for x in owner.body].index(id(stmt))
    line = body[k]
    if len(stmt.body) > 1:
        keep = [s for s, o in zip(line.body, stmt.body, strict=True) if o is not small]
        keep[-1] = keep[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        body[k] = line.with_changes(body=keep)
    else:
        del body[k]
        if k < len(body):
            body[k] = body[k].with_changes(
                leading_lines=list(stmt.leading_lines) + list(body[k].leading_lines)
            )
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=stmt.leading_lines)]
    tree = chunk.replace(owner, new_owner.with_changes(body=body))
    return chunk.splice(tree)


def _redundant_parens(value) -> bool:
    if "\n" in cst.Module([]).code_for_node(value):
        return False
    return bool(getattr(value, "lpar", None)) and not isinstance(
        value, (cst.Tuple, cst.GeneratorExp, cst.Yield, cst.NamedExpr)
    )
