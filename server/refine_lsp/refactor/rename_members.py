"""Rename a method or an attribute: its definitions in the class, its overrides in the classes
above and below that define it, and every ``x.name`` whose ``x`` is proven to be of one of
those classes (``self``/``cls`` in their methods, the class itself, ``super()``, a local
assigned from ``ClassName(...)``, a parameter annotated with the class). An ``x.name`` that
cannot be proven is left as it is and counted, with where, in the result's warnings.

Refused with the reason: dunder and name-mangled names; a class of the family, or one above
it, that already has the new name; a base outside the workspace that may define or call the
name; fields of dataclass-like classes, NamedTuple, TypedDict and Enum members; attributes
reached dynamically (``getattr(x, "name")``, ``__dict__``, ``vars(self)``).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib
import sys
from collections.abc import Mapping
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    Assignment,
    BuiltinAssignment,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    GlobalScope,
    ImportAssignment,
)

from refine_lsp.index.classes import ClassIndex
from refine_lsp.index.modules import dotted
from refine_lsp.recent import Recent
from refine_lsp.syntax.pyast import parse_ast

from .cstwalk import children, dispatch, find, in_source_order, walk
from .model import Refusal

# rename.py imports this module inside rename() (not at its top), so these names are ready
from .rename import (  # noqa: E402
    RenameResult,
    _apply,
    _Dynamic,
    _edit,
    _parse,
    _parse_for,
    _Parsed,
    _rename_variable,
)

MAX_LISTED = 5


def parse_for_members(path: str, text: str, words: set[str], attrs: set[str]) -> _Parsed:
    """The file parsed for renaming the members ``attrs``: on the top-level statements that
    name ``words`` (see rename.reduced), grown until every name the receivers of ``.attr``
    are proven from is in (the receiver's names, then what binds them: the call of
    ``x = C(...)``, a parameter's annotation), as _Receivers reads them."""
    words = set(words)
    for _ in range(8):
        q = _parse_for(path, text, words)
        if not q.reduced:
            return q
        more = _receiver_words(q, attrs) - words
        if not more:
            return q
        words |= more
    return _parse(path, text)


_BINDERS: Recent[str, frozenset[str]] = Recent(64)


def module_binders(text: str) -> frozenset[str]:
    """Every name the module's own statements may bind at module level, other than by an
    import: assignment, ``for``, ``with``, ``except`` and ``match`` targets, ``del``,
    definitions, and (anywhere) ``global`` names and ``:=`` targets. An over-approximation,
    read by ast; everything, where the text does not parse."""
    key = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
    got = _BINDERS.get(key, None)
    if got is not None:
        return got
    tree = parse_ast(text)
    if tree is None:
        return _EVERYTHING
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            todo += node.decorator_list  # a decorator's := binds at module level
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        if not isinstance(node, ast.Lambda):
            todo += ast.iter_child_nodes(node)
    for node in ast.walk(tree):  # inside functions and classes too
        if isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    got = frozenset(names)
    _BINDERS.put(key, got)
    return got


class _Everything(frozenset):
    def __contains__(self, item) -> bool:
        return True


_EVERYTHING = _Everything()


def _names_in(node: cst.CSTNode | None) -> list[cst.Name]:
    """The names read in ``node``: not the ``.attr`` of an attribute (``m.C`` reads ``m``)."""
    found: list[cst.Name] = []
    todo = [node] if node is not None else []
    while todo:
        top = todo.pop()
        if isinstance(top, cst.Attribute):
            todo.append(top.value)
            continue
        for n in walk(top, prune=(cst.Attribute,)):
            if isinstance(n, cst.Name):
                found.append(n)
            elif isinstance(n, cst.Attribute):
                todo.append(n.value)
    return found


def _receiver_words(q: _Parsed, attrs: set[str]) -> set[str]:
    heads: list[cst.Name] = []

    guards: list[cst.Name] = []

    for node in find(q.wrapper.module, (cst.Attribute, cst.Call)):
        if isinstance(node, cst.Attribute):
            if node.attr.value in attrs:
                heads.extend(_names_in(node.value))
        elif (g := _guard(node)) is not None:  # isinstance(x, C) narrows x to C: C's
            guards.extend(_names_in(g[1]))  # binding is needed

    binders = module_binders(q.text)

    def outside(n: cst.Name) -> bool:
        """Bound other than by an import (imports are always kept) or a parameter (kept
        with its function's header): every statement binding it must be kept. At module
        level (by the ast's census), or in a class body whose statements not naming it were
        left out (its binding there is not seen yet); a builtin is bound nowhere."""
        acc = q.accessed.get(id(n))
        refs = acc.referents if acc is not None else ()
        if refs and all(
            isinstance(r, Assignment) and isinstance(r.scope, (FunctionScope, ComprehensionScope))
            for r in refs
        ):  # bound in a function around it (kept whole) or in its comprehension: all there
            return False
        if n.value in binders:
            return True
        if refs and all(
            isinstance(r, BuiltinAssignment)
            or (isinstance(r, ImportAssignment) and isinstance(r.scope, GlobalScope))
            for r in refs
        ):  # a builtin, or imported at the top level only (top-level imports are kept)
            return False
        return not refs or not all(
            isinstance(r, Assignment) and isinstance(r.node, cst.Param) for r in refs
        )

    words = {n.value for n in heads + guards if outside(n)}
    rec = _Receivers(q, None)
    for n in heads:
        acc = q.accessed.get(id(n))
        for r in acc.referents if acc is not None else ():
            if not isinstance(r, Assignment):
                continue
            node = r.node
            if isinstance(node, cst.Param):
                ann = node.annotation.annotation if node.annotation is not None else None
                words |= {m.value for m in _names_in(ann) if outside(m)}
            else:
                call = rec.assigned_call(node)
                if call is not None:
                    words |= {m.value for m in _names_in(call.func) if outside(m)}
    return words


def is_member(p: _Parsed, name: cst.Name, parent) -> bool:
    """Whether the name at the cursor is an attribute (``x.name``) or bound in a class body."""
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        return True
    a = p.assigned.get(id(name))
    if a is not None:
        return isinstance(a.scope, ClassScope)
    acc = p.accessed.get(id(name))
    if acc is not None:
        scopes = {r.scope for r in acc.referents if isinstance(r, Assignment)}
        return len(scopes) == 1 and isinstance(next(iter(scopes)), ClassScope)
    return False


def _refuse_name(old: str, new: str) -> None:
    for n in (old, new):
        if n.startswith("__") and n.endswith("__"):
            raise Refusal(f"`{n}` is a special (dunder) name: Python calls it by that name")
        if n.startswith("__"):
            raise Refusal(f"`{n}` is name-mangled (a leading double underscore): not supported yet")


class _Receivers:
    """What class the value before a ``.name`` is proven to be of, in one file."""

    def __init__(self, p: _Parsed, index: ClassIndex):
        self.p, self.index = p, index
        self._assigned_calls: dict[int, cst.Call] | None = None
        self._narrowed: dict[int, cst.BaseExpression] | None = None

    def narrowed(self, name: cst.Name) -> cst.BaseExpression | None:
        """``C`` where the Name is read inside ``if isinstance(name, C):`` (its body) or on
        the right of ``isinstance(name, C) and ...``."""
        if self._narrowed is None:
            self._narrowed = {}
            todo: list[tuple[cst.CSTNode, tuple]] = [(self.p.wrapper.module, ())]
            while todo:
                node, guards = todo.pop()
                if isinstance(node, cst.If) and (g := _guard(node.test)):
                    todo += [(node.test, guards), (node.body, (*guards, g))]
                    if node.orelse is not None:
                        todo.append((node.orelse, guards))
                    continue
                if (
                    isinstance(node, cst.BooleanOperation)
                    and isinstance(node.operator, cst.And)
                    and (g := _guard(node.left))
                ):
                    todo += [(node.left, guards), (node.right, (*guards, g))]
                    continue
                if isinstance(node, cst.Name) and guards:
                    for var, cls in reversed(guards):
                        if var == node.value:
                            self._narrowed[id(node)] = cls
                            break
                todo += [(c, guards) for c in children(node)]
        return self._narrowed.get(id(name))

    def assigned_call(self, target: cst.CSTNode) -> cst.Call | None:
        """``x = Call(...)``: the call, for the Name ``x`` bound there."""
        if self._assigned_calls is None:
            found: dict[int, cst.Call] = {}
            for node in find(self.p.wrapper.module, cst.Assign):
                if (
                    len(node.targets) == 1
                    and isinstance(node.targets[0].target, cst.Name)
                    and isinstance(node.value, cst.Call)
                ):
                    found[id(node.targets[0].target)] = node.value
            self._assigned_calls = found
        return self._assigned_calls.get(id(target))

    def qualified(self, expr: cst.BaseExpression) -> str | None:
        """The qualified name a module-level Name (or dotted chain from one) refers to."""
        d = dotted(expr)
        if d is None:
            return None
        head = expr
        while isinstance(head, cst.Attribute):
            head = head.value
        acc = self.p.accessed.get(id(head))
        if acc is None:
            return None
        refs = [r for r in acc.referents if isinstance(r, Assignment)]
        if not refs or any(not isinstance(r.scope, GlobalScope) for r in refs):
            return None
        return self.index.resolve(self.p.module, d)

    def class_of_annotation(self, ann: cst.BaseExpression) -> str | None:
        if isinstance(ann, cst.SimpleString):
            try:
                text = ann.evaluated_value
            except Exception:  # noqa: BLE001 - an odd literal is no annotation we read
                return None
            if not isinstance(text, str) or not all(
                part.isidentifier() for part in text.split(".")
            ):
                return None
            return self.index.resolve(self.p.module, text)
        q = self.qualified(ann)
        return q if q in self.index.classes else None

    def method_owner(self, fn: cst.FunctionDef) -> str | None:
        """The class whose method ``fn`` is (top-level classes of this module)."""
        scope = self.p.scopes.get(fn)
        if not isinstance(scope, ClassScope):
            return None
        cls = scope.node
        if not isinstance(self.p.scopes.get(cls), GlobalScope):
            return None
        return f"{self.p.module}.{cls.name.value}"

    def of(self, expr: cst.BaseExpression) -> tuple[str, str | None]:
        """("instance" | "class", qualified class), ("module", name), ("other", None): proven
        not to be a workspace class's, or ("unknown", None)."""
        if isinstance(expr, cst.Call):
            f = expr.func
            if isinstance(f, cst.Name) and f.value == "super" and not expr.args:
                owner = self._enclosing_method_owner(expr)
                return ("instance", owner) if owner else ("unknown", None)
            q = self.cls_param(f) or self.qualified(f)
            if q in self.index.classes:
                return ("instance", q)
            return ("unknown", None)
        if isinstance(expr, cst.Attribute):
            q = self.qualified(expr)
            return self._kind(q)
        if not isinstance(expr, cst.Name):
            return ("unknown", None)
        acc = self.p.accessed.get(id(expr))
        if acc is None:
            return ("unknown", None)
        refs = [r for r in acc.referents if isinstance(r, Assignment)]
        if not refs:
            return ("other", None)  # a builtin
        guard = self.narrowed(expr)
        if (  # a parameter never rebound, checked by isinstance: of that class from there
            guard is not None
            and len(refs) == 1
            and isinstance(refs[0].node, cst.Param)
            and len(refs[0].scope.assignments[expr.value]) == 1
        ):
            q = self.qualified(guard)
            if q in self.index.classes:
                return ("instance", q)
        if all(isinstance(r.scope, GlobalScope) for r in refs) and len(refs) == 1:
            node = refs[0].node
            if isinstance(node, (cst.ClassDef, cst.Import, cst.ImportFrom)):
                return self._kind(self.index.resolve(self.p.module, expr.value))
        found = {self._bound_class(r) for r in refs}
        if len(found) == 1 and None not in found:
            return ("instance", found.pop())
        return ("unknown", None)

    def _kind(self, q: str | None) -> tuple[str, str | None]:
        if q is None:
            return ("unknown", None)
        if q in self.index.classes:
            return ("class", q)
        if q in self.index.modules:
            return ("module", q)
        top = q.split(".")[0]
        if top not in {m.split(".")[0] for m in self.index.modules}:
            return ("other", None)  # from outside the workspace
        return ("unknown", None)

    def _bound_class(self, r: Assignment) -> str | None:
        node = r.node
        if isinstance(node, cst.Param):
            fn = _param_function(self.p, node)
            if fn is None:
                return None
            params = fn.params
            first = (list(params.posonly_params) + list(params.params) or [None])[0]
            if first is node and _is_method(self.p, fn):
                owner = self.method_owner(fn)
                decorators = {dotted(d.decorator) for d in fn.decorators}
                if "staticmethod" in decorators:
                    return None
                if (
                    owner
                    and len(r.scope.assignments[node.name.value]) == 1
                    and "classmethod" not in decorators
                ):
                    return owner
                return None  # cls: the class object, handled as an instance of itself below
            if node.annotation is not None and len(r.scope.assignments[node.name.value]) == 1:
                return self.class_of_annotation(node.annotation.annotation)
            return None
        call = self.assigned_call(node)
        if call is not None:
            q = self.qualified(call.func)
            return q if q in self.index.classes else None
        return None

    def cls_param(self, expr: cst.BaseExpression) -> str | None:
        """``cls`` in a classmethod: the class."""
        if not isinstance(expr, cst.Name):
            return None
        acc = self.p.accessed.get(id(expr))
        refs = [r for r in acc.referents if isinstance(r, Assignment)] if acc else []
        if len(refs) != 1 or not isinstance(refs[0].node, cst.Param):
            return None
        node = refs[0].node
        fn = _param_function(self.p, node)
        if fn is None or not _is_method(self.p, fn):
            return None
        params = list(fn.params.posonly_params) + list(fn.params.params)
        decorators = {dotted(d.decorator) for d in fn.decorators}
        if params and params[0] is node and "classmethod" in decorators:
            if len(refs[0].scope.assignments[node.name.value]) == 1:
                return self.method_owner(fn)
        return None

    def _enclosing_method_owner(self, node: cst.CSTNode) -> str | None:
        scope = self.p.scopes.get(node)
        while scope is not None and not isinstance(scope, GlobalScope):
            if isinstance(scope, FunctionScope) and isinstance(scope.node, cst.FunctionDef):
                if _is_method(self.p, scope.node):
                    return self.method_owner(scope.node)
            scope = scope.parent
        return None


def _guard(test: cst.BaseExpression) -> tuple[str, cst.BaseExpression] | None:
    """(name, class) for ``isinstance(name, Class)`` with one class (a dotted name)."""
    if (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Name)
        and test.func.value == "isinstance"
        and len(test.args) == 2
        and all(a.keyword is None and not a.star for a in test.args)
        and isinstance(test.args[0].value, cst.Name)
        and dotted(test.args[1].value) is not None
    ):
        return test.args[0].value.value, test.args[1].value
    return None


