"""`result = []` + `for x in xs: result.append(f(x))` becomes a list comprehension.

Only when the loop does nothing else: no `else`, no other statement, no `break`, the list
is not read inside the loop, and the loop variables are not used after the loop (a
comprehension does not leak them).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ClassScope

from ..text import Span
from . import flow_events, selection_flow
from .chunk import parse_chunk
from .model import Offer, Refusal, offer
from .tsview import SourceView, ancestors, enclosing_function
from .usage import block_statements, bound_names, names_in, usage_of

NOT_HERE = "Put the cursor on a `for` loop that only appends to a list created just before it"
LEAKS = "The loop variable `{}` is used after the loop"
READS_LIST = "The loop reads `{}` while building it"
COMMENTS = "The loop has comments that the rewrite would drop"
CLASS_BODY = "A comprehension in a class body cannot see the class's names"
ASYNC = "Async loops and `await` are not rewritten"
RAISES = (
    "`{}` is read where an exception from the loop is caught: it would not hold the items so far"
)
WALRUS = "The loop assigns a name with `:=`"
UNBOUND = (
    "`{}` may be unassigned here: read inside a comprehension it would raise NameError "
    "instead of UnboundLocalError"
)


def list_offer(view: SourceView, span: Span) -> Offer | None:
    node = view.node_at(view.trimmed(span))
    for n in ancestors(node):
        if n.type == "for_statement":
            return offer("rewrite.comprehension") if _ts_shape(view, n) else None
        if n.type in ("function_definition", "class_definition", "module"):
            return None
    return None


def _ts_shape(view: SourceView, loop) -> bool:
    body = loop.child_by_field_name("body")
    if loop.child_by_field_name("alternative") is not None or body.named_child_count != 1:
        return False
    prev = loop.prev_named_sibling
    if prev is None or prev.type != "expression_statement":
        return False
    text = view.text(prev).replace(" ", "")
    return text.endswith("=[]") and ".append(" in view.text(body)


def _append_of(stmt, target: str):
    """The appended expression when ``stmt`` is exactly ``target.append(expr)``."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    expr = stmt.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return None
    call = expr.value
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == target
        and func.attr.value == "append"
        and len(call.args) == 1
        and not call.args[0].star
        and call.args[0].keyword is None
    ):
        return None
    return call.args[0].value


def compute(source: str, span: Span, view: SourceView | None = None) -> str:
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    at = view.node_at(trimmed)
    # At module level functions anywhere may read the list: the whole module is needed.
    chunk = parse_chunk(source, trimmed, view, whole=at is not None and not enclosing_function(at))
    s = chunk.cpos(trimmed.start)
    loops = []

    class Visitor(cst.CSTVisitor):
        def visit_For(self, node: cst.For) -> None:
            if chunk.start(node) <= s <= chunk.end(node):
                loops.append(node)

    chunk.module.visit(Visitor())
    if not loops:
        raise Refusal(NOT_HERE)
    loop = loops[-1]
    owner = chunk.parents[loop]
    body = list(owner.body)
    k = [id(x) for x in body].index(id(loop))
    init = body[k - 1] if k else None
    target = _list_init(init)
    if target is None or loop.orelse is not None or not isinstance(loop.body, cst.IndentedBlock):
        raise Refusal(NOT_HERE)
    if loop.asynchronous is not None:
        raise Refusal(ASYNC)
    inner = loop.body.body
    cond = None
    if len(inner) == 1 and isinstance(inner[0], cst.If):
        branch = inner[0]
        if branch.orelse is not None or not isinstance(branch.body, cst.IndentedBlock):
            raise Refusal(NOT_HERE)
        if len(branch.body.body) != 1:
            raise Refusal(NOT_HERE)
        cond, inner = branch.test, branch.body.body
    if len(inner) != 1:
        raise Refusal(NOT_HERE)
    value = _append_of(inner[0], target)
    if value is None:
        raise Refusal(NOT_HERE)
    loop_code = chunk.code(loop.with_changes(leading_lines=[]))
    if "#" in loop_code.replace(chunk.code(value), "").replace(chunk.code(loop.iter), ""):
        raise Refusal(COMMENTS)
    if "await" in loop_code or "yield" in loop_code:
        raise Refusal(ASYNC)
    used = (
        set(names_in(value)) | set(names_in(loop.iter)) | (set(names_in(cond)) if cond else set())
    )
    if target in used:
        raise Refusal(READS_LIST.format(target))
    if isinstance(chunk.scopes[loop], ClassScope):
        raise Refusal(CLASS_BODY)
    use = usage_of(chunk, chunk.scopes[loop])
    end = chunk.end(loop)
    for name in bound_names(loop.target):
        if any(p > end for p in use.reads.get(name, [])):
            raise Refusal(LEAKS.format(name))
        if name in use.nested_reads:
            raise Refusal(LEAKS.format(name))
    _check_flow(chunk, loop, init, value, cond, target, set(use.nested_reads))
    comp = cst.ListComp(
        elt=value,
        for_in=cst.CompFor(
            target=loop.target,
            iter=loop.iter,
            ifs=[cst.CompIf(cond)] if cond is not None else [],
        ),
    )
    small = init.body[0].with_changes(value=comp)
    new_init = init.with_changes(body=[small])
    body[k - 1 : k + 1] = [new_init]
    tree = chunk.replace(owner, owner.with_changes(body=body))
    return chunk.splice(tree)


def _check_flow(chunk, loop, init, value, cond, target: str, nested_reads=frozenset()) -> None:
    """The loop variables dead after the loop, the values read assigned, the list not
    needed by an `except` (or, for a global, a function called after it) when the loop
    raises half way."""
    func = chunk.parents.get(loop)
    while func is not None and not isinstance(func, cst.FunctionDef):
        func = chunk.parents.get(func)
    body = chunk.module.body if func is None else block_statements(func.body)
    fl = selection_flow.analyse(body, selection_flow.param_names(func), [init, loop])
    targets = set(bound_names(loop.target))
    for name in sorted(targets):
        if name in fl.live_after or (name not in fl.bound_outside and name in fl.read_outside):
            raise Refusal(LEAKS.format(name))
    if fl.catches_outside and (
        target in fl.live_on_raise or (func is None and target in nested_reads)
    ):
        raise Refusal(RAISES.format(target))
    events: list = []
    for part in (value, cond):
        if part is not None:
            flow_events.expr(part, events)
    if any(kind in ("w", "m") for kind, _ in events):
        raise Refusal(WALRUS)
    for kind, name in events:
        if kind == "r" and name in fl.local and name not in targets:
            if func is not None and name not in fl.assigned_entry:
                raise Refusal(UNBOUND.format(name))


def _list_init(stmt) -> str | None:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    assign = stmt.body[0]
    if (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and isinstance(assign.value, cst.List)
        and not assign.value.elements
    ):
        return assign.targets[0].target.value
    return None
