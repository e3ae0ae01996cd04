"""One tree-sitter Python language object, parsers made from it."""

from __future__ import annotations

from functools import lru_cache

import tree_sitter
import tree_sitter_python

from refine_lsp.recent import Recent


@lru_cache(maxsize=1)
def language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_python.language())


def new_parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(language())


_RECENT: Recent[bytes, tree_sitter.Tree] = Recent(8)


def parse(data: bytes | str, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    """The text's tree. A whole parse (no ``old_tree``) of one of the last few texts is the
    tree made then: a refactoring reads the same module several times (its top-level
    definition, its reduced statements, its layout). Callers never edit the tree they get."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if old_tree is not None:
        return new_parser().parse(data, old_tree)
    tree = _RECENT.get(data, None)
    if tree is None:
        tree = new_parser().parse(data)
        _RECENT.put(data, tree)
    return tree
