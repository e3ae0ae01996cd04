"""Move top-level functions, classes and constants to another module (existing or new), with
every import of them in the workspace rewritten, or refuse with the reason.

The moved code takes the names it uses along: copies of the import statements for the
imported ones, ``from src import name`` for the ones that stay in the source. The source
imports the moved names back only where its remaining code uses them (or when a re-export is
asked for). Refused: a new import cycle at import time, module state the moved code rebinds
(``global``) or reads while the source rebinds it, a name the destination already defines or
means something else by, ``import *`` of the source, and uses the rewrite cannot follow
(``src.f = ...``, ``getattr(src, "f")``, ``"src.f"`` in strings, ``__file__``, ``globals()``).
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    BaseAssignment,
    BuiltinAssignment,
    GlobalScope,
    ImportAssignment,
)

from refine_lsp.index.modules import dotted, imported_module, module_name

from .model import Refusal
from .move_dest import (
    already_imported,
    check_destination,
    dest_has,
    origin,
    place_in_destination,
)
from .move_file import (
    MoveFile,
    _is_docstring,
    has_future_annotations,
    import_from_text,
    leading_block_end,
    parse,
    relative_to,
)
from .move_graph import (
    import_graph,
    import_moved_earlier,
    imports_of,
    names_imported_from,
    new_cycle,
    star_importers,
)
from .move_importers import Target, rewrite_importer
from .move_reduced import (
    module_bound,
    parse_destination,
    parse_importer,
    parse_source,
    source_aliases,
)
from .move_text import (
    all_node,
    edit_all,
    insert_import,
    moved_text,
    removal_lines,
    within,
)

MODULE_DUNDERS = frozenset(
    {"__name__", "__file__", "__spec__", "__package__", "__loader__", "__path__", "__cached__"}
)
NAMESPACE_CALLS = frozenset({"globals", "vars"})


@dataclass
class MoveResult:
    names: list[str]
    source: str
    dest: str
    dest_module: str
    changes: dict[str, str] = field(default_factory=dict)  # path -> whole new text
    created: list[str] = field(default_factory=list)  # files the move creates (in changes too)
    warnings: list[str] = field(default_factory=list)


def defined_names(stmt: cst.CSTNode) -> list[str] | None:
    """The names a movable top-level statement defines (None: not movable)."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return [stmt.name.value]
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and all(isinstance(t.target, cst.Name) for t in small.targets):
        return [t.target.value for t in small.targets]
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
        return [small.target.value]
    return None


def _selection(src: MoveFile, first: int, last: int) -> tuple[list[cst.CSTNode], list[str]]:
    stmts, names = [], []
    for stmt in src.tree.body:
        a, b = src.lines(stmt)
        if b < first + 1 or a > last + 1:
            continue
        found = defined_names(stmt)
        if found is None:
            raise Refusal(
                f"line {a} of {src.name} is not a top-level function, class or constant: "
                "only those can be moved"
            )
        for n in found:
            if n.startswith("__") and n.endswith("__"):
                raise Refusal(f"`{n}` belongs to its module: it cannot be moved")
        stmts.append(stmt)
        names += found
    if not stmts:
        raise Refusal("no top-level function, class or constant here to move")
    return stmts, names


class _Scan(cst.CSTVisitor):
    """global statements, namespace calls and strings: what scope analysis does not show."""

    def __init__(self) -> None:
        self.globals: list[cst.Global] = []
        self.namespace: list[cst.Call] = []
        self.strings: list[tuple[cst.SimpleString, str]] = []

    def visit_Global(self, node: cst.Global) -> None:
        self.globals.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in NAMESPACE_CALLS and not node.args:
            self.namespace.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal names nothing
            return
        if isinstance(value, str):
            self.strings.append((node, value))


class _ImportTimeCalls(cst.CSTVisitor):
    """Calls and decorators the moved statements run when their module is imported (not the
    bodies of the functions they define)."""

    def __init__(self) -> None:
        self.found: list[tuple[cst.CSTNode, cst.CSTNode]] = []  # (where, callee)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for dec in node.decorators:
            dec.visit(self)
            self.found.append((dec, dec.decorator))
        node.params.visit(self)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for dec in node.decorators:
            self.found.append((dec, dec.decorator))
        return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append((node, node.func))


def _head(expr: cst.CSTNode) -> cst.CSTNode:
    """The name a callee expression starts from (``a`` of ``a.b(c)(d)``)."""
    while True:
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        else:
            return expr


