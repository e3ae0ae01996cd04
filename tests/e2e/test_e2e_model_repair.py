"""The model path through the real server, against a real HTTP server on 127.0.0.1 speaking
the OpenAI API (llm/fake_server.py): where deterministic repair cannot fix the bug (the fix
needs a constant the function does not hold), the model's proposal is verified by the tests
and offered; a wrong proposal is refused, and the message names the check that failed."""

from __future__ import annotations

import os
import sys

import pytest_lsp
from lsp_helpers import apply_workspace_edit, encoding_of
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

MOD = """\
def describe(n):
    if n < 0:
        return "negative"
    return "positive"
"""
TESTS = """\
from mod import describe


def test_negative():
    assert describe(-3) == "negative"


def test_positive():
    assert describe(4) == "positive"


def test_zero():
    assert describe(0) == "zero"
"""
FIXED = """\
def describe(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"
"""
# Passes test_zero, breaks test_negative.
WRONG = """\
def describe(n):
    if n <= 0:
        return "zero"
    return "positive"
"""
ENV = {**{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}, "FAKE_KEY": "sk-fake"}


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "refine_lsp", "serve"], server_env=ENV
    ),
)
async def client(lsp_client: LanguageClient, tmp_path):
    fix_code_action_union(lsp_client.protocol._converter)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mod"\nversion = "0"\n')
    (tmp_path / "mod.py").write_text(MOD)
    (tmp_path / "test_mod.py").write_text(TESTS)
    lsp_client.root = tmp_path
    lsp_client.applied = []
    lsp_client.answer = FIXED

    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams):
        lsp_client.applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    with FakeOpenAI(responder=lambda request: Reply.code(lsp_client.answer)) as fake:
        lsp_client.fake = fake
        lsp_client.init_result = await lsp_client.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("visual_studio_code"),
                root_uri=tmp_path.as_uri(),
                initialization_options={
                    "model": {
                        "solver": "openai/fake",
                        "apiBase": fake.url + "/v1",
                        "apiKeyEnv": "FAKE_KEY",
                        "retries": 0,
                    },
                    "refine": {"maxModelCalls": 2},
                },
            )
        )
        yield
        await lsp_client.shutdown_session()


async def actions_at(client: LanguageClient, uri: str) -> list[lsp.CodeAction]:
    return await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(1, 4), lsp.Position(1, 4)),
            context=lsp.CodeActionContext(diagnostics=[], only=["refactor.rewrite.refine"]),
        )
    )


async def execute(client: LanguageClient, action: lsp.CodeAction) -> dict:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=action.command.command, arguments=action.command.arguments)
    )


async def fix(client: LanguageClient) -> tuple[dict, str]:
    """Open mod.py, run its tests, then run "Fix failing tests"; the result and the URI."""
    uri = (client.root / "mod.py").as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, MOD))
    )
    run = (await actions_at(client, uri))[0]
    assert run.title == "Run tests for this function: describe"
    tests = await execute(client, run)
    assert tests["failing"] == ["test_mod.py::test_zero"], tests
    fix = (await actions_at(client, uri))[0]
    assert fix.title == "Fix failing tests: describe (1 failing)"
    return await execute(client, fix), uri


async def test_the_models_proposal_is_verified_and_offered(client: LanguageClient):
    result, uri = await fix(client)
    assert result["applied"] is True, result
    summary = result["summary"]
    assert summary["model_calls"] >= 1 and summary["tokens"] > 0
    assert summary["tests_passed"] == summary["tests_total"] == 3
    assert summary["model_refused"] == [] and summary["failed_check"] == ""
    [applied] = client.applied
    new = apply_workspace_edit(MOD, applied.edit, uri, encoding_of(client.init_result), 1)
    assert new == FIXED
    said = [m.message for m in client.messages if m.message.startswith("refine-lsp: Fix")]
    assert said and said[-1].startswith("refine-lsp: Fix failing tests: applied. fixed: model")
    # The model was asked with the failing test in its prompt, never the key.
    prompt = str(client.fake.requests[0].body)
    assert "test_zero" in prompt and "sk-fake" not in prompt


async def test_a_wrong_proposal_is_refused_with_the_failing_check_named(client: LanguageClient):
    client.answer = WRONG
    result, _ = await fix(client)
    assert result["applied"] is False, result
    assert client.applied == []
    summary = result["summary"]
    assert summary["model_calls"] >= 1
    assert summary["failed_check"] == "pytest"
    assert summary["model_refused"], summary
    assert all(r.startswith("pytest (2/3 tests pass): ") for r in summary["model_refused"])
    assert "test_mod.py::test_negative" in summary["model_refused"][-1]
    said = [m.message for m in client.messages if m.message.startswith("refine-lsp: Fix")]
    assert said[-1].startswith("refine-lsp: Fix failing tests: nothing verified to offer.")
    assert "model proposal" in said[-1] and "refused by pytest (2/3 tests pass)" in said[-1]
    assert "test_mod.py::test_negative" in said[-1]
    assert (client.root / "mod.py").read_text() == MOD
