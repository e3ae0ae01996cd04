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
    return await list_actions(client, uri, kind)


async def list_actions(client: LanguageClient, uri: str, kind: str):
    return await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(2, 4), lsp.Position(2, 4)),
            context=lsp.CodeActionContext(diagnostics=[], only=[kind]),
        )
    )


async def run_tests(client: LanguageClient, action: lsp.CodeAction) -> dict:
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=action.command.command, arguments=action.command.arguments)
    )
    assert result["failing"], result
    return result


async def test_fix_failing_tests_applies_a_verified_edit(client: LanguageClient):
    path = client.root / "shop" / "pricing.py"
    text = path.read_text()
    uri = path.as_uri()
    actions = await open_and_list(client, uri, text, "refactor.rewrite.refine")
    titles = [a.title for a in actions]
    assert titles == [
        "Run tests for this function: bulk_discount",
        "Refine with checks: bulk_discount",
        "Make faster (keeps tests green): bulk_discount",
        "Add property tests: bulk_discount",
    ]
    # "Fix failing tests" is offered once a run showed a failing test reaching the function.
    await run_tests(client, actions[0])
    [fix] = await list_actions(client, uri, "refactor.rewrite.refine.fix")
    assert fix.title == "Fix failing tests: bulk_discount (1 failing)"
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
    [run] = await open_and_list(client, uri, buggy, "refactor.rewrite.refine.tests")
    await run_tests(client, run)
    [fix] = await list_actions(client, uri, "refactor.rewrite.refine.fix")
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=fix.command.command, arguments=fix.command.arguments)
    )
    assert result["applied"] is True, result
    assert result["summary"]["tests_passed_before"] == 3
    [applied] = client.applied
    new = apply_workspace_edit(buggy, applied.edit, uri, encoding_of(client.init_result), 1)
    assert new == on_disk
    assert path.read_text() == on_disk  # never written by the server
