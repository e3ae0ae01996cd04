"""Module names of the files in a workspace, and what an import statement refers to.

A file's module name is its path below the first folder up that is not a package (has no
``__init__.py``): ``src/shop/cart.py`` in a ``shop`` package is ``shop.cart``.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst


def module_name(path: Path) -> tuple[str, bool]:
    """(dotted module name, whether the file is a package's __init__)."""
    path = Path(path)
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return ".".join(parts), is_package


def dotted(node: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a Name or a chain of Attributes, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def imported_module(node: cst.ImportFrom, importer: str, is_package: bool) -> str | None:
    """The absolute module a ``from ... import`` statement reads from (None: beyond the top)."""
    name = dotted(node.module) if node.module is not None else ""
    if name is None:
        return None
    return absolute_module(len(node.relative), name, importer, is_package)


def absolute_module(level: int, name: str, importer: str, is_package: bool) -> str | None:
    """The module ``from <level dots><name> import`` reads from, in the module ``importer``
    (a package's ``__init__`` when ``is_package``); None when the dots go above the top."""
    if level == 0:
        return name
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    if level - 1 > len(base):
        return None
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)
