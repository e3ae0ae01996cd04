"""refine-lsp: a Python language server that offers only verified edits."""

__version__ = "0.1.0"