def _param_function(p: _Parsed, param: cst.Param) -> cst.FunctionDef | None:
    scope = p.scopes.get(param)
    fn = getattr(scope, "node", None)
    return fn if isinstance(fn, cst.FunctionDef) else None


def _is_method(p: _Parsed, fn: cst.FunctionDef) -> bool:
    return isinstance(p.scopes.get(fn), ClassScope)


def _member_class(p: _Parsed, name: cst.Name, parent, index: ClassIndex) -> str:
    """The class whose member the name at the cursor is; Refusal when it cannot be proven."""
    rec = _Receivers(p, index)
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        cls = rec.cls_param(parent.value)
        if cls:
            return cls
        kind, q = rec.of(parent.value)
        if kind in ("instance", "class") and q:
            return q
        recv = dotted(parent.value) or "the value"
        if kind == "module":
            raise Refusal(
                f"`{recv}.{name.value}` is a name of the module {q}: rename it where it is defined"
            )
        raise Refusal(
            f"cannot tell the class of `{recv}` here: rename `{name.value}` where its class "
            "defines it (or on `self.` in a method)"
        )
    a = p.assigned.get(id(name))
    if a is None:
        acc = p.accessed[id(name)]
        a = next(r for r in acc.referents if isinstance(r, Assignment))
    cls = a.scope.node
    if not isinstance(p.scopes.get(cls), GlobalScope):
        raise Refusal(f"`{name.value}` is a member of a nested class: not supported yet")
    return f"{p.module}.{cls.name.value}"


