"""Reads and writes of names in evaluation order, per statement part (for flow analysis).

An event is ``(kind, name)``: ``r`` read, ``w`` write, ``m`` maybe-write (a walrus under a
short circuit or a conditional expression), ``d`` delete, ``x`` an operation that may run
user code. Nested functions, lambdas and
comprehensions contribute the names they read (as reads at the point they are created);
their own locals are left out. Pattern captures of `case` are writes.
"""

from __future__ import annotations

import libcst as cst

from .chunk import descendants

Event = tuple[str, str]
BRANCH = ("c", "")  # what follows may not run (a short circuit, a conditional expression)
EFFECT = ("x", "")  # something that may run user code (a call, an operator, an attribute)
_INERT = (cst.Tuple, cst.List, cst.Set, cst.Dict, cst.Element, cst.DictElement, cst.Integer,
          cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Comma, cst.LeftParen,
          cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
          cst.RightCurlyBrace, cst.Colon, cst.BaseParenthesizableWhitespace, cst.Arg,
          cst.Index, cst.SubscriptElement, cst.Lambda)  # fmt: skip
_TOKENS = (cst.BaseBinaryOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseAugOp,
           cst.AssignEqual, cst.Dot)  # fmt: skip
_COMPS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


def expr(node: cst.CSTNode | None, out: list[Event], cond: bool = False) -> None:
    """Events of an expression, left to right as Python evaluates it."""
    if node is None:
        return
    if isinstance(node, cst.Name):
        out.append(("r", node.value))
    elif isinstance(node, cst.Attribute):
        expr(node.value, out, cond)
    elif isinstance(node, cst.Arg):
        expr(node.value, out, cond)
    elif isinstance(node, cst.NamedExpr):
        expr(node.value, out, cond)
        out.append(("m" if cond else "w", node.target.value))
    elif isinstance(node, cst.BooleanOperation):
        expr(node.left, out, cond)
        out.append(BRANCH)
        expr(node.right, out, True)
    elif isinstance(node, cst.IfExp):
        expr(node.test, out, cond)
        out.append(BRANCH)
        expr(node.body, out, True)
        expr(node.orelse, out, True)
    elif isinstance(node, cst.Lambda):
        _params(node.params, out)
        local = _param_names(node.params)
        _later(out, [("r", n) for n in free_reads(node.body) if n not in local])
    elif isinstance(node, _COMPS):
        _comprehension(node, out)
    elif isinstance(node, _TOKENS):
        return  # an operator token: what it does comes with the node around it
    else:
        for child in node.children:
            expr(child, out, cond)
        if not isinstance(node, _INERT):
            out.append(EFFECT)  # after the operands: `a + b` reads both, then adds
        return
    if isinstance(node, (cst.Attribute, cst.NamedExpr, cst.BooleanOperation, cst.IfExp)):
        out.append(EFFECT)
    elif isinstance(node, _COMPS):
        out.append(EFFECT)


