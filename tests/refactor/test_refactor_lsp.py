"""Refactorings through the real server: codeAction lists (no edit), resolve fills it."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SOURCE = (
    "def area(w, h):\n"
    "    double = w * h\n"
    "    half = double / 2\n"
    "    return half\n"
    "\n"
    "\n"
    "def sign(x):\n"
    "    if x > 0:\n"
    "        return 1\n"
    "    return -1\n"
)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.root = root
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"), root_uri=root.as_uri()
        )
    )
    yield
    await lsp_client.shutdown_session()


def _apply(text: str, edit: lsp.WorkspaceEdit) -> str:
    edits = [e for change in edit.document_changes or [] for e in change.edits]
    edits += [e for changes in (edit.changes or {}).values() for e in changes]
    lines = text.split("\n")

    def offset(p: lsp.Position) -> int:  # the sources here are ASCII: utf-16 == characters
        return sum(len(x) + 1 for x in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def _open(client, name: str, text: str) -> str:
    path = client.root / name
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
    )
    return uri


async def _actions(client, uri, rng, only):
    return await client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri), rng, lsp.CodeActionContext([], only=only)
        )
    )


async def test_extract_function_listed_then_resolved(client):
    uri = _open(client, "shapes.py", SOURCE)
    rng = lsp.Range(lsp.Position(1, 0), lsp.Position(3, 0))
    actions = await _actions(client, uri, rng, [lsp.CodeActionKind.RefactorExtract])
    action = next(a for a in actions if a.kind == "refactor.extract.function")
    assert action.edit is None and action.disabled is None
    resolved = await client.code_action_resolve_async(action)
    assert _apply(SOURCE, resolved.edit) == SOURCE.replace(
        "    double = w * h\n    half = double / 2\n    return half\n",
        "    half = _compute_half(w, h)\n    return half\n\n\n"
        "def _compute_half(w, h):\n    double = w * h\n    half = double / 2\n    return half\n",
    )


async def test_refusal_is_shown_as_disabled_reason(client):
    uri = _open(client, "sign.py", SOURCE)
    rng = lsp.Range(lsp.Position(7, 4), lsp.Position(8, 16))
    actions = await _actions(client, uri, rng, [lsp.CodeActionKind.RefactorExtract])
    action = next(a for a in actions if a.kind == "refactor.extract.function")
    assert action.disabled is not None
    assert "return" in action.disabled.reason


ELIF = (
    "def size(xs, limit):\n"
    "    if not xs:\n"
    "        return 0\n"
    "    elif len(xs) > limit:\n"
    "        return limit\n"
    "    return 1\n"
)


async def test_extract_variable_from_an_elif_condition(client):
    uri = _open(client, "size.py", ELIF)
    rng = lsp.Range(lsp.Position(3, 9), lsp.Position(3, 16))  # `len(xs)`
    actions = await _actions(client, uri, rng, [lsp.CodeActionKind.RefactorExtract])
    action = next(
        a for a in actions if a.kind == "refactor.extract.variable" and "occurrences" not in a.title
    )
    assert action.disabled is None
    resolved = await client.code_action_resolve_async(action)
    assert _apply(ELIF, resolved.edit) == (
        "def size(xs, limit):\n"
        "    if not xs:\n"
        "        return 0\n"
        "    else:\n"
        "        len_result = len(xs)\n"
        "        if len_result > limit:\n"
        "            return limit\n"
        "    return 1\n"
    )
