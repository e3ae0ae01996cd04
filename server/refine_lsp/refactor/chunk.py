"""Parse only the function a refactoring touches, and splice the result back.

libcst needs about a second for a 5,000-line module and seconds for a big class with its
scope metadata; one function takes milliseconds. A method is dedented to parse it as a
module and indented back when spliced. The text outside the chunk is kept byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)

from ..text import Pos, Span
from .model import Refusal
from .tsview import SourceView, ancestors, top_level_rows


@dataclass
class Chunk:
    source: str
    first_row: int  # file row of the chunk's first line
    last_row: int  # inclusive
    text: str
    wrapper: MetadataWrapper
    indent: str = ""  # removed from every line of the chunk to parse it
    function: object = None  # the tree-sitter function the chunk is, if it is one

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    def resolve(self):
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)
        self.scopes = self.wrapper.resolve(ScopeProvider)
        return self

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

    def splice(self, new_module: cst.Module) -> str:
        lines = self.source.split("\n")
        head = "\n".join(lines[: self.first_row])
        tail = "\n".join(lines[self.last_row + 1 :])
        body = new_module.code
        if not body.endswith("\n"):
            body += "\n"
        if self.indent:
            body = "\n".join(self.indent + x if x else x for x in body.split("\n"))
        out = (head + "\n" if self.first_row else "") + body
        if self.last_row + 1 < len(lines):
            out += tail
        else:
            out = out[:-1] if not self.source.endswith("\n") else out
        return out


def parse_chunk(source: str, span: Span, view: SourceView | None = None, whole=False) -> Chunk:
    """The function around ``span`` (else its top-level statement, else the whole module)."""
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    lines = source.split("\n")
    found = None if whole else function_rows(view, trimmed)
    if found is not None:
        first, last, indent, function = found
    else:
        rows = None if whole else top_level_rows(view, trimmed)
        first, last = rows if rows is not None else (0, len(lines) - 1)
        indent, function = "", None
    text = "\n".join(x[len(indent) :] for x in lines[first : last + 1])
    if not text.endswith("\n"):
        text += "\n"
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise Refusal(f"the code here does not parse: {exc.message}") from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return Chunk(source, first, last, text, wrapper, indent, function).resolve()


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
