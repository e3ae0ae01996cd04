"""The loop's code actions through the real server: list, run with progress, apply."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest_lsp
from lsp_helpers import apply_workspace_edit, encoding_of
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path, monkeypatch):
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".pytest_cache", "__pycache__"))
    fix_code_action_union(lsp_client.protocol._converter)
    lsp_client.root = root
    lsp_client.applied = []

    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams):
        lsp_client.applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    lsp_client.init_result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"), root_uri=root.as_uri()
        )
    )
    yield
    await lsp_client.shutdown_session()


async def open_and_list(client: LanguageClient, uri: str, text: str, kind: str):
    """Open the document with ``text`` (the editor's buffer) and list ``kind`` actions in
    bulk_discount."""
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
    )
    return await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(2, 4), lsp.Position(2, 4)),
            context=lsp.CodeActionContext(diagnostics=[], only=[kind]),
        )
    )


async def test_fix_failing_tests_applies_a_verified_edit(client: LanguageClient):
    path = client.root / "shop" / "pricing.py"
    text = path.read_text()
    uri = path.as_uri()
    actions = await open_and_list(client, uri, text, "refactor.rewrite.refine")
    titles = [a.title for a in actions]
    assert titles == [
        "Fix failing tests: bulk_discount",
        "Refine with checks: bulk_discount",
        "Make faster (keeps tests green): bulk_discount",
        "Add property tests: bulk_discount",
    ]
    fix = actions[0]
    token = "fix-1"
    client.progress_reports[token] = []
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command=fix.command.command, arguments=fix.command.arguments, work_done_token=token
        )
    )
    assert result["applied"] is True
    assert result["summary"]["tests_passed"] == result["summary"]["tests_total"] == 4
    [applied] = client.applied
    new = apply_workspace_edit(text, applied.edit, uri, encoding_of(client.init_result), 1)
    assert new == text.replace("if quantity > 50:", "if quantity >= 50:")
    # The user's file on disk is untouched until the editor applies and saves.
    assert path.read_text() == text
    reports = client.progress_reports[token]
    assert isinstance(reports[0], lsp.WorkDoneProgressBegin)
    assert isinstance(reports[-1], lsp.WorkDoneProgressEnd)


async def test_the_loop_works_on_the_unsaved_buffer(client: LanguageClient):
    """The tests run on what the editor shows: here the bug exists only in the buffer."""
    path = client.root / "shop" / "pricing.py"
    buggy = path.read_text()
    path.write_text(buggy.replace("if quantity > 50:", "if quantity >= 50:"))  # disk: fixed
    on_disk = path.read_text()
    uri = path.as_uri()
    actions = await open_and_list(client, uri, buggy, "refactor.rewrite.refine.fix")
    [fix] = actions
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=fix.command.command, arguments=fix.command.arguments)
    )
    assert result["applied"] is True, result
    assert result["summary"]["tests_passed_before"] == 3
    [applied] = client.applied
    new = apply_workspace_edit(buggy, applied.edit, uri, encoding_of(client.init_result), 1)
    assert new == on_disk
    assert path.read_text() == on_disk  # never written by the server
