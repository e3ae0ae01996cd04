"""Diagnostics: debounced push after edits (stale runs cancelled) and pull on request."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as lsp

from refine_lsp.core import Finding
from refine_lsp.hints import HintLedger, close_ledger, gate_hints
from refine_lsp.lsp_convert import lsp_diagnostic
from refine_lsp.review import review_document
from refine_lsp.server import RefineLanguageServer

log = logging.getLogger(__name__)


async def compute_findings(ls: RefineLanguageServer, uri: str) -> tuple[int, list[Finding]] | None:
    """Review the current version of a document off the event loop; None if it went away."""
    doc = ls.documents.get(uri)
    if doc is None or not doc.parsed:
        return None
    cached = ls.findings.get(uri)
    if cached is not None and cached[0] == doc.version:
        return cached
    snapshot = doc.snapshot()
    findings = await asyncio.to_thread(review_document, snapshot, ls.settings)
    current = ls.documents.get(uri)
    if current is None or current.version != snapshot.version:
        return None  # edited meanwhile: a newer run will report
    findings = gate_hints(
        hint_suggestions(ls),
        ls.hint_ledgers.setdefault(uri, HintLedger()),
        uri,
        snapshot.text,
        findings,
    )
    ls.findings[uri] = (snapshot.version, findings)
    return snapshot.version, findings


def hint_suggestions(ls: RefineLanguageServer):
    """The acceptance side when it gates hints; None shows every hint."""
    if not ls.settings.acceptance.enabled:
        return None
    from refine_lsp.handlers.inline import suggestions

    try:
        return suggestions(ls)
    except Exception:
        log.exception("acceptance model unavailable; hints are not gated")
        return None


def _diagnostics(ls: RefineLanguageServer, uri: str, findings: list[Finding]):
    doc = ls.documents.get(uri)
    return [lsp_diagnostic(doc, f) for f in findings] if doc else []


async def _review_later(
    ls: RefineLanguageServer, uri: str, delay: float, after_edit: bool = False
) -> None:
    try:
        if delay:
            await asyncio.sleep(delay)
        result = await compute_findings(ls, uri)
        if result is None:
            return
        version, findings = result
        if not ls.pull_diagnostics:  # else the client asks with textDocument/diagnostic
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=uri, version=version, diagnostics=_diagnostics(ls, uri, findings)
                )
            )
        if after_edit:  # files are saved after edits; opening 20 files computes nothing more
            await _precompute_save_actions(ls, uri, version)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("review of %s failed", uri)
    finally:
        if ls.review_tasks.get(uri) is asyncio.current_task():
            del ls.review_tasks[uri]


async def _precompute_save_actions(ls: RefineLanguageServer, uri: str, version: int) -> None:
    """fixAll and organize imports for this version, ready when the editor saves."""
    doc = ls.documents.get(uri)
    if not ls.settings.fix_all.precompute or doc is None or doc.version != version:
        return
    await asyncio.to_thread(ls.registry.precompute, doc.snapshot(), ls.settings)


def schedule_review(ls: RefineLanguageServer, uri: str, delay: float | None = None) -> None:
    """Review after a pause in typing; a newer edit cancels the pending run.

    With no delay given this follows an edit: the debounce applies, and the save actions
    are computed after the review so that a save finds them ready."""
    pending = ls.review_tasks.pop(uri, None)
    if pending is not None:
        pending.cancel()
    after_edit = delay is None
    if delay is None:
        delay = ls.settings.diagnostics.debounce_ms / 1000
    ls.review_tasks[uri] = asyncio.ensure_future(_review_later(ls, uri, delay, after_edit))


def review_all_open(ls: RefineLanguageServer) -> None:
    ls.findings.clear()
    for doc in ls.documents:
        schedule_review(ls, doc.uri, delay=0)
    if ls.pull_diagnostics and ls.supports("workspace.diagnostics.refresh_support"):
        ls.workspace_diagnostic_refresh(None)


def clear(ls: RefineLanguageServer, uri: str) -> None:
    pending = ls.review_tasks.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.findings.pop(uri, None)
    ls.registry.saved.forget(uri)
    ledger = ls.hint_ledgers.pop(uri, None)
    if ledger is not None:
        close_ledger(ls.suggestions, ledger)
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def register(server: RefineLanguageServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="refine-lsp", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    async def pull(ls: RefineLanguageServer, params: lsp.DocumentDiagnosticParams):
        uri = params.text_document.uri
        doc = ls.documents.get(uri)
        if doc is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        result = None
        for _ in range(3):  # the document may change while the review runs
            result = await compute_findings(ls, uri)
            if result is not None:
                break
        if result is None:
            raise_content_modified()
        version, findings = result
        result_id = f"{version}:{id(findings)}"
        if params.previous_result_id == result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(
            items=_diagnostics(ls, uri, findings), result_id=result_id
        )


def raise_content_modified():
    from pygls.exceptions import JsonRpcContentModified

    raise JsonRpcContentModified("the document changed while it was being reviewed")
