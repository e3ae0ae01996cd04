"""Deterministic speed-up rewrites for "Make faster", so it helps without a model.

Each takes the file's source and the target function and returns a candidate (new source,
description) or None. None of them is trusted: a candidate is offered only after the tests,
equivalence on generated inputs and the timing interval agree (see faster.py).

- ``memoize``: ``@functools.cache`` on a function that calls itself;
- ``membership_set``: ``x in NAME`` inside a loop that never changes NAME -> a set of NAME
  built once before the loop;
- ``membership_seen``: a list that only grows by ``append`` and is searched with ``in`` ->
  a set kept beside it, searched instead;
- ``join_strings``: ``acc += piece`` in a loop after ``acc = ""`` -> pieces joined once;
- ``min_max``: ``sorted(x)[0]`` -> ``min(x)``, ``sorted(x)[-1]`` -> ``max(x)``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from .target import Target, TargetError, find_target

Rewrite = Callable[[str, Target], "tuple[str, str] | None"]
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MUTATORS = {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse"}


class _Text:
    """Edits by ast positions (byte columns) applied at once, last first."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:col].decode(errors="ignore"))

    def segment(self, node: ast.AST) -> str:
        start = self.offset(node.lineno, node.col_offset)
        return self.source[start : self.offset(node.end_lineno, node.end_col_offset)]

    def replace(self, node: ast.AST, text: str) -> None:
        start = self.offset(node.lineno, node.col_offset)
        self.edits.append((start, self.offset(node.end_lineno, node.end_col_offset), text))

    def indent(self, stmt: ast.stmt) -> str | None:
        """The statement's indentation, or None when it does not start its line."""
        head = self.lines[stmt.lineno - 1]
        prefix = head.encode()[: stmt.col_offset].decode(errors="ignore")
        return prefix if not prefix.strip() else None

    def before(self, stmt: ast.stmt, text: str) -> bool:
        ind = self.indent(stmt)
        if ind is None:
            return False
        at = self.starts[stmt.lineno - 1]
        self.edits.append((at, at, f"{ind}{text}\n"))
        return True

    def after(self, stmt: ast.stmt, text: str) -> bool:
        ind = self.indent(stmt)
        end_line = self.lines[stmt.end_lineno - 1]
        rest = end_line.encode()[stmt.end_col_offset :].decode(errors="ignore")
        if ind is None or rest.strip() or stmt.end_lineno >= len(self.starts):
            return False  # a `;` or a comment after it: leave the statement alone
        at = self.starts[stmt.end_lineno]
        nl = "" if end_line.endswith("\n") else "\n"
        self.edits.append((at, at, f"{nl}{ind}{text}\n"))
        return True

    def result(self) -> str | None:
        out = self.source
        for start, end, text in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            out = out[:start] + text + out[end:]
        try:
            ast.parse(out)
        except SyntaxError:
            return None
        return out if out != self.source else None


def _function(source: str, target: Target) -> ast.FunctionDef | None:
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.FunctionDef) and n.lineno - 1 == target.def_line:
            return n
    return None


def _parents(fn: ast.AST) -> dict[ast.AST, ast.AST]:
    parents = {}
    for node in ast.walk(fn):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _free_name(fn: ast.AST, base: str) -> str:
    used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)
    }
    name = base
    while name in used:
        name = "_" + name
    return name


def _mutates(tree: ast.AST, name: str) -> bool:
    """Whether ``tree`` rebinds ``name`` or changes the object through a method or item."""
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(
            n.ctx, (ast.Store, ast.Del)
        ):
            if isinstance(n.value, ast.Name) and n.value.id == name:
                return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            f = n.func
            if isinstance(f.value, ast.Name) and f.value.id == name and f.attr in _MUTATORS:
                return True
    return False


def _in_nested_scope(node: ast.AST, fn: ast.AST, parents: dict) -> bool:
    p = parents.get(node)
    while p is not None and p is not fn:
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return True
        p = parents.get(p)
    return False


def _membership(fn: ast.AST, parents: dict) -> list[tuple[ast.Compare, str]]:
    out = []
    for n in ast.walk(fn):
        if (
            isinstance(n, ast.Compare)
            and len(n.ops) == 1
            and isinstance(n.ops[0], (ast.In, ast.NotIn))
            and isinstance(n.comparators[0], ast.Name)
            and not _in_nested_scope(n, fn, parents)
        ):
            out.append((n, n.comparators[0].id))
    return out


