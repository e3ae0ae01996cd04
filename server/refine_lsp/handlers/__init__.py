"""One module per group of LSP methods; each exposes register(server)."""
