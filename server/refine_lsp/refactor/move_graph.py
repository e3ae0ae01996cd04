"""Which workspace modules import which at import time (module level, not inside functions,
not under ``if TYPE_CHECKING:``), and whether a move adds an import cycle to that graph.

Read with ``ast`` (a few ms for a whole package): the cycle check compares the graph of the
files as they are with the graph of the files as the move leaves them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from refine_lsp.index.modules import absolute_module, module_name


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time(body: Iterable[ast.stmt]):
    """The statements run when the module is imported (class bodies run; functions do not)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                yield from _import_time(stmt.body)
            yield from _import_time(stmt.orelse)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            for part in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _import_time(part)
            for handler in stmt.handlers:
                yield from _import_time(handler.body)
        elif isinstance(stmt, (ast.With, ast.ClassDef)):
            yield from _import_time(stmt.body)


def absolute(module: str | None, level: int, importer: str, is_package: bool) -> str | None:
    """The absolute name ``from <level dots><module> import`` reads from (None: beyond the top)."""
    return absolute_module(level, module or "", importer, is_package) or None


@lru_cache(maxsize=4096)
def imports_at_import_time(text: str, module: str, is_package: bool) -> tuple:
    """What the text imports at import time: (module, None) for ``import module``,
    (module, names) for ``from module import names``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    out = []
    for stmt in _import_time(tree.body):
        if isinstance(stmt, ast.Import):
            out.extend((a.name, None) for a in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            base = absolute(stmt.module, stmt.level, module, is_package)
            if base is not None:
                out.append((base, tuple(a.name for a in stmt.names)))
    return tuple(out)


def modules_of(files: Iterable[str]) -> dict[str, str]:
    """module name -> path, for the workspace's files."""
    out: dict[str, str] = {}
    for path in files:
        name, _ = module_name(Path(path))
        if name:
            out.setdefault(name, path)
    return out


def import_graph(files: Mapping[str, str]) -> dict[str, set[str]]:
    """module -> the workspace modules it imports at import time."""
    known = modules_of(files)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        _, is_package = module_name(Path(path))
        edges = set()
        for base, imported in imports_at_import_time(files[path], name, is_package):
            subs = {f"{base}.{n}" for n in imported or ()} & known.keys()
            edges |= subs
            # ``from pkg import sub`` of submodules only needs pkg begun, not finished
            if imported is None or len(subs) < len(imported):
                edges.add(base)
        graph[name] = {m for m in edges if m in known and m != name}
    return graph


