"""Rename a local, a parameter, a module-level name, a method or attribute, or a module, in
every file of the workspace that uses it, or refuse with the reason. Scope analysis by
libcst; nothing is renamed on a guess.

Renamed here: local variables and nested functions, parameters (with the keyword arguments
of the calls that can be resolved to the function), module-level functions, classes and
variables with their imports elsewhere (``from m import x``, ``from m import x as y``,
``import m`` + ``m.x``, re-exports) and ``__all__`` entries. Methods and attributes are in
rename_members.py, a parameter's keyword arguments across files in rename_params.py, modules
and packages (from an import statement) in rename_modules.py.
Refused with the reason: names declared ``global``/``nonlocal``, names bound by pattern
matching (libcst's scopes do not record them), ``import *`` of the module, collisions and
shadowing in any affected scope, builtins and names from outside the workspace, keywords.
"""

from __future__ import annotations

import contextvars
import dataclasses
import keyword
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    Access,
    Assignment,
    BaseAssignment,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from refine_lsp.index.modules import dotted, imported_module, module_name
from refine_lsp.recent import Recent

from .cstwalk import dispatch, find, in_source_order, module_statements
from .model import Refusal
from .rename_namespaces import global_namespace_reads, local_namespace_reads


@dataclass
class RenameResult:
    old: str
    new: str
    changes: dict[str, str] = field(default_factory=dict)  # path -> whole new text
    occurrences: int = 0
    warnings: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # where `x.name` could not be proven ours
    file_renames: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path)
    # the warnings saying the program may behave differently (code reading names, uses left
    # unproven): an editor asks the user to confirm such a rename before applying it
    risks: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    path: str
    text: str
    wrapper: MetadataWrapper
    scopes: Mapping
    positions: Mapping
    assigned: dict[int, Assignment]  # id(name node) -> its assignment
    accessed: dict[int, Access]  # id(name node) -> its access
    accesses: list[Access]
    module: str
    is_package: bool
    edits: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)

    line_offset: int = 0  # a chunk of the file (one top-level definition): its first line
    reduced: bool = False  # only the statements naming the renamed names (see ``reduced``)
    walrus: set[int] | None = None  # _walrus_targets, once read

    def where(self, node: cst.CSTNode) -> str:
        p = self.positions[node].start
        return f"{Path(self.path).name}:{p.line + self.line_offset}"


def _binding_name(a: BaseAssignment) -> cst.Name | None:
    node = getattr(a, "node", None)
    if isinstance(node, cst.Name):
        return node
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
        return node.name
    return None


# prepareRename then rename on the same text parse it once
_cache: Recent[tuple[str, str], Future] = Recent(4)
# Every text one rename parsed (None outside a rename): a rename following re-exports reads
# the same importers once per module it passes through, more than the shared cache holds.
_this_rename: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "refine_lsp_rename_parses", default=None
)


def _parse(path: str, text: str) -> _Parsed:
    """The file parsed with its scopes: from this rename's, the cache (fresh edits) or now."""
    key = (path, text)
    mine_now = _this_rename.get()
    if mine_now is not None and key in mine_now:
        return dataclasses.replace(mine_now[key], edits={})
    future, mine = _cache.setdefault(key, Future())
    if mine:
        try:
            future.set_result(_parse_now(path, text))
        except BaseException as exc:
            future.set_exception(exc)
    parsed = future.result()
    if mine_now is not None:
        mine_now[key] = parsed
    return dataclasses.replace(parsed, edits={})


# Top-level statements kept whatever they mention: they bind names (a star import binds
# names no scope records) and are cheap to analyse.
_KEEP_ALWAYS = ("import_statement", "import_from_statement", "future_import_statement")
REDUCE = True  # the tests compare every result with the whole file's (REDUCE = False)


def reduced(text: str, words: set[str], *, layout: bool = False) -> str | None:
    """The text with every statement that mentions none of ``words`` (as a word: in code, a
    string or a comment) left out, at the top level and, inside a kept class, in its body
    (to ``_NEST`` levels of classes): a run of such lines becomes one string statement spanning
    them, at the indentation of the first one left out (an empty line where it is one line at
    the top level); None where tree-sitter sees an error (the whole file is analysed then, and
    refused with libcst's reason).

    Renaming ``old`` to ``new`` asks the scope analysis only about those two names, and
    every node naming either (a binding, a use, ``global``, ``nonlocal``, ``del``, a string,
    an ``__all__`` entry, an attribute, a keyword argument) lies in a statement kept here,
    whole, with the headers of the definitions around it; a statement that does not name
    them binds and reads neither, in any scope. Lines and columns are unchanged, so
    positions and edits apply to the real text. A big module then costs what its statements
    using the name cost.

    ``layout`` (for Move, which edits around statements): comments are kept, the module's
    head is kept whole up to its first statement that is not an import or the docstring (where
    new imports go), and a one-line statement left out becomes ``0``, never an empty line."""
    words = {w for w in words if w}
    if not words or not REDUCE:
        return None
    from refine_lsp.syntax.parser import parse as ts_parse

    data = text.encode("utf-8")
    root = ts_parse(data).root_node
    if root.has_error:
        return None
    lines = _lines(text)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(words))) + r")(?!\w)")
    keep = [False] * len(lines)
    indent: list[str | None] = [None] * len(lines)  # a left-out line: its block's indentation

    def mentions(node) -> bool:
        segment = data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")
        return pattern.search(segment) is not None

    head = _head_end(root) if layout else -1

    def mark(children, depth: int, pad: str) -> bool:
        prev = None
        for child in children:
            first, last = child.start_point[0], child.end_point[0]
            if last >= len(lines):
                return False
            if child.type == "comment" and prev is not None and first == prev.end_point[0]:
                # a trailing comment goes with its statement: naming the words, it keeps it
                if not layout and mentions(child):
                    for i in range(prev.start_point[0], first + 1):
                        keep[i] = True
                continue
            prev = child
            kept = (depth == 0 and (child.type in _KEEP_ALWAYS or last <= head)) or (
                layout and child.type == "comment"
            )
            if not (kept or mentions(child)):
                for i in range(first, last + 1):
                    indent[i] = pad
                continue
            body = _nested_body(child) if depth < _NEST else None
            start = body.children[0].start_point if body is not None else (first, 0)
            inner = lines[start[0]][: start[1]]
            if (
                body is None
                or start[0] <= first
                or body.children[0].type == "comment"
                or inner.strip()
            ):
                for i in range(first, last + 1):
                    keep[i] = True
                continue
            for i in range(first, start[0]):
                keep[i] = True  # the header (decorators, signature, bases) whole
            if not mark(body.children, depth + 1, inner):
                return False
        return True

    if not mark(root.children, 0, ""):
        return None
    out = []
    i = 0
    while i < len(lines):
        if keep[i] or (indent[i] is None and lines[i].strip()):
            out.append(lines[i])
            i += 1
            continue
        k = i  # the run's first line left out (the ones before it are empty)
        while k < len(lines) and not keep[k] and indent[k] is None and not lines[k].strip():
            k += 1
        if k == len(lines) or keep[k] or indent[k] is None:
            out += lines[i:k]  # empty lines only: as they are
            i = k
            continue
        pad = indent[k]
        j = k  # the run ends with its block's last statement left out: the block ends there
        while j + 1 < len(lines) and not keep[j + 1]:
            if indent[j + 1] == pad:
                j += 1
            elif indent[j + 1] is None and not lines[j + 1].strip():
                m = j + 1
                while m < len(lines) and indent[m] is None and not keep[m]:
                    if lines[m].strip():
                        break
                    m += 1
                if m < len(lines) and not keep[m] and indent[m] == pad:
                    j = m
                else:
                    break
            else:
                break
        ends = [line[len(line.rstrip("\r\n")) :] for line in lines[i : j + 1]]
        if j == i and not pad and not layout:
            out.append(ends[0])
        elif j == i:
            out.append(pad + "0" + ends[0])  # a block must keep a statement
        else:  # one string statement holds the run's line ends: one node, not one per line
            out.append(pad + '"""' + ends[0])
            out += ends[1:-1]
            out.append('"""' + ends[-1])
        i = j + 1
    return "".join(out)


