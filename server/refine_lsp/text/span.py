"""Positions and spans in the domain, and offsets in a text.

Coordinates are zero-based (line, column) where column counts Python str characters
(Unicode code points) within the line. The server converts to and from the client's
position encoding at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass


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
