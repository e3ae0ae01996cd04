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
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    BaseAssignment,
    BuiltinAssignment,
    FunctionScope,
    ImportAssignment,
)

from refine_lsp.index.modules import dotted, imported_module, module_name

from .model import Refusal
from .move_file import (
    MoveFile,
    has_future_annotations,
    import_from_text,
    leading_block_end,
    parse,
    relative_to,
)
from .move_graph import import_graph, imports_of, new_cycle
from .move_importers import Target, module_bound, rewrite_importer

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


def _origin(f: MoveFile, a: BaseAssignment) -> str | None:
    """What an import binding stands for, comparable across files."""
    if not isinstance(a, ImportAssignment):
        return None
    node = a.node
    if isinstance(node, cst.Import):
        return f"import {module_bound(f, a)}"
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        base = imported_module(node, f.module, f.is_package)
        for alias in node.names:
            bound = alias.asname.name.value if alias.asname else dotted(alias.name)
            if bound == a.name:
                return f"from {base} import {dotted(alias.name)}"
    return None


def _copy_import(src: MoveFile, a: BaseAssignment, dest: str, dest_pkg: bool) -> str | None:
    """An import statement binding the same name in the destination, when ``a`` is a plain
    top-level import of the source (None: import the name from the source instead)."""
    if not isinstance(a, ImportAssignment):
        return None
    node = a.node
    top = (s for s in src.tree.body if isinstance(s, cst.SimpleStatementLine))
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


def _import_time(scope) -> bool:
    """Whether code in ``scope`` runs when its module is imported."""
    while scope is not None:
        if isinstance(scope, FunctionScope):
            return False
        if scope is scope.parent:
            return True
        scope = scope.parent
    return True


def _removal_lines(src: MoveFile, stmts) -> list[tuple[int, int]]:
    """Line ranges to delete: the statements, the comments right above them and the blank
    lines after them (before them too at the end of the file)."""
    lines = src.text.splitlines()
    gone: set[int] = set()
    for stmt in stmts:
        first, last = src.lines(stmt)
        for empty in reversed(stmt.leading_lines):
            if empty.comment is None:
                break
            first -= 1
        gone.update(range(first, last + 1))
        before = first - 1
        while before >= 1 and not lines[before - 1].strip():
            before -= 1
        if before >= 1:  # the blank lines above go; those below still part what stays
            gone.update(range(before + 1, first))
            continue
        after = last + 1
        while after <= len(lines) and not lines[after - 1].strip():
            gone.add(after)
            after += 1
    ranges: list[tuple[int, int]] = []
    for n in sorted(gone):
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return ranges


def _moved_text(src: MoveFile, stmts) -> str:
    lines = src.text.splitlines(keepends=True)
    blocks = []
    for stmt in stmts:
        first, last = src.lines(stmt)
        for empty in reversed(stmt.leading_lines):
            if empty.comment is None:
                break
            first -= 1
        block = "".join(lines[first - 1 : last])
        blocks.append(block if block.endswith("\n") else block + "\n")
    joiner = "\n\n" if any(isinstance(s, (cst.FunctionDef, cst.ClassDef)) for s in stmts) else ""
    return joiner.join(blocks)


def _all_node(f: MoveFile):
    """The value of a module-level ``__all__ = [...]`` (or tuple), or None."""
    for stmt in f.tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        small = stmt.body[0]
        targets = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
            if isinstance(small.value, (cst.List, cst.Tuple)):
                return small.value
    return None


