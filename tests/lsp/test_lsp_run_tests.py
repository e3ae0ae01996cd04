""" "Run tests for this function" through the real server: before any test run only it is
offered where "Fix failing tests" was; it runs the tests that reach the function, says how
many passed and which failed (their output in the log), and from then on "Fix failing tests"
is offered, as a lightbulb too, in the functions a failing test reaches, until the file
changes."""

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
FAILING = "tests/test_pricing.py::test_twenty_percent_from_fifty"
IN_BULK_DISCOUNT = 2  # zero-based lines of shop/pricing.py
IN_UNIT_PRICE = 10


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path):
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


async def loop_actions(client: LanguageClient, uri: str, line: int, trigger) -> list:
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(line, 4), lsp.Position(line, 4)),
            context=lsp.CodeActionContext(diagnostics=[], trigger_kind=trigger),
        )
    )
    return [a for a in actions or [] if str(a.kind).startswith("refactor.rewrite.refine")]


def titles(actions) -> list[str]:
    return [a.title for a in actions]


async def execute(client: LanguageClient, action: lsp.CodeAction, token: str | None = None):
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command=action.command.command,
            arguments=action.command.arguments,
            work_done_token=token,
        )
    )


def open_pricing(client: LanguageClient) -> tuple[str, str]:
    path = client.root / "shop" / "pricing.py"
    text = path.read_text()
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
    )
    return uri, text


AUTOMATIC = lsp.CodeActionTriggerKind.Automatic
INVOKED = lsp.CodeActionTriggerKind.Invoked


async def test_run_tests_then_fix_where_a_failing_test_reaches(client: LanguageClient):
    uri, text = open_pricing(client)
    assert await loop_actions(client, uri, IN_BULK_DISCOUNT, AUTOMATIC) == []
    actions = await loop_actions(client, uri, IN_BULK_DISCOUNT, INVOKED)
    assert titles(actions) == [
        "Run tests for this function: bulk_discount",
        "Refine with checks: bulk_discount",
        "Make faster (keeps tests green): bulk_discount",
        "Add property tests: bulk_discount",
    ]
    token = "tests-1"
    client.progress_reports[token] = []
    result = await execute(client, actions[0], token)

    # Every test of the fixture calls bulk_discount (unit_price does too); one fails.
    assert result["ran"] is True
    assert result["failing"] == [FAILING]
    assert len(result["reaching"]) == 4 and result["total"] == 10
    said = [m.message for m in client.messages if "Run tests for this function" in m.message]
    assert said == [
        "refine-lsp: Run tests for this function: 3 of 4 tests for bulk_discount pass; "
        f"1 failed: {FAILING}; 'Fix failing tests' is offered now "
        f"(10 tests run in {client.root.resolve()}, {result['seconds']:.1f} s)"
    ]
    [logged] = [m.message for m in client.log_messages if FAILING in m.message]
    assert "assert 0.1 == 0.2" in logged  # the test's own output
    reports = client.progress_reports[token]
    assert isinstance(reports[0], lsp.WorkDoneProgressBegin)
    assert reports[0].title == "Run tests for this function"
    assert isinstance(reports[-1], lsp.WorkDoneProgressEnd)

    # Now a lightbulb where the failing test reaches, and nothing where none does.
    assert titles(await loop_actions(client, uri, IN_BULK_DISCOUNT, AUTOMATIC)) == [
        "Fix failing tests: bulk_discount (1 failing)"
    ]
    assert await loop_actions(client, uri, IN_UNIT_PRICE, AUTOMATIC) == []
    assert titles(await loop_actions(client, uri, IN_UNIT_PRICE, INVOKED))[0] == (
        "Run tests for this function: unit_price"
    )
    [fix, *rest] = await loop_actions(client, uri, IN_BULK_DISCOUNT, INVOKED)
    assert titles(rest) == [
        "Refine with checks: bulk_discount",
        "Make faster (keeps tests green): bulk_discount",
        "Add property tests: bulk_discount",
    ]
    result = await execute(client, fix)
    assert result["applied"] is True, result
    [applied] = client.applied
    new = apply_workspace_edit(text, applied.edit, uri, encoding_of(client.init_result), 1)
    assert new == text.replace("if quantity > 50:", "if quantity >= 50:")

    # The editor applies the fix: the old outcome no longer holds, so no lightbulb.
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [lsp.TextDocumentContentChangeWholeDocument(new)],
        )
    )
    assert await loop_actions(client, uri, IN_BULK_DISCOUNT, AUTOMATIC) == []
    assert titles(await loop_actions(client, uri, IN_BULK_DISCOUNT, INVOKED))[0] == (
        "Run tests for this function: bulk_discount"
    )


async def test_run_tests_says_when_no_test_reaches_the_function(client: LanguageClient):
    path = client.root / "shop" / "extra.py"
    path.write_text("def untested(x):\n    return x + 1\n")
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, path.read_text()))
    )
    [run, *_] = await loop_actions(client, uri, 1, INVOKED)
    assert run.title == "Run tests for this function: untested"
    result = await execute(client, run)
    assert result["reaching"] == result["failing"] == []
    said = [m.message for m in client.messages if "Run tests for this function" in m.message]
    assert said == [
        "refine-lsp: Run tests for this function: no test reaches or names untested "
        f"(10 tests run in {client.root.resolve()}, {result['seconds']:.1f} s)"
    ]
    # The run knew which tests failed, but none reaches this function: still no Fix here.
    assert await loop_actions(client, uri, 1, AUTOMATIC) == []
