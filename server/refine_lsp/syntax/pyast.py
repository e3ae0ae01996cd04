"""Python's own ``ast`` of the last few texts, shared by the readers that summarise a module
(the class index, keyword calls, module-level bindings): one rename asks several of them
about the same changed module. The trees are read, never changed."""

from __future__ import annotations

import ast
import threading
from collections import OrderedDict

_RECENT: OrderedDict[str, ast.Module | None] = OrderedDict()
_SIZE = 8
_lock = threading.Lock()


def parse_ast(text: str) -> ast.Module | None:
    """``ast.parse(text)``; None where the text does not parse (a SyntaxError, or a null
    byte's ValueError)."""
    with _lock:
        if text in _RECENT:
            _RECENT.move_to_end(text)
            return _RECENT[text]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    with _lock:
        _RECENT[text] = tree
        while len(_RECENT) > _SIZE:
            _RECENT.popitem(last=False)
    return tree
