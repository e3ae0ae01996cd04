"""The classes of a workspace: where each is defined, what it derives from, which attribute
names it defines (in its body and through ``self.X = ...`` in its methods), and what a dotted
name in a module refers to once imports and re-exports are followed. Read with ``ast`` (fast)
and kept per file text, so a second rename in the same workspace parses only what changed.
Used by the rename of methods and attributes, and by the rename of modules."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from refine_lsp.syntax.pyast import parse_ast

from .modules import absolute_module, module_name


@dataclass
class ClassInfo:
    qualname: str  # module.Class (top-level classes)
    path: str
    line: int
    bases: list[str | None]  # the dotted base expressions as written (None: not a dotted name)
    members: set[str] = field(default_factory=set)  # bound in the body or as self.X in methods
    slots: set[str] = field(default_factory=set)
    decorated: bool = False
    special_bases: list[str] = field(default_factory=list)  # NamedTuple, TypedDict, Enum...
    dynamic: list[tuple[int, str]] = field(default_factory=list)  # (line, what) __dict__, vars
    methods: set[str] = field(default_factory=set)  # bound by a def in the body
    instance_attrs: set[str] = field(default_factory=set)  # assigned as self.X / cls.X
    self_reads: set[str] = field(default_factory=set)  # read as self.X / cls.X in its methods


@dataclass
class FileInfo:
    path: str
    module: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # bound name -> qualified target
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # every module-level binding
    parses: bool = True
    stars: list[str] = field(default_factory=list)  # modules of `from m import *`, in order
    has_all: bool = False  # binds __all__
    all_names: frozenset[str] | None = None  # __all__ where it is a literal list or tuple

    def exports(self, name: str) -> bool | None:
        """Whether ``from <this module> import *`` binds ``name`` (None: cannot tell)."""
        if self.has_all:
            return None if self.all_names is None else name in self.all_names
        return (name in self.names or name in self.classes) and not name.startswith("_")


_CACHE: dict[str, tuple[str, FileInfo]] = {}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    if isinstance(node, ast.Subscript):  # Generic[T], Protocol[T]
        return _dotted(node.value)
    if isinstance(node, ast.Call):  # namedtuple("P", ...), with_metaclass(...)
        return None
    return None


def _class_info(node: ast.ClassDef, path: str, module: str) -> ClassInfo:
    info = ClassInfo(f"{module}.{node.name}", path, node.lineno, [_dotted(b) for b in node.bases])
    info.decorated = bool(node.decorator_list)
    for b in info.bases:
        last = (b or "").rsplit(".", 1)[-1]
        if last in ("NamedTuple", "TypedDict", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"):
            info.special_bases.append(last)
    for stmt in node.body:
        for sub in ast.walk(stmt) if not isinstance(stmt, ast.ClassDef) else [stmt]:
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.ctx, ast.Load)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in ("self", "cls")
            ):
                info.self_reads.add(sub.attr)
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if sub in node.body:
                    info.members.add(sub.name)
                    if not isinstance(sub, ast.ClassDef):
                        info.methods.add(sub.name)
            elif isinstance(sub, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name) and stmt is sub:
                            info.members.add(n.id)
                        elif (
                            isinstance(n, ast.Attribute)
                            and isinstance(n.value, ast.Name)
                            and n.value.id in ("self", "cls")
                        ):
                            info.members.add(n.attr)
                            info.instance_attrs.add(n.attr)
                if (
                    stmt is sub
                    and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in targets)
                    and sub.value is not None
                ):
                    for n in ast.walk(sub.value):
                        if isinstance(n, ast.Constant) and isinstance(n.value, str):
                            info.slots.add(n.value)
            elif isinstance(sub, ast.Attribute) and sub.attr == "__dict__":
                on_self = isinstance(sub.value, ast.Name) and sub.value.id == "self"
                info.dynamic.append((sub.lineno, "self.__dict__" if on_self else "__dict__"))
            elif (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Name)
                and sub.func.id in ("vars", "getattr", "setattr", "hasattr", "delattr")
                and sub.args
                and isinstance(sub.args[0], ast.Name)
                and sub.args[0].id in ("self", "cls")
                and (
                    sub.func.id == "vars"
                    or len(sub.args) < 2
                    or not isinstance(sub.args[1], ast.Constant)
                )
            ):
                info.dynamic.append((sub.lineno, f"{sub.func.id}(self, ...)"))
    return info


def file_info(path: str, text: str) -> FileInfo:
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == text:
        return cached[1]
    module, is_package = module_name(Path(path))
    info = FileInfo(path, module, is_package)
    tree = parse_ast(text)
    if tree is None:
        info.parses = False
        return info
    for node in tree.body:
        stmts = [node]
        if isinstance(node, ast.If | ast.Try):  # TYPE_CHECKING blocks, optional imports
            stmts += [s for s in ast.walk(node) if isinstance(s, ast.stmt)]
        for s in stmts:
            if isinstance(s, ast.Import):
                for a in s.names:
                    if a.asname:
                        info.imports[a.asname] = a.name
                        info.names.add(a.asname)
                    else:
                        head = a.name.split(".")[0]
                        info.imports[head] = head
                        info.names.add(head)
            elif isinstance(s, ast.ImportFrom):
                source = absolute_module(s.level, s.module or "", module, is_package)
                for a in s.names:
                    if a.name == "*" and source is not None:
                        info.stars.append(source)
                    if a.name == "*" or source is None:
                        continue
                    bound = a.asname or a.name
                    info.imports[bound] = f"{source}.{a.name}" if source else a.name
                    info.names.add(bound)
            elif isinstance(s, ast.ClassDef) and s is node:
                info.classes[s.name] = _class_info(s, path, module)
                info.names.add(s.name)
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s is node:
                info.names.add(s.name)
            elif isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and s is node:
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                for t in targets:
                    info.names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
                if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                    _read_all(info, s)
    if len(_CACHE) > 5000:
        _CACHE.clear()
    _CACHE[path] = (text, info)
    return info


def _read_all(info: FileInfo, s: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
    """``__all__ = [...]`` (or ``+=``) of string literals; anything else: cannot tell."""
    value = s.value
    literal = isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    )
    names = frozenset(e.value for e in value.elts) if literal else None
    if isinstance(s, ast.AugAssign) and info.has_all:
        info.all_names = (
            info.all_names | names if info.all_names is not None and names is not None else None
        )
    else:
        info.all_names = names if not info.has_all else None  # bound twice: cannot tell
    info.has_all = True


class ClassIndex:
    """The workspace's files (path -> text) seen as modules and classes."""

    def __init__(self, files: Mapping[str, str]):
        self.files = files
        self._by_path: dict[str, FileInfo] = {}
        self._by_module: dict[str, str] | None = None
        self._classes: dict[str, ClassInfo] | None = None
        self._subclasses: dict[str, set[str]] | None = None

    def info(self, path: str) -> FileInfo:
        got = self._by_path.get(path)
        if got is None:
            got = self._by_path[path] = file_info(path, self.files[path])
        return got

    @property
    def modules(self) -> dict[str, str]:
        """module name -> path."""
        if self._by_module is None:
            self._by_module = {}
            for path in self.files:
                mod, _ = module_name(Path(path))
                self._by_module.setdefault(mod, path)
        return self._by_module

    def module_path(self, module: str) -> str | None:
        return self.modules.get(module)

    def resolve(self, module: str, dotted: str, _depth: int = 0) -> str | None:
        """The qualified name (``pkg.mod.Name``, or a module's name) a dotted name read at the
        top level of ``module`` refers to, following imports and re-exports; None: unknown."""
        if _depth > 20:
            return None
        path = self.modules.get(module)
        if path is None:
            return None
        info = self.info(path)
        head, _, rest = dotted.partition(".")
        if head in info.classes:
            return f"{module}.{head}" + (f".{rest}" if rest else "")
        target = info.imports.get(head)
        if target is None:
            starred = self._star_source(info, head)
            if starred is False:
                return None  # a star import may or may not bind it
            if starred is not None:
                if head in info.names:
                    return None  # bound here and by a star import: which wins is order
                return self.resolve(starred, dotted, _depth + 1)
            # a function or variable of the module, or unknown (a builtin)
            return f"{module}.{head}" if head in info.names and not rest else None
        if rest:
            target = f"{target}.{rest}"
        return self.canonical(target, _depth + 1)

    def _star_source(self, info: FileInfo, name: str):
        """The module whose ``import *`` in ``info``'s module binds ``name`` (the last one,
        as Python does); None: none does; False: one may (outside the workspace, or an
        ``__all__`` that is not a literal)."""
        for source in reversed(info.stars):
            path = self.modules.get(source)
            if path is None:
                return False
            exported = self.info(path).exports(name)
            if exported is None:
                return False
            if exported:
                return source
        return None

    def canonical(self, qualified: str, _depth: int = 0) -> str | None:
        """``pkg.Shape`` re-exported from ``pkg.core``: ``pkg.core.Shape``; a module stays."""
        if qualified in self.modules:
            return qualified
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:cut])
            if mod in self.modules:
                rest = ".".join(parts[cut:])
                return self.resolve(mod, rest, _depth)
        return qualified  # outside the workspace: as written

    @property
    def classes(self) -> dict[str, ClassInfo]:
        if self._classes is None:
            self._classes = {}
            for path, text in self.files.items():
                if "class" not in text:
                    continue
                for c in self.info(path).classes.values():
                    self._classes.setdefault(c.qualname, c)
        return self._classes

    def bases_of(self, qual: str) -> list[tuple[str | None, str | None]]:
        """(as written, resolved qualified name) for each base of the class."""
        c = self.classes.get(qual)
        if c is None:
            return []
        mod = self.info(c.path).module
        return [(b, self.resolve(mod, b) if b else None) for b in c.bases]

    def subclasses(self, qual: str) -> set[str]:
        if self._subclasses is None:
            self._subclasses = {}
            for q in self.classes:
                for _, base in self.bases_of(q):
                    if base is not None:
                        self._subclasses.setdefault(base, set()).add(q)
        return set(self._subclasses.get(qual, ()))

    def ancestors(self, qual: str) -> list[str]:
        """Workspace classes above ``qual`` (breadth first, no repeats)."""
        out, todo = [], [qual]
        while todo:
            q = todo.pop(0)
            for _, base in self.bases_of(q):
                if base in self.classes and base not in out and base != qual:
                    out.append(base)
                    todo.append(base)
        return out