_NEST = 3  # levels of classes whose bodies are reduced too


def _head_end(root) -> int:
    """The last line (zero-based) of the module's first statement that is neither an import
    nor its docstring (-1: none)."""
    first = True
    for child in root.children:
        if child.type == "comment":
            continue
        docstring = (
            first
            and child.type == "expression_statement"
            and child.named_child_count == 1
            and child.named_children[0].type in ("string", "concatenated_string")
        )
        first = False
        if not (docstring or child.type in _KEEP_ALWAYS):
            return child.end_point[0]
    return -1


def _nested_body(node):
    """The block of a (decorated) class definition; None for other statements. A function
    is kept whole: its locals' bindings (``f = partial(g)`` before ``f(old=1)``) are what
    proves its calls and receivers, whatever they mention; a class body's bindings are not
    seen from its methods."""
    if node.type == "decorated_definition":
        node = node.child_by_field_name("definition")
    if node is None or node.type != "class_definition":
        return None
    body = node.child_by_field_name("body")
    return body if body is not None and body.type == "block" and body.children else None


def _parse_for(path: str, text: str, words: set[str]) -> _Parsed:
    """The file parsed for a rename between ``words``: reduced to the statements that
    mention them where it can be (see ``reduced``), with the real text to edit."""
    small = reduced(text, words)
    if small is None or small == text:
        return _parse(path, text)
    return dataclasses.replace(_parse(path, small), text=text, reduced=True)


def is_parsed(path: str, text: str) -> bool:
    future = _cache.peek((path, text), None)
    return future is not None and future.done()


def quick_prepare(
    path: str, text: str, line: int, col: int, tree=None
) -> tuple[tuple[int, int, int, int], str]:
    """prepare() when the file is parsed already; otherwise what tree-sitter tells at once
    (a name, not a keyword), on ``tree`` where the caller has the text's tree-sitter tree:
    the rename that follows checks the rest, with the reason. (No
    parse in the background: libcst's parser holds the interpreter lock, and would stall
    the server's loop as long.)"""
    if is_parsed(path, text):
        return prepare(path, text, line, col)
    from refine_lsp.syntax.parser import parse as ts_parse

    lines = text.split("\n")
    if not 0 <= line < len(lines):
        raise Refusal("no name to rename here")
    row = lines[line]
    if tree is None:  # the editor's document keeps one, current
        tree = ts_parse(text.encode("utf-8"))
    point = (line, len(row[:col].encode("utf-8")))
    node = tree.root_node.named_descendant_for_point_range(point, point)
    if node is not None and node.type != "identifier" and col > 0:
        back = (line, len(row[: col - 1].encode("utf-8")))
        node = tree.root_node.named_descendant_for_point_range(back, back)
    if node is None or node.type != "identifier" or node.start_point[0] != line:
        raise Refusal("no name to rename here")
    word = node.text.decode("utf-8")
    if keyword.iskeyword(word):
        raise Refusal(f"`{word}` is a keyword")
    start = len(row.encode("utf-8")[: node.start_point[1]].decode("utf-8", errors="replace"))
    return (line, start, line, start + len(word)), word


class _LazyPositions(Mapping):
    """The module's PositionProvider mapping, computed when first read: a file the rename
    only checks (no edit, no message about it) skips it, about a quarter of its analysis."""

    def __init__(self, wrapper: MetadataWrapper):
        self._wrapper = wrapper
        self._map: Mapping | None = None
        self._lock = threading.Lock()

    def _resolved(self) -> Mapping:
        if self._map is None:
            with self._lock:
                if self._map is None:
                    self._map = self._wrapper.resolve(PositionProvider)
        return self._map

    def __getitem__(self, node):
        return self._resolved()[node]

    def get(self, node, default=None):
        return self._resolved().get(node, default)

    def __contains__(self, node) -> bool:
        return node in self._resolved()

    def __iter__(self):
        return iter(self._resolved())

    def __len__(self) -> int:
        return len(self._resolved())


def _parse_now(path: str, text: str) -> _Parsed:
    try:
        wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    except cst.ParserSyntaxError as exc:
        raise Refusal(
            f"{Path(path).name} does not parse (line {exc.raw_line}): fix it first"
        ) from None
    scopes = wrapper.resolve(ScopeProvider)
    positions = _LazyPositions(wrapper)
    assigned: dict[int, Assignment] = {}
    accessed: dict[int, Access] = {}
    accesses: list[Access] = []
    seen: set[int] = set()
    for scope in scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        for a in scope.assignments:
            name = _binding_name(a)
            if name is not None:
                assigned[id(name)] = a
        for acc in scope.accesses:
            accesses.append(acc)
            if isinstance(acc.node, cst.Name):
                accessed[id(acc.node)] = acc
    mod, is_package = module_name(Path(path))
    return _Parsed(
        path, text, wrapper, scopes, positions, assigned, accessed, accesses, mod, is_package
    )