def _check_import_time_calls(src: MoveFile, stmts, files: Mapping[str, str]) -> None:
    """Workspace code the moved statements run on import (``@register``, ``X = build()``)
    would then run when the destination is imported, maybe never: refused. Calls into the
    standard library and third-party code (``@dataclass``, ``lru_cache``) are taken as pure."""
    workspace = {module_name(Path(p))[0] for p in files}
    by_node = {}
    for acc in src.accesses:
        by_node.setdefault(id(acc.node), acc)
    for stmt in stmts:
        calls = _ImportTimeCalls()
        stmt.visit(calls)
        for where, callee in calls.found:
            head = _head(callee)
            acc = by_node.get(id(head))
            if acc is None:
                continue
            for r in acc.referents:
                if isinstance(r, BuiltinAssignment):
                    continue
                local = not isinstance(r, ImportAssignment)
                bound = origin(src, r) or ""
                module = bound.split(" ")[1] if bound.startswith(("from ", "import ")) else ""
                if local or any(module == w or module.startswith(w + ".") for w in workspace if w):
                    raise Refusal(
                        f"the moved code calls `{src.code(head)}` at {src.where(where)} while its "
                        "module is imported: moved, that would happen when the destination is "
                        "imported instead (maybe never)"
                    )


def _add_future(dst: MoveFile, header: str) -> str:
    """``from __future__ import annotations`` at the destination's top (after its
    docstring); returns the header to insert with its imports (it goes first there when the
    two places are one)."""
    line = "from __future__ import annotations\n"
    body = dst.tree.body
    doc_end = dst.lines(body[0])[1] if body and _is_docstring(body[0]) else 0
    if leading_block_end(dst) == doc_end or not body:
        return line + header
    if doc_end:
        dst.insert_before_line(doc_end + 1, line)
    else:
        first = body[0]
        comments = 0
        for empty in reversed(first.leading_lines):
            if empty.comment is None:
                break
            comments += 1
        dst.insert_before_line(dst.lines(first)[0] - comments, line)
    return header


def _import_line(target: str, names: list[str], style: MoveFile, importer: str, pkg: bool) -> str:
    """``from target import names`` for ``importer``: relative where ``style`` (the file it
    goes in, or the source for a new module) imports relatively and both lie in one package."""
    relative = any(
        isinstance(small, cst.ImportFrom) and small.relative
        for line in style.tree.body
        if isinstance(line, cst.SimpleStatementLine)
        for small in line.body
    )
    rel = relative_to(target, importer, pkg) if relative else None
    if rel is not None and rel[0]:
        return import_from_text(rel[0], rel[1], [(n, None) for n in names])
    return import_from_text(target, 0, [(n, None) for n in names])


def _type_checking_body(src: MoveFile) -> list:
    """The statements of the source's top-level ``if TYPE_CHECKING:`` blocks."""
    out = []
    for stmt in src.tree.body:
        if isinstance(stmt, cst.If) and isinstance(stmt.body, cst.IndentedBlock):
            test = stmt.test
            name = test.value if isinstance(test, cst.Name) else getattr(test, "attr", None)
            if getattr(name, "value", name) == "TYPE_CHECKING":
                out += list(stmt.body.body)
    return out


def _the_binding(refs: set, name: str):
    """The one binding of ``name`` the moved code reads; with several, the plain ``import
    name`` when every one is a module import (``import collections`` beside ``import
    collections.abc``: both bind ``collections``, the first makes it); else None."""
    if len(refs) == 1:
        return next(iter(refs))
    if not all(isinstance(r, ImportAssignment) and isinstance(r.node, cst.Import) for r in refs):
        return None
    plain = [
        r for r in refs if any(dotted(a.name) == name and a.asname is None for a in r.node.names)
    ]
    return plain[0] if len(plain) == 1 else None