def memoize(source: str, target: Target) -> tuple[str, str] | None:
    fn = _function(source, target)
    if fn is None or not target.top_level or fn.decorator_list:
        return None
    calls_self = any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fn.name
        for n in ast.walk(fn)
    )
    if not calls_self:
        return None
    lines = source.splitlines(keepends=True)
    lines.insert(target.start_line, "@functools.cache\n")
    new = "".join(lines)
    if not re.search(r"^import functools\s*$", new, re.M):
        new = add_import(new, "import functools")
    return new, "memoize with functools.cache"


def add_import(source: str, stmt: str) -> str:
    """``stmt`` after the last top-level import (or the docstring), else at the top."""
    tree = ast.parse(source)
    after = 0
    for node in tree.body:
        doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and after == 0
        if isinstance(node, (ast.Import, ast.ImportFrom)) or doc:
            after = node.end_lineno
        else:
            break
    lines = source.splitlines(keepends=True)
    if after == 0:
        return stmt + "\n\n" + source
    return "".join(lines[:after]) + stmt + "\n" + "".join(lines[after:])


def membership_set(source: str, target: Target) -> tuple[str, str] | None:
    fn = _function(source, target)
    if fn is None:
        return None
    parents = _parents(fn)
    for cmp, name in _membership(fn, parents):
        # The outermost enclosing loop (or statement holding a comprehension) that leaves
        # NAME alone: the set is built once, right before it.
        hoist, node = None, cmp
        while node is not fn and node is not None:
            parent = parents.get(node)
            if isinstance(node, _LOOPS + _COMPS):
                stmt = node
                while not isinstance(stmt, ast.stmt):
                    stmt = parents[stmt]
                if _mutates(stmt, name):
                    break
                hoist = stmt
            node = parent
        if hoist is None:
            continue
        set_name = _free_name(fn, f"{name}_set")
        t = _Text(source)
        if not t.before(hoist, f"{set_name} = set({name})"):
            continue
        for other, other_name in _membership(hoist, _parents(hoist)):
            if other_name == name:
                t.replace(other.comparators[0], set_name)
        new = t.result()
        if new is not None:
            return new, f"`in {name}` inside a loop -> a set built once before it"
    return None


def _simple(e: ast.expr) -> bool:
    """Cheap and free of side effects, so evaluating it twice changes nothing."""
    return all(
        isinstance(n, (ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Tuple, ast.Load))
        or isinstance(n, (ast.expr_context, ast.Slice))
        for n in ast.walk(e)
    )


def _changed_otherwise(fn: ast.AST, name: str, init: ast.Assign, appends: list) -> bool:
    """Whether ``name`` changes anywhere but its one binding and the given appends."""
    allowed = {id(a.value) for a in appends}
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, (ast.Store, ast.Del)):
            if n is not init.targets[0]:
                return True
        elif isinstance(n, (ast.Subscript, ast.Attribute)) and not isinstance(n.ctx, ast.Load):
            if isinstance(n.value, ast.Name) and n.value.id == name:
                return True
        elif isinstance(n, ast.Call) and id(n) not in allowed and _mutates(n, name):
            return True
    return False


def membership_seen(source: str, target: Target) -> tuple[str, str] | None:
    fn = _function(source, target)
    if fn is None:
        return None
    parents = _parents(fn)
    searched = {name for cmp, name in _membership(fn, parents)}
    for stmt in ast.walk(fn):
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.List)
            and not stmt.value.elts
            and stmt.targets[0].id in searched
        ):
            continue
        name = stmt.targets[0].id
        appends = [
            n
            for n in ast.walk(fn)
            if isinstance(n, ast.Expr)
            and isinstance(n.value, ast.Call)
            and isinstance(n.value.func, ast.Attribute)
            and isinstance(n.value.func.value, ast.Name)
            and n.value.func.value.id == name
            and n.value.func.attr == "append"
            and len(n.value.args) == 1
            and _simple(n.value.args[0])
        ]
        if not appends or _changed_otherwise(fn, name, stmt, appends):
            continue
        seen = _free_name(fn, f"{name}_set")
        t = _Text(source)
        ok = t.after(stmt, f"{seen} = set()")
        for a in appends:
            ok = ok and t.after(a, f"{seen}.add({t.segment(a.value.args[0])})")
        for cmp, cname in _membership(fn, parents):
            if cname == name:
                t.replace(cmp.comparators[0], seen)
        new = t.result() if ok else None
        if new is not None:
            return new, f"`in {name}` on a growing list -> a set kept beside it"
    return None


