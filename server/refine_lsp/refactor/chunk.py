"""Parse only the function a refactoring touches, and splice the result back.

libcst needs seconds for a 5,000-line module with its scope metadata; one function takes
milliseconds. How much of the file a chunk may leave out is the view's ``chunking``, set
per refactoring in the registration table:

- ``"inner"``: the innermost function whose body holds the span, at its own columns, under
  one stub line per enclosing function or class (``def outer(a, b):`` binding the names
  that function binds, read off the compiler's symbol table). Everything a refactoring
  asks of the function's own scope is exact; a name it reads from an enclosing function is
  seen as that function's local, as in the whole file. The text outside is kept byte for
  byte, and an edit that would touch a stub line raises ``ChunkTooNarrow``. Outside a
  function: the top-level statement, with the blank lines and comments above it.
- ``"inner-bound"``: the same, but only when no name in the span is bound outside that
  function (inline variable needs the binding and all its uses in the chunk).
- ``"inner-free"``: the same, widened to the outermost enclosing function that binds a
  name the span reads from an enclosing function (extract function passes such names).
- ``"inner-module"``: the same in a function, the whole file outside one (extract variable
  of all occurrences at module level looks for them in the whole module).
- ``"method"``: the outermost function around the span, under one stub line per class
  around it (the method of a big class, not the class): every enclosing function is in
  it, so what a function stub stood for is exact. What ``ChunkTooNarrow`` in an
  ``"inner"`` chunk falls back to first; without a class around, the same as ``"outer"``.
- ``"outer"``: the top-level statement holding the span, every enclosing function and
  class with it (what ``ChunkTooNarrow`` falls back to last).
- ``"function"``: the outermost function below any class (dedented), else the top-level
  statement (the default of a view that does not say).
- ``"module"``: the whole file (what the others must agree with; the tests compare).

Whatever a narrower chunk cannot decide falls back to ``"outer"``, with the reason in a
comment where it is decided.
"""

from __future__ import annotations

import dataclasses
import symtable
import threading
import tokenize
from collections import OrderedDict
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

from ..text import Pos, Span
from .model import Refusal
from .tsview import SourceView, ancestors, top_level_rows, walk

CHUNKINGS = (
    "inner", "inner-bound", "inner-free", "inner-module", "method", "outer", "function", "module"
)  # fmt: skip


class ChunkTooNarrow(Exception):
    """The refactoring needs more of the file than the chunk holds: compute it again with
    ``"outer"`` chunking (refactor/__init__.py does)."""


