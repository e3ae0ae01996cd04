"""Document synchronisation: open, incremental change, close."""

from __future__ import annotations

import logging
import time

from lsprotocol import types as lsp

from refine_lsp.documents import MAX_PARSE_BYTES
from refine_lsp.handlers.diagnostics import clear, schedule_review
from refine_lsp.server import RefineLanguageServer

log = logging.getLogger(__name__)

PARSE_HISTORY = 2000


def register(server: RefineLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RefineLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        doc = ls.documents.open(item.uri, item.text, item.version)
        if not doc.parsed:
            ls.notify(
                f"{item.uri} is larger than {MAX_PARSE_BYTES // 2**20} MB: "
                "it is kept open but not parsed or reviewed"
            )
            return
        schedule_review(ls, item.uri, delay=0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RefineLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.documents.touch(uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return
        if params.text_document.version is not None and params.text_document.version <= doc.version:
            log.warning(
                "didChange with stale version %s (have %s) for %s; applied anyway in order",
                params.text_document.version,
                doc.version,
                uri,
            )
        typing = None
        if ls.settings.inline.enabled and ls.settings.model.solver:
            from refine_lsp.handlers.inline import suggestions

            typing = suggestions(ls).session
        now = time.time()
        for change in params.content_changes:
            if typing is not None:
                typing.record_change(now, max(1, len(change.text)))
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                r = change.range
                doc.apply_change(
                    change.text,
                    (r.start.line, r.start.character),
                    (r.end.line, r.end.character),
                )
            else:
                doc.apply_change(change.text, None, None)
            if doc.tree is not None:
                ls.parse_ms.append((doc.last_parse_ms, doc.last_parse_cpu_ms))
        if len(ls.parse_ms) > PARSE_HISTORY:
            del ls.parse_ms[: len(ls.parse_ms) - PARSE_HISTORY]
        if params.text_document.version is not None:
            doc.version = params.text_document.version
        if doc.parsed:
            schedule_review(ls, uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RefineLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.close(uri)
        clear(ls, uri)
