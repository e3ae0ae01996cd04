"""Code that reads a scope's names as a namespace, by their text: ``locals()``, ``vars()``,
``frame.f_locals``, ``eval``/``exec`` in a function, ``globals()`` (and ``vars()``/``locals()``
at the top level) in a module. ``"{title}".format(**locals())`` reads the variable ``title`` by
its name: renamed, the program fails (a KeyError) or reads something else. Scopes do not see
this; a rename of a name of such a scope is a risk the user confirms (a warning with where)."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from .cstwalk import dispatch, in_source_order

_MAX_WHERE = 3
_LOCAL_READERS = {"locals", "vars"}
_EVALUATORS = {"eval", "exec"}
_GLOBAL_READS = re.compile(r"(?P<call>\bglobals\s*\(\s*\)|\bf_globals\b)")
_TOP_LEVEL_READS = re.compile(
    r"^(?![ \t#])[^\n]*?(?P<call>\b(?:locals|vars)\s*\(\s*\))", re.MULTILINE
)


class _Readers:
    def __init__(self) -> None:
        self.found: list[tuple[cst.CSTNode, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        fn = node.func
        if isinstance(fn, cst.Name):
            if fn.value in _LOCAL_READERS and not node.args:
                self.found.append((node, f"{fn.value}()"))
            elif fn.value in _EVALUATORS:
                self.found.append((node, f"{fn.value}()"))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "f_locals":
            self.found.append((node, "f_locals"))


def _spots(spots: list[str]) -> str:
    return ", ".join(spots[:_MAX_WHERE]) + (", ..." if len(spots) > _MAX_WHERE else "")


def local_namespace_reads(p, function: cst.CSTNode, old: str) -> list[str]:
    """A warning when the function holding the renamed local or parameter reads its
    namespace (``p`` is rename's parsed file or chunk; ``function`` the scope's node)."""
    readers = _Readers()
    dispatch(readers, function)
    found = in_source_order(readers.found, p.positions, node=lambda f: f[0])
    if not found:
        return []
    spots = [f"{what} at {p.where(node)}" for node, what in found]
    return [
        f"the function holding `{old}` reads its names as a namespace ({_spots(spots)}): code "
        f"there that finds `{old}` by its name would not find it under the new one"
    ]


def global_namespace_reads(path: str, text: str, old: str) -> list[str]:
    """A warning when the module defining the renamed name reads its globals whole."""
    lines = [
        f"{m.group('call')} at {Path(path).name}:{text.count(chr(10), 0, m.start('call')) + 1}"
        for pattern in (_GLOBAL_READS, _TOP_LEVEL_READS)
        for m in pattern.finditer(text)
    ]
    if not lines:
        return []
    return [
        f"the module defining `{old}` reads its globals as a namespace ({_spots(lines)}): "
        f"code there that finds `{old}` by its name would not find it under the new one"
    ]
