"""textDocument/diagnostic: findings pulled by the client (pushed ones: lsp/scheduler.py)."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from ..scheduler import compute_findings, diagnostics
from ..server import RefineServer


async def pull(ls: RefineServer, params: lsp.DocumentDiagnosticParams):
    uri = params.text_document.uri
    if ls.session.documents.get(uri) is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[])
    result = None
    for _ in range(3):  # the document may change while the review runs
        result = await compute_findings(ls, uri)
        if result is not None:
            break
    if result is None:
        raise JsonRpcContentModified("the document changed while it was being reviewed")
    version, findings = result
    result_id = f"{version}:{id(findings)}"
    if params.previous_result_id == result_id:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return lsp.RelatedFullDocumentDiagnosticReport(
        items=diagnostics(ls, uri, findings), result_id=result_id
    )
