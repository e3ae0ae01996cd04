"""Rename a parameter of a method or of a module-level function in the calls that pass it by
keyword, across the workspace: the same parameter in every definition a call may reach (a
method's overrides above and below it), and ``old=`` in every call whose callee is proven to
be one of them. What a file's calls pass by keyword is read first by ``ast`` (cheap), so that
libcst reads only the files that may hold such a call. rename.py renames the parameter in its
own function and calls in here; the receivers and the class family come from
rename_members.py.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import libcst as cst
from libcst.metadata import Assignment

from refine_lsp.index.classes import ClassIndex
from refine_lsp.index.modules import dotted
from refine_lsp.recent import MISSING, Recent
from refine_lsp.syntax.pyast import parse_ast

from .model import Refusal
from .rename import (
    RenameResult,
    _calls,
    _check_dynamic,
    _edit,
    _parse_for,
    _Parsed,
    _rename_variable,
    _value_use,
)
from .rename_members import (
    MAX_LISTED,
    _Attributes,
    _class_scopes,
    _external,
    _family,
    _Receivers,
    parse_for_members,
)

_CALLS: Recent[str, tuple | None] = Recent(512)


def keyword_calls(text: str) -> tuple | None:
    """What a file's calls pass by keyword, read by ast to skip files cheaply before libcst
    reads them: (calls, attribute values, import aliases, name values), where calls are
    (callee's last name, keywords, passes ``**``) for every call passing a keyword or ``**``;
    attribute values are the ``x.name`` names read other than as a callee; aliases map an
    imported name to the names it is bound to; name values map a name to the first line
    where it is stored or passed (``Kind = C``, ``f(C)``, ``[C]``, ``return C``): not called,
    not an attribute's receiver, not in an annotation, a base, an isinstance/issubclass or
    except check. None: the text does not parse (read it all)."""
    key = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
    got = _CALLS.get(key)
    if got is not MISSING:
        return got
    tree = parse_ast(text)
    got = None
    if tree is not None:
        calls, callees, attrs, aliases, values = [], set(), set(), {}, {}
        not_values: set[int] = set()  # names read other than as a value stored or passed
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callees.add(id(node.func))
                f = node.func
                if node.keywords:
                    last = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                    kws = frozenset(k.arg for k in node.keywords if k.arg is not None)
                    calls.append((last, kws, any(k.arg is None for k in node.keywords)))
                if isinstance(f, ast.Name) and f.id in ("isinstance", "issubclass") and node.args:
                    not_values.update(id(a) for a in ast.walk(node.args[-1]))
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    aliases.setdefault(a.name, set()).add(a.asname or a.name)
            elif isinstance(node, ast.Attribute):
                not_values.add(id(node.value))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                anns = [
                    node.returns,
                    *(a.annotation for a in ast.walk(node.args) if isinstance(a, ast.arg)),
                ]
                not_values.update(id(n) for a in anns if a is not None for n in ast.walk(a))
            elif isinstance(node, ast.AnnAssign):
                not_values.update(id(n) for n in ast.walk(node.annotation))
            elif isinstance(node, ast.ClassDef):
                not_values.update(id(n) for b in node.bases for n in ast.walk(b))
            elif isinstance(node, ast.ExceptHandler) and node.type is not None:
                not_values.update(id(n) for n in ast.walk(node.type))
        not_values |= callees
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and id(node) not in callees:
                attrs.add(node.attr)
            elif (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and id(node) not in not_values
            ):
                values[node.id] = min(values.get(node.id, node.lineno), node.lineno)
        got = (tuple(calls), frozenset(attrs), aliases, values)
    _CALLS.put(key, got)
    return got


def _may_pass(
    text: str, names: set[str], old: str, attr_values: str | None = None, anyone: bool = False
) -> bool:
    """Whether the file may hold a call passing ``old=`` or ``**`` to a callee named one of
    ``names`` (``old=`` to any callee, with ``anyone``), or read ``.attr_values`` as a
    value."""
    summary = keyword_calls(text)
    if summary is None:
        return True
    calls, attrs = summary[0], summary[1]
    if attr_values is not None and attr_values in attrs:
        return True
    return any(
        (last in names and (old in kws or star)) or (anyone and old in kws)
        for last, kws, star in calls
    )


_CONSTRUCTORS = ("__init__", "__new__")


def _nearest(index: ClassIndex, q: str, method: str) -> str | None:
    """The workspace class whose ``method`` a ``q`` instance runs (its own, or the first
    ancestor's that defines it)."""
    for c in (q, *index.ancestors(q)):
        if method in index.classes[c].members:
            return c
    return None


def _method_defs(q: _Parsed, classes: set[str], method: str) -> list[cst.FunctionDef]:
    """The definitions of ``method`` in the bodies of ``classes`` (overloads and property
    setters included)."""
    out = []
    for cls, _scope in _class_scopes(q, classes):
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == method:
                out.append(stmt)
    return out


def _param_named(fn: cst.FunctionDef, name: str) -> cst.Param | None:
    ps = fn.params
    for param in (*ps.posonly_params, *ps.params, *ps.kwonly_params):
        if param.name.value == name:
            return param
    return None


def rename_method_param(files: Mapping[str, str], parsed: dict, p: _Parsed, fn_node, old, new):
    """A parameter of a method, after the caller renamed it in ``fn_node`` (in ``p``): the
    same parameter in every definition a call may reach instead (the overrides above and
    below, as a method rename finds them; for ``__init__``/``__new__`` only this one), and
    ``old=`` in every call whose receiver is proven to be of those classes (``self.m(...)``,
    ``C(...)`` for a constructor, ``super().m(...)``, ``C.m(obj, ...)``). Refused with where:
    a call passing ``old=`` whose receiver cannot be proven, the method used as a value or by
    name where ``old=`` is passed, an override taking it through ``**kwargs``, a base outside
    the workspace that defines the method."""
    index = ClassIndex(files)
    method = fn_node.name.value
    owner = _Receivers(p, index).method_owner(fn_node)
    if owner is None or owner not in index.classes:
        raise Refusal(f"`{old}` is a parameter of a method of a nested class: not supported yet")
    ps = [*fn_node.params.posonly_params, *fn_node.params.params]
    static = any(dotted(d.decorator) == "staticmethod" for d in fn_node.decorators)
    if ps and ps[0].name.value == old and not static:
        # the bound instance or class: no call names it, but for C.m(self=...), looked for
        called = re.compile(rf"\b{re.escape(method)}\s*\([^)]*\b{re.escape(old)}\s*=(?!=)")
        for path, text in files.items():
            if called.search(text):
                raise Refusal(
                    f"`{method}` may be called with `{old}=` in {Path(path).name}: rename "
                    "it by hand"
                )
        return
    ctor = method in _CONSTRUCTORS
    if ctor:
        other = _CONSTRUCTORS[1 - _CONSTRUCTORS.index(method)]
        if _nearest(index, owner, other) is not None:
            raise Refusal(
                f"`{owner.rsplit('.', 1)[-1]}` also defines `{other}`, which is passed the same "
                f"keyword arguments: rename `{old}` in both by hand"
            )
        defs = {owner}
        callers = {owner} | {
            s for s in index.subclasses(owner) if _nearest(index, s, method) == owner
        }
    else:
        callers = _family(index, owner, method)
        defs = {c for c in callers if method in index.classes[c].members}
        above = {a for c in callers for a in index.ancestors(c)} | callers
        for c in sorted(above):
            short = c.rsplit(".", 1)[-1]
            for written, resolved in index.bases_of(c):
                if resolved in index.classes or written == "object":
                    continue
                obj = _external(written, resolved) if written is not None else None
                if obj is None or hasattr(obj, method):
                    raise Refusal(
                        f"`{short}` derives from `{written or 'an expression'}` (outside the "
                        f"workspace), which {'defines' if obj is not None else 'may define'} "
                        f"`{method}`: its callers may pass `{old}=`"
                    )
    words = {old, new, method} | {c.rsplit(".", 1)[-1] for c in callers}
    own_at = p.positions[fn_node.name].start
    if p.reduced:  # receivers are proven on what parse_for_members keeps
        q = parse_for_members(p.path, p.text, words, {method})
        q.edits.update(p.edits)
        parsed[p.path] = q
    left: list[str] = []
    keyword = re.compile(rf"\b{re.escape(old)}\s*=(?!=)")
    shorts = {c.rsplit(".", 1)[-1] for c in callers} if ctor else set()
    def_files = {index.classes[c].path for c in defs}
    valued = [  # a constructor's classes stored or passed: calls through them are unproven
        f"{Path(path).name}:{line}"
        for path, text in files.items()
        for short in shorts
        if short in text and (line := _class_value_use(text, short)) is not None
    ]
    for path, text in files.items():
        named = method in text or any(s in text for s in shorts)
        if not named and not (valued and keyword.search(text)):
            continue
        if path not in def_files and path not in parsed:  # those are read in any case
            callee_names = {method} | shorts | {a for s in shorts for a in _aliases(text, s)}
            if not _may_pass(text, callee_names, old, method, anyone=bool(valued)):
                continue  # no call here passes the keyword to a callee of that name
        q = parsed.get(path) or parse_for_members(path, text, words, {method})
        for fn in _method_defs(q, defs, method):
            at = q.positions[fn.name].start
            if path == p.path and (at.line, at.column) == (own_at.line, own_at.column):
                continue  # the caller renamed it
            param = _param_named(fn, old)
            if param is None:
                star = fn.params.star_kwarg
                if isinstance(star, cst.Param):
                    raise Refusal(
                        f"`{method}` at {q.where(fn)} takes `{old}` through "
                        f"`**{star.name.value}`: calls passing `{old}=` would change meaning"
                    )
                if _param_named(fn, new) is not None:
                    raise Refusal(f"`{method}` at {q.where(fn)} already has a parameter `{new}`")
                continue
            scope = q.scopes.get(param)
            dyn = _check_dynamic(q, old, new, RenameResult(old, new), scope)
            _rename_variable(q, scope, set(scope.assignments[old]), old, new)
            for n in dyn.nonlocal_names:
                _edit(q, n, new)
        if old in text:
            left += _method_keywords(
                q, index, method, defs, callers, ctor, old, new, keyword, valued
            )
        if q.edits:
            parsed[path] = q
    if left:
        listed = ", ".join(left[:MAX_LISTED]) + (", ..." if len(left) > MAX_LISTED else "")
        raise Refusal(
            f"{len(left)} call{'s' if len(left) != 1 else ''} of `{method}` passing `{old}=` "
            f"or reaching it indirectly cannot be proven to be of `{owner.rsplit('.', 1)[-1]}` "
            f"(or the classes sharing the method), and would break: {listed}"
        )


def _method_keywords(
    q, index, method, defs, callers, ctor, old, new, keyword, valued=()
) -> list[str]:
    """Edits ``old=`` -> ``new=`` in the proven calls of ``method`` in ``q``; where the
    unproven ones are (and the method's uses as a value or by name, where ``old=`` is
    passed in that file). For a constructor, where the classes are used as values
    (``valued``: stored, passed, ``Cache = FIFOCache`` in a test class), a call of a name not
    proven to be something else may be one of them."""
    rec = _Receivers(q, index)
    tops = {m.split(".")[0] for m in index.modules}
    left: list[str] = []
    called: set[int] = set()
    shorts = {c.rsplit(".", 1)[-1] for c in callers}
    for call in _calls(q.wrapper.module):
        f = call.func
        called.add(id(f))
        kws = [a for a in call.args if a.keyword is not None and a.keyword.value in (old, new)]
        stars = [a for a in call.args if a.star == "**"]
        if not kws and not stars:
            continue
        ours = None  # True: proven ours, False: proven not, None: unknown
        if isinstance(f, cst.Attribute) and f.attr.value == method and _is_super(f.value):
            enc = rec._enclosing_method_owner(f.value)
            if enc in index.classes:  # the next definition up from the enclosing class
                up = next(
                    (c for c in index.ancestors(enc) if method in index.classes[c].members), None
                )
                ours = up in defs
        elif isinstance(f, cst.Attribute) and f.attr.value == method:
            owner = rec.cls_param(f.value)
            kind, cls = ("class", owner) if owner else rec.of(f.value)
            if kind in ("instance", "class") and cls in callers:
                ours = True
            elif kind in ("other", "module") or (kind in ("instance", "class") and cls):
                ours = False
        elif ctor and isinstance(f, (cst.Name, cst.Attribute)):
            cls = rec.cls_param(f) or rec.qualified(f)
            if cls in callers:
                ours = True
            elif cls is not None and (
                cls in index.classes or cls.split(".")[0] not in tops or not valued
            ):
                ours = False  # another class, or from outside (a workspace name may hold ours)
            elif not valued and (dotted(f) or "").rsplit(".", 1)[-1] not in shorts:
                ours = False
            elif isinstance(f, cst.Name) and _bound_here(q, f) and cls is None:
                ours = False  # this file's own def or class, or a builtin
        elif ctor and valued:  # the class travels as a value: any callee may be it
            pass
        else:
            continue
        if ours is None:
            if any(a.keyword.value == old for a in kws):
                left.append(q.where(call))
            continue
        if not ours:
            continue
        if stars:  # the mapping may hold the keyword
            left.append(q.where(call))
        for a in kws:
            if a.keyword.value == new:
                raise Refusal(f"the call at {q.where(call)} already passes `{new}=`")
            _edit(q, a.keyword, new)
    if keyword.search(q.text):
        seen = _Attributes({method}).read(q)
        left += [q.where(c) for c in seen.dynamic]
        for node in seen.found:
            if id(node) in called:
                continue
            kind, cls = rec.of(node.value)
            if kind in ("instance", "class") and cls in callers or kind == "unknown":
                left.append(q.where(node))
    return left


def _is_super(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "super"
        and not expr.args
    )


def rename_function_keywords(files: Mapping[str, str], parsed: dict, p: _Parsed, fn_node, old, new):
    """A parameter of a module-level function, after the caller renamed it in the function
    and at the calls of its own file: ``old=`` in the calls of the other files whose callee
    is proven to be the function (imported by name, ``import m`` + ``m.fn``, re-exports
    followed). Refused with where: a call passing ``old=`` that may reach the function
    without being proven (its name on another receiver; where the function is used as a
    value, stored or passed, any call passing ``old=`` whose callee is not proven to be
    something else), and a proven call passing ``**`` (the mapping may hold ``old``)."""
    index = ClassIndex(files)
    fn = fn_node.name.value
    ours = f"{p.module}.{fn}"
    keyword = re.compile(rf"\b{re.escape(old)}\s*=(?!=)")
    valued = []
    for path, text in files.items():
        line = _value_use(text, fn) if fn in text else None
        if line is not None:
            valued.append(f"{Path(path).name}:{line}")
    tops = {m.split(".")[0] for m in index.modules}
    left: list[str] = []
    for path, text in files.items():
        if not (keyword.search(text) or "**" in text) or (fn not in text and not valued):
            continue
        q = parsed.get(path)  # the function's own file (read already), or:
        if q is None:
            aliases = _aliases(text, fn)
            if not _may_pass(text, {fn, *aliases}, old, anyone=bool(valued)):
                continue
            # the calls that matter name the function (or an alias of it); any call passing
            # `old=` where it travels as a value
            q = _parse_for(path, text, {fn, old, new} if valued else {fn, new, *aliases})
        rec = _Receivers(q, index)
        for call in _calls(q.wrapper.module):
            kws = [a for a in call.args if a.keyword is not None and a.keyword.value in (old, new)]
            stars = [a for a in call.args if a.star == "**"]
            if not kws and not stars:
                continue
            f = call.func
            if path == p.path and isinstance(f, cst.Name):
                acc = q.accessed.get(id(f))
                refs = {r for r in getattr(acc, "referents", ()) if isinstance(r, Assignment)}
                if refs and all(r.node is fn_node for r in refs):
                    if stars:
                        left.append(q.where(call))
                    continue  # renamed by the caller
            resolved = rec.qualified(f) if isinstance(f, (cst.Name, cst.Attribute)) else None
            target = index.canonical(resolved) if resolved else None
            if (target or resolved) == ours:
                if stars:
                    left.append(q.where(call))
                for a in kws:
                    if a.keyword.value == new:
                        raise Refusal(f"the call at {q.where(call)} already passes `{new}=`")
                    _edit(q, a.keyword, new)
                continue
            if not any(a.keyword.value == old for a in kws):
                continue
            named = (dotted(f) or "").rsplit(".", 1)[-1] == fn
            # where the function travels as a value, a workspace name may hold it (toolz's
            # `merge_with = curry(toolz.merge_with)`): only outside names and this file's own
            # defs and classes (and builtins) are proven to be something else
            outside = resolved is not None and resolved.split(".")[0] not in tops
            proven_other = outside or (isinstance(f, cst.Name) and _bound_here(q, f))
            passed = any(  # functools.partial(fn, old=...) and the like
                isinstance(a.value, (cst.Name, cst.Attribute))
                and (r := rec.qualified(a.value))
                and (index.canonical(r) or r) == ours
                for a in call.args
                if a.keyword is None and not a.star
            )
            if (named and resolved is None) or (valued and not proven_other) or passed:
                left.append(q.where(call))
        if q.edits:
            parsed[path] = q
        if len(left) >= MAX_LISTED:  # enough to refuse: the other files are not read
            stopped = True
            break
    else:
        stopped = False
    if left:
        listed = ", ".join(left[:MAX_LISTED]) + (", ..." if stopped else "")
        why = f" (`{fn}` is used as a value at {valued[0]})" if valued else ""
        count = f"at least {len(left)} calls" if stopped else f"{len(left)} call"
        raise Refusal(
            f"{count}{'s' if len(left) != 1 and not stopped else ''} passing `{old}=` (or "
            f"`**`) may reach `{fn}` without being proven to{why}, and would break: {listed}"
        )


def _bound_here(q: _Parsed, name: cst.Name) -> bool:
    """The name refers to a def or a class of this file, or to a builtin (not to a parameter,
    an assignment or an import, which may hold anything)."""
    acc = q.accessed.get(id(name))
    refs = [r for r in getattr(acc, "referents", ()) if isinstance(r, Assignment)]
    if not refs:
        return True  # a builtin
    return all(isinstance(r.node, (cst.FunctionDef, cst.ClassDef)) for r in refs)


def _aliases(text: str, name: str) -> set[str]:
    summary = keyword_calls(text)
    return set(summary[2].get(name, ())) if summary else set()


def _class_value_use(text: str, name: str) -> int | None:
    """The first line where the class ``name`` is stored or passed (see keyword_calls); 1
    where the text does not parse (anything may hold it)."""
    summary = keyword_calls(text)
    return 1 if summary is None else summary[3].get(name)