def _copy_import(
    src: MoveFile, a: BaseAssignment, dest: str, dest_pkg: bool, body=None
) -> str | None:
    """An import statement binding the same name in the destination, when ``a`` is a plain
    top-level import of the source (or one of ``body``); None: import the name from the
    source instead."""
    if not isinstance(a, ImportAssignment):
        return None
    node = a.node
    top = (
        s
        for s in (src.tree.body if body is None else body)
        if isinstance(s, cst.SimpleStatementLine)
    )
    if not any(small is node for line in top for small in line.body):
        return None
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None and alias.asname.name.value == a.name:
                return f"import {full} as {a.name}\n"
            if alias.asname is None and (full == a.name or full.startswith(a.name + ".")):
                return f"import {full}\n"
        return None
    if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return None
    base = imported_module(node, src.module, src.is_package)
    if base is None:
        return None
    for alias in node.names:
        name = dotted(alias.name)
        bound = alias.asname.name.value if alias.asname else name
        if bound != a.name:
            continue
        if node.relative:
            rel = relative_to(base, dest, dest_pkg) if base else None
            if rel is not None:
                return import_from_text(rel[0], rel[1], [(name, bound)])
        return import_from_text(base, 0, [(name, bound)])
    return None


def move(
    files: Mapping[str, str],
    path: str,
    first_line: int,
    last_line: int,
    dest_path: str,
    reexport: bool = False,
) -> MoveResult:
    """Move the top-level statements on zero-based lines first..last of ``path`` to the
    module at ``dest_path`` (created when it is not among ``files``). ``files``: every Python
    file of the workspace, path -> text. Raises Refusal with the reason."""
    src = parse_source(path, files[path], first_line, last_line)
    if Path(dest_path).resolve() == Path(path).resolve():
        raise Refusal(f"{src.name} is the module the code is in already")
    dest_module, dest_pkg = module_name(Path(dest_path))
    if not dest_module:
        raise Refusal(f"{dest_path} has no module name")
    stmts, names = _selection(src, first_line, last_line)
    result = MoveResult(names, path, dest_path, dest_module)
    ranges = [src.lines(s) for s in stmts]

    def inside(node: cst.CSTNode) -> bool:
        line = src.positions[node].start.line
        return any(a <= line <= b for a, b in ranges)

    g = src.global_scope
    moved: set[BaseAssignment] = set()
    for n in names:
        for a in g.assignments[n]:
            if not inside(a.node):
                raise Refusal(
                    f"`{n}` is also bound at {src.where(a.node)}: moving one of its bindings "
                    "would change which one is used"
                )
            moved.add(a)

    scan = _Scan()
    src.tree.visit(scan)
    rebound: dict[str, cst.Global] = {}
    for node in scan.globals:
        if inside(node):
            raise Refusal(
                f"the moved code declares `global {', '.join(n.name.value for n in node.names)}` "
                f"at {src.where(node)}: it rebinds module state of {src.name} that an import "
                "cannot carry"
            )
        for n in node.names:
            rebound.setdefault(n.name.value, node)
    for n in names:
        if n in rebound:
            raise Refusal(
                f"`{n}` is rebound with `global` at {src.where(rebound[n])}: the moved one "
                "would not follow"
            )
    for call in scan.namespace:
        if inside(call):
            raise Refusal(
                f"the moved code calls {call.func.value}() at {src.where(call)}: its module's "
                "namespace would change"
            )
        if call.func.value == "globals" or isinstance(src.scopes.get(call), GlobalScope):
            raise Refusal(
                f"{src.name} reads its namespace whole with {call.func.value}() at "
                f"{src.where(call)}: the moved names would leave it"
            )

    _check_import_time_calls(src, stmts, files)
    # What the moved code uses from the source's module scope.
    needed: dict[str, set[BaseAssignment]] = {}
    starred = any(
        isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
        for line in src.tree.body
        if isinstance(line, cst.SimpleStatementLine)
        for small in line.body
    )
    unresolved: set[str] = set()
    annotated = False
    for acc in src.accesses:
        if not inside(acc.node):
            continue
        annotated |= bool(acc.is_annotation)
        if isinstance(acc.node, cst.Name) and acc.node.value in MODULE_DUNDERS:
            raise Refusal(
                f"the moved code reads `{acc.node.value}` at {src.where(acc.node)}: its value "
                "depends on the module"
            )
        if not acc.referents and starred and isinstance(acc.node, cst.Name):
            unresolved.add(acc.node.value)  # from the source's `import *`, it seems
        for r in acc.referents:
            if isinstance(r, BuiltinAssignment) or r.scope is not g or r in moved:
                continue
            needed.setdefault(r.name, set()).add(r)
    copies: dict[str, str] = {}
    guarded: dict[str, str] = {}  # imported under `if TYPE_CHECKING:` in the source
    from_source: list[str] = []
    for n, refs in sorted(needed.items()):
        if n in rebound:
            raise Refusal(
                f"the moved code reads `{n}`, module state of {src.name} rebound with `global` "
                f"at {src.where(rebound[n])}: an import would copy its value once"
            )
        copy = _copy_import(src, _the_binding(refs, n), dest_module, dest_pkg)
        if copy is not None:
            copies[n] = copy
        elif len(refs) == 1 and (
            typed := _copy_import(
                src, next(iter(refs)), dest_module, dest_pkg, _type_checking_body(src)
            )
        ):
            guarded[n] = typed  # for annotations only: it stays behind the guard
        elif n.split(".")[0] in {m.split(".")[0] for m in copies}:
            continue
        else:
            from_source.append(n.split(".")[0])
    from_source += sorted(unresolved - set(from_source))  # they exist in its namespace
    own = [
        n for n in copies if origin(src, next(iter(needed[n]))) == f"from {dest_module} import {n}"
    ]
    for n in own:  # the destination's own names: nothing to import there
        del copies[n]
        needed.pop(n)
    for n in [
        n for n in guarded if origin(src, next(iter(needed[n]))) == f"from {dest_module} import {n}"
    ]:
        del guarded[n]  # (for annotations only: nothing to order)
        needed.pop(n)
    remaining = sorted(
        {
            r.name
            for acc in src.accesses
            if not inside(acc.node)
            for r in acc.referents
            if r in moved
        }
    )

    for node, value in scan.strings:
        if value in names and not inside(node):
            if all_node(src) is not None and within(src, node, all_node(src)):
                continue
            result.warnings.append(f"the string '{value}' at {src.where(node)} was left as it is")
    for other, text in files.items():
        for n in names:
            for q in ("'", '"'):
                if f"{q}{src.module}.{n}{q}" in text or f"{q}{src.module}.{n}." in text:
                    raise Refusal(
                        f"{Path(other).name} names `{src.module}.{n}` in a string (a patch "
                        "target?): the move cannot follow it"
                    )

    exists = dest_path in files
    moved_code = "".join(src.code(s) for s in stmts)
    dst = parse_destination(dest_path, files[dest_path], src.module, moved_code) if exists else None
    future = has_future_annotations(src) and annotated
    future_top = False
    if dst is not None:
        check_destination(src, dst, names, {**copies, **guarded}, from_source, needed)
        if future and not has_future_annotations(dst):
            dst = parse(dest_path, files[dest_path])  # its every annotation: analysed whole
            if any(acc.is_annotation for acc in dst.accesses):
                raise Refusal(
                    f"{src.name} has `from __future__ import annotations` and {dst.name} does "
                    "not: the moved annotations would be evaluated there"
                )
            future_top = future
        future = False  # an existing destination gets it at its top, not with the imports
    listed = all_node(src)
    if listed is not None:
        public = {getattr(el.value, "evaluated_value", None) for el in listed.elements}
        exported = frozenset(n for n in names if n in public)
    else:
        exported = frozenset(n for n in names if not n.startswith("_"))
    target = Target(src.module, dest_module, frozenset(names), exported)

    # The destination: imports after its leading ones, then the moved code.
    header = "from __future__ import annotations\n" if future else ""
    header += "".join(
        sorted(set(copies.values()), key=lambda line: (line.startswith("from"), line))
    )
    reused: list[str] = []  # names the destination imports already: the code goes below them
    if dst is not None:
        skip = already_imported(src, dst, from_source, copies)
        reused = [n for n, line in copies.items() if line.strip() in skip]
        header = "".join(
            line for line in header.splitlines(keepends=True) if line.strip() not in skip
        )
    wanted = [
        n for n in dict.fromkeys(from_source) if dst is None or n not in dest_has(dst, n, src)
    ]
    reused += [n for n in dict.fromkeys(from_source) if n not in wanted]  # below those, too
    if wanted:
        header += _import_line(src.module, wanted, dst or src, dest_module, dest_pkg)
    typed = sorted(set(guarded.values()))
    if dst is not None:
        skip = already_imported(src, dst, [], guarded)
        typed = [line for line in typed if line.strip() not in skip]
    if typed:
        if dst is None or not dst.global_scope.assignments["TYPE_CHECKING"]:
            future_line = "from __future__ import annotations\n" if future else ""
            header = future_line + "from typing import TYPE_CHECKING\n" + header[len(future_line) :]
        header += "\nif TYPE_CHECKING:\n" + "".join("    " + line for line in typed)
    code = moved_text(src, stmts)
    if dst is None:
        new_text = (header + "\n\n" if header else "") + code
        result.created.append(dest_path)
        result.changes[dest_path] = new_text
    else:
        rewrite_importer(dst, target, is_dest=True)
        if future_top:
            header = _add_future(dst, header)
        place_in_destination(dst, names, [*own, *reused], header, code)
        edit_all(dst, add=_all_additions(files, src, dst, names, exported, result))
        result.changes[dest_path] = dst.apply().lstrip("\n")  # its leading imports may go

    # The source: the moved statements go; it imports back what it still uses.
    for a, b in removal_lines(src, stmts):
        src.replace_lines(a, b, "")
    back = list(dict.fromkeys(remaining + (names if reexport else [])))
    if back:
        at = leading_block_end(src)
        line = _import_line(dest_module, back, src, src.module, src.is_package)
        insert_import(src, at, line)
    if not reexport:
        edit_all(src, remove=set(names))
    _drop_unused_imports(src, files, inside)
    left = src.apply()
    result.changes[path] = left.strip("\n") + "\n" if left.strip() else ""

    try:  # before the importers: the usual cause, and cheap
        _check_cycle(files, result.changes, result.names)
    except Refusal as exc:
        why = []
        if wanted:
            why.append(f"{dest_module} would import {_names(wanted)} from {src.module}")
        if back:
            why.append(f"{src.module} would import {_names(back)} from {dest_module}")
        raise Refusal(f"{exc} ({'; '.join(why)})" if why else str(exc)) from None
    # Every other file that imports them from the source.
    for other, text in files.items():
        if other in (path, dest_path):
            continue
        if src.module.split(".")[-1] not in text and not src.is_package:
            continue
        kind, lines = imports_of(other, text, src.module, names)
        if not kind:
            continue
        new_text = _rewrite_statements(other, text, lines, target) if kind == "from" else None
        if new_text is None:
            f = parse_importer(other, text, src.module, dest_module, names)
            new_text = f.apply() if rewrite_importer(f, target, is_dest=False) else text
        if new_text != text:
            result.changes[other] = new_text

    _check_leftovers(files, result, src.module, names)
    _check_result(files, result)
    return result


