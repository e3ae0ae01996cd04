"""Repair templates that reach further than one token: statements, conditions, shapes.

``templates.Sites`` changes one operator, name, constant or call. The templates here are the
fix patterns that template-based repair tools (PAR, TBar, the ManySStuBs4J statistics,
Prophet/SPR condition synthesis) found common in real bugs, each listed with the bug class
it covers. They emit the same (node, line, template, replacement) sites ``mutate`` applies;
a few build the replacement statement list of a block (``Block``) rather than one node.

- ``bitwise-op``: ``&``/``|``/``^`` confused, ``<<``/``>>`` confused (operator misuse on
  bit operations; also in augmented assignments).
- ``insert-stmt``: a simple statement copied from elsewhere in the function inserted after a
  loop or at the end of a block (a missing update, append or return after a loop), and a
  missing update of a ``while`` loop's variable (``n -= 1`` and the function's own
  augmented assignments retargeted to it; the infinite or wrong-count loop).
- ``add-else``: an ``if`` whose body is one assignment gains an ``else`` doing the same to
  another local (the uncounted other case: even/odd, positive/negative tallies).
- ``add-cond``: ``c`` -> ``c and d`` / ``c or d`` / ``c and not d`` where ``d`` is another
  condition of the function (a missing guard conjunct, a missing alternative case).
- ``bool-chain``: every ``and`` of a flat chain -> ``or`` and back (a condition that should
  hold for any of its parts, not all).
- ``replace-operand``: an operand replaced by another sub-expression of the same statement
  (the wrong one of two similar expressions: ``ord(ch)`` for ``ord("a")``, ``ans`` for
  ``arr[i]``), a call applied once more to its own result (``f(s)`` -> ``f(f(s))``), a
  literal replaced by another literal of the function of the same type (``'('`` for
  ``'['``: the wrong one from the function's own vocabulary).
- ``drop-term``: the trailing terms of a flat ``+``/``*``/``and``/``or`` chain dropped
  (excess logic: ``x + y + y + x`` -> ``x + y``; one term is drop-operand), an element of a
  literal list, tuple or set dropped (an excess case in a table of values).
- ``wrap``: ``x`` <-> ``[x]``, ``[]`` <-> ``[[]]`` (a value of the wrong nesting), and a
  missing normalisation of a call argument or returned name (``set``, ``sorted``, ``abs``;
  ``s.lower()`` for an argument: a text counted without its case normalised).
- ``slice``: a returned or iterated sequence trimmed at one end (``xs[1:]``, ``xs[:-1]``)
  or cut at a parameter (``arr[:k]``): the first or last element wrongly kept, the first k
  ignored (missing logic at a sequence's ends; value misuse of its bounds).
- ``normalise``: both sides of an ``==``/``!=`` comparison passed through the same
  ``set``/``sorted`` (equal as collections, not as sequences: a missing normalisation).
- ``swap-branches``: the bodies of two adjacent branches of an ``if``/``elif``/``else``
  chain exchanged, and the values of two ``return`` statements exchanged (an inverted
  predicate: ``return True`` in the loop, ``return False`` after it).

Two-site combinations live in ``mutate``: the same edit at every identical site, and pairs of
edits at the most suspicious lines.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

# The templates that reach further than one token: the loop tries them after the one-token
# templates have had their turn at every suspicious line (bitwise-op is one token).
FURTHER = frozenset(
    {
        "insert-stmt",
        "add-else",
        "add-cond",
        "bool-chain",
        "replace-operand",
        "drop-term",
        "wrap",
        "swap-branches",
        "same-edit",
        "slice",
        "normalise",
    }
)
BITWISE = [cst.BitAnd, cst.BitOr, cst.BitXor]
SHIFT = [cst.LeftShift, cst.RightShift]
BITWISE_AUG = [cst.BitAndAssign, cst.BitOrAssign, cst.BitXorAssign]
SHIFT_AUG = [cst.LeftShiftAssign, cst.RightShiftAssign]
WRAP_CALLS = ("set", "sorted", "abs")
_SLICEABLE = (cst.Name, cst.Call, cst.Subscript, cst.ListComp, cst.Attribute)
_NORMALISABLE = (cst.Name, cst.Subscript, cst.Attribute, cst.Call)
MAX_OPERAND_CHARS = 40
MAX_PER_STATEMENT = 16
_TIGHT = cst.SimpleWhitespace("")
_SPACE = cst.SimpleWhitespace(" ")
_LOOSE = (cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda, cst.UnaryOperation)


def _op(cls, old):
    kwargs = {}
    for attr in ("whitespace_before", "whitespace_after"):
        if hasattr(old, attr) and attr in cls.__dataclass_fields__:
            kwargs[attr] = getattr(old, attr)
    return cls(**kwargs)


def _paren(e: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(e, (*_LOOSE, cst.BinaryOperation)) and not e.lpar:
        return e.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return e


def _operand(e: cst.BaseExpression) -> cst.BaseExpression:
    """Parenthesised where it would bind looser than ``and``/``or``."""
    if isinstance(e, (cst.BooleanOperation, cst.IfExp, cst.Lambda)) and not e.lpar:
        return e.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return e


def _bare(e: cst.BaseExpression) -> cst.BaseExpression:
    return e.with_changes(lpar=[], rpar=[]) if hasattr(e, "lpar") else e


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _call(name: str, value: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.Name(name), [cst.Arg(_bare(value))])


def _assigned(node: cst.CSTNode) -> set[str]:
    """Names a subtree assigns (targets of =, op=, for)."""
    out: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            out.update(_names(n.target))

        def visit_AugAssign(self, n):
            out.update(_names(n.target))

        def visit_For(self, n):
            out.update(_names(n.target))

    node.visit(V())
    return out


def _names(node) -> set[str]:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, (cst.Tuple, cst.List)):
        return {n for el in node.elements for n in _names(el.value)}
    return set()


def _read_names(node: cst.CSTNode) -> list[str]:
    out: list[str] = []

    class V(cst.CSTVisitor):
        def visit_Attribute(self, n):
            n.value.visit(self)
            return False

        def visit_Name(self, n):
            out.append(n.value)

    node.visit(V())
    return list(dict.fromkeys(out))


def _chain(node, kind) -> list:
    """The operands of a flat chain of one operator (no parentheses inside)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, kind) and not node.lpar:
        return [*_chain(node.left, kind), node.right]
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, kind):
        if not node.lpar:
            return [*_chain(node.left, kind), node.right]
    return [node]


