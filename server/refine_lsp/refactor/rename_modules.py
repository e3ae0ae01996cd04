"""Rename a module or a package, from its name in an import statement: the file (or the
folder) is renamed and every import of it in the workspace is rewritten, with the uses of
the names those imports bind (``import pkg.mod`` + ``pkg.mod.x``, ``from pkg import mod`` +
``mod.x``; relative imports too). The result carries the file rename as (old path, new path);
the caller turns it into a RenameFile where the editor accepts one.

Refused with the reason: a module outside the workspace, a new name that is taken (a file or
folder of that name beside it, or a name its package defines), a binding that would collide
in an importer. Strings naming the module (``mock.patch("pkg.mod.f")``) are reported as
warnings, not edited.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import libcst as cst
from libcst.metadata import ImportAssignment

from refine_lsp.index.classes import ClassIndex
from refine_lsp.index.modules import dotted, imported_module

from .cstwalk import dispatch, in_source_order
from .model import Refusal

# rename.py imports this module inside rename() (not at its top), so these names are ready
from .rename import RenameResult, _apply, _edit, _parse, _Parsed, _rename_variable  # noqa: E402


def _chain(node: cst.BaseExpression) -> list[cst.Name]:
    """The Names of a dotted chain, head first."""
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, cst.Attribute):
        return [*_chain(node.value), node.attr]
    return []


def _relative_base(stmt: cst.ImportFrom, importer: str, is_package: bool) -> list[str] | None:
    level = len(stmt.relative)
    if level == 0:
        return []
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    if level - 1 > len(base):
        return None
    return base[: len(base) - (level - 1)]


def exists(p: _Parsed, module: str) -> bool:
    """Whether the module is a file of the importer's tree (read off the disk: no index)."""
    root = Path(p.path).parent
    for _ in range(len(p.module.split(".")) - (0 if p.is_package else 1)):
        root = root.parent
    base = root.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def module_at(p: _Parsed, name: cst.Name, ancestors: list[cst.CSTNode], index=None):
    """The dotted module the name at the cursor stands for in an import statement, or None
    (not in an import, or a name imported from a module rather than a module)."""
    stmt = next(
        (a for a in reversed(ancestors) if isinstance(a, (cst.Import, cst.ImportFrom))), None
    )
    if stmt is None:
        return None
    if isinstance(stmt, cst.Import):
        for alias in stmt.names:
            chain = _chain(alias.name)
            if any(n is name for n in chain):
                i = next(i for i, n in enumerate(chain) if n is name)
                return ".".join(n.value for n in chain[: i + 1])
        return None  # the `as` name
    base = _relative_base(stmt, p.module, p.is_package)
    if base is None:
        raise Refusal("this relative import goes above the top of the workspace's packages")
    chain = _chain(stmt.module) if stmt.module is not None else []
    if any(n is name for n in chain):
        i = next(i for i, n in enumerate(chain) if n is name)
        return ".".join([*base, *(n.value for n in chain[: i + 1])])
    if isinstance(stmt.names, cst.ImportStar):
        return None
    for alias in stmt.names:
        if alias.name is name:
            source = imported_module(stmt, p.module, p.is_package)
            full = f"{source}.{name.value}" if source else name.value
            known = full in index.modules if index is not None else exists(p, full)
            return full if known else None
    return None


def _new_path(old_path: Path, is_package: bool, new: str) -> tuple[Path, Path]:
    """(what is renamed: the file or the package's folder, its new path)."""
    if is_package:
        folder = old_path.parent
        return folder, folder.with_name(new)
    return old_path, old_path.with_name(new + old_path.suffix)


def _binding_module(q: _Parsed, a: ImportAssignment) -> str | None:
    """The dotted module (or module.name) an import binding denotes."""
    stmt = a.node
    if isinstance(stmt, cst.Import):
        for alias in stmt.names:
            full = dotted(alias.name)
            if alias.asname is not None:
                if alias.asname.name.value == a.name:
                    return full
            elif full == a.name or (full or "").startswith(a.name + "."):
                return a.name
        return None
    if isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
        source = imported_module(stmt, q.module, q.is_package)
        if source is None:
            return None
        for alias in stmt.names:
            bound = alias.asname.name.value if alias.asname else dotted(alias.name)
            if bound == a.name:
                return f"{source}.{dotted(alias.name)}" if source else dotted(alias.name)
    return None


def _starts(parts: list[str], prefix: list[str]) -> bool:
    return parts[: len(prefix)] == prefix


