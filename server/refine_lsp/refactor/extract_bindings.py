"""Parameters and return values of extracted statements, from the flow around them.

A name the selection may read before every path through it assigns it is a parameter (it
must be assigned where the selection starts); a name it assigns is returned when it is live
where the selection falls through, or read by a nested function later. Refused: assignments
an `except` or `finally` outside would miss when the selection raises, names that would
turn global, closures that would capture a copy, deleted names read later.
"""

from __future__ import annotations

import libcst as cst

from . import extract_outer, selection_flow
from .chunk import ChunkTooNarrow, descendants
from .model import Refusal
from .usage import block_statements

MAYBE_UNBOUND = "`{}` is used after the selection but may not be assigned by it"
DELETED = "The selection deletes `{}`, which is used after it"
PARAM_UNBOUND = "`{}` may be unassigned where the selection starts: it cannot be passed"
BECOMES_GLOBAL = (
    "`{}` is read outside the selection where it is never assigned: without the assignment "
    "it would be looked up as a global"
)
CLOSURE_CELL = (
    "A function or lambda in the selection reads `{}`, which is assigned again later: "
    "it would see its own copy"
)
REBOUND = "`{}` may be rebound by a nested function (`nonlocal`) while the selection runs"
SHARED_GLOBAL = (
    "`{}` is a global that a function uses: a call the selection makes would see it "
    "before the new function returns it"
)
SHARED_CELL = (
    "`{}` is read by a nested function defined outside the selection, which a call in the "
    "selection may run: it would see the value before the new function returns it"
)
RAISE_LOSES = (
    "`{}` is assigned in the selection and read where an exception from it is caught: "
    "the assignment would be lost when it raises"
)


def bindings(chunk, func, selected, use, inside, loops, module_level):
    """Parameters and return values, from the flow of the body around the selection."""
    body = chunk.module.body if func is None else block_statements(func.body)
    fl = selection_flow.analyse(body, selection_flow.param_names(func), selected)
    local = fl.local - use.declared
    nested_after = {n for n, ps in use.nested_reads.items() if any(not inside(p) for p in ps)}
    nested_in = {n for n, ps in use.nested_reads.items() if any(inside(p) for p in ps)}
    params: list[str] = []
    outer: list[str] = []
    for n in fl.order:
        if n in use.outer and n not in fl.may_def and n not in local:
            outer.append(n)  # a variable of an enclosing function: the new one cannot see it
            params.append(n)
        elif n in fl.upward and n in local:
            if module_level and n not in fl.may_def:
                continue  # a global the new function reads as it is
            # Passing a maybe-unassigned name raises at the call: the same error, when the
            # selection reads it before anything else happens.
            if n not in fl.maybe_entry and n in fl.may_def:
                continue  # unassigned on every path: the new function's local raises the same
            if n not in fl.assigned_entry and n not in fl.read_first:
                raise Refusal(PARAM_UNBOUND.format(n))
            params.append(n)
    scope = chunk.scopes[selected[0]]
    extract_outer.check(chunk, selected, scope, outer, fl.read_first, fl.effects, fl.reads)
    for n in sorted(nested_in & local):
        rebound = [
            p for p in use.binds.get(n, []) if not inside(p) and p > chunk.start(selected[0])
        ]
        if loops or rebound:
            raise Refusal(CLOSURE_CELL.format(n))
    outputs: list[str] = []
    for n in fl.order:
        if n not in fl.may_def or n not in local or n in fl.deletes:
            continue
        needed = n in fl.live_after or n in nested_after
        if module_level:
            needed = needed or n in fl.must_def or n in use.nested_reads
        if needed:
            outputs.append(n)
    for n in fl.order:
        if n in fl.may_def and n in local and n not in outputs and n not in fl.params_of_body:
            if n not in fl.bound_outside and n in fl.read_outside:
                raise Refusal(BECOMES_GLOBAL.format(n))
    for n in sorted(fl.deletes & fl.live_after):
        raise Refusal(DELETED.format(n))
    if module_level and fl.effects:
        everywhere = global_everywhere(chunk) if "global" in chunk.text else set()
        shared = (set(use.nested_reads) | everywhere) & fl.may_def & local
        if shared:
            raise Refusal(SHARED_GLOBAL.format(sorted(shared)[0]))
    if not module_level and fl.effects:
        # A closure of the enclosing function reads the cell; assigned in the new function's
        # own local instead, a call made in the selection would find it unset or stale.
        shared = nested_after & fl.may_def & local
        if shared:
            raise Refusal(SHARED_CELL.format(sorted(shared)[0]))
    lost = fl.may_def & (fl.live_on_raise | (fl.may_def if module_level else set())) & local
    if fl.catches_outside and lost:
        raise Refusal(RAISE_LOSES.format(sorted(lost)[0]))
    for n in outputs:
        if n in fl.must_def:
            continue
        if n not in fl.assigned_entry:
            raise Refusal(MAYBE_UNBOUND.format(n))
        if n not in params:
            params.append(n)
    if func is not None:
        rebound = (nonlocal_names(func) if "nonlocal" in chunk.text else set()) & set(params)
        if rebound:
            raise Refusal(REBOUND.format(sorted(rebound)[0]))
    if chunk.narrow and len(params) > 1 and chunk.read_before(n for n in params if n in use.outer):
        # Parameters go in the order of their first read, and an enclosing function's
        # variable read in that function before this one comes first: only it knows.
        raise ChunkTooNarrow("the parameters' order depends on the enclosing functions")
    far = (1 << 30, 0)
    params.sort(key=lambda n: min(use.reads.get(n) or [far]))
    outputs.sort(key=lambda n: min([p for p in use.binds.get(n, []) if inside(p)] or [far]))
    return params, outputs


def declared_globals(func, kind=cst.Global) -> set[str]:
    """Names in `global` (or ``kind``) statements of ``func`` itself, not of nested ones."""
    found: set[str] = set()
    if func is None:
        return found
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    for node in descendants(func, lambda n: n is not func and isinstance(n, nested)):
        if isinstance(node, kind):
            found.update(n.name.value for n in node.names)
    return found


def global_everywhere(chunk) -> set[str]:
    """Names some function of the chunk declares `global` (it may assign them)."""
    found: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> None:
            found.update(n.name.value for n in node.names)

    chunk.module.visit(Visitor())
    return found


def nonlocal_names(func) -> set[str]:
    """Names that functions nested in ``func`` (or ``func`` itself) declare `nonlocal`."""
    found: set[str] = set()
    for node in descendants(func.body):
        if isinstance(node, cst.Nonlocal):
            found.update(n.name.value for n in node.names)
    return found