class _Finder(cst.CSTVisitor):
    """The Name at a (1-based line, 0-based column) position, with its parent."""

    def __init__(self, positions, line: int, col: int):
        self.positions, self.line, self.col = positions, line, col
        self.found: cst.Name | None = None
        self.parent: cst.CSTNode | None = None
        self.ancestors: list[cst.CSTNode] = []
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._stack.append(node)  # on_leave pops it, visited or skipped
        if self.found is not None:
            return False
        r = self.positions.get(node)
        if r is not None and not r.start.line <= self.line <= r.end.line:
            return False  # the name is not in there: skip the subtree
        if isinstance(node, cst.Name):
            if (
                r is not None
                and r.start.line == self.line
                and r.start.column <= self.col <= r.end.column
            ):
                self.found = node
                self.parent = self._stack[-2] if len(self._stack) > 1 else None
                self.ancestors = self._stack[:-1]
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


def _name_at(p: _Parsed, line: int, col: int) -> tuple[cst.Name, cst.CSTNode | None]:
    finder = _find(p, line, col)
    return finder.found, finder.parent


def _find(p: _Parsed, line: int, col: int) -> _Finder:
    finder = _Finder(p.positions, line + 1, col)
    p.wrapper.module.visit(finder)
    if finder.found is None:
        raise Refusal("no name to rename here")
    return finder


def word_at(text: str, line: int, col: int) -> str:
    """The identifier at a zero-based position, read off the text (no parse): enough to pick
    the files that can mention it; ``rename`` then resolves it properly."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return ""
    for m in re.finditer(r"\w+", lines[line]):
        if m.start() <= col <= m.end():
            return m.group()
    return ""


def prepare(path: str, text: str, line: int, col: int) -> tuple[tuple[int, int, int, int], str]:
    """The range (zero-based line and columns) of the name at the position, and the name;
    raises Refusal where rename would refuse whatever the new name."""
    p = _parse(path, text)
    finder = _find(p, line, col)
    name, parent = finder.found, finder.parent
    from .rename_members import is_member, prepare_member  # they import this module
    from .rename_modules import module_at

    if module_at(p, name, finder.ancestors) is not None:
        pass  # a module: rename checks that it is the workspace's
    elif is_member(p, name, parent):
        prepare_member(p, name, parent)
    else:
        _variable(p, name, parent)
    r = p.positions[name]
    return (r.start.line - 1, r.start.column, r.end.line - 1, r.end.column), name.value


def _scope_label(scope: Scope) -> str:
    if isinstance(scope, GlobalScope):
        return "the module"
    node = getattr(scope, "node", None)
    name = getattr(getattr(node, "name", None), "value", None)
    return f"`{name}`" if name else "a comprehension or lambda"


def _variable(p: _Parsed, name: cst.Name, parent) -> tuple[Scope, set[BaseAssignment]]:
    """The scope and the assignments of the variable the name stands for."""
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        raise Refusal(
            f"`{name.value}` is an attribute: renaming attributes and methods is not supported yet"
        )
    if isinstance(parent, (cst.ImportAlias, cst.Attribute)) and id(name) not in p.accessed:
        raise Refusal(
            f"`{name.value}` is imported here: rename it where it is defined (its module)"
        )
    if id(name) in p.assigned:
        assignment = p.assigned[id(name)]
    else:
        access = p.accessed.get(id(name))
        if access is None:
            raise Refusal(f"`{name.value}` here is not a variable this file defines or uses")
        refs = {r for r in access.referents if isinstance(r, Assignment)}  # not builtins
        if not access.referents and isinstance(access.scope, ComprehensionScope):
            # libcst leaves an inner `for`'s condition unresolved: the comprehension's own
            refs = {r for r in access.scope.assignments[name.value] if r.scope is access.scope}
        if not refs:
            raise Refusal(f"`{name.value}` is a builtin or is not defined in this workspace")
        if len({r.scope for r in refs}) != 1:
            raise Refusal(f"`{name.value}` here may refer to bindings in several scopes")
        assignment = next(iter(refs))
    scope = assignment.scope
    walrus = _walrus_targets(p)
    if isinstance(scope, ComprehensionScope) and id(assignment.node) in walrus:
        scope = _owner(scope)  # `(x := ...)` in a comprehension binds x around it
    if isinstance(scope, ClassScope):
        raise Refusal(
            f"`{name.value}` is a class attribute: renaming attributes and methods is not "
            "supported yet"
        )
    if isinstance(assignment, ImportAssignment):
        raise Refusal(
            f"`{name.value}` is imported here: rename it where it is defined (its module)"
        )
    inner = _comprehension_walrus(p, scope, name.value, walrus)
    return scope, set(scope.assignments[name.value]) | inner


def _binder(scope: Scope, name: str, walrus: set[int]) -> Scope | None:
    """The scope a use of ``name`` in ``scope`` reads it from: the nearest binding it
    (class bodies are not seen from inside their functions; a comprehension's ``:=`` binds
    in the scope around it); None: none does."""
    s, first = scope, True
    while s is not None:
        bound = s.assignments[name]
        if isinstance(s, ComprehensionScope):
            bound = [a for a in bound if id(getattr(a, "node", None)) not in walrus]
        if (first or not isinstance(s, ClassScope)) and bound:
            return s
        if s is s.parent:
            return None
        s, first = s.parent, False
    return None


def _owner(scope: Scope) -> Scope:
    while isinstance(scope, ComprehensionScope):
        scope = scope.parent
    return scope


def _walrus_targets(p: _Parsed) -> set[int]:
    """id() of every name an assignment expression binds inside a comprehension (where
    libcst records it in the comprehension); read once per parse, and only where the text
    has a ``:=``."""
    if p.walrus is not None:
        return p.walrus
    found = set()

    class V(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            if isinstance(node.target, cst.Name):
                found.add(id(node.target))

    if ":=" in p.text:
        seen: set[int] = set()
        for s in p.scopes.values():
            if isinstance(s, ComprehensionScope) and id(s) not in seen:
                seen.add(id(s))
                s.node.visit(V())
    p.walrus = found
    return found


def _comprehension_walrus(p: _Parsed, scope: Scope, name: str, walrus: set[int]) -> set:
    """The bindings of ``name`` by ``:=`` in comprehensions directly inside ``scope``: they
    bind the scope's variable (PEP 572), where libcst records them in the comprehension.
    A comprehension iterating over the new name is checked by the caller (SyntaxError)."""
    out = set()
    for s in {id(s): s for s in p.scopes.values() if s is not None}.values():
        if isinstance(s, ComprehensionScope) and _owner(s) is scope:
            out |= {a for a in s.assignments[name] if id(a.node) in walrus}
    return out


def _check_walrus_owners(p: _Parsed, old: str, new: str) -> None:
    """``(z := q)`` in a comprehension makes ``z`` a variable of the function around it;
    libcst records it in the comprehension only, so where that function binds ``z`` no other
    way, its uses there (and in functions nested in it) are taken for another ``z``:
    refused, for the old name and the new."""
    walrus = _walrus_targets(p)
    if not walrus:
        return
    for s in {id(s): s for s in p.scopes.values() if s is not None}.values():
        if not isinstance(s, ComprehensionScope):
            continue
        for n in (old, new):
            for a in s.assignments[n]:
                owner = _owner(s)
                if id(a.node) in walrus and not owner.assignments[n]:
                    raise Refusal(
                        f"`{n}` is bound by `:=` in a comprehension at {p.where(a.node)}, "
                        f"which makes it a variable of {_scope_label(owner)}: not supported "
                        "yet"
                    )


class _Dynamic:
    """What the scope analysis cannot see: global/nonlocal, pattern captures, strings."""

    def __init__(self, names: set[str]):
        self.names = names
        self.declared: list[cst.CSTNode] = []
        self.nonlocal_items: list[cst.NameItem] = []
        self.nonlocal_stmt: dict[int, cst.Nonlocal] = {}
        self.captured: list[cst.CSTNode] = []
        self.strings: list[cst.CSTNode] = []
        self.star_from: list[cst.ImportFrom] = []

    def visit_Global(self, node: cst.Global) -> None:
        self.declared += [n for n in node.names if n.name.value in self.names]

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        items = [n for n in node.names if n.name.value in self.names]
        self.nonlocal_items += items
        self.nonlocal_stmt.update({id(n): node for n in items})

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None and node.name.value in self.names:
            self.captured.append(node)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None and node.name.value in self.names:
            self.captured.append(node)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None and node.rest.value in self.names:
            self.captured.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is no dynamic use
            return
        if isinstance(value, str) and value in self.names:
            self.strings.append(node)

    def read(self, p: _Parsed) -> _Dynamic:
        """Collect from ``p``'s module, each list in the source's order."""
        dispatch(self, p.wrapper.module)
        for name in ("declared", "nonlocal_items", "captured", "strings"):
            setattr(self, name, in_source_order(getattr(self, name), p.positions))
        return self


def _check_dynamic(
    p: _Parsed, old: str, new: str, result: RenameResult, scope: Scope | None = None
) -> _Dynamic:
    """Refusals for what scopes cannot see; ``nonlocal old`` in a function nested in the
    renamed variable's scope is kept in ``dyn.nonlocal_names`` to be renamed with it."""
    dyn = _Dynamic({old, new}).read(p)
    dyn.nonlocal_names = []
    for item in dyn.nonlocal_items:
        inner = p.scopes.get(dyn.nonlocal_stmt[id(item)])
        if (
            scope is not None
            and isinstance(scope, FunctionScope)
            and item.name.value == old
            and inner is not None
            and inner is not scope
            and _descends(inner, scope)
        ):
            dyn.nonlocal_names.append(item.name)
        else:
            dyn.declared.append(item)
    for node in dyn.declared:
        raise Refusal(
            f"`{node.name.value}` is declared global or nonlocal at {p.where(node)}: "
            "not supported yet"
        )
    for node in dyn.captured:
        raise Refusal(
            f"a `match` pattern binds `{old}` or `{new}` at {p.where(node)}: not supported yet"
        )
    return dyn


