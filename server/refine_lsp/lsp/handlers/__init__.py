"""One module-level function per LSP method (first parameter ``ls``, the server); the table
that binds methods to them is in lsp/app.py. Handlers never import each other."""
