"""External tools refine-lsp runs on text (never on the user's files): ruff."""
