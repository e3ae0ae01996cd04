"""The real server over stdio, as VS Code and as Neovim would talk to it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import apply_text_edits, apply_workspace_edit, encoding_of
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

LINT = "import os\nimport sys\n\n\ndef f(x):\n    return x + 1  # 😀\n\n\nprint(sys.argv)\n"


@pytest_lsp.fixture(
    params=["visual_studio_code", "neovim"],
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(request, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    caps = client_capabilities(request.param)
    # Both editors answer workspace/configuration.
    caps.workspace = caps.workspace or lsp.WorkspaceClientCapabilities()
    caps.workspace.configuration = True
    lsp_client.editor = request.param
    lsp_client.root = root
    lsp_client.init_result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            initialization_options={"diagnostics": {"debounceMs": 30}},
        )
    )
    yield
    await lsp_client.shutdown_session()


def encoding(client) -> str:
    return encoding_of(client.init_result)


def open_doc(client: LanguageClient, name: str, text: str, version: int = 1) -> str:
    path = client.root / name
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", version, text))
    )
    return uri


async def diagnostics(client: LanguageClient, uri: str, version: int | None = None):
    """Diagnostics the way this editor gets them: pulled (Neovim 0.11) or pushed (VS Code)."""
    if client.capabilities.text_document.diagnostic is not None:
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri))
        )
        return list(report.items)
    for _ in range(200):  # pushed: whatever arrived since the caller cleared it
        if uri in client.diagnostics:
            return list(client.diagnostics[uri])
        await asyncio.sleep(0.05)
    raise AssertionError("no diagnostics pushed within 10 s")


async def test_position_encoding_negotiated(client):
    expected = "utf-8" if client.editor == "neovim" else "utf-16"
    assert encoding(client) == expected


async def test_open_then_incremental_edit_updates_diagnostics(client):
    uri = open_doc(client, "lint.py", LINT)
    first = await diagnostics(client, uri)
    assert [(d.code, d.range.start.line) for d in first] == [("F401", 0)]
    # Delete "import os\n" with an incremental change, as the editor would.
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(lsp.Position(0, 0), lsp.Position(1, 0)), text=""
                )
            ],
        )
    )
    assert await diagnostics(client, uri) == []


async def test_syntax_error_has_a_tight_range(client):
    uri = open_doc(client, "broken.py", "def f(x):\n    return (x +\n\ny = 2\n")
    found = await diagnostics(client, uri)
    syntax = [d for d in found if str(d.code).startswith("syntax")]
    assert syntax and all(d.range.start.line == d.range.end.line for d in syntax)
    assert syntax[0].range.start.line == 1


async def test_quickfix_listed_cheaply_and_resolved_to_the_whole_text(client):
    uri = open_doc(client, "lint.py", LINT)
    diags = await diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=diags[0].range,
            context=lsp.CodeActionContext(diagnostics=diags, only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    assert [a.title for a in actions] == ["Ruff (F401): Remove unused import: `os`"]
    assert actions[0].edit is None  # computed on resolve only
    resolved = await client.code_action_resolve_async(actions[0])
    new = apply_workspace_edit(LINT, resolved.edit, uri, encoding(client), version=1)
    assert new == LINT.replace("import os\n", "")


async def test_resolve_for_a_stale_version_is_refused(client):
    uri = open_doc(client, "lint.py", LINT)
    diags = await diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=diags[0].range,
            context=lsp.CodeActionContext(diagnostics=diags, only=[lsp.CodeActionKind.QuickFix]),
        )
    )
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), text="# header\n"
                )
            ],
        )
    )
    with pytest.raises(JsonRpcException, match="changed"):
        await client.code_action_resolve_async(actions[0])
    assert any("older version" in m.message for m in client.messages)


async def test_configuration_change_applies_without_restart(client):
    uri = open_doc(client, "lint.py", LINT)
    assert await diagnostics(client, uri)
    client.set_configuration({"refineLsp": {"reviewers": {"ruff": False}}})
    client.diagnostics.pop(uri, None)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    assert await diagnostics(client, uri) == []


async def test_invalid_configuration_is_reported_and_defaults_kept(client):
    client.set_configuration({"refineLsp": {"diagnostics": {"debounceMs": "later"}}})
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    for _ in range(50):
        if any("debounceMs" in m.message for m in client.messages):
            break
        await asyncio.sleep(0.05)
    assert any(
        "refineLsp.diagnostics.debounceMs: invalid value 'later'" in m.message
        for m in client.messages
    )
    uri = open_doc(client, "lint.py", LINT)
    assert [d.code for d in await diagnostics(client, uri)] == ["F401"]


async def test_review_workspace_reports_progress(client):
    for i in range(3):
        (client.root / f"m{i}.py").write_text("import os\n")
    token = "review-1"
    client.progress_reports[token] = []
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.reviewWorkspace", work_done_token=token)
    )
    assert result["files"] == 3 and result["findings"] == 3
    kinds = [type(r).__name__ for r in client.progress_reports[token]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert kinds.count("WorkDoneProgressReport") == 3


async def test_cancel_stops_long_work_within_200_ms(client):
    for i in range(400):
        (client.root / f"m{i:03}.py").write_text("import os\n" * 50)
    protocol = client.protocol
    pending = asyncio.ensure_future(
        protocol.send_request_async(
            lsp.WORKSPACE_EXECUTE_COMMAND,
            lsp.ExecuteCommandParams(command="refineLsp.reviewWorkspace"),
            msg_id="long-review",
        )
    )
    await asyncio.sleep(0.5)
    assert not pending.done()
    protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="long-review"))
    with pytest.raises(JsonRpcException, match="cancel"):
        await pending
    # The work stopped: the files after the cancel were never reviewed.
    await asyncio.sleep(0.5)
    reviewed = [u for u in client.diagnostics if "/m" in u]
    assert 0 < len(reviewed) < 400
    # The server keeps serving.
    uri = open_doc(client, "after.py", "import os\n")
    assert [d.code for d in await diagnostics(client, uri)] == ["F401"]


async def test_bad_input_gets_errors_and_the_server_keeps_serving(client):
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="refineLsp.noSuchCommand")
        )
    # Out-of-range positions and an unopened document.
    missing = (client.root / "nope.py").as_uri()
    assert not await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(missing),
            range=lsp.Range(lsp.Position(999, 0), lsp.Position(999, 5)),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    uri = open_doc(client, "lint.py", LINT)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(lsp.Position(500, 9), lsp.Position(600, 0)), text="x = 1\n"
                )
            ],
        )
    )
    # A 5 MB document is accepted and the server still answers.
    big = "x = 1\n" * (5 * 1024 * 1024 // 6)
    open_doc(client, "big.py", big)
    assert [d.code for d in await diagnostics(client, uri)] == ["F401"]


def test_apply_text_edits_counts_units_per_encoding():
    text = "a😀b\n"
    edit = lsp.TextEdit(lsp.Range(lsp.Position(0, 5), lsp.Position(0, 6)), "B")
    assert apply_text_edits(text, [edit], "utf-8") == "a😀B\n"
    edit16 = lsp.TextEdit(lsp.Range(lsp.Position(0, 3), lsp.Position(0, 4)), "B")
    assert apply_text_edits(text, [edit16], "utf-16") == "a😀B\n"


_ = Path
