"""Structural questions about a position: which node, which function encloses it."""

from __future__ import annotations

import tree_sitter

FUNCTION_TYPES = ("function_definition",)


def node_at(tree: tree_sitter.Tree, point: tuple[int, int]) -> tree_sitter.Node:
    return tree.root_node.named_descendant_for_point_range(point, point) or tree.root_node


def enclosing(node: tree_sitter.Node, types: tuple[str, ...]) -> tree_sitter.Node | None:
    while node is not None:
        if node.type in types:
            return node
        node = node.parent
    return None


def enclosing_function(tree: tree_sitter.Tree, point: tuple[int, int]) -> tree_sitter.Node | None:
    """The innermost function definition containing the point (its decorators included)."""
    fn = enclosing(node_at(tree, point), FUNCTION_TYPES)
    if fn is not None and fn.parent is not None and fn.parent.type == "decorated_definition":
        return fn.parent
    return fn


def function_name(node: tree_sitter.Node) -> str | None:
    if node.type == "decorated_definition":
        node = node.child_by_field_name("definition") or node
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8", "replace") if name is not None else None
