"""Moved to refine_lsp.acceptance.hints; kept because the LSP shell imports this name."""

from refine_lsp.acceptance.hints import (  # noqa: F401
    HINT_PREFIXES,
    HintLedger,
    close_ledger,
    gate_hints,
    is_refinement,
)
