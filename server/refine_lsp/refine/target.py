"""The function a refine action works on: the innermost ``def`` around the cursor."""

from __future__ import annotations

import ast
from dataclasses import dataclass


class TargetError(Exception):
    """No function to work on at that position (or the file does not parse)."""


@dataclass(frozen=True)
class Target:
    name: str
    qualname: str
    # Zero-based, inclusive: first line (decorators included) to last line of the body.
    start_line: int
    end_line: int
    def_line: int
    body_start: int
    # A plain module-level function can be called directly by property checks.
    top_level: bool
    is_async: bool

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line

    @property
    def lines(self) -> range:
        return range(self.def_line, self.end_line + 1)


def find_target(source: str, line: int) -> Target:
    """The innermost function whose lines include zero-based ``line``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise TargetError(f"the file does not parse (line {exc.lineno}): {exc.msg}") from exc
    best: Target | None = None

    def visit(node: ast.AST, prefix: str, top: bool) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list]) - 1
                last = (child.end_lineno or child.lineno) - 1
                qual = f"{prefix}{child.name}"
                if first <= line <= last:
                    best = Target(
                        child.name,
                        qual,
                        first,
                        last,
                        child.lineno - 1,
                        child.body[0].lineno - 1,
                        top,
                        isinstance(child, ast.AsyncFunctionDef),
                    )
                visit(child, f"{qual}.<locals>.", False)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", False)
            else:
                visit(child, prefix, top)

    visit(tree, "", True)
    if best is None:
        raise TargetError(f"no function at line {line + 1}")
    return best
