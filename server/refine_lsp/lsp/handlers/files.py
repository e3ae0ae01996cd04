"""workspace/didChangeWatchedFiles: files created, changed or deleted outside the editor."""

from __future__ import annotations

from lsprotocol import types as lsp

from .. import indexing
from ..server import RefineServer


def did_change_watched_files(ls: RefineServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    indexing.file_events(ls, params.changes)
