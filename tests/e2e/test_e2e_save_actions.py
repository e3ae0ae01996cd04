"""Code actions on save through the real server, after an edit, as codeActionsOnSave runs them.

The server computes fixAll and organize imports in the pause after an edit; what the save
gets must be exactly what computing them then would give, for the edited version.
"""

from __future__ import annotations

import asyncio
import sys

import pytest_lsp
from lsp_helpers import apply_workspace_edit, encoding_of
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SOURCE = "import os\nimport sys\n\n\ndef main(a):\n    return sys.argv\n"
TYPED = "    if a == None:\n        return f'none'\n"
FIXED = (
    "import sys\n\n\ndef main(a):\n    if a is None:\n        return 'none'\n    return sys.argv\n"
)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.root = root
    lsp_client.init_result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=root.as_uri(),
            initialization_options={"diagnostics": {"debounceMs": 20}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def _save_edit(client, uri: str, kind: str) -> lsp.WorkspaceEdit:
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri),
            lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
            lsp.CodeActionContext(
                [], only=[kind], trigger_kind=lsp.CodeActionTriggerKind.Automatic
            ),
        )
    )
    [action] = [a for a in actions if a.kind == kind]
    return (await client.code_action_resolve_async(action)).edit


async def _edit_and_wait(client, uri: str, version: int, pause: float) -> str:
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(lsp.Position(5, 0), lsp.Position(5, 0)), text=TYPED
                )
            ],
        )
    )
    if pause:
        for _ in range(200):
            if uri in client.diagnostics:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(pause)
    return SOURCE.replace("    return sys.argv", TYPED + "    return sys.argv")


async def test_save_after_a_pause_and_at_once_give_the_same_whole_text(client):
    encoding = encoding_of(client.init_result)
    results = {}
    for name, pause in (("paused.py", 1.0), ("at_once.py", 0.0)):
        path = client.root / name
        path.write_text(SOURCE)
        uri = path.as_uri()
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, SOURCE))
        )
        text = await _edit_and_wait(client, uri, 2, pause)
        edit = await _save_edit(client, uri, "source.fixAll.refine")
        results[name] = apply_workspace_edit(text, edit, uri, encoding, version=2)
        organized = await _save_edit(client, uri, "source.organizeImports")
        assert apply_workspace_edit(text, organized, uri, encoding, version=2) == text.replace(
            "import os\n", ""
        )
    assert results == {"paused.py": FIXED, "at_once.py": FIXED}
    assert (client.root / "paused.py").read_text() == SOURCE  # only edits, never writes


async def test_an_edit_after_the_precomputation_is_never_lost(client):
    encoding = encoding_of(client.init_result)
    path = client.root / "later.py"
    path.write_text(SOURCE)
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, SOURCE))
    )
    text = await _edit_and_wait(client, uri, 2, pause=1.0)  # version 2 is precomputed
    line = text.split("\n").index("    return sys.argv")
    client.text_document_did_change(  # version 3, saved at once
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=3, uri=uri),
            [
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(lsp.Position(line, 15), lsp.Position(line, 19)), text="path"
                )
            ],
        )
    )
    text = text.replace("sys.argv", "sys.path")
    edit = await _save_edit(client, uri, "source.fixAll.refine")
    assert apply_workspace_edit(text, edit, uri, encoding, version=3) == FIXED.replace(
        "sys.argv", "sys.path"
    )