@dataclass
class Chunk:
    source: str
    first_row: int  # file row of the chunk's first line (stub lines sit above the real ones)
    last_row: int  # inclusive
    text: str
    wrapper: MetadataWrapper
    indent: str = ""  # removed from every line of the chunk to parse it
    function: object = None  # the tree-sitter function the chunk is, if it is one
    stubs: int = 0  # lines at the top that stand for what is around the chunk
    narrow: bool = False  # some stubs stand for enclosing functions
    view: SourceView | None = None

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    def read_before(self, names) -> set[str]:
        """Those of ``names`` that may be read in the enclosing functions before the chunk
        (any use but a parameter or a def/class name counts): where the whole file sees a
        read the chunk cannot."""
        if not self.narrow or self.view is None or self.function is None:
            return set()
        names = set(names)
        func = self.function
        top = func
        while top.parent is not None and top.parent.type != "module":
            top = top.parent
        start = (func.parent if func.parent.type == "decorated_definition" else func).start_point
        found = set()
        stack = [top]
        while stack:
            node = stack.pop()
            if node.start_point >= start:
                continue  # the chunk itself, and what follows it
            stack.extend(node.named_children)
            if node.type == "identifier" and self.view.text(node) in names:
                parent = node.parent
                declared = parent is not None and (
                    parent.type in ("parameters", "lambda_parameters")
                    or (
                        parent.type in ("default_parameter", "typed_parameter",
                                        "typed_default_parameter", "function_definition",
                                        "class_definition")
                        and parent.child_by_field_name("name") == node
                    )
                )  # fmt: skip
                if not declared:
                    found.add(self.view.text(node))
        return found

    def cpos(self, pos: Pos) -> tuple[int, int]:
        """A file position as a (1-based line, column) comparable with libcst positions."""
        return (pos.line - self.first_row + 1, max(0, pos.col - len(self.indent)))

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.positions[node].start
        return (p.line, p.column)

    def end(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.positions[node].end
        return (p.line, p.column)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def replace(self, old: cst.CSTNode, new: cst.CSTNode) -> cst.Module:
        """The chunk's module with ``old`` replaced by ``new``, as ``deep_replace`` gives it,
        rebuilding only the nodes above ``old`` (deep_replace visits the whole tree)."""
        child, repl = old, new
        parent = self.parents.get(child)
        while parent is not None:
            changes = {}
            for name in _field_names(parent):
                value = getattr(parent, name)
                if value is child:
                    changes[name] = repl
                elif type(value) in (tuple, list) and any(x is child for x in value):
                    changes[name] = type(value)(repl if x is child else x for x in value)
            if not changes:
                return self.module.deep_replace(old, new)
            repl = parent.with_changes(**changes)
            child, parent = parent, self.parents.get(parent)
        if child is not self.module:
            return self.module.deep_replace(old, new)
        return repl

    def splice(self, new_module: cst.Module, code: str | None = None) -> str:
        """The file with the chunk's lines replaced by ``new_module``'s (``code``: its text,
        where the caller generated it already)."""
        lines = self.source.split("\n")
        first = self.first_row + self.stubs  # the first real line
        head = "\n".join(lines[:first])
        tail = "\n".join(lines[self.last_row + 1 :])
        body = new_module.code if code is None else code
        if not body.endswith("\n"):
            body += "\n"
        if self.stubs:
            new_lines = body.split("\n")
            if new_lines[: self.stubs] != self.text.split("\n")[: self.stubs]:
                raise ChunkTooNarrow("the edit reaches outside the innermost function")
            body = "\n".join(new_lines[self.stubs :])
        if self.indent:
            body = "\n".join(self.indent + x if x else x for x in body.split("\n"))
        out = (head + "\n" if first else "") + body
        if self.last_row + 1 < len(lines):
            out += tail
        else:
            out = out[:-1] if not self.source.endswith("\n") else out
        return out


def parse_chunk(source: str, span: Span, view: SourceView | None = None, whole=False) -> Chunk:
    """The part of the file around ``span`` that the view's chunking allows (see above)."""
    view = view or SourceView(source)
    chunking = "module" if whole else view.chunking
    trimmed = view.trimmed(span)
    if chunking == "method":
        found = method_function(view, trimmed)
        if found is not None:
            try:
                return _parse(source, view, *found)
            except Refusal:
                pass  # the wider chunk says whether the code parses, in its words
        chunking = "outer"
    if chunking == "outer":
        found = _top_level(view, trimmed)
        if found is not None:
            return _parse(source, view, *found)
        chunking = "module"
    if chunking in ("inner", "inner-bound", "inner-module", "inner-free"):
        found = inner_function(
            view, trimmed, bound_inside=chunking == "inner-bound", widen=chunking == "inner-free"
        )
        if found is not None:
            try:
                return _parse(source, view, *found)
            except Refusal:
                pass  # the wider chunk says whether the code parses, in its words
        elif chunking == "inner-module":
            chunking = "module"  # module-level code: what it looks for is in all of it
        else:
            found = _top_level(view, trimmed)
            if found is not None:
                return _parse(source, view, *found)
    lines = source.split("\n")
    found = None if chunking == "module" else function_rows(view, trimmed)
    if found is not None:
        first, last, indent, function = found
    else:
        rows = None if chunking == "module" else top_level_rows(view, trimmed)
        # The whole file: its last row is the last line, not the "" after a final newline
        # (rows are counted as the new module's lines are, for code added after the chunk).
        whole_rows = (0, len(lines) - 2 if len(lines) > 1 and not lines[-1] else len(lines) - 1)
        first, last = rows if rows is not None else whole_rows
        indent, function = "", None
    return _parse(source, view, first, last, [], indent, function)


def _parse(source, view, first, last, stubs, indent="", function=None) -> Chunk:
    lines = view.lines
    text = "\n".join(stubs + [x[len(indent) :] for x in lines[first : last + 1]])
    if not text.endswith("\n"):
        text += "\n"
    wrapper, metadata = _analysed(text, _config(view))
    # The stubs stand for enclosing functions (not only classes, whose names a function
    # never sees; not the `pass` before a statement).
    narrow = function is not None and any(x.lstrip().startswith("def ") for x in stubs)
    chunk = Chunk(
        source, first - len(stubs), last, text, wrapper, indent, function, len(stubs), narrow,
        view,
    )  # fmt: skip
    chunk.positions, chunk.parents, chunk.scopes = metadata
    return chunk


def _top_level(view: SourceView, span: Span):
    """The top-level statement around the span, with the blank lines and comments above it,
    under a `pass` standing for the statement before (so that libcst gives them to this
    statement, as in the whole file, not to the chunk's header)."""
    rows = top_level_rows(view, span)
    if rows is None:
        return None
    first, last = rows
    before = [
        c
        for c in view.tree.root_node.named_children
        if c.type != "comment" and c.end_point[0] < first
    ]
    start = before[-1].end_point[0] + 1 if before else 0
    for row in range(start, first):
        line = view.line(row)
        if line.strip() and not line.startswith("#"):
            return None  # an indented comment may belong to the block before: whole file
    after = view.line(last)[view.pos(tuple(_node_at_row(view, first).end_point)).col :]
    if after.strip() and not after.strip().startswith("#"):
        return None  # `x = 1; y = 2` or the like
    return start, last, (["pass"] if start else []), "", None


def _node_at_row(view: SourceView, row: int):
    for c in view.tree.root_node.named_children:
        if c.start_point[0] == row and c.type != "comment":
            return c
    return view.tree.root_node


# -- the innermost function and its stubs ------------------------------------------------


def inner_function(view: SourceView, span: Span, bound_inside=False, widen=False):
    """(first row, last row, stub lines, [], function) of the innermost function whose body
    holds the span, or None where only a wider chunk gives the whole file's answer. With
    ``widen``, the outermost enclosing function that binds a name the span reads, if one
    does (extract function passes such a name: the stub would not tell what happens to it)."""
    node = view.node_at(span)
    s, e = view.point(span.start), view.point(span.end)
    func = None
    for a in ancestors(node):
        if a.type == "function_definition":
            body = a.child_by_field_name("body")
            if body is not None and body.start_point <= s and e <= body.end_point:
                func = a
                break
    if func is None:
        return None  # module level or a class body: the module's names are the analysis
    outer = _enclosing(func)
    if outer is None:
        return None
    tables = None
    if outer:
        tables = _tables(view, outer, func)
        if tables is None:
            return None
        if bound_inside and _free_names_in_span(view, span, func, tables) is None:
            return None
        if widen:
            k = _outermost_binder(view, span, outer, tables)
            if k is not None:
                func, outer, tables = outer[k], outer[:k], tables[: k + 1]
    elif bound_inside and _free_names_in_span(view, span, func, []) is None:
        return None
    top = (
        func.parent
        if func.parent is not None and func.parent.type == "decorated_definition"
        else func
    )
    first, last = top.start_point[0], top.end_point[0]
    if view.line(first)[: view.pos(tuple(top.start_point)).col].strip():
        return None  # shares its first line with something else
    rest = view.line(last)[view.pos(tuple(top.end_point)).col :].strip()
    if rest and not rest.startswith("#"):
        return None
    if not outer:  # a top-level function: no stubs
        return first, last, [], "", func
    stubs = []
    for node_, table in zip(outer, tables[:-1], strict=True):
        head = view.line(node_.start_point[0])
        ws = head[: len(head) - len(head.lstrip())]
        name = view.text(node_.child_by_field_name("name"))
        if node_.type == "class_definition":
            stubs.append(f"{ws}class {name}:")
        else:
            params = _local_names(table, outer, node_)
            if params is None:
                return None
            stubs.append(f"{ws}def {name}({', '.join(params)}):")
    return first, last, stubs, "", func


def _outermost_binder(view: SourceView, span: Span, outer, tables) -> int | None:
    """The index in ``outer`` of the outermost function binding a name that the span reads
    from an enclosing function (None when it reads none)."""
    names = set()
    node = view.node_at(span)
    for n in [node, *walk(node)]:
        if n.type == "identifier":
            names.add(view.text(n))
    best = None
    for name in names:
        try:
            if not tables[-1].lookup(name).is_free():
                continue
        except KeyError:
            continue
        for i in range(len(outer) - 1, -1, -1):
            if outer[i].type != "function_definition":
                continue
            try:
                if tables[i].lookup(name).is_local():
                    best = i if best is None else min(best, i)
                    break
            except KeyError:
                continue
    return best


def method_function(view: SourceView, span: Span):
    """(first row, last row, class stub lines, "", function) of the outermost function
    around the span when one or more classes (and nothing else) are around it, else None."""
    node = view.node_at(span)
    chain = [a for a in ancestors(node) if a.type in ("function_definition", "class_definition")]
    chain.reverse()  # outermost first
    k = next((i for i, a in enumerate(chain) if a.type == "function_definition"), None)
    if not k:
        return None  # no function, or a top-level one: the top-level statement is the chunk
    func = chain[k]
    if any(a.child_by_field_name("type_parameters") is not None for a in chain[: k + 1]):
        return None
    body = func.child_by_field_name("body")
    s, e = view.point(span.start), view.point(span.end)
    if body is None or not (body.start_point <= s and e <= body.end_point):
        return None  # the span is the function's header or more
    top = (
        func.parent
        if func.parent is not None and func.parent.type == "decorated_definition"
        else func
    )
    first, last = top.start_point[0], top.end_point[0]
    if view.line(first)[: view.pos(tuple(top.start_point)).col].strip():
        return None
    rest = view.line(last)[view.pos(tuple(top.end_point)).col :].strip()
    if rest and not rest.startswith("#"):
        return None
    stubs = []
    for cls in chain[:k]:
        head = view.line(cls.start_point[0])
        ws = head[: len(head) - len(head.lstrip())]
        stubs.append(f"{ws}class {view.text(cls.child_by_field_name('name'))}:")
    return first, last, stubs, "", func


def _enclosing(func):
    """The functions and classes around ``func``, outermost first (None when one is of a
    kind the stubs do not model: PEP 695 type parameters open a scope of their own)."""
    chain = []
    for a in ancestors(func):
        if a.type in ("function_definition", "class_definition"):
            if a.child_by_field_name("type_parameters") is not None:
                return None
            if a is not func:
                chain.append(a)
    return list(reversed(chain))


def _tables(view: SourceView, outer, func):
    """The compiler's symbol tables of the enclosing functions and classes and of ``func``,
    from the top-level statement around them (None where it does not compile)."""
    top = outer[0]
    if top.parent is not None and top.parent.type == "decorated_definition":
        top = top.parent
    while top.parent is not None and top.parent.type != "module":
        top = top.parent  # e.g. a function under `if TYPE_CHECKING:`
    first, last = top.start_point[0], top.end_point[0]
    text = "\n".join(view.lines[first : last + 1])
    try:
        table = symtable.symtable(text + "\n", "<chunk>", "exec")
    except (SyntaxError, ValueError):
        return None
    out = []
    for node in [*outer, func]:
        want = "class" if node.type == "class_definition" else "function"
        name = view.text(node.child_by_field_name("name"))
        row = node.start_point[0] - first + 1
        hits = [
            t
            for t in table.get_children()
            if t.get_type() == want and t.get_name() == name and _def_line(t) == row
        ]
        if len(hits) != 1:
            return None
        table = hits[0]
        out.append(table)
    return out


def _def_line(table) -> int:
    return table.get_lineno()


def _local_names(table, outer, node) -> list[str] | None:
    """The names ``node``'s function binds, as its source spells them (the symbol table
    spells `__x` in a class as `_Class__x`)."""
    prefixes = []
    for a in outer:
        if a is node:
            break
        if a.type == "class_definition":
            cls = (a.child_by_field_name("name").text or b"").decode().lstrip("_")
            prefixes = [f"_{cls}__"] if cls else []
    names = []
    for sym in table.get_symbols():
        if not sym.is_local():
            continue
        name = sym.get_name()
        for p in prefixes:
            if name.startswith(p):
                name = name[len(p) - 2 :]
        if not name.isidentifier():
            continue  # the compiler's own names (`.0`) are never read by the code
        names.append(name)
    if len(set(names)) != len(names):
        return None  # a mangled name met its unmangled twin: let the wider chunk decide
    return sorted(names)


def _free_names_in_span(view: SourceView, span: Span, func, tables):
    """The identifiers in the span, or None when one of them is bound outside ``func``."""
    names = set()
    node = view.node_at(span)
    for n in [node, *walk(node)]:
        if n.type == "identifier":
            names.add(view.text(n))
    if not tables:
        return names  # a top-level function: what it does not bind is a global in both
    table = tables[-1]
    for name in names:
        try:
            sym = table.lookup(name)
        except KeyError:
            continue
        if sym.is_free():
            return None
    return names


# -- parsing, metadata and the file's layout ---------------------------------------------


def _config(view: SourceView) -> cst.PartialParserConfig:
    """The whole file's indentation and newline, so that code the refactoring writes is laid
    out as it would be with the whole file parsed."""
    cached = getattr(view, "_chunk_config", None)
    if cached is None:
        cached = cst.PartialParserConfig(
            default_indent=_first_indent(view.source), default_newline=_first_newline(view.source)
        )
        view._chunk_config = cached
    return cached


def _first_indent(source: str) -> str:
    """What libcst takes as the default indent: the first INDENT token's (read lazily, so a
    file is tokenized only up to its first indented block)."""
    import io

    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.INDENT:
                return tok.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return " " * 4


def _first_newline(source: str) -> str:
    i = source.find("\n")
    j = source.find("\r")
    if j != -1 and (i == -1 or j < i):
        return "\r\n" if source[j : j + 2] == "\r\n" else "\r"
    return "\n"


_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_CACHE_SIZE = 16  # functions; a 250-line one holds about 2 MB
_CACHE_MAX_CHARS = 100_000  # per chunk: a whole big module would hold hundreds of MB
_CACHE_TOTAL_CHARS = 400_000
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget the parsed chunks (a benchmark starts cold with it)."""
    with _LOCK:
        _CACHE.clear()
        _ORDERS.clear()


def _analysed(text: str, config: cst.PartialParserConfig):
    """The parsed chunk with its positions, parents and scopes. The same function asked
    about again (an editor lists and resolves at several lines of it) reuses them: a
    refactoring never changes a libcst tree or its metadata, it builds new trees."""
    key = (text, config.default_indent, config.default_newline)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    try:
        module = cst.parse_module(text, config=config)
    except cst.ParserSyntaxError as exc:
        raise Refusal(f"the code here does not parse: {exc.message}") from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    parents, order = _walked(module)
    # What ScopeProvider reads off libcst's ExpressionContextProvider, computed by one
    # walk instead of its visitors (a test holds the two equal).
    wrapper._metadata[ExpressionContextProvider] = expression_contexts(module)
    found = (wrapper, (positions, parents, wrapper.resolve(ScopeProvider)))
    if len(text) <= _CACHE_MAX_CHARS:
        with _LOCK:
            _CACHE[key] = found
            _ORDERS[id(module)] = (module, order, *_extents(order, parents))
            while len(_CACHE) > _CACHE_SIZE or sum(len(k[0]) for k in _CACHE) > _CACHE_TOTAL_CHARS:
                _, (old, _) = _CACHE.popitem(last=False)
                _ORDERS.pop(id(old.module), None)
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


_IS_NODE: dict[type, bool] = {}


def _is_node(t: type) -> bool:
    # isinstance against the CSTNode ABC is slow; the answer per type is cached.
    known = _IS_NODE.get(t)
    if known is None:
        known = _IS_NODE[t] = issubclass(t, cst.CSTNode)
    return known


def _field_names(node: cst.CSTNode) -> tuple[str, ...]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    return names


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    names = _field_names(node)
    out = []
    for name in names:
        value = getattr(node, name)
        t = type(value)
        if t is tuple or t is list:
            out.extend(x for x in value if _is_node(type(x)))
        elif _is_node(t):
            out.append(value)
    return out


_LOAD, _STORE, _DEL = ExpressionContext.LOAD, ExpressionContext.STORE, ExpressionContext.DEL


def expression_contexts(module: cst.Module) -> dict[cst.CSTNode, ExpressionContext]:
    """libcst's ExpressionContextProvider, node for node: LOAD, STORE or DEL for names,
    attributes, subscripts, tuples, lists and starred elements (an attribute's own name
    and what only a `def`'s or `class`'s type parameters hold get none, as there)."""
    out: dict[cst.CSTNode, ExpressionContext] = {}
    stack: list = [(module, _LOAD)]
    push = stack.append
    while stack:
        node, c = stack.pop()
        t = type(node)
        if t is cst.Name:
            out[node] = c
        elif t is cst.Attribute:
            out[node] = c
            push((node.value, _LOAD))
        elif t is cst.Subscript:
            out[node] = c
            push((node.value, _LOAD))
            for el in node.slice:
                push((el, _LOAD))
        elif t is cst.Assign:
            for tg in node.targets:
                push((tg, _STORE))
            push((node.value, c))
        elif t is cst.AnnAssign:
            push((node.target, _STORE))
            push((node.annotation, c))
            if node.value is not None:
                push((node.value, c))
        elif t in (cst.AugAssign, cst.NamedExpr):
            push((node.target, _STORE))
            push((node.value, c))
        elif t is cst.AsName:
            push((node.name, _STORE))
        elif t is cst.CompFor:
            push((node.target, _STORE))
            push((node.iter, c))
            for i in node.ifs:
                push((i, c))
            if node.inner_for_in is not None:
                push((node.inner_for_in, c))
        elif t is cst.For:
            push((node.target, _STORE))
            push((node.iter, c))
            push((node.body, c))
            if node.orelse is not None:
                push((node.orelse, c))
        elif t is cst.Del:
            push((node.target, _DEL))
        elif t is cst.ClassDef:
            push((node.name, _STORE))
            push((node.body, c))
            for x in (*node.bases, *node.keywords, *node.decorators):
                push((x, c))
        elif t is cst.FunctionDef:
            push((node.name, _STORE))
            push((node.params, c))
            push((node.body, c))
            for x in node.decorators:
                push((x, c))
            if node.returns is not None:
                push((node.returns, c))
        elif t is cst.Param:
            push((node.name, _STORE))
            if node.annotation is not None:
                push((node.annotation, c))
            if node.default is not None:
                push((node.default, c))
        else:
            if t in (cst.Tuple, cst.List, cst.StarredElement):
                out[node] = c
            for child in _children(node):
                push((child, c))
    return out


def parent_map(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, as libcst's ParentNodeProvider gives it (a test holds them
    equal), read off the dataclass fields: six times faster than a metadata visitor."""
    return _walked(root)[0]


def _walked(root: cst.CSTNode):
    """(parents, the nodes in the order ``descendants`` gives them), in one walk."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        children = _children(node)
        for child in children:
            parents[child] = node
        stack.extend(reversed(children))
    return parents, order


# id(module) -> (module, its nodes in order, id(node) -> its index, the size of its subtree)
_ORDERS: dict[int, tuple[cst.CSTNode, list, dict, list]] = {}


def _extents(order, parents) -> tuple[dict[int, int], list[int]]:
    """Where each node is in the walk's order and how many nodes its subtree holds: a
    subtree is the slice of the order that starts at its root."""
    index = {id(n): i for i, n in enumerate(order)}
    size = [1] * len(order)
    for i in range(len(order) - 1, 0, -1):
        size[index[id(parents[order[i]])]] += size[i]
    return index, size


def _known(root: cst.CSTNode):
    with _LOCK:
        known = list(_ORDERS.values())
    for _module, order, index, size in known:
        i = index.get(id(root))
        if i is not None and order[i] is root:
            return order, i, i + size[i], size
    return None


def descendants(root: cst.CSTNode, skip=None):
    """``root`` and the nodes under it, parents before children (the order a CSTVisitor
    meets the nodes it collects, up to siblings of one field); the children of a node for
    which ``skip(node)`` is true are not entered. Several times faster than a visitor, and
    a chunk's whole module is walked once (its nodes are kept with its metadata: a subtree
    of it is a slice of that walk)."""
    known = _known(root)
    if known is not None:
        order, i, end, size = known
        if skip is None:
            yield from order[i:end]
            return
        while i < end:
            node = order[i]
            yield node
            i += size[i] if skip(node) else 1
        return
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if skip is None or not skip(node):
            stack.extend(reversed(_children(node)))


# -- the outermost function ("function" chunking) ----------------------------------------


def function_rows(view: SourceView, span: Span):
    """(first row, last row, indent, node) of the outermost function holding the span
    without crossing a class, when its lines can be dedented and indented back exactly."""
    node = view.node_at(span)
    best = None
    for a in ancestors(node):
        if a.type == "class_definition":
            break
        if a.type == "function_definition":
            best = a
    if best is None:
        return None
    func = best
    if best.parent is not None and best.parent.type == "decorated_definition":
        best = best.parent
    first, last = best.start_point[0], best.end_point[0]
    line = view.line(first)
    indent = line[: len(line) - len(line.lstrip())]
    if view.pos(tuple(best.start_point)).col != len(indent):
        return None  # shares its line with something else
    if view.line(last)[view.pos(tuple(best.end_point)).col :].strip():
        return None
    for row in range(first, last + 1):
        text = view.line(row)
        if text and (not text.startswith(indent) or not text.strip()):
            return None  # a short or whitespace-only line would not survive the round trip
    return first, last, indent, func
