"""Names for extracted code: readable, deterministic, never colliding.

A name collides when it appears anywhere in the file as a word: stricter than scope
analysis, but it cannot shadow a global, a builtin in use, or an attribute of the same name.
"""

from __future__ import annotations

import builtins
import keyword
import re

_BUILTINS = frozenset(dir(builtins))


def is_free(name: str, source: str) -> bool:
    if not name.isidentifier() or keyword.iskeyword(name) or name in _BUILTINS:
        return False
    if name not in source:  # a substring test is fast; the word regex scans a big file slowly
        return True
    return re.search(rf"\b{re.escape(name)}\b", source) is None


def unique(
    base: str, source: str, taken: frozenset[str] = frozenset(), private: bool = False
) -> str:
    """``base`` made an identifier free in ``source``; with ``private``, with one leading
    underscore (a helper at module level: `from m import *`, ``dir(m)`` and code comparing
    a module's public names see the module as before)."""
    base = re.sub(r"\W", "_", base).strip("_") or "value"
    if base[0].isdigit() and not private:
        base = "v_" + base
    if private:
        base = "_" + base
    name, n = base, 2
    while not is_free(name, source) or name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def suggest_name(
    proposed: str | None,
    source: str,
    default: str,
    taken: frozenset[str] = frozenset(),
    private: bool = False,
) -> str:
    """A model-proposed name when it is a valid identifier that collides with nothing.

    Otherwise ``default`` (already checked by the caller) is kept. With ``private`` (a new
    module-level function) the name gets one leading underscore; two would be mangled
    where a class body calls it.
    """
    if proposed:
        proposed = proposed.strip()
        if private and not proposed.startswith("_"):
            proposed = "_" + proposed
        if private and proposed.startswith("__"):
            return default
        if proposed.isidentifier() and proposed not in taken and is_free(proposed, source):
            return proposed
    return default


def snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"\W+", "_", text).strip("_").lower()