def _edit_all(f: MoveFile, remove: set[str] = frozenset(), add: list[str] = ()) -> bool:
    value = _all_node(f)
    if value is None:
        return False

    def named(el) -> str | None:
        s = el.value
        return s.evaluated_value if isinstance(s, cst.SimpleString) else None

    elements = list(value.elements)
    kept = [el for el in elements if named(el) not in remove]
    present = {named(el) for el in kept}
    quote = '"'
    for el in elements:
        if isinstance(el.value, cst.SimpleString):
            quote = el.value.value[-1]
            break
    extra = [n for n in add if n not in present]
    if len(kept) == len(elements) and not extra:
        return False
    last_comma = elements[-1].comma if elements else cst.MaybeSentinel.DEFAULT
    for n in extra:
        if kept:
            comma = kept[-1].comma
            if isinstance(comma, cst.MaybeSentinel):
                comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            kept[-1] = kept[-1].with_changes(comma=comma)
        kept.append(cst.Element(cst.SimpleString(f"{quote}{n}{quote}")))
    if kept:
        kept[-1] = kept[-1].with_changes(comma=last_comma)
        if (
            isinstance(value, cst.Tuple)
            and len(kept) == 1
            and not isinstance(last_comma, cst.Comma)
        ):
            kept[-1] = kept[-1].with_changes(comma=cst.Comma())
    f.replace_node(value, f.code(value.with_changes(elements=kept)))
    return True


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
    src = parse(path, files[path])
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

    # What the moved code uses from the source's module scope.
    needed: dict[str, set[BaseAssignment]] = {}
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
        for r in acc.referents:
            if isinstance(r, BuiltinAssignment) or r.scope is not g or r in moved:
                continue
            needed.setdefault(r.name, set()).add(r)
    copies: dict[str, str] = {}
    from_source: list[str] = []
    for n, refs in sorted(needed.items()):
        if n in rebound:
            raise Refusal(
                f"the moved code reads `{n}`, module state of {src.name} rebound with `global` "
                f"at {src.where(rebound[n])}: an import would copy its value once"
            )
        copy = (
            _copy_import(src, next(iter(refs)), dest_module, dest_pkg) if len(refs) == 1 else None
        )
        if copy is not None:
            copies[n] = copy
        elif n.split(".")[0] in {m.split(".")[0] for m in copies}:
            continue
        else:
            from_source.append(n.split(".")[0])
    own = [
        n for n in copies if _origin(src, next(iter(needed[n]))) == f"from {dest_module} import {n}"
    ]
    for n in own:  # the destination's own names: nothing to import there
        del copies[n]
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
            if _all_node(src) is not None and _within(src, node, _all_node(src)):
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
    dst = parse(dest_path, files[dest_path]) if exists else None
    future = has_future_annotations(src) and annotated
    if dst is not None:
        _check_destination(src, dst, names, copies, from_source, needed)
        if future and not has_future_annotations(dst):
            if any(acc.is_annotation for acc in dst.accesses):
                raise Refusal(
                    f"{src.name} has `from __future__ import annotations` and {dst.name} does "
                    "not: the moved annotations would be evaluated there"
                )
        else:
            future = False
    listed = _all_node(src)
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
    if dst is not None:
        skip = _already_imported(src, dst, from_source, copies)
        header = "".join(
            line for line in header.splitlines(keepends=True) if line.strip() not in skip
        )
    wanted = [
        n for n in dict.fromkeys(from_source) if dst is None or n not in _dest_has(dst, n, src)
    ]
    if wanted:
        header += import_from_text(src.module, 0, [(n, None) for n in wanted])
    code = _moved_text(src, stmts)
    if dst is None:
        new_text = (header + "\n\n" if header else "") + code
        result.created.append(dest_path)
        result.changes[dest_path] = new_text
    else:
        rewrite_importer(dst, target, is_dest=True)
        _place_in_destination(dst, names, own, header, code)
        _edit_all(dst, add=names)
        result.changes[dest_path] = dst.apply().lstrip("\n")  # its leading imports may go

    # The source: the moved statements go; it imports back what it still uses.
    for a, b in _removal_lines(src, stmts):
        src.replace_lines(a, b, "")
    back = list(dict.fromkeys(remaining + (names if reexport else [])))
    if back:
        at = leading_block_end(src)
        line = import_from_text(dest_module, 0, [(n, None) for n in back])
        _insert_import(src, at, line)
    if not reexport:
        _edit_all(src, remove=set(names))
    _drop_unused_imports(src, files, inside)
    left = src.apply()
    result.changes[path] = left.strip("\n") + "\n" if left.strip() else ""

    try:  # before the importers: the usual cause, and cheap
        _check_cycle(files, result.changes)
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
            f = parse(other, text)
            new_text = f.apply() if rewrite_importer(f, target, is_dest=False) else text
        if new_text != text:
            result.changes[other] = new_text

    _check_result(files, result)
    return result


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _drop_unused_imports(src: MoveFile, files: Mapping[str, str], inside) -> None:
    """The source's top-level imports that only the moved code used (they went with it),
    unless ``__all__`` lists them or another file imports them from the source."""
    listed = _all_node(src)
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


def _within(f: MoveFile, node, outer) -> bool:
    r, o = f.positions[node], f.positions[outer]
    return (o.start.line, o.start.column) <= (r.start.line, r.start.column) and (
        r.end.line,
        r.end.column,
    ) <= (o.end.line, o.end.column)


