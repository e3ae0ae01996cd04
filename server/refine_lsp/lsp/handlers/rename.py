"""textDocument/prepareRename and textDocument/rename across the workspace folders."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from refine_lsp.actions import Refused
from refine_lsp.index.workspace import workspace_texts
from refine_lsp.text import Pos, Span, diff_edits
from refine_lsp.text.document import Document, uri_to_path

from ..convert import lsp_range
from ..resolve import RequestFailed
from ..server import RefineServer

log = logging.getLogger(__name__)


def _target(ls: RefineServer, uri: str, position: lsp.Position):
    doc = ls.session.documents.get(uri)
    path = uri_to_path(uri)
    if doc is None or path is None:
        raise RequestFailed("rename needs a saved Python file that is open")
    pos = doc.from_client(position.line, position.character)
    return doc, str(path.resolve()), pos


def prepare_rename(ls: RefineServer, params: lsp.PrepareRenameParams):
    if not ls.session.settings.rename.enabled:
        return None
    from refine_lsp.refactor.rename import prepare

    doc, path, pos = _target(ls, params.text_document.uri, params.position)
    try:
        (l1, c1, l2, c2), name = prepare(path, doc.text, pos.line, pos.col)
    except Refused as exc:
        raise RequestFailed(f"cannot rename here: {exc}") from exc
    return lsp.PrepareRenamePlaceholder(
        range=lsp_range(doc, Span(Pos(l1, c1), Pos(l2, c2))), placeholder=name
    )


def _plan(folders, open_texts, path, text, line, col, new):
    from refine_lsp.refactor.rename import rename, word_at

    old = word_at(text, line, col)  # rename parses the file once, below
    files, skipped = workspace_texts(folders, open_texts, containing=old)
    files[path] = text
    return rename(files, path, line, col, new), files, skipped


async def rename(ls: RefineServer, params: lsp.RenameParams):
    s = ls.session
    if not s.settings.rename.enabled:
        raise RequestFailed("rename is turned off (refineLsp.rename.enabled)")
    doc, path, pos = _target(ls, params.text_document.uri, params.position)
    version = doc.version
    open_texts = {}
    for d in s.documents:
        p = uri_to_path(d.uri)
        if p is not None:
            open_texts[str(p.resolve())] = d.text
    folders = s.workspace_folders or [Path(path).parent]
    try:
        result, files, skipped = await asyncio.to_thread(
            _plan, folders, open_texts, path, doc.text, pos.line, pos.col, params.new_name
        )
    except Refused as exc:
        ls.notify(f"rename refused: {exc}", lsp.MessageType.Info)
        raise RequestFailed(f"rename refused: {exc}") from exc
    if s.documents.get(doc.uri) is not doc or doc.version != version:
        raise JsonRpcContentModified("the document changed while the rename was computed")
    for other, text in open_texts.items():  # an open file edited meanwhile: refuse it all
        d = s.documents.get(Path(other).as_uri())
        if other in result.changes and d is not None and d.text != text:
            raise JsonRpcContentModified(f"{Path(other).name} changed while renaming")
    notes = list(result.warnings) + [f"not searched: {s_}" for s_ in skipped]
    if notes:
        ls.notify(f"renamed `{result.old}` to `{result.new}`; " + "; ".join(notes[:5]))
    return _workspace_edit(ls, result.changes, files)


def _workspace_edit(ls: RefineServer, changes: dict[str, str], files: dict[str, str]):
    s = ls.session
    text_edits: list[lsp.TextDocumentEdit] = []
    plain: dict[str, list[lsp.TextEdit]] = {}
    for path, new_text in sorted(changes.items()):
        uri = Path(path).as_uri()
        doc = s.documents.get(uri)
        version = doc.version if doc is not None else None
        if doc is None:
            doc = Document(uri, files[path], 0, s.documents.encoding)
        edits = [
            lsp.TextEdit(lsp_range(doc, e.span), e.new_text) for e in diff_edits(doc.text, new_text)
        ]
        plain[uri] = edits
        text_edits.append(
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=edits,
            )
        )
    if s.client.versioned_edits:
        return lsp.WorkspaceEdit(document_changes=text_edits)
    return lsp.WorkspaceEdit(changes=plain)
