"""The mutation templates: for each node of a function, the nearby alternatives to try.

Operators, constants, names, argument order, negation, off-by-one bounds, function names
that are often confused, dropped operands and calls, deleted statements, operator precedence
(an operand that binds tighter regrouped). ``mutate`` applies
them; this module only lists (node, line, template, replacement).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

CMP = {
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
    cst.Equal: "==",
    cst.NotEqual: "!=",
}
CMP_PAIRS = {cst.In: cst.NotIn, cst.NotIn: cst.In, cst.Is: cst.IsNot, cst.IsNot: cst.Is}
ARITH = [
    cst.Add,
    cst.Subtract,
    cst.Multiply,
    cst.Divide,
    cst.FloorDivide,
    cst.Modulo,
    cst.Power,
]
AUG = [
    cst.AddAssign,
    cst.SubtractAssign,
    cst.MultiplyAssign,
    cst.DivideAssign,
    cst.FloorDivideAssign,
    cst.ModuloAssign,
    cst.PowerAssign,
]
NON_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power, cst.Add)
# Functions and methods often confused with each other.
FUNC_GROUPS = [
    ("min", "max"),
    ("lower", "upper", "swapcase"),
    ("startswith", "endswith"),
    ("islower", "isupper"),
    ("isdigit", "isalpha"),
    ("floor", "ceil", "round"),
    ("any", "all"),
    ("append", "extend"),
    ("index", "find"),
    ("strip", "lstrip", "rstrip"),
    ("sorted", "reversed"),
    ("int", "float", "round"),
    ("keys", "values", "items"),
]
# Operators of lower precedence than ``+``: such an operand needs parentheses.
_LOOSE = (cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda, cst.UnaryOperation)


# Binding strength of the binary operators a precedence slip mixes (higher binds tighter).
_LEVEL = {
    cst.BitOr: 1,
    cst.BitXor: 2,
    cst.BitAnd: 3,
    cst.LeftShift: 4,
    cst.RightShift: 4,
    cst.Add: 5,
    cst.Subtract: 5,
    cst.Multiply: 6,
    cst.Divide: 6,
    cst.FloorDivide: 6,
    cst.Modulo: 6,
}


def _op(cls, old):
    kwargs = {}
    for attr in ("whitespace_before", "whitespace_after"):
        if hasattr(old, attr) and attr in cls.__dataclass_fields__:
            kwargs[attr] = getattr(old, attr)
    return cls(**kwargs)


def _paren(e: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(e, _LOOSE) and not e.lpar:
        return e.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return e


def _plus(e: cst.BaseExpression, k: int) -> cst.BaseExpression:
    op = cst.Add() if k > 0 else cst.Subtract()
    return cst.BinaryOperation(_paren(e), op, cst.Integer(str(abs(k))))


class Sites(cst.CSTVisitor):
    """Collects (node, line, template, replacement) for every applicable template."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: set[int] | None, locals_: list[str]):
        self.lines = lines
        self.locals = locals_
        self.sites: list[tuple[cst.CSTNode, int, str, object]] = []
        self.skip_names: set[int] = set()
        self.in_range_args: set[int] = set()

    def on_visit(self, node) -> bool:
        try:
            return super().on_visit(node)
        except Exception:  # noqa: BLE001 - one template failing on odd code must not stop the rest
            return True

    def _line(self, node) -> int:
        return self.get_metadata(PositionProvider, node).start.line - 1

    def _add(self, node, template: str, replacement) -> None:
        line = self._line(node)
        if self.lines is None or line in self.lines:
            self.sites.append((node, line, template, replacement))

    # Names that are not variable reads are never swapped.
    def visit_FunctionDef(self, node):
        self.skip_names.add(id(node.name))

    def visit_Param(self, node):
        self.skip_names.add(id(node.name))

    def visit_Arg(self, node):
        if node.keyword is not None:
            self.skip_names.add(id(node.keyword))

    def visit_Attribute(self, node):
        self.skip_names.add(id(node.attr))

    def visit_Assign(self, node):
        for t in node.targets:
            self.skip_names.add(id(t.target))

    def visit_Comparison(self, node):
        for i, ct in enumerate(node.comparisons):
            kind = type(ct.operator)
            alts = [c for c in CMP if c is not kind] if kind in CMP else []
            if kind in CMP_PAIRS:
                alts = [CMP_PAIRS[kind]]
            for alt in alts:
                new_ct = ct.with_changes(operator=_op(alt, ct.operator))
                comps = list(node.comparisons)
                comps[i] = new_ct
                self._add(node, "cmp-op", node.with_changes(comparisons=comps))
        if len(node.comparisons) == 1:
            ct = node.comparisons[0]
            swapped = node.with_changes(
                left=ct.comparator, comparisons=[ct.with_changes(comparator=node.left)]
            )
            self._add(node, "swap-operands", swapped)
        self._add(node, "negation", cst.UnaryOperation(cst.Not(), _paren(node)))

    def visit_BinaryOperation(self, node):
        kind = type(node.operator)
        if kind in ARITH:
            for alt in ARITH:
                if alt is not kind:
                    new = node.with_changes(operator=_op(alt, node.operator))
                    self._add(node, "arith-op", new)
        if kind in NON_COMMUTATIVE:
            self._add(node, "swap-operands", node.with_changes(left=node.right, right=node.left))
        self._add(node, "drop-operand", node.left.with_changes(lpar=node.lpar, rpar=node.rpar))
        self._add(node, "drop-operand", node.right.with_changes(lpar=node.lpar, rpar=node.rpar))
        if kind is cst.Subtract:
            call = cst.Call(cst.Name("abs"), [cst.Arg(node.with_changes(lpar=[], rpar=[]))])
            self._add(node, "wrap-abs", call)
        if kind in (cst.Add, cst.Subtract) and id(node) not in self.in_range_args:
            for k in (1, -1):
                self._add(node, "off-by-one", _plus(node, k))
        self._regroup(node)

    def _regroup(self, node) -> None:
        """Operator precedence slips (``n - 1 // 2`` meant ``(n - 1) // 2``, ``a * b + c``
        meant ``a * (b + c)``): an unparenthesised operand that binds tighter is regrouped."""
        mine = _LEVEL.get(type(node.operator))
        if mine is None:
            return
        for near, far in (("left", "right"), ("right", "left")):
            inner = getattr(node, far)  # the tighter operand; it gives up its `near` side
            if not isinstance(inner, cst.BinaryOperation) or inner.lpar:
                continue
            if _LEVEL.get(type(inner.operator), 0) <= mine:
                continue
            parts = {near: getattr(node, near), far: getattr(inner, near)}
            grouped = cst.BinaryOperation(parts["left"], node.operator, parts["right"])
            grouped = grouped.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            new = inner.with_changes(**{near: grouped}, lpar=node.lpar, rpar=node.rpar)
            self._add(node, "precedence", new)

    def visit_AugAssign(self, node):
        kind = type(node.operator)
        for alt in AUG:
            if alt is not kind:
                self._add(node, "arith-op", node.with_changes(operator=_op(alt, node.operator)))
        self._add(
            node,
            "aug-to-assign",
            cst.Assign([cst.AssignTarget(node.target)], node.value),
        )

    def visit_BooleanOperation(self, node):
        alt = cst.Or if isinstance(node.operator, cst.And) else cst.And
        self._add(node, "bool-op", node.with_changes(operator=_op(alt, node.operator)))
        self._add(node, "drop-operand", node.left.with_changes(lpar=node.lpar, rpar=node.rpar))
        self._add(node, "drop-operand", node.right.with_changes(lpar=node.lpar, rpar=node.rpar))

    def visit_UnaryOperation(self, node):
        if isinstance(node.operator, (cst.Not, cst.Minus)):
            self._add(
                node, "negation", node.expression.with_changes(lpar=node.lpar, rpar=node.rpar)
            )

    def _negate_test(self, owner, test) -> None:
        if not isinstance(test, (cst.UnaryOperation, cst.Comparison)):
            new = owner.with_changes(test=cst.UnaryOperation(cst.Not(), _paren(test)))
            self._add(owner, "negation", new)

    def visit_While(self, node):
        self._negate_test(node, node.test)

    def visit_IfExp(self, node):
        self._negate_test(node, node.test)
        swapped = node.with_changes(body=node.orelse, orelse=node.body)
        self._add(node, "swap-operands", swapped)

    def visit_Integer(self, node):
        value = node.evaluated_value
        for k in (1, -1, 2, -2):
            new = value + k
            if new >= 0:
                self._add(node, "const", cst.Integer(str(new)))
            else:
                self._add(node, "const", cst.UnaryOperation(cst.Minus(), cst.Integer(str(-new))))
        if value > 2:
            self._add(node, "const", cst.UnaryOperation(cst.Minus(), cst.Integer("1")))

    def visit_Float(self, node):
        value = node.evaluated_value
        for alt in {value + 1, value - 1, value * 2, value / 2, 0.0, 1.0} - {value}:
            if alt >= 0:
                self._add(node, "const", cst.Float(repr(float(alt))))

    def visit_SimpleString(self, node):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - bytes or odd escapes: leave alone
            return
        if not isinstance(value, str) or len(value) > 40:
            return
        alts = {value[:-1], value[1:], value[::-1], value.swapcase(), value.capitalize()}
        alts |= {" "} if value == "" else set()
        alts |= {""} if value.strip() == "" and value else set()
        quote = node.quote if node.prefix == "" else '"'
        for alt in sorted(alts - {value}):
            if quote in alt or "\\" in alt or "\n" in alt:
                continue
            self._add(node, "const-str", cst.SimpleString(f"{quote}{alt}{quote}"))

    def visit_Name(self, node):
        if node.value in ("True", "False"):
            other = "False" if node.value == "True" else "True"
            self._add(node, "const", cst.Name(other))
            return
        if id(node) in self.skip_names or node.value not in self.locals:
            return
        for name in self.locals:
            if name != node.value:
                self._add(node, "swap-var", cst.Name(name))

    def _swap_elements(self, node, items: list, field_name: str, template: str) -> None:
        n = len(items)
        if n < 2 or n > 5:
            return
        for i in range(n):
            for j in range(i + 1, n):
                new = list(items)
                a, b = new[i], new[j]
                new[i] = b.with_changes(comma=a.comma)
                new[j] = a.with_changes(comma=b.comma)
                self._add(node, template, node.with_changes(**{field_name: new}))

    def visit_Tuple(self, node):
        self._swap_elements(node, list(node.elements), "elements", "swap-args")

    def visit_List(self, node):
        self._swap_elements(node, list(node.elements), "elements", "swap-args")

    def visit_Call(self, node):
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) == len(node.args):
            self._swap_elements(node, list(node.args), "args", "swap-args")
        func = node.func
        name = func.value if isinstance(func, cst.Name) else None
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        for group in FUNC_GROUPS:
            if name in group:
                for alt in group:
                    if alt == name:
                        continue
                    if isinstance(func, cst.Name):
                        new_func = cst.Name(alt)
                    else:
                        new_func = func.with_changes(attr=cst.Name(alt))
                    self._add(node, "swap-func", node.with_changes(func=new_func))
        if name == "range":
            for a in node.args:
                self.in_range_args.add(id(a.value))
                if not isinstance(a.value, cst.Integer):
                    for k in (1, -1):
                        new_args = [
                            x.with_changes(value=_plus(x.value, k)) if x is a else x
                            for x in node.args
                        ]
                        self._add(node, "off-by-one", node.with_changes(args=new_args))
            if len(node.args) == 2:
                self._add(node, "drop-arg", node.with_changes(args=[node.args[1]]))
            if len(node.args) == 1:
                args = [cst.Arg(cst.Integer("1")), node.args[0]]
                self._add(node, "drop-arg", node.with_changes(args=args))
        if name in ("sorted", "sort"):
            kws = [a for a in node.args if a.keyword is not None and a.keyword.value == "reverse"]
            if not kws:
                tight = cst.SimpleWhitespace("")
                rev = cst.Arg(
                    cst.Name("True"),
                    keyword=cst.Name("reverse"),
                    equal=cst.AssignEqual(whitespace_before=tight, whitespace_after=tight),
                )
                comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                if node.args:
                    args = [*node.args[:-1], node.args[-1].with_changes(comma=comma), rev]
                else:
                    args = [rev]
                self._add(node, "sort-reverse", node.with_changes(args=args))
        if isinstance(func, cst.Attribute):
            self._add(node, "drop-call", func.value)
        if name in ("list", "set", "sorted", "len", "abs", "str", "int") and len(node.args) == 1:
            self._add(node, "drop-call", node.args[0].value)

    def visit_Subscript(self, node):
        for i, el in enumerate(node.slice):
            sl = el.slice
            if isinstance(sl, cst.Index) and not isinstance(sl.value, cst.Integer):
                for k in (1, -1):
                    new_el = el.with_changes(slice=sl.with_changes(value=_plus(sl.value, k)))
                    new_slice = [*node.slice[:i], new_el, *node.slice[i + 1 :]]
                    self._add(node, "off-by-one", node.with_changes(slice=new_slice))
            elif isinstance(sl, cst.Slice):
                for part in ("lower", "upper"):
                    bound = getattr(sl, part)
                    if bound is None or isinstance(bound, cst.Integer):
                        continue
                    for k in (1, -1):
                        new_sl = sl.with_changes(**{part: _plus(bound, k)})
                        new_slice = [*node.slice[:i], el.with_changes(slice=new_sl)]
                        new_slice += list(node.slice[i + 1 :])
                        self._add(node, "off-by-one", node.with_changes(slice=new_slice))

    def _statement(self, node) -> None:
        self._add(node, "delete-stmt", cst.RemoveFromParent())

    def visit_SimpleStatementLine(self, node):
        body = node.body
        if len(body) == 1 and isinstance(body[0], cst.Expr):
            if isinstance(body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # a docstring
        if not any(isinstance(s, cst.Return) for s in body):
            self._statement(node)

    def visit_If(self, node):
        self._negate_test(node, node.test)
        self._statement(node)

    def visit_For(self, node):
        self._statement(node)


def local_names(fn: cst.FunctionDef) -> list[str]:
    """Parameters and names the function assigns, in order of first appearance."""
    names: list[str] = []

    class V(cst.CSTVisitor):
        def visit_Param(self, node):
            names.append(node.name.value)

        def visit_AssignTarget(self, node):
            for n in _target_names(node.target):
                names.append(n)

        def visit_AugAssign(self, node):
            names.extend(_target_names(node.target))

        def visit_For(self, node):
            names.extend(_target_names(node.target))

        def visit_CompFor(self, node):
            names.extend(_target_names(node.target))

    fn.visit(V())
    return list(dict.fromkeys(names))


def _target_names(node) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for el in node.elements for n in _target_names(el.value)]
    return []