def prepare_member(p: _Parsed, name: cst.Name, parent) -> None:
    """What prepareRename can tell from this file alone."""
    _refuse_name(name.value, "x")
    _member_class(p, name, parent, ClassIndex({p.path: p.text}))


def _family(index: ClassIndex, start: str, old: str) -> set[str]:
    """The class, the classes above it that define ``old`` or read ``self.old`` without
    defining it (a hook its subclasses implement: cachetools' _TimedCache calls
    self.expire(), which TTLCache and TLRUCache define), and every class below those."""
    family = {start}
    while True:
        grown = set(family)
        for q in family:
            grown |= {
                a
                for a in index.ancestors(q)
                if old in index.classes[a].members or old in index.classes[a].self_reads
            }
            grown |= index.subclasses(q)
        if grown == family:
            return family
        family = grown


# standard modules whose import does something (a browser, a window, a print)
_NOT_IMPORTED = {"antigravity", "this", "turtle", "turtledemo", "tkinter", "idlelib", "__main__"}


def _external(written: str, resolved: str | None):
    """The object an outside base stands for, when it can be known without running user
    code: builtins and the standard library; None otherwise."""
    if resolved is None and "." not in written and hasattr(builtins, written):
        return getattr(builtins, written)
    if resolved is None:
        return None
    parts = resolved.split(".")
    if parts[0] not in sys.stdlib_module_names or parts[0] in _NOT_IMPORTED:
        return None
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def _where(index: ClassIndex, q: str, line: int | None = None) -> str:
    c = index.classes[q]
    return f"{Path(c.path).name}:{line or c.line}"


