"""`if c: return True else: return False` becomes `return bool(c)` (or `return c`).

`bool(c)` keeps behaviour for any `c`: it is evaluated once and only its truth value is
returned. The plain condition is returned only where Python already guarantees a bool.
"""

from __future__ import annotations

import re

import libcst as cst

from ..text import Span
from .chunk import parse_chunk
from .model import Offer, Refusal, offer
from .tsview import SourceView, ancestors

NOT_HERE = "Put the cursor on an `if` that returns True in one branch and False in the other"
COMMENTS = "The `if` has comments that the rewrite would drop"
BOOL_REBOUND = "`bool` is rebound in this file"
ELIF = "The `if` has `elif` branches"

_BOOL_BINDING = re.compile(r"^\s*(def|class)\s+bool\b|\bbool\s*(:[^=]*)?=(?!=)|\bimport\b.*\bbool\b",
                           re.MULTILINE)  # fmt: skip


def _ts_return_bool(node) -> bool | None:
    if node is None or node.type != "block" or node.named_child_count != 1:
        return None
    ret = node.named_children[0]
    if ret.type != "return_statement" or ret.named_child_count != 1:
        return None
    value = ret.named_children[0].type
    return {"true": True, "false": False}.get(value)


def list_offer(view: SourceView, span: Span) -> Offer | None:
    node = view.node_at(view.trimmed(span))
    for n in ancestors(node):
        if n.type == "if_statement":
            body = _ts_return_bool(n.child_by_field_name("consequence"))
            alt = n.child_by_field_name("alternative")
            other = None
            if alt is not None and alt.type == "else_clause":
                other = _ts_return_bool(alt.child_by_field_name("body"))
            elif alt is None and n.next_named_sibling is not None:
                sib = n.next_named_sibling
                if sib.type == "return_statement" and sib.named_child_count == 1:
                    other = {"true": True, "false": False}.get(sib.named_children[0].type)
            if body is not None and other is not None and body != other:
                return offer("rewrite.bool-return")
            return None
        if n.type in ("function_definition", "block"):
            if n.type == "function_definition":
                return None
    return None


def _returned_bool(suite) -> bool | None:
    stmts = suite.body if isinstance(suite, cst.IndentedBlock) else None
    if stmts is None or len(stmts) != 1 or not isinstance(stmts[0], cst.SimpleStatementLine):
        return None
    return _bool_of(stmts[0])


def _bool_of(stmt) -> bool | None:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    ret = stmt.body[0]
    if isinstance(ret, cst.Return) and isinstance(ret.value, cst.Name):
        return {"True": True, "False": False}.get(ret.value.value)
    return None


def _is_bool_already(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return True
    if isinstance(test, cst.Comparison) and all(
        isinstance(t.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for t in test.comparisons
    ):
        return True
    return isinstance(test, cst.Call) and cst.helpers.get_full_name_for_node(test.func) in (
        "isinstance", "issubclass", "callable", "bool", "hasattr",
    )  # fmt: skip


def compute(source: str, span: Span, view: SourceView | None = None) -> str:
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    chunk = parse_chunk(source, trimmed, view)
    s = chunk.cpos(trimmed.start)
    target = []

    class Visitor(cst.CSTVisitor):
        def visit_If(self, node: cst.If) -> None:
            if chunk.start(node) <= s <= chunk.end(node):
                target.append(node)

    chunk.module.visit(Visitor())
    target = [t for t in target if _returned_bool(t.body) is not None]
    if not target:
        raise Refusal(NOT_HERE)
    node = target[-1]
    if isinstance(node.orelse, cst.If) or isinstance(chunk.parents.get(node), cst.If):
        raise Refusal(ELIF)
    owner = chunk.parents[node]
    body = list(owner.body)
    k = [id(x) for x in body].index(id(node))
    first = _returned_bool(node.body)
    if isinstance(node.orelse, cst.Else):
        second, drop = _returned_bool(node.orelse.body), 1
    else:
        second = _bool_of(body[k + 1]) if k + 1 < len(body) else None
        drop = 2
    if second is None or second == first:
        raise Refusal(NOT_HERE)
    if "#" in chunk.code(node.with_changes(leading_lines=[])) or (
        drop == 2 and "#" in chunk.code(body[k + 1].with_changes(leading_lines=[]))
    ):
        raise Refusal(COMMENTS)
    test = node.test
    if first and _is_bool_already(test):
        value = test
    elif not first:
        value = cst.UnaryOperation(cst.Not(), _paren_if_needed(test))
    else:
        if _BOOL_BINDING.search(source):
            raise Refusal(BOOL_REBOUND)
        value = cst.Call(cst.Name("bool"), [cst.Arg(test.with_changes(lpar=[], rpar=[]))])
    ret = cst.SimpleStatementLine([cst.Return(value)], leading_lines=node.leading_lines)
    body[k : k + drop] = [ret]
    tree = chunk.replace(owner, owner.with_changes(body=body))
    return chunk.splice(tree)


def _paren_if_needed(test: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(test, (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr)) and not (
        test.lpar
    ):
        return test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return test
