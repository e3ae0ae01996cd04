"""The LSP layer: the only package that imports pygls and lsprotocol.

app.create_server builds the server from one method -> handler table; handlers/ hold one
module-level function per LSP method, commands/ one per workspace/executeCommand id, and
session.Session the state they share. Domain packages take and return plain data.
"""