def _all_additions(files, src: MoveFile, dst: MoveFile, names, exported, result) -> list[str]:
    """The moved names the destination's ``__all__`` takes: those the source exported, where
    every workspace module doing ``from dst import *`` had them before (by ``from src import
    *``): its namespace stays as it was (toolz checks its own against toolz.curried's). A
    module that star-imports a destination without ``__all__`` gets the moved public names:
    refused where it binds one itself (the import would replace it), said otherwise."""
    mine = {src.path, dst.path}
    theirs = [p for p in star_importers(files, dst.module) if p not in mine]
    if not theirs:
        return [n for n in names if n in exported]
    had = set(star_importers(files, src.module))
    if all_node(dst) is not None:
        return [n for n in names if n in exported and all(p in had for p in theirs)]
    for p in theirs:
        gained = [n for n in names if not n.startswith("_") and not (p in had and n in exported)]
        if not gained:
            continue
        try:
            bound = module_bound(ast.parse(files[p])) & set(gained)
        except (SyntaxError, ValueError):
            bound = set(gained)
        bound -= names_imported_from(p, files[p], {src.module, dst.module})  # the same one
        if bound:
            raise Refusal(
                f"{Path(p).name} does `from {dst.module} import *` and binds "
                f"{_names(sorted(bound))} itself: the moved one would replace it there"
            )
        result.warnings.append(
            f"{Path(p).name} does `from {dst.module} import *`: it now gets {_names(gained)} too"
        )
    return []