def _comprehension(node, out: list[Event]) -> None:
    fors = []
    f = node.for_in
    while f is not None:
        fors.append(f)
        f = f.inner_for_in
    expr(fors[0].iter, out)  # the first iterable is evaluated in the enclosing scope
    local: set[str] = set()
    for f in fors:
        local.update(target_names(f.target))
    parts = [x for f in fors[1:] for x in (f.iter,)] + [c.test for f in fors for c in f.ifs]
    parts += [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
    per_element: list[Event] = []  # run once per element, maybe never
    for part in parts:
        inner: list[Event] = []
        expr(part, inner, True)
        for kind, name in inner:
            if kind == "r" and name not in local:
                per_element.append(("r", name))
            elif kind in ("w", "m"):  # a walrus in a comprehension binds in the enclosing scope
                per_element.append(("m", name))
    _later(out, per_element)


def _later(out: list[Event], events: list[Event]) -> None:
    """Events that may happen later or never (a lambda's body, a comprehension's elements):
    after them nothing counts as evaluated first."""
    if events:
        out.append(BRANCH)
        out.extend(events)


def _params(params: cst.Parameters, out: list[Event]) -> None:
    """Defaults (evaluated where the function is created)."""
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for p in every:
        expr(p.default, out)


def _param_names(params: cst.Parameters) -> set[str]:
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return {p.name.value for p in every}


def free_reads(node: cst.CSTNode) -> list[str]:
    """Every name loaded anywhere under ``node`` (an over-approximation of free names): an
    attribute's name and a keyword argument's are not loads."""
    found: list[str] = []
    not_loads: set[int] = set()
    for n in descendants(node):
        t = type(n)  # exact types: isinstance against libcst's ABCs is slow
        if t is cst.Name:
            if id(n) not in not_loads:
                found.append(n.value)
        elif t is cst.Attribute:
            not_loads.add(id(n.attr))
        elif t is cst.Arg and n.keyword is not None:
            not_loads.add(id(n.keyword))
    return found


def target(node: cst.CSTNode, out: list[Event]) -> None:
    """Events of an assignment target: subscripts and attributes read, names written."""
    if isinstance(node, cst.Name):
        out.append(("w", node.value))
    elif isinstance(node, (cst.Tuple, cst.List)):
        for el in node.elements:
            target(el.value, out)
    elif isinstance(node, cst.StarredElement):
        target(node.value, out)
    elif isinstance(node, cst.Attribute):
        expr(node.value, out)
    elif isinstance(node, cst.Subscript):
        expr(node.value, out)
        for s in node.slice:
            expr(s, out)
    else:
        expr(node, out)


def target_names(node: cst.CSTNode) -> list[str]:
    out: list[Event] = []
    target(node, out)
    return [n for k, n in out if k == "w"]


def pattern(node: cst.MatchPattern, out: list[Event]) -> None:
    """Events of a `case` pattern: value patterns and classes read, captures written."""
    if isinstance(node, cst.MatchAs):
        if node.pattern is not None:
            pattern(node.pattern, out)
        if node.name is not None:
            out.append(("w", node.name.value))
    elif isinstance(node, cst.MatchStar):
        if node.name is not None:
            out.append(("w", node.name.value))
    elif isinstance(node, cst.MatchValue):
        expr(node.value, out)
    elif isinstance(node, (cst.MatchList, cst.MatchTuple)):
        for el in node.patterns:
            pattern(el if isinstance(el, cst.MatchStar) else el.value, out)
    elif isinstance(node, cst.MatchMapping):
        for el in node.elements:
            expr(el.key, out)
            pattern(el.pattern, out)
        if node.rest is not None:
            out.append(("w", node.rest.value))
    elif isinstance(node, cst.MatchClass):
        expr(node.cls, out)
        for el in node.patterns:
            pattern(el.value, out)
        for kw in node.kwds:
            pattern(kw.pattern, out)
    elif isinstance(node, cst.MatchOr):
        for alt in node.patterns:
            pattern(alt.pattern, out)


def pattern_captures(node: cst.MatchPattern) -> list[str]:
    out: list[Event] = []
    pattern(node, out)
    return [n for k, n in out if k == "w"]


def irrefutable(node: cst.MatchPattern) -> bool:
    """`case x:` / `case _:` (and `as`/`|` forms of them) match anything."""
    if isinstance(node, cst.MatchAs):
        return node.pattern is None or irrefutable(node.pattern)
    if isinstance(node, cst.MatchOr):
        return any(irrefutable(a.pattern) for a in node.patterns)
    return False


def small(node: cst.BaseSmallStatement, out: list[Event]) -> None:
    """Events of one simple statement (control transfer is the graph's business)."""
    if isinstance(node, cst.Assign):
        expr(node.value, out)
        for t in node.targets:
            target(t.target, out)
    elif isinstance(node, cst.AugAssign):
        if isinstance(node.target, cst.Name):
            out.append(("r", node.target.value))
            expr(node.value, out)
            out.append(("w", node.target.value))
        else:
            target(node.target, out)
            expr(node.value, out)
    elif isinstance(node, cst.AnnAssign):
        if node.value is not None:
            expr(node.value, out)
            target(node.target, out)
    elif isinstance(node, cst.Del):
        _delete(node.target, out)
    elif isinstance(node, cst.Import):
        for alias in node.names:
            out.append(("w", _alias_name(alias)))
    elif isinstance(node, cst.ImportFrom):
        if not isinstance(node.names, cst.ImportStar):
            out.extend(("w", _alias_name(a)) for a in node.names)
    elif isinstance(node, (cst.Global, cst.Nonlocal, cst.Pass, cst.Break, cst.Continue)):
        pass
    elif isinstance(node, cst.Return):
        expr(node.value, out)
    elif isinstance(node, cst.Raise):
        expr(node.exc, out)
        expr(node.cause, out)
    elif isinstance(node, cst.Assert):
        expr(node.test, out)
        expr(node.msg, out, True)
    elif isinstance(node, cst.Expr):
        expr(node.value, out)
    else:
        for child in node.children:
            expr(child, out)


def _delete(node, out: list[Event]) -> None:
    if isinstance(node, cst.Name):
        out.append(("r", node.value))
        out.append(("d", node.value))
    elif isinstance(node, (cst.Tuple, cst.List)):
        for el in node.elements:
            _delete(el.value, out)
    else:
        target(node, out)


def _alias_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value
    return cst.helpers.get_full_name_for_node(alias.name).split(".")[0]


def definition(node: cst.FunctionDef | cst.ClassDef, out: list[Event]) -> None:
    """A `def`/`class` statement: decorators, defaults, bases, then the name is bound."""
    for d in node.decorators:
        expr(d.decorator, out)
    if isinstance(node, cst.FunctionDef):
        _params(node.params, out)
        local = _param_names(node.params)
        _later(out, [("r", n) for n in free_reads(node.body) if n not in local])
    else:
        for a in [*node.bases, *node.keywords]:
            expr(a.value, out)
        # The body runs now, but every name in it counts (its own assignments, its
        # comprehensions' variables): none of them is known to be read first.
        _later(out, [("r", n) for n in free_reads(node.body)])
    out.append(("w", node.name.value))
