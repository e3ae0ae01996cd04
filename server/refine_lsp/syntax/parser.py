"""One tree-sitter Python language object, parsers made from it."""

from __future__ import annotations

from functools import lru_cache

import tree_sitter
import tree_sitter_python


@lru_cache(maxsize=1)
def language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_python.language())


def new_parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(language())


def parse(data: bytes | str, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    parser = new_parser()
    return parser.parse(data, old_tree) if old_tree is not None else parser.parse(data)
