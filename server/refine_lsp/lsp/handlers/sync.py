"""Document synchronisation: open, incremental change, close."""

from __future__ import annotations

import logging
import time

from lsprotocol import types as lsp

from refine_lsp.text.document import MAX_PARSE_BYTES

from .. import indexing
from ..scheduler import forget, schedule_review
from ..server import RefineServer

log = logging.getLogger(__name__)

PARSE_HISTORY = 2000


def did_open(ls: RefineServer, params: lsp.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    doc = ls.session.documents.open(item.uri, item.text, item.version)
    indexing.touched(ls, item.uri)
    if not doc.parsed:
        ls.notify(
            f"{item.uri} is larger than {MAX_PARSE_BYTES // 2**20} MB: "
            "it is kept open but not parsed or reviewed"
        )
        return
    schedule_review(ls, item.uri, delay=0)


def did_change(ls: RefineServer, params: lsp.DidChangeTextDocumentParams) -> None:
    s = ls.session
    uri = params.text_document.uri
    doc = s.documents.touch(uri)
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
        # Results cached by version would now describe other text: they go.
        s.findings.pop(uri, None)
        s.registry.saved.forget(uri)
    typing = None
    if s.settings.inline.enabled and s.settings.model.solver:
        typing = s.suggestions().session
    now = time.time()
    for change in params.content_changes:
        if typing is not None:
            typing.record_change(now, max(1, len(change.text)))
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            r = change.range
            doc.apply_change(
                change.text, (r.start.line, r.start.character), (r.end.line, r.end.character)
            )
        else:
            doc.apply_change(change.text, None, None)
        if doc.tree is not None:
            s.parse_ms.append((doc.last_parse_ms, doc.last_parse_cpu_ms))
    if len(s.parse_ms) > PARSE_HISTORY:
        del s.parse_ms[: len(s.parse_ms) - PARSE_HISTORY]
    if params.text_document.version is not None:
        doc.version = params.text_document.version
    indexing.touched(ls, uri)
    if doc.parsed:
        schedule_review(ls, uri)


def did_close(ls: RefineServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.session.documents.close(uri)
    indexing.touched(ls, uri)  # the disk's text is the truth again
    forget(ls, uri)