def _descends(scope: Scope, ancestor: Scope) -> bool:
    while scope is not None:
        if scope is ancestor:
            return True
        if scope is scope.parent:
            return False
        scope = scope.parent
    return False


def _rename_variable(
    p: _Parsed,
    scope: Scope,
    assignments: set[BaseAssignment],
    old: str,
    new: str,
    edit_bindings: bool = True,
) -> list[Access]:
    """Edits renaming the variable in this file, after the collision and shadowing checks;
    returns its accesses."""
    if new in scope.assignments:
        raise Refusal(f"`{new}` is already defined in {_scope_label(scope)}")
    _check_walrus_owners(p, old, new)
    for a in assignments:
        if a.scope is not scope and new in a.scope.assignments:
            raise Refusal(f"`{new}` is already defined in the comprehension at {p.where(a.node)}")
    uses = [a for a in p.accesses if set(a.referents) & assignments]
    if any(x.scope is scope for x in assignments) and not isinstance(scope, ClassScope):
        # libcst reads a function's name before the function's first binding of it as the
        # enclosing one (`z = f(z)`, a use in a loop above the assignment), leaves some
        # unresolved (an inner `for`'s condition of a comprehension): Python makes a name
        # bound anywhere in a function local to all of it. A use is ours where the scope
        # nearest to it that binds the name is ours.
        walrus = _walrus_targets(p)
        named = [a for a in p.accesses if isinstance(a.node, cst.Name) and a.node.value == old]
        mine = {id(a) for a in named if _binder(a.scope, old, walrus) is scope}
        uses = [a for a in uses if not isinstance(a.node, cst.Name) or id(a) in mine]
        uses += [a for a in named if id(a) in mine and a not in uses]
    for acc in uses:
        if not set(acc.referents) <= assignments:
            raise Refusal(
                f"`{old}` at {p.where(acc.node)} may also refer to another binding of the name"
            )
        s = acc.scope
        while s is not None and s is not scope:
            if new in s.assignments and not isinstance(s, ClassScope):
                raise Refusal(
                    f"`{old}` used at {p.where(acc.node)} would be shadowed by `{new}` "
                    f"of {_scope_label(s)}"
                )
            if s is s.parent:
                break
            s = s.parent
    for acc in p.accesses:  # a `new` that now means something else would be captured
        node = acc.node
        if not isinstance(node, cst.Name) or node.value != new:
            continue
        if any(r.scope is scope for r in acc.referents if isinstance(r, BaseAssignment)):
            continue
        if isinstance(scope, ClassScope) and acc.scope is not scope:
            continue  # a class body's names are not seen from its methods
        if _descends(acc.scope, scope):
            raise Refusal(f"`{new}` used at {p.where(node)} would then mean the renamed `{old}`")
    for a in assignments if edit_bindings else ():
        name = _binding_name(a)
        if name is None:
            if isinstance(a, Assignment) and isinstance(a.node, (cst.Import, cst.ImportFrom)):
                raise Refusal(f"`{old}` is also imported in {_scope_label(scope)}")
            raise Refusal(f"`{old}` is bound at {p.where(a.node)} in a way rename cannot edit")
        _edit(p, name, new)
    for acc in uses:
        if isinstance(acc.node, cst.Name):
            _edit(p, acc.node, new)
        else:  # a string annotation or __all__ entry seen as an access
            raise Refusal(f"`{old}` is used at {p.where(acc.node)} in a way rename cannot edit")
    return uses


