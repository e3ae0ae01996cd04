"""Conversions between the domain's plain data and lsprotocol types."""

from __future__ import annotations

from lsprotocol import types as lsp

from refine_lsp.text import Finding, Span, TextEdit
from refine_lsp.text.document import Document

SEVERITY = {
    1: lsp.DiagnosticSeverity.Error,
    2: lsp.DiagnosticSeverity.Warning,
    3: lsp.DiagnosticSeverity.Information,
    4: lsp.DiagnosticSeverity.Hint,
}


def lsp_range(doc: Document, span: Span) -> lsp.Range:
    l1, c1 = doc.to_client(span.start)
    l2, c2 = doc.to_client(span.end)
    return lsp.Range(lsp.Position(l1, c1), lsp.Position(l2, c2))


def domain_span(doc: Document, rng: lsp.Range) -> Span:
    start = doc.from_client(rng.start.line, rng.start.character)
    end = doc.from_client(rng.end.line, rng.end.character)
    return Span(min(start, end), max(start, end))


def lsp_diagnostic(doc: Document, finding: Finding) -> lsp.Diagnostic:
    data = {"fix": finding.fix_id} if finding.fix_id else None
    return lsp.Diagnostic(
        range=lsp_range(doc, finding.span),
        message=finding.message,
        severity=SEVERITY[int(finding.severity)],
        code=finding.code,
        source=finding.source,
        data=data,
    )


def lsp_workspace_edit(doc: Document, edits: list[TextEdit], versioned: bool) -> lsp.WorkspaceEdit:
    text_edits = [lsp.TextEdit(lsp_range(doc, e.span), e.new_text) for e in edits]
    if versioned:
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=doc.uri, version=doc.version
                    ),
                    edits=text_edits,
                )
            ]
        )
    return lsp.WorkspaceEdit(changes={doc.uri: text_edits})