def _insert_import(f: MoveFile, after: int, line: str) -> None:
    if after:
        f.insert_before_line(after + 1, line)
        return
    body = f.tree.body
    if body:
        f.insert_before_line(f.lines(body[0])[0] - _comment_lines(body[0]), line + "\n\n")
    else:
        f.edits.append(
            (
                len(f.text),
                len(f.text),
                ("\n" if f.text and not f.text.endswith("\n") else "") + line,
            )
        )


def _comment_lines(stmt) -> int:
    n = 0
    for empty in reversed(getattr(stmt, "leading_lines", ())):
        if empty.comment is None:
            break
        n += 1
    return n


def _dest_has(dst: MoveFile, n: str, src: MoveFile) -> set[str]:
    """{n} when the destination already binds ``n`` to the source's ``n``."""
    for a in dst.global_scope.assignments[n]:
        if _origin(dst, a) == f"from {src.module} import {n}":
            return {n}
    return set()


def _already_imported(src: MoveFile, dst: MoveFile, from_source, copies) -> set[str]:
    """Import lines of ``copies`` the destination has an equivalent of."""
    skip = set()
    for n, line in copies.items():
        (a,) = [x for x in src.global_scope.assignments[n] if isinstance(x, ImportAssignment)][
            :1
        ] or [None]
        if a is None:
            continue
        want = _origin(src, a)
        if any(_origin(dst, b) == want for b in dst.global_scope.assignments[n]):
            skip.add(line.strip())
    return skip


def _check_destination(src, dst: MoveFile, names, copies, from_source, needed) -> None:
    dg = dst.global_scope
    for m in names:
        for a in dg.assignments[m]:
            if _origin(dst, a) != f"from {src.module} import {m}":
                raise Refusal(
                    f"{dst.name} already defines `{m}` (line {dst.line_of(a.node)}): the move "
                    "would replace it"
                )
    new_names = [n.split(".")[0] for n in copies] + list(from_source)
    for n in [*names, *new_names]:
        for acc in dst.accesses:
            if not isinstance(acc.node, cst.Name) or acc.node.value != n:
                continue
            if any(isinstance(r, BuiltinAssignment) for r in acc.referents) or not acc.referents:
                raise Refusal(
                    f"`{n}` at {dst.where(acc.node)} means something else now (a builtin or "
                    f"nothing): moving `{n}` there would change it"
                )
    for n in new_names:
        wanted = {
            _origin(src, x) for k, xs in needed.items() if k.split(".")[0] == n for x in xs
        } | {f"from {src.module} import {n}"}
        for a in dg.assignments[n]:
            if _origin(dst, a) not in wanted:
                raise Refusal(
                    f"`{n}` means something else in {dst.name} (line {dst.line_of(a.node)}): "
                    f"the moved code needs the one of {src.name}"
                )


def _place_in_destination(dst: MoveFile, names, own: list[str], header: str, code: str) -> None:
    """Right after the destination's leading imports: its code may call the moved names while
    it is imported, and the moved code needs nothing of it. Where it does use names the
    destination defines (``own``), after the last of those definitions."""
    at = leading_block_end(dst)
    if own:
        last = 0
        for stmt in dst.tree.body:
            a, b = dst.lines(stmt)
            for n in own:
                if any(a <= dst.line_of(x.node) <= b for x in dst.global_scope.assignments[n]):
                    last = max(last, b)
        for acc in dst.accesses:
            node = acc.node
            if isinstance(node, cst.Name) and node.value in names and _import_time(acc.scope):
                if dst.line_of(node) <= last:
                    raise Refusal(
                        f"{dst.where(node)} uses `{node.value}` while the module is imported, "
                        f"before the definitions the moved code needs from {dst.name}"
                    )
        if header:
            _insert_import(dst, at, header)
        dst.insert_before_line(last + 1, "\n\n" + code)
        return
    block = header + ("\n\n" if header else "") + code
    if at:
        dst.insert_before_line(at + 1, "\n\n" + block)
    else:
        _insert_import(dst, 0, block)


def _check_result(files: Mapping[str, str], result: MoveResult) -> None:
    for p, text in result.changes.items():
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as exc:
            raise Refusal(
                f"the move would leave {Path(p).name} unparsable (line {getattr(exc, 'lineno', '?')}"
                ", an internal error): nothing was changed"
            ) from None
    _check_cycle(files, result.changes)


def _check_cycle(files: Mapping[str, str], changes: Mapping[str, str]) -> None:
    after = {**files, **changes}
    touched = [module_name(Path(p))[0] for p in changes]
    cycle = new_cycle(import_graph(files), import_graph(after), touched)
    if cycle:
        raise Refusal("the move would make an import cycle at import time: " + " -> ".join(cycle))
