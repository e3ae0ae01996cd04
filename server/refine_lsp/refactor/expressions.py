"""The expression a selection or cursor designates, and where it may be evaluated earlier.

Hoisting an expression to a new statement keeps behaviour only if it was evaluated exactly
once, unconditionally, and after nothing with side effects in its statement.
"""

from __future__ import annotations

import builtins

import libcst as cst
import tree_sitter
from libcst.metadata import ClassScope

from ..text import Span
from .chunk import Chunk
from .model import Refusal
from .statements import text_between
from .tsview import SourceView, ancestors, walk

IN_LOOP_EXPR = "The expression is inside a {}: it would be evaluated once instead of each time"
SHORT_CIRCUIT = "The expression is only evaluated when the `{}` does not short-circuit"
CHAINED = "The expression is only evaluated when the comparison before it in the chain holds"
CONDITIONAL = "The expression is only evaluated on one branch of a conditional expression"
TARGET = "The selection is assigned to, not an expression that is read"
TARGET_ORDER = "The assigned value is evaluated before this part of the assignment target"
LOOP_CONDITION = "The loop condition is evaluated on every iteration"
ELIF = "An `elif` condition is only evaluated when the earlier conditions are false"
EXCEPT = "Exception types in `except` are only evaluated when an exception is raised"
ASSERT_MESSAGE = "The message of an `assert` is only evaluated when the assertion fails"
ANNOTATION = "Type annotations cannot be extracted into a variable"
SEMICOLON = "Statements before it on the same line (after `;`) would run after it"
ONE_LINE = "The statement shares its line with its `if`/`for`/`def` header"
ORDER = "Something with side effects is evaluated before the expression in this statement"
WALRUS = "The expression contains an assignment expression (`:=`)"
NOT_EXPR = "The selection is not a whole expression"
IN_MATCH = "Expressions in `match` statements are not extracted"
RAISES_FIRST = (
    "An operation evaluated before the expression may raise: hoisting would run the "
    "expression, or its error, first"
)
UNBOUND_FIRST = (
    "`{}` is read before the expression and may be unassigned: its error would come second"
)
ALREADY_NAME = "The expression is already a variable"

TS_EXPRESSIONS = {
    "binary_operator", "boolean_operator", "comparison_operator", "not_operator",
    "unary_operator", "call", "attribute", "subscript", "string", "concatenated_string",
    "integer", "float", "list", "dictionary", "set", "tuple", "parenthesized_expression",
    "conditional_expression", "lambda", "list_comprehension", "set_comprehension",
    "dictionary_comprehension", "generator_expression", "await", "identifier", "true",
    "false", "none", "expression_list", "yield",
}  # fmt: skip
# Calls whose result depends only on their arguments, so evaluating them once is the same.
PURE_CALLS = {"len", "str", "int", "float", "bool", "abs", "repr", "tuple", "frozenset",
              "isinstance", "issubclass", "type", "min", "max", "round", "ord", "chr", "hash"}  # fmt: skip
_COMPS = {
    cst.ListComp: "list comprehension",
    cst.SetComp: "set comprehension",
    cst.DictComp: "dict comprehension",
    cst.GeneratorExp: "generator expression",
    cst.Lambda: "lambda",
}


def ts_expression(view: SourceView, span: Span) -> tree_sitter.Node | None:
    """The tree-sitter expression node the span selects (or the cursor is on)."""
    span = view.trimmed(span)
    s, e = view.point(span.start), view.point(span.end)
    node = view.tree.root_node.descendant_for_point_range(s, e)
    if node is None:
        return None
    if s == e:
        for n in ancestors(node):
            if n.type in TS_EXPRESSIONS and n.type != "identifier":
                return n
            if n.type.endswith("statement") or n.type in ("block", "module"):
                return None
        return None
    if tuple(node.start_point) != s or tuple(node.end_point) != e:
        return None
    while (
        node.parent is not None
        and node.parent.start_byte == node.start_byte
        and (node.parent.end_byte == node.end_byte and node.parent.type in TS_EXPRESSIONS)
    ):
        node = node.parent
    return node if node.type in TS_EXPRESSIONS else None


def cst_expression(chunk: Chunk, span: Span) -> cst.BaseExpression:
    """The libcst node for exactly this span (parentheses around it included)."""
    s, e = chunk.cpos(span.start), chunk.cpos(span.end)
    best = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if node not in chunk.positions:
                return True
            ns, ne = chunk.start(node), chunk.end(node)  # a parent's range may not hold a child's
            if isinstance(node, cst.BaseExpression):
                if (ns, ne) == (s, e) or (
                    getattr(node, "lpar", None) and _only_parens(chunk, (ns, ne), (s, e))
                ):
                    best.append(node)
            return True

    chunk.module.visit(Visitor())
    if not best:
        raise Refusal(NOT_EXPR)
    return best[0]