def join_strings(source: str, target: Target) -> tuple[str, str] | None:
    fn = _function(source, target)
    if fn is None:
        return None
    for block in (getattr(n, f, None) for n in ast.walk(fn) for f in ("body", "orelse")):
        if not isinstance(block, list):
            continue
        for i, init in enumerate(block):
            if not (
                isinstance(init, ast.Assign)
                and len(init.targets) == 1
                and isinstance(init.targets[0], ast.Name)
                and isinstance(init.value, ast.Constant)
                and isinstance(init.value.value, str)
            ):
                continue
            name = init.targets[0].id
            result = _join_after(source, fn, block, i, name)
            if result is not None:
                return result
    return None


def _join_after(source, fn, block, i, name) -> tuple[str, str] | None:
    init = block[i]
    for loop in block[i + 1 :]:
        adds = [
            n
            for n in ast.walk(loop)
            if isinstance(n, ast.AugAssign)
            and isinstance(n.op, ast.Add)
            and isinstance(n.target, ast.Name)
            and n.target.id == name
        ]
        uses = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == name]
        if not isinstance(loop, _LOOPS) or not adds:
            if uses:
                return None  # used before any loop builds it
            continue
        if len(uses) != len(adds):
            return None  # read inside the loop: the partial string is needed there
        parts = _free_name(fn, f"{name}_parts")
        t = _Text(source)
        first = [t.segment(init.value)] if init.value.value else []
        t.replace(init, f"{parts} = [{', '.join(first)}]")
        for a in adds:
            t.replace(a, f"{parts}.append({t.segment(a.value)})")
        if not t.after(loop, f'{name} = "".join({parts})'):
            return None
        new = t.result()
        return (new, f"`{name} +=` in a loop -> one join") if new else None
    return None


def min_max(source: str, target: Target) -> tuple[str, str] | None:
    fn = _function(source, target)
    if fn is None:
        return None
    t = _Text(source)
    for n in ast.walk(fn):
        if not (
            isinstance(n, ast.Subscript)
            and isinstance(n.value, ast.Call)
            and isinstance(n.value.func, ast.Name)
            and n.value.func.id == "sorted"
            and len(n.value.args) == 1
            and not isinstance(n.value.args[0], ast.Starred)
            and all(k.arg == "key" for k in n.value.keywords)
        ):
            continue
        index = ast.unparse(n.slice)
        pick = {"0": "min", "-1": "max"}.get(index)
        if pick is None:
            continue
        args = [t.segment(n.value.args[0])]
        args += [f"key={t.segment(k.value)}" for k in n.value.keywords]
        t.replace(n, f"{pick}({', '.join(args)})")
    new = t.result()
    return (new, "`sorted(x)[0]`/`[-1]` -> `min(x)`/`max(x)`") if new else None


REWRITES: list[Rewrite] = [memoize, membership_set, membership_seen, join_strings, min_max]


def candidates(source: str, target: Target) -> list[tuple[str, str]]:
    """Every rewrite that applies: (new source, description), in the order above."""
    out = []
    for rewrite in REWRITES:
        try:
            found = rewrite(source, target)
        except (SyntaxError, ValueError, RecursionError):
            found = None
        if found is not None and found[0] not in [s for s, _ in out]:
            out.append(found)
    # The loop rewrites together, applied one after the other (each re-reads the function,
    # whose def line the edits inside it do not move).
    combined, steps = source, []
    for rewrite in REWRITES[1:]:
        try:
            found = rewrite(combined, find_target(combined, target.def_line))
        except (SyntaxError, ValueError, RecursionError, TargetError):
            found = None
        if found is not None:
            combined, steps = found[0], [*steps, found[1]]
    if len(steps) > 1 and combined not in [s for s, _ in out]:
        out.append((combined, "; ".join(steps)))
    return out
