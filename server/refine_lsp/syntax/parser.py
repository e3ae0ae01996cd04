"""One tree-sitter Python language object, parsers made from it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import tree_sitter
import tree_sitter_python


@lru_cache(maxsize=1)
def language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_python.language())


def new_parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(language())


_RECENT: OrderedDict[bytes, tree_sitter.Tree] = OrderedDict()
_RECENT_SIZE = 8
_recent_lock = threading.Lock()


def parse(data: bytes | str, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    """The text's tree. A whole parse (no ``old_tree``) of one of the last few texts is the
    tree made then: a refactoring reads the same module several times (its top-level
    definition, its reduced statements, its layout). Callers never edit the tree they get."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if old_tree is not None:
        return new_parser().parse(data, old_tree)
    with _recent_lock:
        tree = _RECENT.get(data)
        if tree is not None:
            _RECENT.move_to_end(data)
            return tree
    tree = new_parser().parse(data)
    with _recent_lock:
        _RECENT[data] = tree
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return tree