def _only_parens(chunk: Chunk, node_range, span) -> bool:
    """The node and the span differ only by parentheses around the node."""
    (ns, ne), (s, e) = node_range, span
    before = text_between(chunk, min(ns, s), max(ns, s))
    after = text_between(chunk, min(ne, e), max(ne, e))
    return set(before) <= set("( \t\n\\") and set(after) <= set(") \t\n\\")


def statement_of(chunk: Chunk, node: cst.CSTNode, elif_ok: bool = False) -> cst.BaseStatement:
    """The statement holding ``node``, refusing positions where hoisting changes behaviour.

    With ``elif_ok``, an expression in an `elif` condition gives that `elif` (an ``If`` in its
    parent's ``orelse``): the caller turns it into `else:` holding the assignment and an `if`.
    """
    child, parent = node, chunk.parents.get(node)
    reads = unpacked = False
    # A `yield` is hoisted like a call: in its own statement of the same function it
    # suspends at the same point, once, after nothing with side effects (check_order).
    # A literal has the same value whenever it is evaluated and cannot fail: hoisting it out
    # of a branch, a loop or a condition changes nothing (except past a class scope).
    constant = _constant(node)
    crossed, first_iter = None, None
    while parent is not None:
        if isinstance(parent, cst.CompFor) and child is parent.iter:
            first_iter = chunk.parents.get(parent)  # evaluated once, before the comprehension
        for kind, what in _COMPS.items():
            if isinstance(parent, kind) and parent is not first_iter:
                if not constant:
                    raise Refusal(IN_LOOP_EXPR.format(what))
                crossed = crossed or IN_LOOP_EXPR.format(what)
        if isinstance(parent, cst.BooleanOperation) and child is parent.right and not constant:
            op = "and" if isinstance(parent.operator, cst.And) else "or"
            raise Refusal(SHORT_CIRCUIT.format(op))
        if isinstance(parent, cst.IfExp) and child is not parent.test and not constant:
            raise Refusal(CONDITIONAL)
        if isinstance(parent, cst.ComparisonTarget) and child is parent.comparator:
            chain = chunk.parents.get(parent)
            if chain is not None and parent is not chain.comparisons[0] and not constant:
                raise Refusal(CHAINED)  # `a < b < c` evaluates `c` only where `a < b`
        if isinstance(parent, (cst.Attribute, cst.Subscript, cst.Call)) and child is not getattr(
            parent, "attr", None
        ):
            reads = True  # `a` in `a.b = 1` or `a[i] = 1` is read, not assigned
        if reads and isinstance(parent, (cst.Tuple, cst.List, cst.StarredElement)):
            unpacked = True  # other targets may be assigned before this part is evaluated
        if _is_target(parent, child):
            if unpacked:
                raise Refusal(TARGET_ORDER)
            if not reads or isinstance(parent, (cst.AsName, cst.CompFor, cst.For, cst.NamedExpr)):
                raise Refusal(TARGET)
            if isinstance(parent, cst.AssignTarget):
                parent = chunk.parents[parent]
            if isinstance(parent, (cst.Assign, cst.AnnAssign)) and (
                _has_effects(parent.value)
                or (isinstance(parent, cst.Assign) and parent.targets[0].target is not child)
            ):
                raise Refusal(TARGET_ORDER)
        if isinstance(parent, cst.Annotation):
            raise Refusal(ANNOTATION)
        if isinstance(parent, cst.While) and child is parent.test and not constant:
            raise Refusal(LOOP_CONDITION)
        if isinstance(parent, cst.ExceptHandler):
            raise Refusal(EXCEPT)
        if isinstance(parent, cst.Assert) and child is parent.msg and not constant:
            raise Refusal(ASSERT_MESSAGE)
        if isinstance(parent, (cst.Match, cst.MatchCase)):
            raise Refusal(IN_MATCH)
        if isinstance(parent, cst.SimpleStatementLine) and child is not parent.body[0]:
            raise Refusal(SEMICOLON)
        if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if isinstance(parent, cst.If) and isinstance(chunk.parents.get(parent), cst.If):
                if not constant:
                    if elif_ok and child is parent.test:
                        return parent
                    raise Refusal(ELIF)
                child, parent = parent, chunk.parents.get(parent)
                continue  # the assignment goes before the whole `if`/`elif` chain
            if isinstance(chunk.parents.get(parent), cst.SimpleStatementSuite) or isinstance(
                parent, cst.SimpleStatementSuite
            ):
                raise Refusal(ONE_LINE)
            if crossed and isinstance(chunk.scopes.get(parent), ClassScope):
                raise Refusal(crossed)  # comprehensions and lambdas do not see class names
            return parent
        if isinstance(parent, cst.SimpleStatementSuite):
            raise Refusal(ONE_LINE)
        child, parent = parent, chunk.parents.get(parent)
    raise Refusal(NOT_EXPR)


