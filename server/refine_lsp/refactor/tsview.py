"""Cheap structural questions answered from the tree-sitter tree (no libcst).

Tree-sitter points are (row, byte column); the refactor API speaks (line, character column).
Only the lines a question touches are converted, so listing stays cheap on big files.
"""

from __future__ import annotations

import tree_sitter

from ..syntax.parser import parse as parse_source
from ..text import Pos, Span

STATEMENT_CONTAINERS = {"module", "block"}
SCOPE_NODES = {"function_definition", "lambda", "class_definition"}
LOOPS = {"for_statement", "while_statement"}


def parse(source: str) -> tree_sitter.Tree:
    """The tree of ``source`` from the one parser factory (syntax/parser.py): a parser per
    call, since a tree-sitter parser must not be shared between threads."""
    return parse_source(source)


class SourceView:
    """A source text with its tree, converting between character and byte points.

    ``chunking`` says how much of the file the libcst part of a refactoring may parse
    (refactor/chunk.py); the registration table sets it per refactoring.
    """

    def __init__(
        self, source: str, tree: tree_sitter.Tree | None = None, chunking="function", path=None
    ):
        self.source = source
        self.chunking = chunking
        self.path = path  # the file's, where there is one: what reads it from elsewhere
        self._tree = tree
        self._checked = False
        self.shift: dict[int, int] = {}  # row -> spaces the repaired tree has in front of it
        self._lines: list[str] | None = None
        self._trimmed: dict = {}

    @property
    def tree(self) -> tree_sitter.Tree:
        if self._tree is None:  # parsed only when a question needs the tree
            self._tree = parse(self.source)
        if not self._checked:
            self._checked = True
            if self._tree.root_node.has_error:
                fixed = repaired(self.source)
                if fixed is not None:
                    self._tree, self.shift = fixed
        return self._tree

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.source.split("\n")
        return self._lines

    def line(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    def point(self, pos: Pos) -> tuple[int, int]:
        text = self.line(pos.line)
        col = min(pos.col, len(text))
        byte = len(text[:col].encode("utf-8", "surrogatepass"))
        if not self._checked:
            self.tree  # noqa: B018 - a repaired tree shifts columns: know before converting
        return (pos.line, byte + self.shift.get(pos.line, 0) if self.shift else byte)

    def pos(self, point: tuple[int, int]) -> Pos:
        row, byte_col = point
        if not self._checked:
            self.tree  # noqa: B018
        if self.shift:
            byte_col = max(0, byte_col - self.shift.get(row, 0))
        raw = self.line(row).encode("utf-8", "surrogatepass")[:byte_col]
        return Pos(row, len(raw.decode("utf-8", "surrogatepass")))

    def offset(self, point: tuple[int, int]) -> int:
        """The byte offset in the source (not in a repaired text) of a tree point."""
        p = self.pos(point)
        before = sum(len(x.encode("utf-8", "surrogatepass")) + 1 for x in self.lines[: p.line])
        return before + len(self.line(p.line)[: p.col].encode("utf-8", "surrogatepass"))

    def node_span(self, node: tree_sitter.Node) -> Span:
        return Span(self.pos(tuple(node.start_point)), self.pos(tuple(node.end_point)))

    def text(self, node: tree_sitter.Node) -> str:
        return node.text.decode("utf-8", "surrogatepass") if node.text is not None else ""

    def trimmed(self, span: Span) -> Span:
        """The span without surrounding whitespace; a cursor stays a cursor.

        Works on lines near the span only, so it costs nothing on big files.
        """
        key = (span.start, span.end)
        if key in self._trimmed:
            return self._trimmed[key]
        start, end = self._clamp(span.start), self._clamp(span.end)
        if end < start:
            start, end = end, start
        if start != end:
            while start < end and self._char(start).isspace():
                start = self._next(start)
            while end > start and self._char(self._prev(end)).isspace():
                end = self._prev(end)
        self._trimmed[key] = Span(start, end)
        return self._trimmed[key]

    def between(self, a: Pos, b: Pos) -> str:
        """The text from ``a`` to ``b`` (empty when ``b`` is not after ``a``)."""
        if (a.line, a.col) >= (b.line, b.col):
            return ""
        if a.line == b.line:
            return self.lines[a.line][a.col : b.col]
        parts = [self.lines[a.line][a.col :], *self.lines[a.line + 1 : b.line]]
        return "\n".join([*parts, self.lines[b.line][: b.col]])

    def _clamp(self, pos: Pos) -> Pos:
        line = min(max(pos.line, 0), len(self.lines) - 1)
        return Pos(line, min(max(pos.col, 0), len(self.lines[line])))

    def _char(self, pos: Pos) -> str:
        text = self.lines[pos.line]
        return text[pos.col] if pos.col < len(text) else "\n"

    def _next(self, pos: Pos) -> Pos:
        if pos.col < len(self.lines[pos.line]):
            return Pos(pos.line, pos.col + 1)
        return Pos(pos.line + 1, 0) if pos.line + 1 < len(self.lines) else pos

    def _prev(self, pos: Pos) -> Pos:
        if pos.col > 0:
            return Pos(pos.line, pos.col - 1)
        return Pos(pos.line - 1, len(self.lines[pos.line - 1])) if pos.line > 0 else pos

    def node_at(self, span: Span) -> tree_sitter.Node:
        node = self.tree.root_node.descendant_for_point_range(
            self.point(span.start), self.point(span.end)
        )
        if span.start == span.end and span.start.col > 0 and node.type != "identifier":
            # A cursor just after a word (where typing leaves it) means that word.
            before = self.point(Pos(span.start.line, span.start.col - 1))
            left = self.tree.root_node.descendant_for_point_range(before, before)
            if left is not None and left.type == "identifier":
                return left
        return node


_REPAIRED: dict[str, tuple | None] = {}


def repaired(source: str):
    """(tree, shift) for a source that Python reads but tree-sitter does not, because lines
    continued inside brackets start left of their statement (`a = (3 +` then `(1 + 2))` at
    column 0): those lines get spaces in front, columns are mapped back by ``shift``."""
    if source in _REPAIRED:
        return _REPAIRED[source]
    result = None
    shift = _continuation_shifts(source)
    if shift:
        lines = source.split("\n")
        for row, n in shift.items():
            lines[row] = " " * n + lines[row]
        tree = parse("\n".join(lines))
        if not tree.root_node.has_error:
            result = (tree, shift)
    if len(_REPAIRED) > 8:
        _REPAIRED.clear()
    _REPAIRED[source] = result
    return result


_CONTINUES = tuple("([{,+-*/%&|^=<>\\")
_CONTINUES_WORDS = (" and", " or", " not", " in", " is", " if", " else", " for", " lambda")


def _continues(prev: str) -> bool:
    return prev.endswith(_CONTINUES) or prev.endswith(_CONTINUES_WORDS)


def _continuation_shifts(source: str) -> dict[int, int]:
    """Rows continued left of their statement's indentation, and the spaces they lack.

    Only the top-level stretches around suspicious column-0 lines (after a line that ends
    inside an expression, or starting with a closing bracket) are tokenized: a whole file
    takes a second, a stretch a millisecond.
    """
    lines = source.split("\n")
    suspects, prev = [], ""
    for row, line in enumerate(lines):
        if line and line[0] not in " \t#" and (_continues(prev) or line[0] in ")]}"):
            suspects.append(row)
        if line.strip():
            prev = line.split("#", 1)[0].rstrip() if "#" in line else line.rstrip()
    shift: dict[int, int] = {}
    done = -1
    for row in suspects:
        if row <= done:
            continue
        start = row - 1
        while start > 0 and (not lines[start] or lines[start][0] in " \t#" or start in suspects):
            start -= 1
        end = row + 1
        while end < len(lines) and (not lines[end] or lines[end][0] in " \t#" or end in suspects):
            end += 1
        shift.update({start + r: n for r, n in _shifts_in("\n".join(lines[start:end])).items()})
        done = end - 1
    return shift


def _shifts_in(text: str) -> dict[int, int]:
    import io
    import tokenize

    shift: dict[int, int] = {}
    start, indent, last_row = True, 0, -1
    skip = {tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type == tokenize.NEWLINE:
                start = True
                continue
            if tok.type in skip:
                continue
            row, col = tok.start
            if start:
                start, indent, last_row = False, col, tok.end[0]
                continue
            if row != last_row and col < indent:
                shift[row - 1] = indent - col
            last_row = tok.end[0]
    except (tokenize.TokenError, SyntaxError):
        return {}
    return shift


def ancestors(node: tree_sitter.Node):
    while node is not None:
        yield node
        node = node.parent


def enclosing_function(node: tree_sitter.Node) -> tree_sitter.Node | None:
    for n in ancestors(node.parent):
        if n.type == "function_definition":
            return n
        if n.type in ("class_definition",):
            return None
    return None


def top_level_rows(view: SourceView, span: Span) -> tuple[int, int] | None:
    """First and last row of the top-level statement holding the whole span, if one does."""
    root = view.tree.root_node
    start, end = view.point(span.start), view.point(span.end)
    hits = [c for c in root.named_children if c.end_point > start and c.start_point <= end]
    hits = [c for c in hits if c.type != "comment"]
    if len(hits) != 1:
        return None
    node = hits[0]
    if not (node.start_point <= start and end <= node.end_point):
        return None
    return node.start_point[0], node.end_point[0]


def walk(node: tree_sitter.Node, skip=frozenset()):
    """Pre-order over named descendants, not descending into node types in ``skip``."""
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        yield n
        if n.type not in skip:
            stack.extend(reversed(n.named_children))
