"""Reviews after edits: debounced, the stale run cancelled, findings pushed (or pulled by the
client), and the save actions precomputed in the pause after an edit."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refine_lsp.acceptance.hints import HintLedger, close_ledger, gate_hints
from refine_lsp.review import review_document
from refine_lsp.text import Finding, Severity

from .convert import lsp_diagnostic

if TYPE_CHECKING:
    from .server import RefineServer

log = logging.getLogger(__name__)


async def compute_findings(ls: RefineServer, uri: str) -> tuple[int, list[Finding]] | None:
    """Review the current version of a document off the event loop; None if it went away."""
    s = ls.session
    doc = s.documents.get(uri)
    if doc is None or not doc.parsed:
        return None
    cached = s.findings.get(uri)
    if cached is not None and cached[0] == doc.version:
        return cached
    snapshot = doc.snapshot()
    findings = await asyncio.to_thread(review_document, snapshot, s.settings)
    current = s.documents.get(uri)
    if current is None or current.version != snapshot.version:
        return None  # edited meanwhile: a newer run will report
    findings = gate_hints(
        hint_suggestions(ls),
        s.hint_ledgers.setdefault(uri, HintLedger()),
        uri,
        snapshot.text,
        findings,
        Severity[s.settings.hints.severity],
    )
    s.findings[uri] = (snapshot.version, findings)
    ls.status(hiddenHints=sum(sum(led.hidden_count().values()) for led in s.hint_ledgers.values()))
    return snapshot.version, findings


def hint_suggestions(ls: RefineServer):
    """The acceptance side when it gates hints; None shows every hint."""
    if not ls.session.settings.acceptance.enabled:
        return None
    try:
        return ls.session.suggestions()
    except Exception:
        log.exception("acceptance model unavailable; hints are not gated")
        return None


def diagnostics(ls: RefineServer, uri: str, findings: list[Finding]) -> list[lsp.Diagnostic]:
    doc = ls.session.documents.get(uri)
    return [lsp_diagnostic(doc, f) for f in findings] if doc else []


async def _review_later(ls: RefineServer, uri: str, delay: float, after_edit: bool) -> None:
    s = ls.session
    try:
        if delay:
            await asyncio.sleep(delay)
        result = await compute_findings(ls, uri)
        if result is None:
            return
        version, findings = result
        if not s.client.pull_diagnostics:  # else the client asks with textDocument/diagnostic
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=uri, version=version, diagnostics=diagnostics(ls, uri, findings)
                )
            )
        if after_edit:  # files are saved after edits; opening 20 files computes nothing more
            await _precompute_save_actions(ls, uri, version)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("review of %s failed", uri)
    finally:
        if s.review_tasks.get(uri) is asyncio.current_task():
            del s.review_tasks[uri]


async def _precompute_save_actions(ls: RefineServer, uri: str, version: int) -> None:
    """fixAll and organize imports for this version, ready when the editor saves."""
    s = ls.session
    doc = s.documents.get(uri)
    if not s.settings.fix_all.precompute or doc is None or doc.version != version:
        return
    await asyncio.to_thread(s.registry.precompute, doc.snapshot(), s.settings)


def schedule_review(ls: RefineServer, uri: str, delay: float | None = None) -> None:
    """Review after a pause in typing; a newer edit cancels the pending run.

    With no delay given this follows an edit: the debounce applies, and the save actions
    are computed after the review so that a save finds them ready."""
    s = ls.session
    pending = s.review_tasks.pop(uri, None)
    if pending is not None:
        pending.cancel()
    after_edit = delay is None
    if delay is None:
        delay = s.settings.diagnostics.debounce_ms / 1000
    s.review_tasks[uri] = asyncio.ensure_future(_review_later(ls, uri, delay, after_edit))


def review_all_open(ls: RefineServer) -> None:
    s = ls.session
    s.findings.clear()
    for doc in s.documents:
        schedule_review(ls, doc.uri, delay=0)
    if s.client.pull_diagnostics and s.client.diagnostic_refresh:
        ls.workspace_diagnostic_refresh(None)


def forget(ls: RefineServer, uri: str) -> None:
    """A closed document: its pending review, findings, save results and hint ledger go."""
    s = ls.session
    pending = s.review_tasks.pop(uri, None)
    if pending is not None:
        pending.cancel()
    s.findings.pop(uri, None)
    s.registry.saved.forget(uri)
    ledger = s.hint_ledgers.pop(uri, None)
    if ledger is not None:
        close_ledger(s.suggestions_loaded, ledger)
    if not s.client.pull_diagnostics:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
