"""Moved to refine_lsp.text.document (kept until every import is rewritten)."""

from refine_lsp.text.document import *  # noqa: F403