def _edit(p: _Parsed, name: cst.CSTNode, new: str) -> None:
    r = p.positions[name]
    p.edits[(r.start.line + p.line_offset, r.start.column)] = (r.end.column, new)


def _all_entries(p: _Parsed, old: str, new: str) -> None:
    """``__all__ = [...]`` entries of the module naming the renamed module-level name."""
    for stmt in p.wrapper.module.body:
        for small in getattr(stmt, "body", []) if isinstance(stmt, cst.SimpleStatementLine) else []:
            targets = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets = [small.target]
            if not any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                continue
            value = small.value
            for el in getattr(value, "elements", []) or []:
                s = getattr(el, "value", None)
                if isinstance(s, cst.SimpleString) and s.evaluated_value == old:
                    quote = s.value[-1]
                    prefix = s.value[: len(s.value) - len(s.value.lstrip("rRbBuUfF"))]
                    r = p.positions[s]
                    p.edits[(r.start.line, r.start.column)] = (
                        r.end.column,
                        f"{prefix}{quote}{new}{quote}",
                    )


def _lines(text: str) -> list[str]:
    """Lines as the parsers count them (a form feed or U+2028 inside one is no line end)."""
    return re.split(r"(?<=\n)", text)


def _apply(p: _Parsed) -> str:
    lines = _lines(p.text)
    for (line, col), (end_col, new) in sorted(p.edits.items(), reverse=True):
        text = lines[line - 1]
        lines[line - 1] = text[:col] + new + text[end_col:]
    return "".join(lines)


def _keyword_call_sites(p: _Parsed, fn_assignments: set[BaseAssignment], old: str, new: str) -> int:
    """Rename ``old=`` in calls whose callee resolves to the function; how many."""
    n = 0
    for node in _calls(p.wrapper.module):
        callee = node.func
        acc = p.accessed.get(id(callee)) if isinstance(callee, cst.Name) else None
        if acc is None or not set(acc.referents) & fn_assignments:
            passed = [
                a.value
                for a in node.args
                if a.keyword is None
                and isinstance(a.value, cst.Name)
                and set(getattr(p.accessed.get(id(a.value)), "referents", ())) & fn_assignments
            ]
            if passed and any(a.keyword is not None and a.keyword.value == old for a in node.args):
                raise Refusal(
                    f"`{passed[0].value}` is passed with `{old}=` at {p.where(node)} "
                    "(functools.partial or similar): the keyword cannot be proven to be its own"
                )
            continue
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == old:
                _edit(p, arg.keyword, new)
                n += 1
    return n


def _calls(module: cst.Module) -> list[cst.Call]:
    return find(module, cst.Call)


def rename(files: Mapping[str, str], path: str, line: int, col: int, new: str) -> RenameResult:
    """Rename the name at zero-based (line, col) of ``path`` to ``new`` in ``files`` (every
    Python file of the workspace: path -> text). Raises Refusal with the reason."""
    token = _this_rename.set({}) if _this_rename.get() is None else None
    try:
        return _rename(files, path, line, col, new)
    finally:
        if token is not None:
            _this_rename.reset(token)


def _rename(files: Mapping[str, str], path: str, line: int, col: int, new: str) -> RenameResult:
    new = new.strip()
    if not new.isidentifier():
        raise Refusal(f"`{new}` is not a Python identifier")
    if keyword.iskeyword(new) or keyword.issoftkeyword(new):
        raise Refusal(f"`{new}` is a keyword")
    local = _rename_local(files, path, line, col, new)
    if local is not None:
        return local
    from refine_lsp.index.classes import ClassIndex

    from .rename_members import is_member, rename_member  # they import this module
    from .rename_modules import module_at, rename_module

    word = word_at(files[path], line, col)
    p = _parse_for(path, files[path], {word, new})
    finder = _find(p, line, col)
    name, parent = finder.found, finder.parent
    # The workspace's modules and classes (every file read by ast): for a name in an import
    # statement only, where it may stand for a module.
    in_import = any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in finder.ancestors)
    index = ClassIndex(files) if in_import else None
    if p.reduced and (
        name.value != word or (in_import and module_at(p, name, finder.ancestors, index))
    ):  # modules are analysed on whole files
        p = _parse(path, files[path])
        finder = _find(p, line, col)
        name, parent = finder.found, finder.parent
    elif p.reduced and is_member(p, name, parent):  # with what proves the receivers' class
        from .rename_members import parse_for_members

        p = parse_for_members(path, files[path], {word, new}, {word, new})
        finder = _find(p, line, col)
        name, parent = finder.found, finder.parent
    old = name.value
    result = RenameResult(old, new)
    if old == new:
        return result
    module = module_at(p, name, finder.ancestors, index) if in_import else None
    if module is not None:
        return rename_module(files, p, module, new, index)
    if is_member(p, name, parent):
        return rename_member(files, p, name, parent, new)
    scope, assignments = _variable(p, name, parent)
    dyn = _check_dynamic(p, old, new, result, scope)
    if isinstance(scope, FunctionScope):
        risks = local_namespace_reads(p, scope.node, old)
    elif isinstance(scope, GlobalScope):
        risks = global_namespace_reads(path, files[path], old)
    else:
        risks = []
    result.warnings += risks
    result.risks += risks
    _rename_variable(p, scope, assignments, old, new)
    for n in dyn.nonlocal_names:
        _edit(p, n, new)
    params = [a for a in assignments if isinstance(getattr(a, "node", None), cst.Param)]
    parsed = {path: p}
    if params:
        fn_node = scope.node if isinstance(scope, FunctionScope) else None
        _rename_keywords(files, parsed, p, fn_node, old, new, result)
    elif isinstance(scope, GlobalScope):
        _all_entries(p, old, new)
        _rename_importers(files, parsed, p, old, new, result, set())
        risks = _introspection(files, parsed, p, old, assignments)
        result.warnings += risks
        result.risks += risks
    for s in dyn.strings:
        if not _in_all(p, s):
            result.warnings.append(f"the string '{old}' at {p.where(s)} was left as it is")
    for q in parsed.values():
        if q.edits:
            result.changes[q.path] = _apply(q)
            result.occurrences += len(q.edits)
    return result


