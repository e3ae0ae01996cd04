"""Plain data shared by the domain packages. Nothing here imports pygls.

Coordinates are zero-based (line, column) where column counts Python str characters
(Unicode code points) within the line. The server converts to and from the client's
position encoding at its boundary.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import IntEnum


@dataclass(frozen=True, order=True)
class Pos:
    line: int
    col: int


@dataclass(frozen=True)
class Span:
    start: Pos
    end: Pos

    @classmethod
    def of(cls, l1: int, c1: int, l2: int, c2: int) -> Span:
        return cls(Pos(l1, c1), Pos(l2, c2))


class Severity(IntEnum):
    error = 1
    warning = 2
    information = 3
    hint = 4


@dataclass(frozen=True)
class Finding:
    """Something a reviewer found: where, how bad, what, and optionally how to fix it."""

    span: Span
    severity: Severity
    code: str
    message: str
    source: str
    fix_id: str | None = None
    data: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class TextEdit:
    span: Span
    new_text: str


def offset_of(text: str, pos: Pos) -> int:
    """Character offset of a (line, col) position; clamps past-the-end positions."""
    line_start = 0
    for _ in range(pos.line):
        nl = text.find("\n", line_start)
        if nl < 0:
            return len(text)
        line_start = nl + 1
    line_end = text.find("\n", line_start)
    if line_end < 0:
        line_end = len(text)
    return min(line_start + pos.col, line_end)


def pos_of(text: str, offset: int) -> Pos:
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return Pos(line, offset - line_start)


def text_in(text: str, span: Span) -> str:
    return text[offset_of(text, span.start) : offset_of(text, span.end)]


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits, as an editor would."""
    spans = sorted(
        ((offset_of(text, e.span.start), offset_of(text, e.span.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def diff_edits(old: str, new: str) -> list[TextEdit]:
    """Small line-granular edits turning ``old`` into ``new``.

    Refactorings produce a whole new source; the editor gets only the changed lines, so
    undo, cursor and unrelated text stay where they were.
    """
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    # Whole-file rewrites (fixAll on save) touch a few lines of thousands: trim the common
    # head and tail, and let difflib skip very frequent lines as junk (blank lines, `)`),
    # which keeps it near linear. Junk only makes an edit larger, never wrong.
    head = 0
    limit = min(len(old_lines), len(new_lines))
    while head < limit and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    a = old_lines[head : len(old_lines) - tail]
    b = new_lines[head : len(new_lines) - tail]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=True)
    edits = []
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = pos_of(old, starts[head + i1])
        end = pos_of(old, starts[head + i2])
        edits.append(TextEdit(Span(start, end), "".join(b[j1:j2])))
    return edits
