"""Deterministic repair: libcst mutation templates applied inside one function.

Each template turns one node into a nearby alternative (an operator, a constant, a name, an
argument order...). The function is cut out of the file, mutated as its own small module
and spliced back, so the rest of the file stays byte-identical and large files stay cheap.
Every mutant compiles; whether it is a fix is for the verifiers to say.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .target import Target

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


@dataclass(frozen=True)
class Mutant:
    source: str  # the whole file with the mutation applied
    template: str
    line: int  # zero-based line of the mutated node in the file
    description: str
    size: int  # characters changed: the smaller, the closer to the original


class _Replace(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode, replacement):
        self.target = target
        self.replacement = replacement

    def on_leave(self, original_node, updated_node):
        if original_node is self.target:
            return self.replacement
        return updated_node


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


class _Sites(cst.CSTVisitor):
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


def _locals(fn: cst.FunctionDef) -> list[str]:
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


def _size(old: str, new: str) -> int:
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    return max(len(old) - p - s, len(new) - p - s)


def _split(source: str, target: Target) -> tuple[str, str, str, str]:
    lines = source.splitlines(keepends=True)
    before = "".join(lines[: target.start_line])
    func = "".join(lines[target.start_line : target.end_line + 1])
    after = "".join(lines[target.end_line + 1 :])
    first = lines[target.start_line]
    indent = first[: len(first) - len(first.lstrip())]
    if func and not func.endswith("\n"):
        func += "\n"  # the file ended without a newline; splicing adds one
    return before, textwrap.dedent(func), after, indent


def mutants(source: str, target: Target, lines: Iterable[int] | None = None) -> list[Mutant]:
    """Every single-template mutant of ``target`` whose mutated node starts on one of ``lines``.

    ``lines`` are zero-based lines of the file; None means the whole function.
    """
    before, func, after, indent = _split(source, target)
    try:
        module = cst.parse_module(func)
    except cst.ParserSyntaxError:
        return []
    wrapper = MetadataWrapper(module)
    fn = next((s for s in wrapper.module.body if isinstance(s, cst.FunctionDef)), None)
    if fn is None:
        return []
    rel_lines = None if lines is None else {ln - target.start_line for ln in lines}
    sites = _Sites(rel_lines, _locals(fn))
    wrapper.visit(sites)
    seen = {func}
    out = []
    for node, line, template, replacement in sites.sites:
        try:
            new_func = wrapper.module.visit(_Replace(node, replacement)).code
        except Exception:  # noqa: BLE001 - an invalid tree (e.g. an emptied block)
            continue
        if new_func in seen:
            continue
        seen.add(new_func)
        try:
            compile(new_func, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        desc = _describe(wrapper.module, node, replacement)
        new_source = before + textwrap.indent(new_func, indent) + after
        out.append(
            Mutant(
                new_source,
                template,
                line + target.start_line,
                f"line {line + target.start_line + 1}: {desc}",
                _size(func, new_func),
            )
        )
    return out


def _describe(module: cst.Module, node, replacement) -> str:
    def short(n) -> str:
        text = module.code_for_node(n).strip().splitlines()
        one = text[0] if text else ""
        return one if len(one) <= 60 else one[:57] + "..."

    if isinstance(replacement, cst.RemovalSentinel):
        return f"delete `{short(node)}`"
    return f"`{short(node)}` -> `{short(replacement)}`"


def add_return_mutants(source: str, target: Target) -> list[Mutant]:
    """``return <local>`` appended to a function whose last statement does not return."""
    before, func, after, indent = _split(source, target)
    try:
        module = cst.parse_module(func)
    except cst.ParserSyntaxError:
        return []
    fn = next((s for s in module.body if isinstance(s, cst.FunctionDef)), None)
    if fn is None or not isinstance(fn.body, cst.IndentedBlock) or not fn.body.body:
        return []
    last = fn.body.body[-1]
    if isinstance(last, cst.SimpleStatementLine) and isinstance(
        last.body[0], (cst.Return, cst.Raise)
    ):
        return []
    out = []
    for name in _locals(fn):
        ret = cst.SimpleStatementLine([cst.Return(cst.Name(name))])
        new_fn = fn.with_changes(body=fn.body.with_changes(body=[*fn.body.body, ret]))
        new_func = module.with_changes(body=[new_fn if s is fn else s for s in module.body]).code
        out.append(
            Mutant(
                before + textwrap.indent(new_func, indent) + after,
                "add-return",
                target.end_line,
                f"line {target.end_line + 1}: add `return {name}`",
                _size(func, new_func),
            )
        )
    return out
