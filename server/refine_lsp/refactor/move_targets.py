"""Cheap, for listing: which top-level definitions a span selects (tree-sitter), and where
they might go (the modules beside the source, the module that uses them most, a new one)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tree_sitter

from refine_lsp.index.modules import module_name
from refine_lsp.paths import skipped_dir
from refine_lsp.syntax.parser import parse

MAX_SIBLINGS = 6
MAX_SCANNED = 300  # files read to find the module that uses the names most


@dataclass(frozen=True)
class Destination:
    path: str
    module: str
    new: bool
    why: str  # "beside it", "uses it most", "new module"


def _names(node: tree_sitter.Node) -> list[str] | None:
    if node.type == "decorated_definition":
        node = node.child_by_field_name("definition") or node
    if node.type in ("function_definition", "class_definition"):
        name = node.child_by_field_name("name")
        return [name.text.decode()] if name is not None else None
    if node.type == "expression_statement" and node.named_child_count == 1:
        child = node.named_children[0]
        names = []
        while child.type == "assignment":
            left = child.child_by_field_name("left")
            if left is None or left.type != "identifier":
                return None
            names.append(left.text.decode())
            right = child.child_by_field_name("right")
            if right is None:
                return names if child.child_by_field_name("type") is None else None
            child = right
        return names or None
    return None


def selected(text: str, first: int, last: int, tree: tree_sitter.Tree | None = None) -> list[str]:
    """Names of the top-level definitions the zero-based lines first..last touch: [] unless
    every statement there is a movable one and the span starts on a definition's header (a
    cursor inside a body offers nothing: the menu stays short)."""
    tree = tree or parse(text)
    out: list[str] = []
    for node in tree.root_node.named_children:
        start, end = node.start_point[0], node.end_point[0]
        if end < first or start > last:
            continue
        names = _names(node)
        if names is None:
            return []
        header_end = start
        body = (
            node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        )
        block = body.child_by_field_name("body") if body is not None else None
        if block is not None:
            header_end = max(start, block.start_point[0] - 1)
        if not out and first == last and not (start <= first <= max(header_end, start)):
            return []
        if any(n.startswith("__") and n.endswith("__") for n in names):
            return []
        out += names
    return out


def _is_test(path: Path) -> bool:
    name = path.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(p in ("tests", "test") for p in path.parts)
    )


def top_package(path: Path) -> Path:
    """The file's top package folder (its own folder outside packages)."""
    folder = path.parent
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def package_root(path: Path) -> Path:
    """The folder above the file's top package (where its module names start)."""
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _python_files(root: Path) -> Iterable[Path]:
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(d) and not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith(".py"):
                n += 1
                if n > MAX_SCANNED:
                    return
                yield Path(dirpath) / f


def destinations(path: Path, names: list[str], scan_usage: bool = True) -> list[Destination]:
    """One destination per likely module, then a new module ``<name>.py`` beside the source."""
    path = Path(path).resolve()
    words = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
    uses: dict[Path, int] = {}
    if scan_usage:
        for other in _python_files(top_package(path)):
            if other.resolve() == path or _is_test(other) or other.name == "__init__.py":
                continue
            try:
                text = other.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            n = len(words.findall(text))
            if n:
                uses[other.resolve()] = n
    out: list[Destination] = []
    if uses:
        top = max(uses, key=lambda p: (uses[p], -len(str(p))))
        out.append(Destination(str(top), module_name(top)[0], False, "uses it most"))
    siblings = sorted(
        (
            p.resolve()
            for p in path.parent.glob("*.py")
            if p.resolve() != path and p.name != "__init__.py" and not _is_test(p)
        ),
        key=lambda p: (-uses.get(p, 0), p.name),
    )
    for p in siblings[:MAX_SIBLINGS]:
        if all(d.path != str(p) for d in out):
            out.append(Destination(str(p), module_name(p)[0], False, "beside it"))
    new = path.parent / f"{names[0]}.py"
    if not new.exists():
        out.append(Destination(str(new), module_name(new)[0], True, "new module"))
    return out
