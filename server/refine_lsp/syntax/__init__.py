"""tree-sitter parsing and queries over Python syntax trees."""

from refine_lsp.syntax.parser import new_parser, parse

__all__ = ["new_parser", "parse"]
