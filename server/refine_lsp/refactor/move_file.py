"""One file taking part in a move: its libcst tree with scopes and positions, its module name,
and the text edits collected for it (applied at once, at the end)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    Access,
    BaseAssignment,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)

from refine_lsp.index.modules import module_name

from .model import Refusal

EMPTY = cst.Module([])


@dataclass
class MoveFile:
    path: str
    text: str
    wrapper: MetadataWrapper
    scopes: dict
    positions: dict
    module: str
    is_package: bool
    accesses: list[Access]
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, new) offsets

    @property
    def parents(self) -> dict:
        """Resolved on first use: a whole visit of the tree, which the source rarely needs."""
        found = getattr(self, "_parents", None)
        if found is None:
            found = self._parents = self.wrapper.resolve(ParentNodeProvider)
        return found

    @property
    def tree(self) -> cst.Module:
        return self.wrapper.module

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def global_scope(self) -> GlobalScope:
        return self.scopes[self.tree]

    def where(self, node: cst.CSTNode) -> str:
        return f"{self.name}:{self.positions[node].start.line}"

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def lines(self, stmt: cst.CSTNode) -> tuple[int, int]:
        """First and last line (1-based) of a statement, its decorators included."""
        first = self.positions[stmt].start.line
        for dec in getattr(stmt, "decorators", ()) or ():
            first = min(first, self.positions[dec].start.line)
        return first, self.positions[stmt].end.line

    def code(self, node: cst.CSTNode) -> str:
        return EMPTY.code_for_node(node)

    def _offset(self, line: int, col: int = 0) -> int:
        starts = self._starts
        if line - 1 >= len(starts):
            return len(self.text)
        return starts[line - 1] + col

    @property
    def _starts(self) -> list[int]:
        starts = getattr(self, "_cached_starts", None)
        if starts is None:
            starts, at = [], 0
            for line in self.text.splitlines(keepends=True):
                starts.append(at)
                at += len(line)
            self._cached_starts = starts
        return starts

    def indent(self, line: int) -> str:
        start = self._offset(line)
        rest = self.text[start:]
        return rest[: len(rest) - len(rest.lstrip(" \t"))]

    def replace_lines(self, first: int, last: int, new: str) -> None:
        """Lines first..last (1-based, inclusive) become ``new`` (whole lines, or "")."""
        self.edits.append((self._offset(first), self._offset(last + 1), new))

    def insert_before_line(self, line: int, new: str) -> None:
        at = self._offset(line)
        self.edits.append((at, at, new))

    def replace_node(self, node: cst.CSTNode, new: str) -> None:
        r = self.positions[node]
        start = self._offset(r.start.line, r.start.column)
        end = self._offset(r.end.line, r.end.column)
        self.edits.append((start, end, new))

    def apply(self) -> str:
        text = self.text
        if not text.endswith("\n") and text and any(s >= len(text) for s, _, _ in self.edits):
            text += "\n"
        last = None
        # from the end; edits at one place land in the order they were made
        order = sorted(range(len(self.edits)), key=lambda i: (*self.edits[i][:2], i), reverse=True)
        for start, end, new in (self.edits[i] for i in order):
            if last is not None and end > last:
                raise Refusal(
                    f"overlapping edits in {self.name} (an internal error): nothing changed"
                )
            text = text[:start] + new + text[end:]
            last = start
        return text

    def all_accesses_of(self, assignments: set[BaseAssignment]) -> Iterator[Access]:
        for acc in self.accesses:
            if any(r in assignments for r in acc.referents):
                yield acc


def parse(path: str, text: str) -> MoveFile:
    try:
        wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)  # ours alone
    except cst.ParserSyntaxError as exc:
        raise Refusal(
            f"{Path(path).name} does not parse (line {exc.raw_line}): fix it first"
        ) from None
    resolved = wrapper.resolve_many([ScopeProvider, PositionProvider])  # one visit where it can
    scopes, positions = resolved[ScopeProvider], resolved[PositionProvider]
    accesses: list[Access] = []
    seen: set[int] = set()
    for scope in scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        accesses.extend(scope.accesses)
    mod, is_package = module_name(Path(path))
    return MoveFile(path, text, wrapper, scopes, positions, mod, is_package, accesses)


def leading_block_end(f: MoveFile) -> int:
    """The last line (1-based) of the module's docstring and its leading imports (0: none):
    new imports go after it."""
    end = 0
    for i, stmt in enumerate(f.tree.body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            end = f.lines(stmt)[1]
            continue
        if i == 0 and isinstance(stmt, cst.SimpleStatementLine) and _is_docstring(stmt):
            end = f.lines(stmt)[1]
            continue
        break
    return end


def _is_docstring(stmt: cst.SimpleStatementLine) -> bool:
    return (
        len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def has_future_annotations(f: MoveFile) -> bool:
    for stmt in f.tree.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                if isinstance(s, cst.ImportFrom) and f.code(s.module or EMPTY) == "__future__":
                    names = s.names
                    if isinstance(names, cst.ImportStar) or any(
                        f.code(a.name) == "annotations" for a in names
                    ):
                        return True
    return False


def import_from_text(module: str, level: int, names: list[tuple[str, str | None]]) -> str:
    parts = ", ".join(n if a is None or a == n else f"{n} as {a}" for n, a in names)
    return f"from {'.' * level}{module} import {parts}\n"


def relative_to(target: str, importer: str, is_package: bool) -> tuple[str, int] | None:
    """``target`` as a relative import from ``importer`` (module text, level), when both lie in
    one package; None otherwise."""
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    parts = target.split(".")
    if not base or parts[0] != base[0]:
        return None
    common = 0
    while common < min(len(base), len(parts)) and base[common] == parts[common]:
        common += 1
    level = len(base) - common + 1
    return ".".join(parts[common:]), level
