"""Parentheses an expression needs when it replaces a name in a given context."""

from __future__ import annotations

import libcst as cst

ATOM = 16
_BINARY = {
    cst.BitOr: 6, cst.BitXor: 7, cst.BitAnd: 8, cst.LeftShift: 9, cst.RightShift: 9,
    cst.Add: 10, cst.Subtract: 10, cst.Multiply: 11, cst.MatrixMultiply: 11, cst.Divide: 11,
    cst.FloorDivide: 11, cst.Modulo: 11, cst.Power: 13,
}  # fmt: skip


def precedence(node: cst.CSTNode) -> int:
    if getattr(node, "lpar", None):
        return ATOM
    if isinstance(node, cst.Lambda):
        return 0
    if isinstance(node, cst.IfExp):
        return 1
    if isinstance(node, cst.BooleanOperation):
        return 2 if isinstance(node.operator, cst.Or) else 3
    if isinstance(node, cst.UnaryOperation):
        return 4 if isinstance(node.operator, cst.Not) else 12
    if isinstance(node, cst.Comparison):
        return 5
    if isinstance(node, cst.BinaryOperation):
        return _BINARY[type(node.operator)]
    if isinstance(node, cst.Await):
        return 14
    if isinstance(node, (cst.Tuple, cst.NamedExpr, cst.Yield, cst.StarredElement)):
        return -1
    return ATOM


def needs_parens(value: cst.BaseExpression, parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    """Whether ``value`` put where ``child`` is (under ``parent``) needs parentheses."""
    vp = precedence(value)
    if isinstance(value, cst.Integer) and isinstance(parent, cst.Attribute):
        return True  # `1.real` is a float literal followed by a name
    if isinstance(value, cst.GeneratorExp) and not value.lpar:
        return True
    if vp == ATOM:
        return False
    if isinstance(parent, (cst.Attribute, cst.Subscript)) and child is parent.value:
        return True
    if isinstance(parent, cst.Call) and child is parent.func:
        return True
    if isinstance(parent, cst.BinaryOperation):
        pp = precedence(parent.with_changes(lpar=[], rpar=[]))
        if vp != pp:
            return vp < pp
        if isinstance(parent.operator, cst.Power):
            return child is parent.left
        return child is not parent.left
    if isinstance(parent, cst.BooleanOperation):
        pp = precedence(parent.with_changes(lpar=[], rpar=[]))
        return vp < pp or (vp == pp and child is not parent.left)
    if isinstance(parent, cst.UnaryOperation):
        return vp < precedence(parent.with_changes(lpar=[], rpar=[]))
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
        return vp <= 5
    if isinstance(parent, cst.IfExp):
        return vp <= 1 and not (child is parent.orelse and isinstance(value, cst.IfExp))
    if isinstance(parent, cst.Await):
        return True
    if isinstance(parent, cst.Lambda):
        return vp < 0
    if vp < 0:  # tuples, walrus: only where a bare tuple is the whole value
        loose = (cst.Assign, cst.AnnAssign, cst.Return, cst.Expr, cst.Index)
        return not (isinstance(parent, loose) and child is getattr(parent, "value", None))
    if isinstance(parent, cst.DictElement) or isinstance(parent, cst.FormattedStringExpression):
        return vp <= 1
    loose = (
        cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Expr, cst.Index, cst.Arg,
        cst.Element, cst.If, cst.While, cst.Assert, cst.For, cst.WithItem, cst.Slice,
    )  # fmt: skip
    if isinstance(parent, cst.Arg) and parent.star:
        return True
    if isinstance(parent, cst.Slice):
        return vp <= 1
    return not isinstance(parent, loose)


def wrap(value: cst.BaseExpression, parent: cst.CSTNode, child: cst.CSTNode):
    if needs_parens(value, parent, child):
        return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return value