def _components(graph: Mapping[str, set[str]]) -> dict[str, int]:
    """Strongly connected components (iterative Tarjan): module -> component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            advanced = False
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = index[v]
                    if w == v:
                        break
    return comp


def _path(graph: Mapping[str, set[str]], start: str, members: set[str]) -> list[str]:
    """A shortest cycle from ``start`` back to itself inside ``members``."""
    prev: dict[str, str] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ())):
            if w not in members:
                continue
            if w == start:
                out = [v]
                while out[-1] != start:
                    out.append(prev[out[-1]])
                return [*reversed(out), start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return [start, start]


def new_cycle(
    before: Mapping[str, set[str]], after: Mapping[str, set[str]], touched: Iterable[str]
) -> tuple[list[str], bool] | None:
    """A cycle among ``after``'s imports through a touched module that ``before`` did not
    have (the path, False), or a new import between modules already in one cycle (the
    path, True); None if there is none."""
    old, new = _components(before), _components(after)
    for m in touched:
        if m not in new:
            continue
        members = {v for v, c in new.items() if c == new[m]}
        if len(members) < 2:
            continue
        if len({old.get(v, v) for v in members}) > 1 or any(v not in old for v in members):
            return _path(after, m, members), False
        # already in a cycle: a new import inside it can run while the other module is half
        # initialized (toolz's functoolz imports _signatures at its end, after what
        # _signatures takes from it; an import at its top would come first)
        for w in sorted(after.get(m, set()) - before.get(m, set())):
            if w in members:
                return _path(after, m, members), True
    return None


def import_moved_earlier(
    before: Mapping[str, str], after: Mapping[str, str], changed: Iterable[str], moved
) -> tuple[str, str, str] | None:
    """(module, module it imports, name) where a changed module of an import cycle now
    imports another module of it before defining a name it defined before that import:
    the other module may take that name from it while it is half imported. None if none."""
    graph = import_graph(after)
    comps = _components(graph)
    known = modules_of(after)
    for path in changed:
        m, is_package = module_name(Path(path))
        if m not in comps or path not in before:
            continue
        members = {v for v, c in comps.items() if c == comps[m]}
        for w in sorted((graph.get(m, set()) & members) - {m}):
            was = _defined_before(before[path], m, is_package, w, frozenset(known))
            now = _defined_before(after[path], m, is_package, w, frozenset(known))
            if was is None or now is None:
                continue  # a new import of it: new_cycle says so
            lost = sorted((was - set(moved)) - now)
            if lost:
                return m, w, lost[0]
    return None


@lru_cache(maxsize=1024)
def _defined_before(
    text: str, module: str, is_package: bool, target: str, known: frozenset
) -> frozenset | None:
    """The names the module's top level binds before it first imports ``target`` at import
    time (None: it does not)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    names: set[str] = set()

    def walk(body) -> bool:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                if any(a.name == target or a.name.startswith(target + ".") for a in stmt.names):
                    return True
            elif isinstance(stmt, ast.ImportFrom):
                base = absolute(stmt.module, stmt.level, module, is_package)
                subs = {f"{base}.{a.name}" for a in stmt.names} & known
                if target in subs or (base == target and len(subs) < len(stmt.names)):
                    return True
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(stmt, ast.If) and not _is_type_checking(stmt.test):
                if walk(stmt.body) or walk(stmt.orelse):
                    return True
            elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                parts = [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
                if any(walk(part) for part in parts):
                    return True
        return False

    return frozenset(names) if walk(tree.body) else None


@lru_cache(maxsize=4096)
def _all_imports(text: str, module: str, is_package: bool) -> tuple:
    """Every import in the text, anywhere: (line, absolute module, imported names or ("*",))
    for ``from`` imports, (line, module, None) for ``import module``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node.module, node.level, module, is_package)
            if base is not None:
                out.append((node.lineno, base, tuple(a.name for a in node.names)))
    return tuple(out)


def imports_of(path: str, text: str, source: str, names: Iterable[str]) -> tuple[str, list]:
    """How the file reaches the moved ``names``: ("module", []) when it imports ``source``
    as a module (its uses ``src.f`` need the scope analysis), ("from", lines) when only
    ``from source import ...`` statements name them or import * (their first lines), ("", [])
    when it does not; read with ast, so only the files that do are parsed with libcst."""
    module, is_package = module_name(Path(path))
    names = set(names)
    parent, _, last = source.rpartition(".")
    lines = []
    for line, base, imported in _all_imports(text, module, is_package):
        if imported is None:
            if base == source or base.startswith(source + "."):
                return "module", []
            continue
        if base == source and ("*" in imported or names & set(imported)):
            lines.append(line)
        elif parent and base == parent and last in imported:
            return "module", []
    return ("from", lines) if lines else ("", [])


def star_importers(files: Mapping[str, str], module: str) -> list[str]:
    """The files doing ``from <module> import *``."""
    out = []
    for path, text in files.items():
        if "*" not in text or not _STAR.search(text):
            continue
        importer, is_package = module_name(Path(path))
        if any(
            base == module and imported == ("*",)
            for _, base, imported in _all_imports(text, importer, is_package)
        ):
            out.append(path)
    return out


def names_imported_from(path: str, text: str, modules: set[str]) -> set[str]:
    """The names the file imports by ``from <one of modules> import name``."""
    importer, is_package = module_name(Path(path))
    return {
        n
        for _, base, imported in _all_imports(text, importer, is_package)
        if base in modules and imported
        for n in imported
    }


_STAR = re.compile(r"\bimport\s*\*")