def _check_family(index: ClassIndex, family: set[str], old: str, new: str) -> None:
    # a method (a def in the class body, never assigned on an instance) lives in the class's
    # namespace: an instance's __dict__ (pickling, copying state) never holds it
    method_only = any(old in index.classes[q].methods for q in family) and not any(
        old in index.classes[q].instance_attrs or old in index.classes[q].slots for q in family
    )
    for q in sorted(family):
        c = index.classes[q]
        short = q.rsplit(".", 1)[-1]
        if new in c.members or new in c.slots:
            raise Refusal(f"`{short}` already has a member `{new}` ({_where(index, q)})")
        for line, what in c.dynamic:
            if method_only and what == "self.__dict__":
                continue
            raise Refusal(
                f"`{short}` reaches its attributes dynamically ({what} at "
                f"{_where(index, q, line)}): renaming `{old}` could break it"
            )
        if c.special_bases and old in c.members:
            raise Refusal(
                f"`{old}` is a field of `{short}` ({c.special_bases[0]}): its name is data"
            )
        if c.decorated and old in c.members and old in _fields(index, q):
            raise Refusal(
                f"`{old}` is a field of the decorated class `{short}` (a dataclass or "
                "similar): it is also a keyword of its constructor"
            )
    above = {a for q in family for a in index.ancestors(q)} - family
    for q in sorted(family | above):  # a base outside the workspace, anywhere up the classes
        short = q.rsplit(".", 1)[-1]
        for written, resolved in index.bases_of(q):
            if resolved in index.classes:
                continue
            if written is None:
                raise Refusal(f"`{short}` derives from an expression rename cannot follow")
            if written == "object":
                continue
            obj = _external(written, resolved)
            if obj is None:
                raise Refusal(
                    f"`{short}` derives from `{written}`, which is outside the workspace: "
                    f"it may define or call `{old}`"
                )
            for n in (old, new):
                if hasattr(obj, n):
                    raise Refusal(f"`{written}` (a base of `{short}`) defines `{n}`")
    for q in sorted(family):
        for a in index.ancestors(q):
            if new in index.classes[a].members:
                short = a.rsplit(".", 1)[-1]
                raise Refusal(f"`{short}` (above the renamed classes) already has `{new}`")