def _rewrite(q: _Parsed, target: list[str], new: str, result: RenameResult) -> None:
    k = len(target)
    old = target[-1]
    outer: dict[int, cst.Attribute] = {}

    class Collect:
        def __init__(self):
            self.imports: list[cst.Import | cst.ImportFrom] = []
            self.strings: list[cst.SimpleString] = []

        def visit_Attribute(self, node: cst.Attribute) -> None:
            outer[id(node.value)] = node

        def visit_Import(self, node: cst.Import) -> None:
            self.imports.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            self.imports.append(node)

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            self.strings.append(node)

    seen = Collect()
    dispatch(seen, q.wrapper.module)
    seen.imports = in_source_order(seen.imports, q.positions)
    seen.strings = in_source_order(seen.strings, q.positions)
    rebind: list[tuple[ImportAssignment, cst.ImportAlias]] = []
    for stmt in seen.imports:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                chain = _chain(alias.name)
                if _starts([n.value for n in chain], target):
                    _edit(q, chain[k - 1], new)
            continue
        source = imported_module(stmt, q.module, q.is_package)
        if source is None:
            continue
        base = _relative_base(stmt, q.module, q.is_package) or []
        chain = _chain(stmt.module) if stmt.module is not None else []
        if _starts(source.split("."), target):
            i = k - 1 - len(base)
            if i >= 0:
                _edit(q, chain[i], new)
            continue
        if isinstance(stmt.names, cst.ImportStar):
            continue
        for alias in stmt.names:
            if f"{source}.{dotted(alias.name)}".split(".") == target:
                if alias.asname is None:
                    rebind.append((stmt, alias))
                else:
                    _edit(q, alias.name, new)
    # uses of the names the imports bind
    for acc in q.accesses:
        node = acc.node
        for r in acc.referents:
            if not isinstance(r, ImportAssignment):
                continue
            bound = _binding_module(q, r)
            if bound is None:
                continue
            b = bound.split(".")
            if isinstance(r.node, cst.Import) and not any(a.asname for a in r.node.names):
                # `import a.b.c`: the access is the dotted chain itself
                chain = _chain(node) if isinstance(node, (cst.Name, cst.Attribute)) else []
                parts = [n.value for n in chain]
                extra = node
                while len(parts) < k and id(extra) in outer:
                    extra = outer[id(extra)]
                    chain.append(extra.attr)
                    parts.append(extra.attr.value)
                if _starts(parts, target):
                    if k == 1 and new in r.scope.assignments:
                        raise Refusal(f"`{new}` is already defined where {q.where(node)} is")
                    _edit(q, chain[k - 1], new)
                break
            if len(b) >= k:
                break  # the import itself names the module (or something inside it)
            attrs, extra = [], node
            while len(b) + len(attrs) < k and id(extra) in outer:
                extra = outer[id(extra)]
                attrs.append(extra.attr)
            if _starts(b + [a.value for a in attrs], target):
                _edit(q, attrs[k - len(b) - 1], new)
            break
    for stmt, alias in rebind:  # `from pkg import mod`: the bound name follows, or `as` keeps it
        assignment = next(
            (a for a in _import_bindings(q) if a.node is stmt and a.name == alias.name.value),
            None,
        )
        saved = dict(q.edits)
        try:
            if assignment is None:
                raise Refusal("no binding")
            _rename_variable(q, assignment.scope, {assignment}, old, new, edit_bindings=False)
            _edit(q, alias.name, new)
        except Refusal:  # the new name is taken there: keep the old one as an alias
            q.edits = saved
            _edit(q, alias.name, f"{new} as {old}")
    dotted_old = ".".join(target)
    for s in seen.strings:
        try:
            value = s.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal names no module
            continue
        if isinstance(value, str) and (value == dotted_old or value.startswith(dotted_old + ".")):
            result.warnings.append(f"the string '{value}' at {q.where(s)} was left as it is")


def _import_bindings(q: _Parsed) -> list[ImportAssignment]:
    seen, out = set(), []
    for scope in q.scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        out += [a for a in scope.assignments if isinstance(a, ImportAssignment)]
    return out


def rename_module(
    files: Mapping[str, str], p: _Parsed, module: str, new: str, index: ClassIndex | None = None
) -> RenameResult:
    index = index or ClassIndex(files)
    path = index.module_path(module)
    if path is None:
        raise Refusal(f"the module `{module}` is not in the workspace")
    target = module.split(".")
    old = target[-1]
    result = RenameResult(old, new)
    if old == new:
        return result
    is_package = Path(path).name == "__init__.py"
    source, dest = _new_path(Path(path), is_package, new)
    for taken in (dest, dest.with_suffix(".py") if is_package else dest.with_suffix("")):
        if taken.exists() or any(os.path.commonpath([f, str(taken)]) == str(taken) for f in files):
            raise Refusal(f"`{taken.name}` already exists beside `{source.name}`")
    parent = ".".join(target[:-1])
    if parent:
        parent_path = index.module_path(parent)
        if parent_path is not None and new in index.info(parent_path).names:
            raise Refusal(f"the package `{parent}` already defines a name `{new}`")
    parsed = {p.path: p}
    for other, text in files.items():
        if old not in text:
            continue
        q = parsed.get(other) or _parse(other, text)
        parsed[other] = q
        _rewrite(q, target, new, result)
    for q in parsed.values():
        if q.edits:
            result.changes[q.path] = _apply(q)
            result.occurrences += len(q.edits)
    result.file_renames.append((str(source), str(dest)))
    result.occurrences += 1
    return result
