"""The destination side of a move: what its names mean (a moved name it defines already, a
name the moved code needs that means something else there, each a refusal), the imports it
has already, and where the moved code goes."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import BaseAssignment, BuiltinAssignment, FunctionScope, ImportAssignment

from refine_lsp.index.modules import dotted, imported_module

from .model import Refusal
from .move_file import MoveFile, has_future_annotations, leading_block_end
from .move_importers import module_bound
from .move_text import insert_import


def origin(f: MoveFile, a: BaseAssignment) -> str | None:
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


def import_time(scope) -> bool:
    """Whether code in ``scope`` runs when its module is imported."""
    while scope is not None:
        if isinstance(scope, FunctionScope):
            return False
        if scope is scope.parent:
            return True
        scope = scope.parent
    return True


def dest_has(dst: MoveFile, n: str, src: MoveFile) -> set[str]:
    """{n} when the destination already binds ``n`` to the source's ``n``."""
    for a in dst.global_scope.assignments[n]:
        if origin(dst, a) == f"from {src.module} import {n}":
            return {n}
    return set()


def already_imported(src: MoveFile, dst: MoveFile, from_source, copies) -> set[str]:
    """Import lines of ``copies`` the destination has an equivalent of."""
    skip = set()
    for n, line in copies.items():
        (a,) = [x for x in src.global_scope.assignments[n] if isinstance(x, ImportAssignment)][
            :1
        ] or [None]
        if a is None:
            continue
        want = origin(src, a)
        if any(origin(dst, b) == want for b in dst.global_scope.assignments[n]):
            skip.add(line.strip())
    return skip


def check_destination(src, dst: MoveFile, names, copies, from_source, needed) -> None:
    dg = dst.global_scope
    for m in names:
        for a in dg.assignments[m]:
            if origin(dst, a) != f"from {src.module} import {m}":
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
            origin(src, x) for k, xs in needed.items() if k.split(".")[0] == n for x in xs
        } | {f"from {src.module} import {n}"}
        for a in dg.assignments[n]:
            if origin(dst, a) not in wanted:
                raise Refusal(
                    f"`{n}` means something else in {dst.name} (line {dst.line_of(a.node)}): "
                    f"the moved code needs the one of {src.name}"
                )


def place_in_destination(dst: MoveFile, names, own: list[str], header: str, code: str) -> None:
    """Right after the destination's leading imports: its code may call the moved names while
    it is imported, and the moved code needs nothing of it. Where it does use names the
    destination binds (``own``: its definitions, and the imports it has already, which may come
    after a leading ``__all__`` or other code), after the last of those bindings."""
    at = leading_block_end(dst)
    lazy = has_future_annotations(dst) or "from __future__ import annotations" in header
    if own:
        last = 0
        for stmt in dst.tree.body:
            a, b = dst.lines(stmt)
            for n in own:
                bound = [
                    *dst.global_scope.assignments[n],
                    *dst.global_scope.assignments[n.split(".")[0]],
                ]
                if any(a <= dst.line_of(x.node) <= b for x in bound):
                    last = max(last, b)
        last = max(last, at)  # never inside the leading imports: the new ones go at their end
        for acc in dst.accesses:
            node = acc.node
            if acc.is_annotation and lazy:
                continue
            if isinstance(node, cst.Name) and node.value in names and import_time(acc.scope):
                if dst.line_of(node) <= last:
                    raise Refusal(
                        f"{dst.where(node)} uses `{node.value}` while the module is imported, "
                        f"before the definitions the moved code needs from {dst.name}"
                    )
        if header:
            insert_import(dst, at, header)
        dst.insert_before_line(last + 1, "\n\n" + code)
        return
    block = header + ("\n\n" if header else "") + code
    if at:  # the new imports right under the others, the code two lines below
        dst.insert_before_line(at + 1, block if header else "\n\n" + block)
    else:
        insert_import(dst, 0, block)