def _fields(index: ClassIndex, q: str) -> set[str]:
    import ast

    c = index.classes[q]
    tree = ast.parse(index.files[c.path])
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.lineno == c.line:
            return {
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            }
    return set()


class _Attributes:
    def __init__(self, names: set[str]):
        self.names = names
        self.found: list[cst.Attribute] = []
        self.dynamic: list[cst.Call] = []

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self.names:
            self.found.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        f = node.func
        if (
            isinstance(f, cst.Name)
            and f.value in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1].value, cst.SimpleString)
        ):
            try:
                value = node.args[1].value.evaluated_value
            except Exception:  # noqa: BLE001 - an odd literal is no attribute name
                return
            if value in self.names:
                self.dynamic.append(node)

    def read(self, q: _Parsed) -> _Attributes:
        """Collect from ``q``'s module, each list in the source's order."""
        dispatch(self, q.wrapper.module)
        self.found = in_source_order(self.found, q.positions)
        self.dynamic = in_source_order(self.dynamic, q.positions)
        return self


def _class_scopes(p: _Parsed, family: set[str]) -> list[tuple[cst.ClassDef, ClassScope]]:
    out = []
    for stmt in p.wrapper.module.body:
        if isinstance(stmt, cst.ClassDef) and f"{p.module}.{stmt.name.value}" in family:
            body = stmt.body.body
            scope = p.scopes.get(body[0]) if body else None
            if isinstance(scope, ClassScope):
                out.append((stmt, scope))
    return out


