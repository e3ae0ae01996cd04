"""The line diff that turns a refactoring's whole new text into small editor edits."""

from __future__ import annotations

import bisect
import difflib
import itertools

from .edit import TextEdit
from .span import Pos, Span


def diff_edits(old: str, new: str) -> list[TextEdit]:
    """Small line-granular edits turning ``old`` into ``new``.

    Refactorings produce a whole new source; the editor gets only the changed lines, so
    undo, cursor and unrelated text stay where they were.
    """
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0, *itertools.accumulate(map(len, old_lines))]
    edits = []
    at, line, line_start = 0, 0, 0  # pos_of, incrementally: the edits come in order

    def pos(offset: int) -> Pos:
        nonlocal at, line, line_start
        line += old.count("\n", at, offset)
        if line_start < offset:
            line_start = max(line_start, old.rfind("\n", at, offset) + 1)
        at = offset
        return Pos(line, offset - line_start)

    for i1, i2, j1, j2 in _changed_lines(old_lines, new_lines):
        start = pos(starts[i1])
        end = pos(starts[i2])
        edits.append(TextEdit(Span(start, end), "".join(new_lines[j1:j2])))
    return edits


def _changed_lines(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) for each run of lines ``a[i1:i2]`` replaced by ``b[j1:j2]``.

    Patience-style: lines occurring once in each side anchor the match (their longest
    increasing run), the common head and tail of each gap are taken, and only small gaps
    left over go to difflib. Whole-file rewrites touching a few lines of thousands (fixAll
    on save) stay near linear.
    """
    out, i, j = [], 0, 0
    for x, y, n in [*matching_lines(a, b), (len(a), len(b), 0)]:
        if x > i or y > j:
            out.append((i, x, j, y))
        i, j = x + n, y + n
    return out


def matching_lines(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """Runs of equal lines (i, j, n): ``a[i:i+n] == b[j:j+n]``, in order (see `diff_edits`)."""
    blocks: list[tuple[int, int, int]] = []
    _match(a, b, 0, len(a), 0, len(b), blocks)
    return blocks


def _match(a, b, alo, ahi, blo, bhi, blocks, depth: int = 0) -> None:
    """Append the matching blocks (i, j, n) of ``a[alo:ahi]`` and ``b[blo:bhi]``, in order."""
    head = _common(a, b, alo, blo, min(ahi - alo, bhi - blo), 1)
    if head:
        blocks.append((alo, blo, head))
    alo, blo = alo + head, blo + head
    n = _common(a, b, ahi - 1, bhi - 1, min(ahi - alo, bhi - blo), -1)
    ahi, bhi = ahi - n, bhi - n
    if alo < ahi and blo < bhi:
        anchors = _anchors(a, b, alo, ahi, blo, bhi) if depth < 40 else []
        if anchors:
            i, j = alo, blo
            for x, y in anchors:
                if x > i and y > j:
                    _match(a, b, i, x, j, y, blocks, depth + 1)
                blocks.append((x, y, 1))
                i, j = x + 1, y + 1
            _match(a, b, i, ahi, j, bhi, blocks, depth + 1)
        elif (ahi - alo) * (bhi - blo) <= 250_000:
            matcher = difflib.SequenceMatcher(a=a[alo:ahi], b=b[blo:bhi], autojunk=False)
            blocks.extend((alo + x, blo + y, k) for x, y, k in matcher.get_matching_blocks() if k)
        # else: a large gap without anchors is replaced whole (larger edit, never wrong)
    if n:
        blocks.append((ahi, bhi, n))


def _anchors(a, b, alo, ahi, blo, bhi) -> list[tuple[int, int]]:
    """Lines unique in both ranges, as the longest run increasing on both sides."""
    seen: dict[str, list[int]] = {}
    for i in range(alo, ahi):
        seen.setdefault(a[i], [0, i, 0, -1])[0] += 1
    for j in range(blo, bhi):
        entry = seen.get(b[j])
        if entry is not None:
            entry[2] += 1
            entry[3] = j
    both = sorted((e[1], e[3]) for e in seen.values() if e[0] == 1 and e[2] == 1)
    # longest increasing subsequence on the b side (patience sorting)
    tops: list[int] = []
    back: list[int] = [-1] * len(both)
    top_at: list[int] = []
    for k, (_, y) in enumerate(both):
        p = bisect.bisect_left(tops, y)
        if p == len(tops):
            tops.append(y)
            top_at.append(k)
        else:
            tops[p] = y
            top_at[p] = k
        back[k] = top_at[p - 1] if p else -1
    run, k = [], top_at[-1] if top_at else -1
    while k >= 0:
        run.append(both[k])
        k = back[k]
    return run[::-1]


def _common(a, b, i, j, most: int, step: int) -> int:
    """How many lines match from a[i], b[j] on, going forward (step 1) or back (-1)."""
    n = 0
    while n < most and a[i + step * n] == b[j + step * n]:
        n += 1
    return n