class _WholeFile(Exception):
    """The chunk cannot decide: analyse the whole file."""


_TOP = ("function_definition", "decorated_definition", "class_definition")


def _top_level_span(text: str, line: int) -> tuple[int, int, str, tuple | None] | None:
    """(first line, last line, node type, its name's (line, first byte column, end byte
    column)) of the top-level definition holding the line."""
    from refine_lsp.syntax.parser import parse as ts_parse

    tree = ts_parse(text.encode("utf-8", "surrogatepass"))
    for child in tree.root_node.children:
        if child.start_point[0] <= line <= child.end_point[0]:
            if child.type in _TOP and not child.has_error:
                inner = child
                if child.type == "decorated_definition":
                    inner = child.child_by_field_name("definition") or child
                name = inner.child_by_field_name("name")
                at = (*name.start_point, name.end_point[1]) if name is not None else None
                return child.start_point[0], child.end_point[0], inner.type, at
            return None
    return None


def _rename_local(files, path: str, line: int, col: int, new: str) -> RenameResult | None:
    """A local or a parameter, analysed in its top-level definition alone (a big module
    takes seconds to analyse whole); None: not one, or the chunk cannot tell."""
    text = files[path]
    span = _top_level_span(text, line)
    if span is None:
        return None
    first, last, _, name_at = span
    lines = _lines(text)
    if name_at is not None and name_at[0] == line and line < len(lines):
        row = lines[line].encode("utf-8", "surrogatepass")
        start = len(row[: name_at[1]].decode("utf-8", "surrogatepass"))
        end = len(row[: name_at[2]].decode("utf-8", "surrogatepass"))
        if start <= col <= end:
            return None  # the definition's own name: a module-level one
    if last >= len(lines) or (first and lines[first - 1].rstrip().endswith("\\")):
        return None
    chunk = "".join(lines[first : last + 1])
    try:
        q = dataclasses.replace(_parse(path, chunk), text=text, line_offset=first)
        name, parent = _name_at(q, line - first, col)
        from .rename_members import is_member

        if is_member(q, name, parent) or isinstance(parent, (cst.ImportAlias, cst.Attribute)):
            return None
        scope, assignments = _variable(q, name, parent)
    except Refusal:
        return None  # say it from the whole file, where globals are known
    if not isinstance(scope, FunctionScope):
        return None
    params = [a for a in assignments if isinstance(getattr(a, "node", None), cst.Param)]
    if params and isinstance(q.scopes.get(scope.node), ClassScope):
        return None  # a method's: its calls are found on whole files (rename_method_param)
    old = name.value
    result = RenameResult(old, new)
    if old == new:
        return result
    dyn = _check_dynamic(q, old, new, result, scope)
    risks = local_namespace_reads(q, scope.node, old)
    result.warnings += risks
    result.risks += risks
    _rename_variable(q, scope, assignments, old, new)
    for n in dyn.nonlocal_names:
        _edit(q, n, new)
    chunk = q
    if params:
        fn_node = scope.node
        if not isinstance(fn_node, cst.Lambda):
            rest = "".join(lines[:first] + lines[last + 1 :])
            fn = re.escape(fn_node.name.value)
            if re.search(rf"\b{fn}\b[\s\S]*?\b{re.escape(old)}\s*=", rest):
                if not isinstance(q.scopes.get(fn_node), GlobalScope):
                    return None  # may be called with the keyword elsewhere in the file
                # a top-level function called elsewhere in its file: those calls are in the
                # statements that name it (its parameter's name may be in every function);
                # used as a value anywhere, any call passing the keyword may reach it
                fname = fn_node.name.value
                valued = any(_value_use(t, fname) is not None for t in files.values() if fname in t)
                r = _parse_for(path, text, {fname, new} | ({old} if valued else set()))
                at = q.positions[fn_node.name].start
                fn_r = next(
                    (
                        a.node
                        for a in r.scopes[r.wrapper.module].assignments[fn_node.name.value]
                        if isinstance(a.node, cst.FunctionDef)
                        and r.positions[a.node.name].start.line == at.line + first
                    ),
                    None,
                )
                if fn_r is None:
                    return None
                r.edits.update(q.edits)
                q, fn_node = r, fn_r
    parsed = {path: q}
    if params:
        _rename_keywords(files, parsed, q, fn_node, old, new, result)
    for st in dyn.strings:
        result.warnings.append(f"the string '{old}' at {chunk.where(st)} was left as it is")
    for r in parsed.values():  # the calls of other files passing the keyword, too
        if r.edits:
            result.changes[r.path] = _apply(r)
            result.occurrences += len(r.edits)
    return result


def _in_all(p: _Parsed, node: cst.CSTNode) -> bool:
    r = p.positions[node]
    return (r.start.line, r.start.column) in p.edits


