"""One module per workspace/executeCommand id (ids: refine_lsp.actions.kinds)."""
