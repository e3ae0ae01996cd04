"""The files of a move analysed on the statements that matter to it: a big module's scope
analysis takes seconds, and a move asks it only about a few names (the source, its
importers and the destination each have theirs, below).

The moved statements read and bind a set of the module's names (those bound at module level,
by ``ast``, that the statements' text names); every statement naming one of them (as a word:
in code, a string or a comment), the imports, the module's head (docstring and imports up to
its first other statement), ``__all__`` and any call reading the namespace whole are kept,
whole; the rest is left out with its lines and columns unchanged (rename.reduced, with
``layout``), so positions and edits apply to the real text. A statement left out binds and
reads none of those names, in any scope, so every binding and use of them is where it was;
the names the moved code does not name are not asked about. Whatever tree-sitter or ``ast``
cannot read is analysed whole (and refused with libcst's reason).
"""

from __future__ import annotations

import ast
import keyword
import re
from functools import lru_cache

from .move_file import MoveFile, parse

REDUCE = True  # the tests compare every result with the whole file's (REDUCE = False)
_MOVABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
_ALWAYS = {"__all__", "globals", "vars", "locals"}
_WORD = re.compile(r"[A-Za-z_]\w*")


def parse_source(path: str, text: str, first_line: int, last_line: int) -> MoveFile:
    """The source parsed for moving its top-level statements on zero-based lines first..last:
    reduced where it can be (see the module's docstring), with the real text to edit."""
    return _parse_reduced(path, text, _reduced(text, first_line, last_line) if REDUCE else None)


def _parse_reduced(path: str, text: str, small: str | None) -> MoveFile:
    """``small`` (``text`` with statements left out, lines and columns kept) parsed, with
    the real text to edit; the whole text where there is no reduction."""
    if small is None or small == text:
        return parse(path, text)
    f = parse(path, small)
    f.text = text
    return f


def parse_importer(path: str, text: str, source: str, dest: str, names) -> MoveFile:
    """A file importing the source, parsed for rewriting its imports of the moved names:
    reduced to the statements naming them and the names the rewrite asks about: each name
    the file binds to the source module (``import src as s``, ``from pkg import src``,
    ``import pkg.src``: every use of it), and the destination's name the rewrite would bind
    (``dest``'s last part; its first part too where the file does ``import src``: that name
    must not be taken). Whole where ``ast`` cannot read it."""
    words = _source_bindings(path, text, source, dest)
    if words is None:
        return parse(path, text)
    return _parse_among(path, text, set(names) | words, asnames=False)


def _source_bindings(path: str, text: str, source: str, dest: str) -> set[str] | None:
    """The names the rewrite asks about in an importer (None: all of them)."""
    found = _bindings_of_module(path, text, source)
    if found is None:
        return None
    names, plain = found
    words = names | {dest.rpartition(".")[2]}
    if plain:  # `import src` binds its first part; the rewrite imports the destination so
        words |= {source.split(".")[0], dest.split(".")[0]}
    return words


def source_aliases(path: str, text: str, source: str) -> set[str]:
    """The names the file binds to the module ``source`` by its imports."""
    found = _bindings_of_module(path, text, source)
    return found[0] if found else set()


@lru_cache(maxsize=1024)
def _bindings_of_module(path: str, text: str, source: str) -> tuple[frozenset, bool] | None:
    """(the names the file's imports bind to the module ``source`` itself, whether one is a
    plain ``import source``, which binds its first part); None where ``ast`` cannot read it
    or a relative import cannot be resolved. Cached: the rewrite and the leftovers check
    both ask."""
    from pathlib import Path

    from refine_lsp.index.modules import absolute_module, module_name

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    importer, is_package = module_name(Path(path))
    names: set[str] = set()
    plain = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name != source:
                    continue
                if a.asname:
                    names.add(a.asname)
                else:
                    plain = True  # binds the source's first part (a package, or itself)
        elif isinstance(node, ast.ImportFrom):
            if node.level and not importer:
                return None  # relative, from a file with no module name
            base = absolute_module(node.level, node.module or "", importer or "", is_package)
            if base is None:
                continue  # above the top: not the source
            for a in node.names:
                if (f"{base}.{a.name}" if base else a.name) == source:
                    names.add(a.asname or a.name)
    return frozenset(names), plain


def parse_destination(path: str, text: str, source: str, moved_code: str) -> MoveFile:
    """The destination, parsed for receiving the moved code: reduced to the statements
    naming what the moved code names (its names, the names it uses, which the destination
    must not mean otherwise, and its own definitions the code goes after), the source's
    name and ``TYPE_CHECKING``. Where annotations are to become lazy there, the caller
    analyses it whole (every annotation counts)."""
    named = {w for w in _WORD.findall(moved_code) if not keyword.iskeyword(w)}
    return _parse_among(path, text, named | set(source.split(".")) | {"TYPE_CHECKING"})


def _parse_among(path: str, text: str, words: set[str], asnames: bool = True) -> MoveFile:
    """``text`` parsed on the statements naming ``words`` (and the namespace readers, and
    with ``asnames`` the names its imports bind with ``as``); whole where ``ast`` cannot
    read it."""
    if not REDUCE:
        return parse(path, text)
    words = words | _ALWAYS
    if asnames:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return parse(path, text)  # refused with libcst's reason
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                words.update(a.asname for a in node.names if a.asname)
    from .rename import reduced

    return _parse_reduced(path, text, reduced(text, words - {""}, layout=True))


def _reduced(text: str, first_line: int, last_line: int) -> str | None:
    from .rename import reduced

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    lines = text.splitlines(keepends=True)
    chosen = []
    for stmt in tree.body:
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        end = stmt.end_lineno or stmt.lineno
        if end < first_line + 1 or start > last_line + 1:
            continue
        if not isinstance(stmt, _MOVABLE):
            return None  # refused on the whole file, with its reason
        chosen.append("".join(lines[start - 1 : end]))
    if not chosen:
        return None
    named = {w for w in _WORD.findall("".join(chosen)) if not keyword.iskeyword(w)}
    words = (named & module_bound(tree)) | _ALWAYS
    return reduced(text, words, layout=True)


def module_bound(tree: ast.Module) -> set[str]:
    """Every name the module's top level may bind (a superset): assignment and loop targets,
    definitions, imports, handlers, outside function and class bodies; and every name a
    ``global`` statement anywhere declares."""
    out: set[str] = set()

    def expr(node: ast.AST) -> None:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                out.add(n.id)

    def stmt(node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                stmt(child)
            elif isinstance(child, ast.ExceptHandler):
                if child.name:
                    out.add(child.name)
                for s in child.body:
                    stmt(s)
            elif isinstance(child, ast.match_case):
                expr(child.pattern)
                out.update(
                    n.name
                    for n in ast.walk(child.pattern)
                    if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name
                )
                out.update(
                    n.rest
                    for n in ast.walk(child.pattern)
                    if isinstance(n, ast.MatchMapping) and n.rest
                )
                for s in child.body:
                    stmt(s)
            else:
                expr(child)

    for node in tree.body:
        stmt(node)
    for n in ast.walk(tree):
        if isinstance(n, ast.Global):
            out.update(n.names)
    return out
