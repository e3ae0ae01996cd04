"""Syntax errors from tree-sitter ERROR and MISSING nodes, with tight ranges."""

from __future__ import annotations

import tree_sitter

from refine_lsp.text import Finding, Pos, Severity, Span

MAX_ERRORS = 50


def _byte_to_pos(data: bytes, line_starts: list[int], line: int, byte_col: int) -> Pos:
    start = line_starts[line] if line < len(line_starts) else len(data)
    return Pos(line, len(data[start : start + byte_col].decode("utf-8", "replace")))


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    i = data.find(b"\n")
    while i >= 0:
        starts.append(i + 1)
        i = data.find(b"\n", i + 1)
    return starts


def syntax_errors(tree: tree_sitter.Tree, data: bytes) -> list[Finding]:
    """Findings for the outermost ERROR nodes and every MISSING node.

    An ERROR node can swallow the rest of a file; its range is cut to its first line so the
    squiggle points at where parsing went wrong, not at everything after it.
    """
    root = tree.root_node
    if not root.has_error:
        return []
    starts = _line_starts(data)
    findings: list[Finding] = []
    cursor = root.walk()
    visited_children = False
    while len(findings) < MAX_ERRORS:
        node = cursor.node
        if not visited_children:
            if node.is_missing:
                pos = _byte_to_pos(data, starts, *node.start_point)
                label = node.type if node.type.isidentifier() else repr(node.type)
                findings.append(
                    Finding(
                        Span(pos, pos),
                        Severity.error,
                        "syntax-missing",
                        f"Syntax error: missing {label}",
                        "refine-lsp",
                    )
                )
            elif node.is_error:
                findings.append(_error_finding(node, data, starts))
                visited_children = True  # do not report errors nested inside this one
                continue
            if node.has_error and cursor.goto_first_child():
                continue
            visited_children = True
        if cursor.goto_next_sibling():
            visited_children = False
        elif not cursor.goto_parent():
            break
    return findings


def _error_finding(node: tree_sitter.Node, data: bytes, starts: list[int]) -> Finding:
    (l1, c1), (l2, c2) = node.start_point, node.end_point
    if l2 > l1:  # keep the squiggle on the first line
        line_end = starts[l1 + 1] - 1 if l1 + 1 < len(starts) else len(data)
        if data[line_end - 1 : line_end] == b"\r":
            line_end -= 1
        l2, c2 = l1, line_end - starts[l1]
    start = _byte_to_pos(data, starts, l1, c1)
    end = _byte_to_pos(data, starts, l2, c2)
    snippet = data[node.start_byte : min(node.end_byte, node.start_byte + 40)]
    first = snippet.decode("utf-8", "replace").split("\n", 1)[0].strip()
    message = f"Syntax error: unexpected {first!r}" if first else "Syntax error"
    return Finding(Span(start, end), Severity.error, "syntax-error", message, "refine-lsp")
