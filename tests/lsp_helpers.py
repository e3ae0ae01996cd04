"""Helpers for tests that talk to the real server: apply edits as an editor would."""

from __future__ import annotations

from lsprotocol import types as lsp


def offset(text: str, pos: lsp.Position, encoding: str) -> int:
    lines = text.splitlines(keepends=True)
    if pos.line >= len(lines):
        return len(text)
    start = sum(len(line) for line in lines[: pos.line])
    line = lines[pos.line].rstrip("\r\n")
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return start + i
        if encoding == "utf-8":
            units += len(ch.encode("utf-8"))
        elif encoding == "utf-16":
            units += 2 if ord(ch) > 0xFFFF else 1
        else:
            units += 1
    return start + len(line)


def apply_text_edits(text: str, edits: list[lsp.TextEdit], encoding: str) -> str:
    spans = sorted(
        (
            (offset(text, e.range.start, encoding), offset(text, e.range.end, encoding), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(
    text: str, edit: lsp.WorkspaceEdit, uri: str, encoding: str, version: int | None = None
) -> str:
    """The document's text after the edit; fails on an edit for another version."""
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, lsp.TextDocumentEdit)
            assert change.text_document.uri == uri
            if version is not None:
                assert change.text_document.version == version
            text = apply_text_edits(text, list(change.edits), encoding)
        return text
    return apply_text_edits(text, list((edit.changes or {}).get(uri, [])), encoding)


def encoding_of(result: lsp.InitializeResult) -> str:
    return str(result.capabilities.position_encoding or "utf-16")