def _rename_keywords(files, parsed, p: _Parsed, fn_node, old: str, new: str, result) -> None:
    """A parameter: the keyword arguments of resolvable calls follow; an unresolvable call
    passing ``old=`` to a function of that name is a refusal (it would break)."""
    if isinstance(fn_node, cst.Lambda) or fn_node is None:
        return
    if (
        isinstance(fn_node.params.star_kwarg, cst.Param)
        and fn_node.params.star_kwarg.name.value == old
    ):
        return
    fn_scope = p.scopes.get(fn_node)
    if fn_scope is None:
        return
    risks = _signature_reads(files, fn_node.name.value, old, new)
    result.warnings += risks
    result.risks += risks
    fn_assignments = set(fn_scope.assignments[fn_node.name.value])
    if isinstance(fn_scope, ClassScope):
        from .rename_params import rename_method_param

        rename_method_param(files, parsed, p, fn_node, old, new)
        return
    _keyword_call_sites(p, fn_assignments, old, new)
    if isinstance(fn_scope, GlobalScope):
        from .rename_params import rename_function_keywords

        rename_function_keywords(files, parsed, p, fn_node, old, new)
        return
    for other, text in files.items():  # a nested function, returned or passed on
        line = _value_use(text, fn_node.name.value) if fn_node.name.value in text else None
        if line is not None:
            raise Refusal(
                f"`{fn_node.name.value}` is used as a value at {Path(other).name}:{line} (stored "
                f"or passed): calls through it may pass `{old}=`, and cannot be followed"
            )


_SIGNATURE = re.compile(
    r"\b(?:signature|getfullargspec|getargspec|getcallargs)\s*\(|__code__|__signature__"
)


def _signature_reads(files, fn: str, old: str, new: str) -> list[str]:
    """Where a file that passes or stores the function also reads parameters by name
    (inspect.signature and the like: tabulate's tests hand tabulate to a helper comparing its
    signature with a list of names): a rename of a parameter changes what it sees."""
    spots = []
    word = _word(fn)
    for path, text in files.items():
        m = _SIGNATURE.search(text)
        if m and word.search(text) and _value_use(text, fn) is not None:
            spots.append(f"{Path(path).name}:{text.count(chr(10), 0, m.start()) + 1}")
    if not spots:
        return []
    where = ", ".join(sorted(spots)[:_MAX_WHERE]) + (", ..." if len(spots) > _MAX_WHERE else "")
    return [
        f"parameters are read by name ({where}: inspect.signature or __code__) in code naming "
        f"`{fn}`: it will see `{new}` where it saw `{old}`"
    ]


