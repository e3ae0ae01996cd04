"""Which whole statements a selection covers, in tree-sitter (listing) and libcst (editing).

Editors select lines: from column 0 or the first non-blank character to the end of the
line or the start of the next one. Whitespace and comments around the statements are
ignored; anything else partially selected is not a whole-statement selection.
"""

from __future__ import annotations

import re

import libcst as cst
import tree_sitter

from ..text import Span
from .chunk import Chunk, descendants
from .model import Refusal
from .tsview import STATEMENT_CONTAINERS, SourceView, ancestors

NOT_WHOLE = "The selection must cover whole statements"
ONE_LINE_SUITE = "Statements on the same line as their `if`/`for`/`def` cannot be extracted"

_GAP = re.compile(r"\A(\s|#[^\n]*)*\Z")


def _gap_ok(text: str) -> bool:
    return _GAP.match(text) is not None


def ts_statements(view: SourceView, span: Span) -> tuple[tree_sitter.Node, list] | None:
    """(container, statements) when the span covers whole sibling statements, else None."""
    span = view.trimmed(span)
    if span.start == span.end:
        return None
    s, e = view.point(span.start), view.point(span.end)
    node = view.tree.root_node.descendant_for_point_range(s, e)
    for container in ancestors(node):
        if container.type not in STATEMENT_CONTAINERS:
            continue
        hits = [
            c
            for c in container.named_children
            if c.type != "comment" and c.end_point > s and c.start_point < e
        ]
        if not hits or tuple(hits[0].start_point) < s:
            return None
        first = view.pos(tuple(hits[0].start_point))
        last = view.pos(tuple(hits[-1].end_point))
        if not _gap_ok(view.between(span.start, first)):
            return None
        # A trailing comment may belong to the last statement's tree: leaving it out is fine.
        if not _gap_ok(view.between(last, span.end) or view.between(span.end, last)):
            return None
        return container, hits
    return None


def _bodies(module: cst.Module):
    """Every statement sequence: (owner node, its statements)."""
    found = [(module, module.body)]
    for node in descendants(module):
        if isinstance(node, cst.IndentedBlock):
            found.append((node, node.body))
    return found


def cst_statements(chunk: Chunk, span: Span) -> tuple[cst.CSTNode, int, int]:
    """(owner, i, j): owner.body[i:j] are exactly the selected statements."""
    span = SourceView(chunk.source).trimmed(span)
    s, e = chunk.cpos(span.start), chunk.cpos(span.end)
    for owner, body in _bodies(chunk.module):  # outermost sequence first
        idx = [k for k, st in enumerate(body) if chunk.end(st) > s and chunk.start(st) < e]
        if not idx:
            continue
        i, j = idx[0], idx[-1] + 1
        if chunk.start(body[i]) < s:
            continue
        if not _gap_ok(text_between(chunk, s, chunk.start(body[i]))):
            continue
        last = chunk.end(body[j - 1])
        if not _gap_ok(text_between(chunk, min(last, e), max(last, e))):
            continue
        return owner, i, j
    if _in_suite(chunk, s):
        raise Refusal(ONE_LINE_SUITE)
    raise Refusal(NOT_WHOLE)


def _in_suite(chunk: Chunk, s) -> bool:
    return any(
        isinstance(node, cst.SimpleStatementSuite) and chunk.start(node) <= s <= chunk.end(node)
        for node in descendants(chunk.module)
    )


def text_between(chunk: Chunk, a, b) -> str:
    lines = chunk.text.split("\n")
    (l1, c1), (l2, c2) = a, b
    if (l1, c1) >= (l2, c2):
        return ""
    if l1 == l2:
        return lines[l1 - 1][c1:c2]
    parts = [lines[l1 - 1][c1:]] + lines[l1 : l2 - 1] + [lines[l2 - 1][:c2]]
    return "\n".join(parts)
