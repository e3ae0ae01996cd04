"""Python's own ``ast`` of the last few texts, shared by the readers that summarise a module
(the class index, keyword calls, module-level bindings): one rename asks several of them
about the same changed module. The trees are read, never changed."""

from __future__ import annotations

import ast

from refine_lsp.recent import MISSING, Recent

_RECENT: Recent[str, ast.Module | None] = Recent(8)


def parse_ast(text: str) -> ast.Module | None:
    """``ast.parse(text)``; None where the text does not parse (a SyntaxError, or a null
    byte's ValueError)."""
    tree = _RECENT.get(text)
    if tree is not MISSING:
        return tree
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    _RECENT.put(text, tree)
    return tree