def _slots(p: _Parsed, cls: cst.ClassDef, old: str, new: str) -> None:
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, (cst.Assign, cst.AnnAssign)):
                continue
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            if not any(isinstance(t, cst.Name) and t.value == "__slots__" for t in targets):
                continue
            value = small.value
            items = [value] if isinstance(value, cst.SimpleString) else []
            items += [getattr(e, "value", None) for e in getattr(value, "elements", []) or []]
            for s in items:
                if isinstance(s, cst.SimpleString) and s.evaluated_value == old:
                    quote = s.value[-1]
                    prefix = s.value[: len(s.value) - len(s.value.lstrip("rRbBuUfF"))]
                    r = p.positions[s]
                    p.edits[(r.start.line, r.start.column)] = (
                        r.end.column,
                        f"{prefix}{quote}{new}{quote}",
                    )


def rename_member(
    files: Mapping[str, str], p: _Parsed, name: cst.Name, parent, new: str
) -> RenameResult:
    old = name.value
    _refuse_name(old, new)
    index = ClassIndex(files)
    start = _member_class(p, name, parent, index)
    if start not in index.classes:
        raise Refusal(f"the class of `{old}` ({start}) is not in the workspace")
    family = _family(index, start, old)
    _check_family(index, family, old, new)
    result = RenameResult(old, new)
    # p (reduced) kept what the cursor's receiver needs; every file is read again for the
    # family's classes too.
    parsed = {} if p.reduced else {p.path: p}
    class_files = {index.classes[q].path for q in family}
    words = {old, new} | {q.rsplit(".", 1)[-1] for q in family}
    left: list[str] = []
    dynamic: list[str] = []
    for path, text in files.items():
        if old not in text and path not in class_files:
            continue
        q = parsed.get(path) or parse_for_members(path, text, words, {old, new})
        parsed[path] = q
        for cls, scope in _class_scopes(q, family):
            if old in scope.assignments:
                _rename_variable(q, scope, set(scope.assignments[old]), old, new)
            _slots(q, cls, old, new)
        rec = _Receivers(q, index)
        seen = _Attributes({old, new}).read(q)
        dynamic += [q.where(c) for c in seen.dynamic if c.args[1].value.evaluated_value == old]
        for node in seen.found:
            owner = rec.cls_param(node.value)
            kind, cls = ("class", owner) if owner else rec.of(node.value)
            ours = kind in ("instance", "class") and cls in family
            if node.attr.value == new:
                if ours:
                    raise Refusal(
                        f"`{dotted(node.value) or '...'}.{new}` at {q.where(node)} already "
                        f"means a member `{new}` of the renamed class"
                    )
                continue
            if ours:
                _edit(q, node.attr, new)
            elif kind == "unknown" or (kind in ("instance", "class") and cls not in index.classes):
                left.append(q.where(node))
        if q.edits:
            dyn = _Dynamic({old}).read(q)
            for s in dyn.strings:
                r = q.positions[s]
                if (r.start.line, r.start.column) not in q.edits:
                    result.warnings.append(f"the string '{old}' at {q.where(s)} was left as it is")
    if dynamic:
        raise Refusal(
            f"`{old}` is reached by name with getattr/setattr/hasattr at "
            f"{', '.join(dynamic[:MAX_LISTED])}: renaming it could break that"
        )
    if left:
        listed = ", ".join(left[:MAX_LISTED]) + (", ..." if len(left) > MAX_LISTED else "")
        risk = (
            f"{len(left)} use{'s' if len(left) != 1 else ''} of `.{old}` on values whose class "
            f"cannot be proven {'were' if len(left) != 1 else 'was'} left as "
            f"{'they are' if len(left) != 1 else 'it is'}: {listed}"
        )
        result.warnings.insert(0, risk)
        result.risks.append(risk)
    result.left = left
    for q in parsed.values():
        if q.edits:
            result.changes[q.path] = _apply(q)
            result.occurrences += len(q.edits)
    return result
