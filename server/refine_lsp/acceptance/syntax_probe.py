"""Tree-sitter probes for the acceptance features: what is at the cursor, does a suggestion parse.

tree-sitter is imported on first use, not at package import, to keep server start fast.
Every probe works on a small local region (a few dozen lines around the cursor) so its cost
does not grow with the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Node types grouped into the few categories the model sees; the rest count as "other".
NODE_CATEGORIES = ("module", "block", "call", "assignment", "string", "comment", "definition")
_CATEGORY_OF = {
    "module": "module",
    "block": "block",
    "expression_statement": "block",
    "call": "call",
    "argument_list": "call",
    "assignment": "assignment",
    "augmented_assignment": "assignment",
    "string": "string",
    "string_content": "string",
    "string_start": "string",
    "string_end": "string",
    "comment": "comment",
    "function_definition": "definition",
    "class_definition": "definition",
    "parameters": "definition",
}

# How far back from the cursor the local region reaches; enough for the enclosing statement.
REGION_LINES = 40


@dataclass(frozen=True)
class CursorNode:
    category: str  # the nearest enclosing construct: one of NODE_CATEGORIES or "other"
    depth: int  # nesting depth of the smallest named node at the cursor
    in_string: bool
    in_comment: bool


def parse(source: str) -> Any:
    """A tree-sitter tree for ``source`` (the caller may pass it back as ``tree``)."""
    from refine_lsp.syntax.parser import parse as parse_source  # the one parser factory

    return parse_source(source)


def local_region_start(prefix: str, max_lines: int = REGION_LINES) -> int:
    """Offset in ``prefix`` where the local region starts.

    The region begins at the last unindented, non-blank line within ``max_lines`` of the
    cursor, so that it holds a whole top-level statement whenever one fits.
    """
    start = len(prefix)
    lines_seen = 0
    while start > 0 and lines_seen <= max_lines:
        nl = prefix.rfind("\n", 0, start - 1) if start > 0 else -1
        line_start = nl + 1
        line = prefix[line_start:start]
        lines_seen += 1
        if line[:1] not in ("", " ", "\t", "\n", "#", ")", "]", "}") and lines_seen > 1:
            return line_start
        if line_start == 0:
            return 0
        start = line_start
    return start


def cursor_node(tree: Any, byte_offset: int) -> CursorNode:
    """Category, depth and string/comment state of the node at ``byte_offset`` in ``tree``."""
    root = tree.root_node
    at = max(0, min(byte_offset, root.end_byte))
    # The node just before the cursor tells more than the one after it (the user types there).
    node = root.named_descendant_for_byte_range(max(0, at - 1), at) or root
    depth = 0
    in_string = in_comment = False
    category = None
    walker = node
    while walker is not None:
        kind = walker.type
        if category is None and kind in _CATEGORY_OF:
            category = _CATEGORY_OF[kind]  # the nearest enclosing construct we know
        if kind == "comment" and walker.start_byte < at:
            in_comment = True
        if kind == "string" and walker.start_byte < at < walker.end_byte:
            in_string = True
        depth += 1
        walker = walker.parent
    return CursorNode(category or "other", depth - 1, in_string, in_comment)


def _errors_from(source: str, start_byte: int) -> int:
    """Syntax errors (ERROR or MISSING nodes) that reach ``start_byte`` or beyond."""
    tree = parse(source)
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_byte < start_byte or not (node.has_error or node.is_missing):
            continue
        if node.type == "ERROR" or node.is_missing:
            count += 1
            continue
        stack.extend(node.children)
    return count


def suggestion_parses(prefix: str, suggestion: str, suffix: str = "") -> bool:
    """True when inserting ``suggestion`` leaves no syntax error from the cursor on.

    Only the local region is parsed: from :func:`local_region_start` in the prefix to a few
    lines into the suffix. Errors that end before the cursor were there already and are not
    blamed on the suggestion; an error that spans into it (an expression it fails to close)
    is. A block the suggestion opens (``if x:`` with no body yet) is given a ``pass`` body.
    """
    region_prefix = prefix[local_region_start(prefix) :]
    region_suffix = "\n".join(suffix.split("\n")[:4])
    start = len(region_prefix.encode("utf-8"))
    joined = region_prefix + suggestion + region_suffix
    if not _errors_from(joined, start):
        return True
    if joined.rstrip().endswith(":"):
        return not _errors_from(joined.rstrip() + " pass\n", start)
    return False