def _check_leftovers(files: Mapping[str, str], result: MoveResult, source: str, names) -> None:
    """``pkg.src.f`` still written somewhere (reached through ``import pkg``, say), or
    ``other.alias.f`` (another module's import of the source, as toolz's ``__init__`` calls
    ``functoolz._sigs.create_signature_registry()``): after the move it would not be there."""
    moved = "|".join(map(re.escape, names))
    patterns = []
    if "." in source:
        patterns.append(re.compile(r"(?<![\w.])(" + re.escape(source) + r")\.(" + moved + r")\b"))
    last = source.rpartition(".")[2]
    aliases = set()
    for path, text in files.items():
        if last in text:
            aliases |= source_aliases(path, text, source)
    if aliases:
        alt = "|".join(map(re.escape, sorted(aliases)))
        patterns.append(re.compile(r"(?<=\.)\s*(" + alt + r")\s*\.\s*(" + moved + r")\b"))
    for path, text in files.items():
        if path == result.source:
            continue
        text = result.changes.get(path, text)
        for pattern in patterns:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                via = "" if m.group(1) == source else f" (the module {source})"
                raise Refusal(
                    f"{Path(path).name}:{line} reaches `{m.group(2)}` as "
                    f"{m.group(1)}.{m.group(2)}{via}, a way the move cannot rewrite yet"
                )


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _drop_unused_imports(src: MoveFile, files: Mapping[str, str], inside) -> None:
    """The source's top-level imports that only the moved code used (they went with it),
    unless ``__all__`` lists them or another file imports them from the source."""
    listed = all_node(src)
    public = (
        {getattr(el.value, "evaluated_value", None) for el in listed.elements} if listed else set()
    )
    last = src.module.split(".")[-1]
    g = src.global_scope
    for line in src.tree.body:
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            continue
        node = line.body[0]
        if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(
            getattr(node, "names", None), cst.ImportStar
        ):
            continue
        if (
            isinstance(node, cst.ImportFrom)
            and src.code(node.module or cst.Module([])) == "__future__"
        ):
            continue
        unused = []
        for alias in node.names:
            full = dotted(alias.name)
            bound = alias.asname.name.value if alias.asname else full
            if "." in bound or bound in public:
                continue
            bindings = [a for a in g.assignments[bound]]
            if len(bindings) != 1 or bindings[0].node is not node:
                continue
            uses = [acc.node for acc in src.all_accesses_of(set(bindings))]
            if not uses or not all(inside(u) for u in uses):
                continue
            if any(
                other != src.path
                and bound in text
                and (imports_of(other, text, src.module, [bound])[0] or f"{last}.{bound}" in text)
                for other, text in files.items()
            ):
                continue
            unused.append(alias)
        if not unused:
            continue
        kept = [a for a in node.names if a not in unused]
        if kept:
            kept = [*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            src.replace_node(node, src.code(node.with_changes(names=kept)))
        else:
            src.replace_lines(*src.lines(line), "")


def _rewrite_statements(path: str, text: str, starts: list[int], target: Target) -> str | None:
    """The ``from src import`` statements starting on those lines rewritten one by one, each
    parsed on its own (a big test module costs seconds to analyse whole); None where one
    cannot be cut out cleanly (the caller parses the whole file)."""
    tree = ast.parse(text)
    spans = {
        n.lineno: n.end_lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.lineno in starts
    }
    lines = text.splitlines(keepends=True)
    for first in sorted(spans, reverse=True):
        last = spans[first]
        chunk = "".join(lines[first - 1 : last])
        if not chunk.endswith("\n"):
            chunk += "\n"
        indent = chunk[: len(chunk) - len(chunk.lstrip(" \t"))]
        body = textwrap.dedent(chunk)
        if body[:1].isspace() or (indent and not chunk.startswith(indent)):
            return None
        try:
            f = parse(path, body)
        except Refusal:
            return None
        if rewrite_importer(f, target, is_dest=False):
            lines[first - 1 : last] = [textwrap.indent(f.apply(), indent) if indent else f.apply()]
    return "".join(lines)


def _check_result(files: Mapping[str, str], result: MoveResult) -> None:
    for p, text in result.changes.items():
        try:
            compile(text, p, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            raise Refusal(
                f"the move would leave {Path(p).name} unparsable (line {getattr(exc, 'lineno', '?')}"
                ", an internal error): nothing was changed"
            ) from None
    _check_cycle(files, result.changes, result.names)


def _check_cycle(files: Mapping[str, str], changes: Mapping[str, str], moved=()) -> None:
    after = {**files, **changes}
    touched = [module_name(Path(p))[0] for p in changes]
    found = new_cycle(import_graph(files), import_graph(after), touched)
    earlier = None if found else import_moved_earlier(files, after, list(changes), moved)
    if earlier:
        m, w, name = earlier
        raise Refusal(
            f"the move would have {m} import {w} before it defines `{name}`: the two import "
            f"each other at import time, and {w} could find {m} half imported"
        )
    if found and found[1]:
        raise Refusal(
            "the move would add an import inside an import cycle at import time: "
            + " -> ".join(found[0])
            + " import each other already, and the new import could run while the other is "
            "half imported"
        )
    if found:
        raise Refusal(
            "the move would make an import cycle at import time: " + " -> ".join(found[0])
        )