def _value_use(text: str, fn: str) -> int | None:
    """The first line where ``fn`` is read other than to be called, defined, imported,
    named in a string or applied as a decorator (read off the text: a refusal, never an
    edit, rests on it)."""
    for m in re.finditer(rf"(?<![\w'\"]){re.escape(fn)}\b", text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end == -1 else end
        line, before, after = text[start:end], text[start : m.start()], text[m.end() : end]
        head = line.lstrip()
        if re.match(r"\s*\(", after) or re.search(r"\b(def|class)\s+$", before):
            continue  # a call, or the definition
        if head.startswith(("import ", "from ", "#", "@")) or "#" in before:
            continue  # an import, a comment, a decorator
        if after[:1] in ("'", '"') or '"""' in line or "'''" in line:
            continue  # in a string or a docstring, most likely
        if before.count('"') % 2 or before.count("'") % 2:
            continue
        return text.count("\n", 0, m.start()) + 1
    return None


def _rename_importers(files, parsed, p: _Parsed, old: str, new: str, result, seen) -> None:
    """Every other file importing the renamed module-level name from ``p``'s module."""
    seen.add(p.path)
    target = p.module
    for other, text in files.items():
        if other in seen:
            continue
        if old not in text:
            if _STAR.search(text):  # `from target import *` re-exports it unnamed
                q = parsed.get(other) or _parse_for(other, text, {old, new})
                if _star_reexport(files, q, p, old, new):
                    parsed.setdefault(other, q)  # no edit; it holds the name
                    _rename_importers(files, parsed, q, old, new, result, seen)
            continue
        q = parsed.get(other) or _parse_for(other, text, {old, new})
        touched = _rename_in_importer(q, target, old, new, result, files, p)
        if touched:
            parsed[other] = q
            if touched == "re-export":
                _rename_importers(files, parsed, q, old, new, result, seen)


_STAR = re.compile(r"\bimport\s*\*")


def _word(name: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


_MAX_WHERE = 3


def _introspection(files, parsed, p: _Parsed, old: str, assignments) -> list[str]:
    """Warnings where code sees the renamed name as a name, read off the text: a module's
    namespace read whole (``m.__dict__``, ``vars(m)``, ``dir(m)``, ``inspect.getmembers(m)``)
    for the module or a module re-exporting it; a renamed class's ``__name__`` read in its
    body (a repr shows it). What such code does with the name changes with it."""
    out = []
    modules = {q.module.rsplit(".", 1)[-1] for q in parsed.values() if q.module} | {
        p.module.rsplit(".", 1)[-1]
    }
    modules.discard("")
    alt = "|".join(sorted(map(re.escape, modules)))
    spots = []
    if alt:
        pattern = re.compile(
            rf"\b(?:{alt})\s*\.\s*__dict__\b|\b(?:vars|dir|getmembers)\(\s*(?:\w+\.)*(?:{alt})\s*\)"
        )
        for path, text in files.items():
            for m in pattern.finditer(text) if "__dict__" in text or "(" in text else ():
                spots.append(f"{Path(path).name}:{text.count(chr(10), 0, m.start()) + 1}")
    if spots:
        out.append(
            f"a module namespace holding `{old}` is read whole at {', '.join(spots[:_MAX_WHERE])}"
            f"{', ...' if len(spots) > _MAX_WHERE else ''}: code there sees `{old}` under its "
            "new name"
        )
    for a in assignments:
        node = getattr(a, "node", None)
        if isinstance(node, cst.ClassDef):
            r = p.positions[node]
            body = "".join(_lines(p.text)[r.start.line - 1 : r.end.line])
            m = re.search(r"__name__|__qualname__", body)
            if m:
                line = r.start.line + body.count("\n", 0, m.start())
                out.append(
                    f"`{old}` reads its own name (__name__ at {Path(p.path).name}:{line}): "
                    "what shows it (a repr, a message) shows the new name"
                )
    return out


def _star_reexport(files, q: _Parsed, p: _Parsed, old: str, new: str) -> bool:
    """``q`` does ``from <p's module> import *`` and never names ``old``: it re-exports the
    renamed name (a package's ``__init__`` most often), so the importers of ``q``'s module
    follow. Refused where ``new`` would then mean something else there."""
    target = p.module
    stars = _star_imports(q.wrapper.module)
    sources = [imported_module(s, q.module, q.is_package) for s in stars]
    if target not in sources:
        return False
    quoted = f"`{old}`"
    from refine_lsp.index.classes import ClassIndex, file_info

    info = file_info(p.path, p.text)
    if not info.exports(old):  # None (an __all__ that is not a literal): not followed
        return False  # `import *` does not bind it: nothing goes through q
    name = Path(q.path).name
    if not info.has_all and new.startswith("_"):  # with __all__, its entry is renamed too
        raise Refusal(
            f"{name} re-exports {quoted} with `from {target} import *`, which would not bind "
            f"`{new}` (a private name)"
        )
    if _word(new).search(q.text):
        raise Refusal(f"{name} re-exports {quoted} with `import *` and also names `{new}`")
    for source in sources:
        if source == target:
            continue
        path = ClassIndex(files).module_path(source) if source else None
        if path is None or _word(new).search(files[path]):
            raise Refusal(
                f"{name} re-exports {quoted} with `import *`, and also imports * from "
                f"{source or 'a relative module'}, which may define `{new}`"
            )
    return True


def _rename_in_importer(
    q: _Parsed, target: str, old: str, new: str, result, files, source_file: _Parsed
) -> str | None:
    touched = None
    # binding -> the chain before `.old` (None: libcst records the access of the whole
    # dotted name, `m` or `pkg.m`; "pkg.m": `import pkg` and the submodule as an attribute)
    module_bindings: dict[int, str | None] = {}
    for stmt in _star_imports(q.wrapper.module):  # they bind no name libcst records
        if imported_module(stmt, q.module, q.is_package) == target:
            if _rename_through_star(files, q, source_file, old, new):
                touched = "re-export"  # q's namespace holds the name: its importers follow
    for a in _import_assignments(q):
        stmt = a.node
        if isinstance(stmt, cst.ImportFrom):
            source = imported_module(stmt, q.module, q.is_package)
            if isinstance(stmt.names, cst.ImportStar):
                continue  # followed above
            for alias in stmt.names:
                alias_name = dotted(alias.name)
                bound = alias.asname.name.value if alias.asname else alias_name
                if source == target and alias_name == old and bound == a.name:
                    _edit(q, alias.name, new)
                    touched = touched or "import"
                    if alias.asname is None:
                        _check_dynamic(q, old, new, result)
                        _rename_variable(q, a.scope, {a}, old, new, edit_bindings=False)
                        if isinstance(a.scope, GlobalScope):
                            _all_entries(q, old, new)
                            touched = "re-export"
                elif source is not None and f"{source}.{alias_name}" == target and bound == a.name:
                    module_bindings[id(a)] = None
        elif isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted(alias.name)
                bound = alias.asname.name.value if alias.asname else full
                if full == target and bound == a.name:
                    module_bindings[id(a)] = None
                elif target.startswith(full + ".") and bound == a.name:
                    # `import pkg` + `pkg.mod.old`: the submodule reached as an attribute
                    module_bindings[id(a)] = f"{bound}.{target[len(full) + 1 :]}"
    if module_bindings:
        touched = _rename_attribute_uses(q, module_bindings, old, new) or touched
    return touched


def _rename_through_star(files, q: _Parsed, p: _Parsed, old: str, new: str) -> bool:
    """``from p import *`` in ``q``: the uses of ``old`` that only the star binds (no binding
    of ``q`` or of an enclosing scope: libcst records them with no referent) are renamed,
    where the star will bind ``new`` and nothing else in ``q`` may, and an ``__all__`` entry.
    Whether the star binds the name (then q's own importers follow, as for a re-export)."""
    from refine_lsp.index.classes import ClassIndex, file_info

    name, target = Path(q.path).name, p.module
    if file_info(p.path, p.text).exports(old) is None:
        raise Refusal(
            f"{name} imports * from {target}, whose __all__ is not a literal list: the rename "
            "cannot tell what it binds"
        )
    if not _star_reexport(files, q, p, old, new):  # its checks on `new` hold here too
        return False
    if old in file_info(q.path, q.text).names:  # which one a use sees depends on the order
        raise Refusal(f"{name} binds `{old}` itself as well as getting it with `import *`")
    for stmt in _star_imports(q.wrapper.module):  # another star that may bind `old` as well
        source = imported_module(stmt, q.module, q.is_package)
        path = ClassIndex(files).module_path(source) if source else None
        if source != target and (path is None or _word(old).search(files[path])):
            raise Refusal(
                f"{name} also imports * from {source or 'a relative module'}, which may define "
                f"`{old}`"
            )
    for a in q.accesses:
        if isinstance(a.node, cst.Name) and a.node.value == old and not a.referents:
            _edit(q, a.node, new)
    _all_entries(q, old, new)  # an __all__ of q naming it re-exports it by that name
    return True


def _star_imports(module: cst.Module) -> list[cst.ImportFrom]:
    """``from m import *`` statements (only the module's level may have them)."""
    found = module_statements(module, cst.ImportFrom)
    return [n for n in found if isinstance(n.names, cst.ImportStar)]


def _import_assignments(q: _Parsed) -> list[ImportAssignment]:
    seen, out = set(), []
    for scope in q.scopes.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        out += [a for a in scope.assignments if isinstance(a, ImportAssignment)]
    return out


def _rename_attribute_uses(q: _Parsed, bindings: dict[int, str | None], old: str, new: str):
    """``m.old`` (or ``pkg.m.old``) where ``m`` (``pkg.m``) is bound to the module by an
    import: libcst records the access of the whole dotted name; and ``pkg.m.old`` where only
    ``pkg`` is imported (its access is the head name)."""
    touched = None
    by_node = {id(a.node): a for a in q.accesses}
    for node in find(q.wrapper.module, cst.Attribute):
        if node.attr.value == old:
            acc = by_node.get(id(node.value))
            if acc is not None and any(
                id(r) in bindings and bindings[id(r)] is None for r in acc.referents
            ):
                _edit(q, node.attr, new)
                touched = "attribute"
                continue
            chain, head = dotted(node.value), node.value
            while isinstance(head, cst.Attribute):
                head = head.value
            acc = by_node.get(id(head))
            if chain is not None and acc is not None:
                if any(bindings.get(id(r), None) == chain for r in acc.referents):
                    _edit(q, node.attr, new)
                    touched = "attribute"
    return touched
