"""The imports of moved names elsewhere in the workspace, rewritten to the destination:
``from src import f`` -> ``from dest import f`` (relative ones stay relative), ``import src`` +
``src.f`` -> ``import dest`` + ``dest.f``, and in the destination itself the imports of the
moved names go (they are defined there now). What cannot follow is refused: ``import *`` of
the source, ``src.f = ...``, ``getattr(src, "f")`` and the like."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Access, GlobalScope, ImportAssignment

from refine_lsp.index.modules import dotted, imported_module

from .model import Refusal
from .move_file import MoveFile, import_from_text, relative_to


@dataclass(frozen=True)
class Target:
    src: str  # the source module
    dest: str  # the destination module
    names: frozenset[str]  # the moved names
    exported: frozenset[str] = frozenset()  # those `from src import *` brings


def _imports(f: MoveFile) -> list[cst.Import | cst.ImportFrom]:
    found: list = []

    class V(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    f.tree.visit(V())
    return found


def module_bound(f: MoveFile, a: ImportAssignment) -> str | None:
    """The module an import binding names (``import a.b`` -> a.b, ``from a import b`` -> a.b
    when that is a module), else None."""
    node = a.node
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None and alias.asname.name.value == a.name:
                return full
            if alias.asname is None and (full == a.name or full.startswith(a.name + ".")):
                return a.name
        return None
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        base = imported_module(node, f.module, f.is_package)
        for alias in node.names:
            bound = alias.asname.name.value if alias.asname else dotted(alias.name)
            if bound == a.name and base is not None:
                return f"{base}.{dotted(alias.name)}" if base else dotted(alias.name)
    return None


def _bindings_of(f: MoveFile, node: cst.CSTNode, name: str) -> set[ImportAssignment]:
    out: set[ImportAssignment] = set()
    seen: set[int] = set()
    for scope in f.scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        for a in scope.assignments[name]:
            if isinstance(a, ImportAssignment) and a.node is node:
                out.add(a)
    return out


def _is_target(f: MoveFile, attr: cst.Attribute) -> bool:
    """``m.f`` assigned, augmented or deleted."""
    parent = f.parents.get(attr)
    if isinstance(parent, (cst.AssignTarget, cst.Del)):
        return True
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is attr:
        return True
    return isinstance(parent, cst.Element) and _is_target_element(f, parent)


def _is_target_element(f: MoveFile, el: cst.CSTNode) -> bool:
    seq = f.parents.get(el)
    return isinstance(seq, (cst.Tuple, cst.List)) and isinstance(
        f.parents.get(seq), (cst.AssignTarget, cst.Del)
    )


def _string_args(call: cst.Call) -> set[str]:
    out = set()
    for arg in call.args:
        if isinstance(arg.value, cst.SimpleString):
            try:
                value = arg.value.evaluated_value
            except Exception:  # noqa: BLE001 - an odd literal names nothing
                continue
            if isinstance(value, str):
                out.add(value)
    return out


def _taken(f: MoveFile, name: str, module: str) -> bool:
    """Whether ``name`` is bound anywhere in the file to something other than ``module``."""
    seen: set[int] = set()
    for scope in f.scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        for a in scope.assignments[name]:
            if not (isinstance(a, ImportAssignment) and module_bound(f, a) == module):
                return True
    return False


def _dest_binding(f: MoveFile, t: Target, style: str, relative: int) -> tuple[str, str]:
    """(import statement, expression naming the destination module) for a file that reached
    the source as a module."""
    parent, _, last = t.dest.rpartition(".")
    if style == "import":
        top = t.dest.split(".")[0]
        if _taken(f, top, top) and top != t.src.split(".")[0]:
            raise Refusal(f"`{top}` is taken in {f.name}: import {t.dest} there by hand")
        return f"import {t.dest}", t.dest
    if _taken(f, last, t.dest):
        raise Refusal(f"`{last}` is taken in {f.name}: import {t.dest} there by hand")
    if not parent:
        return f"import {last}", last
    if style == "as":
        return f"import {t.dest} as {last}", last
    if relative:
        rel = relative_to(parent, f.module, f.is_package)
        if rel is not None and rel[0] == "":
            return f"from {'.' * rel[1]} import {last}", last
        if rel is not None:
            return f"from {'.' * rel[1]}{rel[0]} import {last}", last
    return f"from {parent} import {last}", last


def rewrite_importer(f: MoveFile, t: Target, is_dest: bool) -> bool:
    """Collect the edits for ``f``; whether it changes."""
    touched = False
    for node in _imports(f):
        line = f.parents.get(node)
        if isinstance(node, cst.ImportFrom):
            source = imported_module(node, f.module, f.is_package)
            if source == t.src:
                if isinstance(node.names, cst.ImportStar):
                    touched |= not is_dest and _after_star(f, t, node, line)
                    continue
                touched |= _split_from(f, t, node, line, is_dest)
                continue
            if source is None or isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                full = f"{source}.{dotted(alias.name)}" if source else dotted(alias.name)
                if full == t.src:
                    bound = alias.asname.name.value if alias.asname else dotted(alias.name)
                    style = "from"
                    touched |= _module_uses(
                        f, t, node, line, bound, style, len(node.relative), is_dest
                    )
        else:
            for alias in node.names:
                if dotted(alias.name) != t.src:
                    continue
                bound = alias.asname.name.value if alias.asname else t.src
                style = "as" if alias.asname else "import"
                touched |= _module_uses(f, t, node, line, bound, style, 0, is_dest)
    return touched


def _after_star(f: MoveFile, t: Target, node: cst.ImportFrom, line) -> bool:
    """``from src import *`` brought the moved names: they are imported from the
    destination right after it (explicitly: the destination may define more)."""
    names = sorted(t.exported)
    if not names:
        return False
    rel = relative_to(t.dest, f.module, f.is_package) if node.relative else None
    statement = (
        import_from_text(rel[0], rel[1], [(n, None) for n in names])
        if rel
        else (import_from_text(t.dest, 0, [(n, None) for n in names]))
    )
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        raise Refusal(f"{f.where(node)} imports * from {t.src} in a way the move cannot edit")
    first, last = f.lines(line)
    f.insert_before_line(last + 1, f.indent(first) + statement)
    return True


def _split_from(f: MoveFile, t: Target, node: cst.ImportFrom, line, is_dest: bool) -> bool:
    moved = [a for a in node.names if dotted(a.name) in t.names]
    if not moved:
        return False
    kept = [a for a in node.names if dotted(a.name) not in t.names]
    if is_dest:
        for a in moved:
            if a.asname is not None and a.asname.name.value != dotted(a.name):
                raise Refusal(
                    f"{f.where(node)} imports `{dotted(a.name)}` as `{a.asname.name.value}`: "
                    "import it under its own name first"
                )
        new_part = None
    else:
        names = ", ".join(f.code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in moved)
        if node.relative:
            rel = relative_to(t.dest, f.module, f.is_package)
            new_part = (
                f"from {'.' * rel[1]}{rel[0]} import {names}"
                if rel is not None
                else f"from {t.dest} import {names}"
            )
        else:
            new_part = f"from {t.dest} import {names}"
    kept_code = None
    if kept:
        last_comma = node.names[-1].comma
        kept = [*kept[:-1], kept[-1].with_changes(comma=last_comma)]
        kept_code = f.code(node.with_changes(names=kept))
    single = isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
    if single:
        first, last = f.lines(line)
        indent = f.indent(first)
        parts = [p for p in (kept_code, new_part) if p]
        if not parts:
            _remove_line(f, line)
        else:
            text = "".join(indent + p + "\n" for p in parts)
            comment = line.trailing_whitespace.comment
            if comment is not None and kept_code:
                text = text.replace("\n", f"  {comment.value}\n", 1)
            f.replace_lines(first, last, text)
    else:
        parts = [p for p in (kept_code, new_part) if p] or ["pass"]
        f.replace_node(node, "; ".join(parts))
    return True


def _module_uses(
    f: MoveFile, t: Target, node, line, bound: str, style: str, relative: int, is_dest: bool
) -> bool:
    """``bound`` names the source module: ``bound.f`` of a moved ``f`` follows it."""
    bindings = _bindings_of(f, node, bound)
    uses: list[tuple[Access, cst.Attribute]] = []
    others = 0
    for acc in f.all_accesses_of(bindings):
        parent = f.parents.get(acc.node)
        if isinstance(parent, cst.Attribute) and parent.value is acc.node:
            if parent.attr.value in t.names:
                if _is_target(f, parent):
                    raise Refusal(
                        f"{f.where(parent)} assigns {t.src}.{parent.attr.value}: after the "
                        "move that would no longer change the moved one"
                    )
                uses.append((acc, parent))
            else:
                others += 1
            continue
        others += 1
        call = f.parents.get(parent) if isinstance(parent, cst.Arg) else None
        if isinstance(call, cst.Call) and _string_args(call) & t.names:
            name = sorted(_string_args(call) & t.names)[0]
            raise Refusal(
                f"{f.where(call)} reaches `{name}` of {t.src} through a string: "
                "the move cannot follow it"
            )
    if not uses:
        return False
    if is_dest:
        for _, attr in uses:
            f.replace_node(attr, attr.attr.value)
        if others == 0:
            _drop_alias(f, node, line, bound)
        return True
    statement, expr = _dest_binding(f, t, style, relative)
    for acc, _ in uses:
        f.replace_node(acc.node, expr)
    if _imported_already(f, expr, t.dest, line):
        statement = None  # `from geo import report` is there, no later: no second one
    # Nothing else used the source through this import: it goes (ruff would flag it), in
    # the same place as the destination's. Not for ``import a.src``, which binds ``a``.
    unused = others == 0 and (style != "import" or "." not in t.src)
    if statement is None:
        if unused:
            _drop_alias(f, node, line, bound)
        return True
    if isinstance(line, cst.SimpleStatementLine):
        first, last = f.lines(line)
        if unused and len(line.body) == 1 and len(node.names) == 1:
            comment = line.trailing_whitespace.comment
            tail = f"  {comment.value}" if comment is not None else ""
            f.replace_lines(first, last, f.indent(first) + statement + tail + "\n")
            return True
        if unused:
            _drop_alias(f, node, line, bound)
        f.insert_before_line(last + 1, f.indent(first) + statement + "\n")
    elif unused and len(node.names) == 1:
        f.replace_node(node, statement)
    else:
        f.replace_node(node, f"{f.code(node)}; {statement}")
    return True


def _imported_already(f: MoveFile, expr: str, module: str, line) -> bool:
    """Whether the module scope binds ``expr`` (a plain name) to ``module`` by an import
    on the source import's line or before it."""
    if "." in expr or not isinstance(line, cst.SimpleStatementLine):
        return False
    here = f.lines(line)[0]
    for scope in {id(s): s for s in f.scopes.values() if s is not None}.values():
        if isinstance(scope, GlobalScope):
            for a in scope.assignments[expr]:
                stmt = f.parents.get(a.node)
                if (
                    isinstance(a, ImportAssignment)
                    and module_bound(f, a) == module
                    and isinstance(stmt, cst.SimpleStatementLine)
                    and f.lines(stmt)[0] <= here
                ):
                    return True
    return False


def _remove_line(f: MoveFile, line: cst.SimpleStatementLine) -> None:
    """The statement's lines go; ``pass`` stays where it was a block's only statement."""
    first, last = f.lines(line)
    block = f.parents.get(line)
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        f.replace_lines(first, last, f.indent(first) + "pass\n")
    else:
        f.replace_lines(first, last, "")


def _drop_alias(f: MoveFile, node, line, bound: str) -> None:
    """The destination's import of the source, once nothing uses it there."""

    def binds(a) -> bool:
        if a.asname is not None:
            return a.asname.name.value == bound
        return dotted(a.name) == bound or (isinstance(node, cst.Import) and dotted(a.name) == bound)

    kept = [a for a in node.names if not binds(a)]
    if kept:
        kept = [*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        f.replace_node(node, f.code(node.with_changes(names=kept)))
    elif isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
        _remove_line(f, line)
    else:
        f.replace_node(node, "pass")