def _is_target(parent, child) -> bool:
    """``child`` is (part of) what ``parent`` assigns or deletes."""
    if isinstance(parent, (cst.AssignTarget, cst.AsName, cst.Del)):
        return True
    if isinstance(parent, cst.CompFor):
        return child is parent.target
    return (
        isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.NamedExpr, cst.For))
        and child is parent.target
    )


def _has_effects(value) -> bool:
    return value is not None and bool(side_effects(value))


def _up(chunk: Chunk, node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def side_effects(node: cst.CSTNode) -> list[cst.CSTNode]:
    return [
        n
        for n in _up(None, node)
        if isinstance(n, (cst.Await, cst.Yield, cst.NamedExpr))
        or (
            isinstance(n, cst.Call) and cst.helpers.get_full_name_for_node(n.func) not in PURE_CALLS
        )
    ]


def check_order(
    chunk: Chunk, stmt: cst.CSTNode, node: cst.CSTNode, moved=None, fails: bool = False
) -> None:
    """Refuse when anything with side effects runs before ``node`` in its statement.

    ``moved`` is the code that will run where ``node`` is evaluated (inline's value);
    ``fails`` says it may raise although it looks harmless (a name maybe unbound)."""
    moved = node if moved is None else moved
    if any(isinstance(n, cst.NamedExpr) for n in _up(chunk, node)):
        raise Refusal(WALRUS)
    if _inert(moved):
        return  # its value cannot depend on what ran before it
    ancestors_ = set()
    p = chunk.parents.get(node)
    while p is not None and p is not stmt:
        ancestors_.add(id(p))
        p = chunk.parents.get(p)
    start = chunk.start(node)
    header = _header_parts(stmt)
    for part in header:
        for n in side_effects(part):
            if id(n) in ancestors_ or n is node:
                continue
            if n in chunk.positions and chunk.end(n) <= start:
                raise Refusal(ORDER)
    _check_failing_reads(chunk, stmt, header, ancestors_, start)
    if fails or _may_fail(moved):
        # An earlier copy of the same expression fails first in the same way.
        same = {id(x) for part in header for n in _up(chunk, part) if n is not node
                and n.deep_equals(moved) for x in _up(chunk, n)}  # fmt: skip
        for part in header:
            for n in _up(chunk, part):
                if isinstance(n, _FAILING) and id(n) not in ancestors_ and n is not node:
                    if id(n) in same:
                        continue
                    if n in chunk.positions and chunk.end(n) <= start:
                        if _runs_first(chunk, n, stmt, ancestors_):
                            raise Refusal(RAISES_FIRST)


_FAILING = (cst.BinaryOperation, cst.Subscript, cst.UnaryOperation, cst.Comparison, cst.Call,
            cst.Attribute)  # fmt: skip


def _runs_first(chunk: Chunk, n, stmt, ancestors_) -> bool:
    """``n`` comes first in the text; is it evaluated first? Not in a lambda body, nor in a
    comprehension whose first iterable holds the expression (that runs before the rest)."""
    child, p = n, chunk.parents.get(n)
    while p is not None and p is not stmt:
        if isinstance(p, cst.Lambda) and child is not p.params:
            return False  # its body runs later; its defaults run where it is created
        if isinstance(p, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            if id(p) in ancestors_:
                return False
        child, p = p, chunk.parents.get(p)
    return True


def _may_fail(node) -> bool:
    """Evaluating it may raise or run code: anything but literals and names in displays."""
    for n in _up(None, node):
        if not isinstance(n, (cst.Name, cst.Tuple, cst.List, cst.Element, cst.SimpleString,
                              cst.Integer, cst.Float, cst.Comma, cst.LeftParen, cst.RightParen,
                              cst.LeftSquareBracket, cst.RightSquareBracket,
                              cst.BaseParenthesizableWhitespace)):  # fmt: skip
            return True
    return False


def _loads(node):
    """Names read when the statement starts (targets are assigned after the value; a lambda
    body runs later)."""
    if isinstance(node, cst.Name):
        yield node
        return
    if isinstance(node, cst.Lambda):  # the defaults are evaluated where it is created
        params = node.params
        for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if p.default is not None:
                yield from _loads(p.default)
        return
    if isinstance(node, (cst.AssignTarget, cst.Annotation, cst.BaseSuite)):
        return
    if isinstance(node, cst.Attribute):
        yield from _loads(node.value)
        return
    if isinstance(node, cst.Arg):
        yield from _loads(node.value)
        return
    if isinstance(node, cst.NamedExpr):
        yield from _loads(node.value)
        return
    if isinstance(node, (cst.For, cst.CompFor)):
        yield from _loads(node.iter)
        if isinstance(node, cst.CompFor):
            return
        return
    for child in node.children:
        yield from _loads(child)


def _check_failing_reads(chunk: Chunk, stmt, header, ancestors_, start) -> None:
    """A local read before the expression that may be unassigned raises first: hoisting
    the expression would run it (and its own failures) before that error."""
    before = []
    for part in header:
        for n in _loads(part):
            if n in chunk.positions and chunk.end(n) <= start and id(n) not in ancestors_:
                if _runs_first(chunk, n, stmt, ancestors_):
                    before.append(n.value)
    for name in maybe_unbound(chunk, stmt, before):
        raise Refusal(UNBOUND_FIRST.format(name))


def maybe_unbound(chunk: Chunk, stmt, names) -> list[str]:
    """Of ``names`` read in ``stmt``, those that may be unbound there: a local not assigned
    on every path to it, a global the module does not bind unconditionally (NameError)."""
    if not names:
        return []
    from .flow import Graph
    from .selection_flow import param_names
    from .usage import block_statements

    func = chunk.parents.get(stmt)
    while func is not None and not isinstance(func, (cst.FunctionDef, cst.ClassDef)):
        func = chunk.parents.get(func)
    if isinstance(func, cst.ClassDef):
        # A class body: its own names where it assigns them on every path before the
        # statement; the others are read where the `class` statement runs.
        g = Graph(block_statements(func.body))
        entry = g.stmt_entry.get(id(stmt))
        must = g.assigned(must=True)[entry] if entry is not None else None
        if must is None:
            return [] if entry is not None else list(names)  # unreachable / not found
        own = {n for b in g.blocks for k, n in b.events if k in "wmd"}
        rest = [n for n in names if n not in own]
        return [n for n in names if n in own and n not in must] + maybe_unbound(chunk, func, rest)
    g = Graph(chunk.module.body if func is None else block_statements(func.body),
              param_names(func))  # fmt: skip
    entry = g.stmt_entry.get(id(stmt))
    if entry is None:
        return []
    must = g.assigned(must=True)[entry]
    if must is None:
        return []  # unreachable
    local = set(param_names(func)) | {n for b in g.blocks for k, n in b.events if k in "wmd"}
    out = [n for n in names if n in local and n not in must]
    unknown = [n for n in names if n not in local and n not in _BUILTINS]
    if unknown:
        defined = _module_names(chunk.source)
        out += [n for n in unknown if defined is not None and n not in defined]
    return out


_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__spec__",
                                        "__loader__", "__package__", "__builtins__"}  # fmt: skip


def _target_words(node) -> set[str]:
    """Identifiers a target binds (not the object of an attribute or subscript); for imports
    every identifier, an over-approximation."""
    if node.type == "identifier":
        return {node.text.decode()}
    if node.type in ("attribute", "subscript"):
        return set()
    out: set[str] = set()
    for c in node.named_children:
        out |= _target_words(c)
    return out


def _module_names(source: str) -> set[str] | None:
    """Names the module binds unconditionally at top level (a def, class, import or
    assignment that is not inside an `if`, `try`, loop...) or that a `global` statement
    declares; None when a star import may bind anything."""
    root = SourceView(source).tree.root_node
    names: set[str] = set()
    for node in root.named_children:
        if node.type == "decorated_definition":
            node = node.child_by_field_name("definition")
        if node.type in ("function_definition", "class_definition"):
            names.add(node.child_by_field_name("name").text.decode())
        elif node.type in ("import_statement", "import_from_statement"):
            names |= _target_words(node)
        elif node.type == "expression_statement":
            for c in node.named_children:
                while c is not None and c.type in ("assignment", "augmented_assignment"):
                    names |= _target_words(c.child_by_field_name("left"))
                    c = c.child_by_field_name("right")
    for node in walk(root):
        if node.type == "global_statement":
            names.update(c.text.decode() for c in node.named_children)
        elif node.type == "wildcard_import":
            return None
    return names


def _constant(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    if isinstance(node, cst.ConcatenatedString):
        return _constant(node.left) and _constant(node.right)
    if isinstance(node, cst.Tuple):
        return all(isinstance(e, cst.Element) and _constant(e.value) for e in node.elements)
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis))


def _inert(node: cst.CSTNode) -> bool:
    """Evaluating it reads no variable: a literal, or a lambda without defaults (its body
    runs only when called)."""
    if isinstance(node, cst.Lambda):
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        return all(p.default is None for p in every)
    return _constant(node)


def _header_parts(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of a statement evaluated when it starts (not nested bodies)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return list(stmt.body)
    return [c for c in stmt.children if not isinstance(c, (cst.BaseSuite, cst.BaseStatement))]
