"""Moved to refine_lsp.text (kept until every import is rewritten)."""

from refine_lsp.text import *  # noqa: F403