def _rebuild(operands: list, like) -> cst.BaseExpression:
    out = operands[0]
    for e in operands[1:]:
        out = like.with_changes(left=out, right=e, lpar=[], rpar=[])
    return out


class Block:
    """A replacement for a block's statement list (the transformer swaps ``body``)."""

    def __init__(self, body: list, anchor=None):
        self.body = body
        self.anchor = anchor  # the statement the insertion follows


class FixPatterns(cst.CSTVisitor):
    """Collects (node, line, template, replacement) for the templates of this module."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, fn: cst.FunctionDef, lines: set[int] | None, locals_: list[str]):
        self.fn = fn
        self.lines = lines
        self.locals = locals_
        self.sites: list[tuple[cst.CSTNode, int, str, object]] = []
        self.conditions: list[cst.BaseExpression] = []
        self.literals: dict[type, list[cst.BaseExpression]] = {}
        self.statements: list[cst.SimpleStatementLine] = []
        self.aug_assigns: list[cst.AugAssign] = []
        self.returns: list[cst.Return] = []
        self.counters: list[str] = []  # names assigned a literal (tallies, flags)
        self.params = [p.name.value for p in fn.params.params]
        fn.visit(_Collect(self))

    def on_visit(self, node) -> bool:
        try:
            return super().on_visit(node)
        except Exception:  # noqa: BLE001 - one template failing on odd code must not stop the rest
            return True

    def _line(self, node) -> int:
        return self.get_metadata(PositionProvider, node).start.line - 1

    def _wanted(self, node) -> bool:
        return self.lines is None or self._line(node) in self.lines

    def _add(self, node, template: str, replacement) -> None:
        if self._wanted(node):
            self.sites.append((node, self._line(node), template, replacement))

    # -- operators -----------------------------------------------------------------------
    def visit_BinaryOperation(self, node):
        kind = type(node.operator)
        for group in (BITWISE, SHIFT):
            if kind in group:
                for alt in group:
                    if alt is not kind:
                        new = node.with_changes(operator=_op(alt, node.operator))
                        self._add(node, "bitwise-op", new)
        if kind in (cst.Add, cst.Multiply):
            self._drop_terms(node, kind)

    def visit_AugAssign(self, node):
        kind = type(node.operator)
        for group in (BITWISE_AUG, SHIFT_AUG):
            if kind in group:
                for alt in group:
                    if alt is not kind:
                        new = node.with_changes(operator=_op(alt, node.operator))
                        self._add(node, "bitwise-op", new)

    def _drop_terms(self, node, kind) -> None:
        terms = _chain(node, kind)
        if len(terms) < 3:
            return  # two operands: templates.Sites' drop-operand already covers it
        # One term anywhere is drop-operand on a sub-chain; several at the end are not.
        for k in range(2, len(terms) - 1):
            new = _rebuild(terms[:k], node).with_changes(lpar=node.lpar, rpar=node.rpar)
            self._add(node, "drop-term", new)

    def visit_BooleanOperation(self, node):
        kind = type(node.operator)
        terms = _chain(node, kind)
        if len(terms) >= 3:
            alt = cst.Or if kind is cst.And else cst.And
            flipped = _rebuild(terms, node.with_changes(operator=_op(alt, node.operator)))
            self._add(node, "bool-chain", flipped.with_changes(lpar=node.lpar, rpar=node.rpar))
            self._drop_terms(node, kind)

    # -- literals and operands -------------------------------------------------------------
    def _literal_swaps(self, node) -> None:
        code = code_of(node)
        for other in self.literals.get(type(node), []):
            if code_of(other) != code:
                self._add(node, "replace-operand", other)

    def visit_SimpleString(self, node):
        self._literal_swaps(node)

    def visit_Integer(self, node):
        self._literal_swaps(node)

    def visit_List(self, node):
        self._collection(node)

    def visit_Tuple(self, node):
        self._collection(node)

    def visit_Set(self, node):
        self._collection(node)

    def _collection(self, node) -> None:
        els = list(node.elements)
        if isinstance(node, cst.List):
            if not els:
                self._add(node, "wrap", cst.List([cst.Element(cst.List([]))]))
            elif len(els) == 1 and not isinstance(els[0], cst.StarredElement):
                inner = els[0].value
                self._add(node, "wrap", inner.with_changes(lpar=node.lpar, rpar=node.rpar))
        if 3 <= len(els) <= 12 and all(isinstance(e, cst.Element) for e in els):
            for i in range(len(els)):
                rest = els[:i] + els[i + 1 :]
                rest[-1] = rest[-1].with_changes(comma=els[-1].comma)
                self._add(node, "drop-term", node.with_changes(elements=rest))

    def _statement_sites(self, stmt: cst.CSTNode) -> None:
        """replace-operand within one statement: operands swapped for other operands."""
        exprs = _Operands.of(stmt)
        texts = [code_of(e) for e in exprs]
        pairs = []
        for i, e in enumerate(exprs):
            if not self._wanted(e):
                continue
            for j, other in enumerate(exprs):
                if i == j or texts[i] == texts[j] or len(texts[j]) > MAX_OPERAND_CHARS:
                    continue
                if isinstance(e, (cst.SimpleString, cst.Integer)):
                    continue  # literals: the literal swaps and the const templates
                if _contains(e, other) or _contains(other, e):
                    continue
                # Simple operands first: a name or literal for a name is the common slip.
                simple = isinstance(other, (cst.Name, cst.SimpleString, cst.Integer))
                pairs.append((not simple, len(texts[i]) + len(texts[j]), i, j))
        for _, _, i, j in sorted(pairs)[:MAX_PER_STATEMENT]:
            e, other = exprs[i], exprs[j]
            self._add(e, "replace-operand", other.with_changes(lpar=e.lpar, rpar=e.rpar))
        # A call applied once more to its own result.
        for e in exprs:
            if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and len(e.args) == 1:
                again = e.with_changes(args=[e.args[0].with_changes(value=_bare(e))])
                self._add(e, "replace-operand", again)

    def visit_SimpleStatementLine(self, node):
        self._statement_sites(node)

    def visit_If(self, node):
        self._statement_sites(node.test)
        self._add_cond(node, node.test)
        self._swap_branches(node)
        self._add_else(node)

    def visit_While(self, node):
        self._statement_sites(node.test)
        self._add_cond(node, node.test)
        self._loop_update(node)

    def visit_CompIf(self, node):
        self._add_cond(node, node.test)

    def visit_For(self, node):
        self._statement_sites(node.iter)
        self._slices(node.iter, self._cuts(node.iter))

    # -- conditions ------------------------------------------------------------------------
    def _add_cond(self, owner, test) -> None:
        code = code_of(_bare(test))
        for cond in self.conditions:
            ctext = code_of(_bare(cond))
            if ctext in code or code in ctext:
                continue
            for op in (cst.And, cst.Or):
                for extra in (cond, cst.UnaryOperation(cst.Not(), _paren(cond))):
                    if op is cst.Or and isinstance(extra, cst.UnaryOperation):
                        continue
                    new = cst.BooleanOperation(
                        _operand(_bare(test)),
                        op(whitespace_before=_SPACE, whitespace_after=_SPACE),
                        _operand(_bare(extra)),
                    )
                    if getattr(test, "lpar", None):
                        new = new.with_changes(lpar=test.lpar, rpar=test.rpar)
                    self._add(owner, "add-cond", owner.with_changes(test=new))

    # -- branches --------------------------------------------------------------------------
    def _swap_branches(self, node: cst.If) -> None:
        # Adjacent branches of the chain: (if, elif), (elif, elif), (last, else).
        chain = [node]
        while isinstance(chain[-1].orelse, cst.If):
            chain.append(chain[-1].orelse)
        last_else = chain[-1].orelse
        bodies = [c.body for c in chain] + ([last_else.body] if last_else is not None else [])
        if len(bodies) < 2:
            return
        for i in range(len(bodies) - 1):
            new_bodies = list(bodies)
            new_bodies[i], new_bodies[i + 1] = bodies[i + 1], bodies[i]
            self._add(node, "swap-branches", _rebuild_chain(chain, last_else, new_bodies))

    def visit_FunctionDef(self, node):
        if node is not self.fn:
            return True  # a nested function: its returns are its own
        rets = [r for r in self.returns if r.value is not None]
        if 2 <= len(rets) <= 6:
            for i in range(len(rets)):
                for j in range(i + 1, len(rets)):
                    a, b = rets[i], rets[j]
                    if code_of(a.value) == code_of(b.value):
                        continue
                    self._add(a, "swap-branches", Pair(b, a.with_changes(value=b.value), a))
        return True

    def _add_else(self, node: cst.If) -> None:
        if node.orelse is not None or not isinstance(node.body, cst.IndentedBlock):
            return
        body = node.body.body
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
            return
        stmt = body[0].body[0] if len(body[0].body) == 1 else None
        if not isinstance(stmt, cst.AugAssign) or not isinstance(stmt.target, cst.Name):
            return
        for name in self.counters:
            if name == stmt.target.value:
                continue
            other = body[0].with_changes(body=[stmt.with_changes(target=cst.Name(name))])
            orelse = cst.Else(node.body.with_changes(body=[other]))
            self._add(node, "add-else", node.with_changes(orelse=orelse))

    # -- statements ------------------------------------------------------------------------
    def _loop_update(self, node: cst.While) -> None:
        if not isinstance(node.body, cst.IndentedBlock):
            return
        inside = _assigned(node.body)
        for name in _read_names(node.test):
            if name in inside or name not in self.locals:
                continue
            updates = [
                cst.AugAssign(cst.Name(name), op(), cst.Integer("1"))
                for op in (cst.SubtractAssign, cst.AddAssign)
            ]
            updates += [a.with_changes(target=cst.Name(name)) for a in self.aug_assigns]
            seen = set()
            for upd in updates:
                code = code_of(upd)
                if code in seen:
                    continue
                seen.add(code)
                line = cst.SimpleStatementLine([upd])
                new_body = node.body.with_changes(body=[*node.body.body, line])
                self._add(node, "insert-stmt", node.with_changes(body=new_body))

    def visit_IndentedBlock(self, node):
        stmts = list(node.body)
        # After each loop, and at the end of the block: a copy of another simple statement.
        spots = [i + 1 for i, s in enumerate(stmts) if isinstance(s, (cst.For, cst.While))]
        last = stmts[-1] if stmts else None
        ends_in_jump = isinstance(last, cst.SimpleStatementLine) and isinstance(
            last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue)
        )
        if not ends_in_jump:
            spots.append(len(stmts))
        for at in dict.fromkeys(spots):
            anchor = stmts[at - 1] if at else None
            if anchor is None or not self._wanted(anchor):
                continue
            for copy in self.statements:
                if any(code_of(copy).strip() == code_of(s).strip() for s in stmts):
                    continue  # already in this block
                if at < len(stmts) and _is_jump(copy):
                    continue  # a return before other statements leaves them dead
                new = [*stmts[:at], copy, *stmts[at:]]
                self.sites.append((node, self._line(anchor), "insert-stmt", Block(new, anchor)))

    # -- shapes ----------------------------------------------------------------------------
    def visit_Return(self, node):
        v = node.value
        self._slices(v, [])
        if isinstance(v, (cst.Name, cst.Call, cst.Subscript)) and not isinstance(v, cst.List):
            wrapped = cst.List([cst.Element(_bare(v))])
            self._add(node, "wrap", node.with_changes(value=wrapped))
        if isinstance(v, cst.Name):
            for fn_name in WRAP_CALLS:
                self._add(v, "wrap", _call(fn_name, v))

    def visit_Arg(self, node):
        v = node.value
        if isinstance(v, cst.Name) and node.keyword is None and not node.star:
            for fn_name in WRAP_CALLS:
                self._add(v, "wrap", _call(fn_name, v))
            # A text compared or counted without its case normalised.
            lower = cst.Call(cst.Attribute(v, cst.Name("lower")))
            self._add(v, "wrap", lower)

    # -- a sequence's ends -------------------------------------------------------------------
    def _slices(self, v, cuts: list[str]) -> None:
        if not isinstance(v, _SLICEABLE) or v.lpar:
            return
        ends = [(cst.Integer("1"), None), (None, cst.UnaryOperation(cst.Minus(), cst.Integer("1")))]
        ends += [(None, cst.Name(n)) for n in cuts]
        for lower, upper in ends:
            sl = cst.Slice(lower=lower, upper=upper)
            self._add(v, "slice", cst.Subscript(v, [cst.SubscriptElement(sl)]))

    def visit_CompFor(self, node):
        self._slices(node.iter, self._cuts(node.iter))

    def _cuts(self, v) -> list[str]:
        """Parameters that may bound how much of ``v`` counts (``arr[:k]``)."""
        seq = set(_read_names(v))
        return [n for n in self.params if n not in seq]

    def visit_Comparison(self, node):
        if len(node.comparisons) != 1:
            return
        ct = node.comparisons[0]
        if not isinstance(ct.operator, (cst.Equal, cst.NotEqual)):
            return
        a, b = node.left, ct.comparator
        if not all(isinstance(e, _NORMALISABLE) for e in (a, b)):
            return
        for fn_name in ("set", "sorted"):
            new = node.with_changes(
                left=_call(fn_name, a), comparisons=[ct.with_changes(comparator=_call(fn_name, b))]
            )
            self._add(node, "normalise", new)


class Pair:
    """Two nodes replaced at once (the values of two returns exchanged)."""

    def __init__(self, other, first_new, first):
        self.other = other
        self.first_new = first_new
        self.other_new = other.with_changes(value=first.value)


def _rebuild_chain(chain: list[cst.If], last_else, bodies: list) -> cst.If:
    orelse = last_else.with_changes(body=bodies[len(chain)]) if last_else is not None else None
    for k in range(len(chain) - 1, -1, -1):
        orelse = chain[k].with_changes(body=bodies[k], orelse=orelse)
    return orelse


def _is_jump(stmt: cst.SimpleStatementLine) -> bool:
    return isinstance(stmt.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue))


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def on_visit(self, n):
            nonlocal found
            if n is inner:
                found = True
            return not found

    outer.visit(V())
    return found


class _Operands(cst.CSTVisitor):
    """Operand-like expressions of one statement: names, attributes, subscripts, calls,
    literals; not the targets of assignments nor the names of called functions."""

    KINDS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.SimpleString, cst.Integer)

    def __init__(self):
        self.out: list[cst.BaseExpression] = []
        self.skip: set[int] = set()

    @classmethod
    def of(cls, node) -> list[cst.BaseExpression]:
        v = cls()
        node.visit(v)
        return v.out

    def visit_AssignTarget(self, node):
        self.skip.add(id(node.target))

    def visit_AugAssign(self, node):
        self.skip.add(id(node.target))

    def visit_Call(self, node):
        self.skip.add(id(node.func))

    def visit_Attribute(self, node):
        self.skip.add(id(node.attr))

    def visit_Arg(self, node):
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Lambda(self, node):
        return False

    def visit_CompFor(self, node):
        self.skip.add(id(node.target))

    def on_visit(self, node) -> bool:
        if isinstance(node, self.KINDS) and id(node) not in self.skip:
            constant = isinstance(node, cst.Name) and node.value in ("True", "False", "None")
            if not constant:
                self.out.append(node)
        return super().on_visit(node)


class _Collect(cst.CSTVisitor):
    """What the function offers to copy: conditions, literals, statements, returns."""

    def __init__(self, into: FixPatterns):
        self.into = into
        self.depth = 0

    def visit_FunctionDef(self, node):
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(self, node):
        self.depth -= 1

    def _cond(self, test) -> None:
        for part in _chain(test, (cst.And, cst.Or)):
            if isinstance(part, (cst.Comparison, cst.Call, cst.Name, cst.UnaryOperation)):
                if all(code_of(_bare(c)) != code_of(_bare(part)) for c in self.into.conditions):
                    self.into.conditions.append(part)

    def visit_If(self, node):
        self._cond(node.test)

    def visit_While(self, node):
        self._cond(node.test)

    def visit_CompIf(self, node):
        self._cond(node.test)

    def visit_IfExp(self, node):
        self._cond(node.test)

    def visit_SimpleString(self, node):
        self._literal(node)

    def visit_Integer(self, node):
        self._literal(node)

    def _literal(self, node) -> None:
        bucket = self.into.literals.setdefault(type(node), [])
        if all(code_of(x) != code_of(node) for x in bucket) and len(bucket) < 12:
            bucket.append(node)

    def visit_SimpleStatementLine(self, node):
        body = node.body
        if len(body) != 1:
            return
        s = body[0]
        if isinstance(s, cst.AugAssign):
            self.into.aug_assigns.append(s)
        if isinstance(s, (cst.AugAssign, cst.Assign, cst.Return)) or (
            isinstance(s, cst.Expr) and isinstance(s.value, cst.Call)
        ):
            copy = node.with_changes(leading_lines=[])
            if all(not copy.deep_equals(x) for x in self.into.statements):
                self.into.statements.append(copy)
        if isinstance(s, cst.Assign) and isinstance(s.value, (cst.Integer, cst.Name)):
            for t in s.targets:
                for name in sorted(_names(t.target)):
                    if name not in self.into.counters:
                        self.into.counters.append(name)

    def visit_Return(self, node):
        self.into.returns.append(node)
