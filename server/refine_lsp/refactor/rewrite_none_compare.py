"""`x == None` becomes `x is None` where only the truth value is used.

An overloaded `__eq__` (numpy arrays, ORM columns) makes `== None` build a value that is
passed on, e.g. `query.filter(col == None)`. Only comparisons whose result is tested
directly (if/while/assert/not/and/or/conditional tests) are rewritten: there, both forms
agree for every object whose `__eq__` truth value is sane.
"""

from __future__ import annotations

import re

from ..text import Span
from .model import Offer, Refusal, offer
from .tsview import SourceView, ancestors

NOT_HERE = "Put the cursor on a comparison with None"
PASSED_ON = "The comparison's result is passed on, so an overloaded `==` may matter"
CHAINED = "Chained comparisons are not rewritten"

_NONE = re.compile(rb"\bNone\b")  # starts with a literal: re scans for it at memchr speed
_SPACE = b" \t\n\r\x0b\x0c"
_EQ = (b"==", b"!=")
_TESTED = {"if_statement", "elif_clause", "while_statement", "assert_statement"}


def _none_hits(data: bytes) -> list[int]:
    """Where `None` has `==` or `!=` beside it (spaces between allowed): the byte offsets of
    those `None` words. A regex with the operator first would test every byte of the file;
    this finds the rare word and looks around it."""
    hits = []
    for match in _NONE.finditer(data):
        at, end = match.start(), match.end()
        while at > 0 and data[at - 1] in _SPACE:
            at -= 1
        while end < len(data) and data[end] in _SPACE:
            end += 1
        if data[at - 2 : at] in _EQ or data[end : end + 2] in _EQ:
            hits.append(match.start())
    return hits


def _candidates(view: SourceView, data: bytes):
    """Comparisons around each textual `== None` (found in the text, so big files stay cheap)."""
    seen: set[tuple[int, int]] = set()
    root = view.tree.root_node
    for at in _none_hits(data):
        if view.shift:  # a repaired tree: its offsets are not the source's, its rows are
            row = data.count(b"\n", 0, at)
            col = at - (data.rfind(b"\n", 0, at) + 1) + view.shift.get(row, 0)
            node = root.descendant_for_point_range((row, col), (row, col + 1))
        else:
            node = root.descendant_for_byte_range(at, at + 1)
        while node is not None and node.type != "comparison_operator":
            if node.type.endswith("statement") or node.type in ("block", "module"):
                node = None
                break
            node = node.parent
        if node is not None and (node.start_byte, node.end_byte) not in seen:
            seen.add((node.start_byte, node.end_byte))
            yield node


def _parts(view: SourceView, node):
    """(left, op, right) of a single `==`/`!=` comparison with None, else None."""
    ops = [c for c in node.children if not c.is_named]
    operands = node.named_children
    if len(ops) != 1 or len(operands) != 2 or ops[0].type not in ("==", "!="):
        return None
    left, right = operands
    if right.type == "none":
        return left, ops[0].type
    if left.type == "none":
        return right, ops[0].type
    return None


def _chained_none(node) -> bool:
    ops = [c for c in node.children if not c.is_named]
    has_none = any(c.type == "none" for c in node.named_children)
    return len(ops) > 1 and has_none and any(o.type in ("==", "!=") for o in ops)


def _refusal(node) -> str | None:
    ops = [c for c in node.children if not c.is_named]
    if len(ops) != 1:
        return CHAINED
    child, parent = node, node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "boolean_operator"):
        child, parent = parent, parent.parent
    if parent is None:
        return PASSED_ON
    if parent.type in ("not_operator", "if_clause"):
        return None
    if parent.type in _TESTED and parent.named_children and parent.named_children[0] == child:
        return None
    if parent.type == "conditional_expression" and parent.named_children[1] == child:
        return None
    return PASSED_ON


def _replacement(view: SourceView, node) -> str | None:
    parts = _parts(view, node)
    if parts is None:
        return None
    operand, op = parts
    return f"{view.text(operand)} {'is' if op == '==' else 'is not'} None"


def list_offer(view: SourceView, span: Span) -> Offer | None:
    node = view.node_at(view.trimmed(span))
    for n in ancestors(node):
        if n.type == "comparison_operator" and _parts(view, n) is not None:
            return offer("rewrite.compare-to-none", _refusal(n))
        if n.type.endswith("statement") or n.type in ("block", "module"):
            return None
    return None


def compute(source: str, span: Span, view: SourceView | None = None) -> str:
    view = view or SourceView(source)
    node = view.node_at(view.trimmed(span))
    for n in ancestors(node):
        if n.type == "comparison_operator" and _chained_none(n):
            raise Refusal(CHAINED)
        if n.type == "comparison_operator" and _parts(view, n) is not None:
            reason = _refusal(n)
            if reason:
                raise Refusal(reason)
            return _splice(source, [(*_bytes(view, n), _replacement(view, n))])
    raise Refusal(NOT_HERE)


def fix_all(source: str, tree=None) -> str:
    """Every safe `== None` in the file; `tree` is the document's own parse when it has one."""
    data = source.encode("utf-8", "surrogatepass")
    if not _none_hits(data):
        return source
    view = SourceView(source, tree)
    edits = []
    for n in _candidates(view, data):
        if _parts(view, n) is not None and _refusal(n) is None:
            if "\n" not in view.text(n):
                edits.append((*_bytes(view, n), _replacement(view, n)))
    return _splice(source, edits)


def _bytes(view: SourceView, n) -> tuple[int, int]:
    if not view.shift:  # the tree is the source's own: its offsets are the source's
        return n.start_byte, n.end_byte
    return view.offset(tuple(n.start_point)), view.offset(tuple(n.end_point))


def _splice(source: str, edits) -> str:
    data = source.encode("utf-8", "surrogatepass")
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new.encode("utf-8", "surrogatepass") + data[end:]
    return data.decode("utf-8", "surrogatepass")
