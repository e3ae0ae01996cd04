"""Inline completions through the real server, litellm and a fake OpenAI server on 127.0.0.1,
gated by the acceptance model; accepting and dismissing are recorded."""

from __future__ import annotations

import os
import sys

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

PREFIX = "def area(width, height):\n    return "
TEXT = PREFIX + "\n"
AT_RETURN = lsp.Position(1, 11)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "refine_lsp", "serve"],
        server_env={**os.environ, "FAKE_KEY": "sk-test-secret-value"},
    ),
)
async def client(lsp_client: LanguageClient, tmp_path, monkeypatch):
    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path / "state"))
    fake = FakeOpenAI(responder=lambda request: Reply(text="width * height"))
    fake.__enter__()
    lsp_client.fake = fake
    lsp_client.root = tmp_path
    lsp_client.init_opts = {
        "model": {"solver": "openai/fake", "apiBase": fake.url + "/v1", "apiKeyEnv": "FAKE_KEY"},
        "inline": {"debounceMs": 0},
        "acceptance": {"dbPath": str(tmp_path / "events.sqlite3"), "keepAccepted": 1.0},
    }
    yield
    await lsp_client.shutdown_session()
    fake.__exit__(None, None, None)


async def start(client: LanguageClient, text: str = TEXT, **overrides) -> str:
    opts = {**client.init_opts, **overrides}
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=client.root.as_uri(),
            initialization_options=opts,
        )
    )
    uri = (client.root / "geo.py").as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
    )
    return uri


async def ask(client: LanguageClient, uri: str, position=AT_RETURN):
    return await client.text_document_inline_completion_async(
        lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            position=position,
            context=lsp.InlineCompletionContext(
                trigger_kind=lsp.InlineCompletionTriggerKind.Invoked
            ),
        )
    )


async def test_suggestion_shown_and_acceptance_recorded(client):
    uri = await start(client)
    result = await ask(client, uri)
    [item] = result.items
    assert item.insert_text == "width * height"
    assert item.range == lsp.Range(lsp.Position(1, 11), lsp.Position(1, 11))
    assert item.command.command == "refineLsp.suggestionAccepted"
    # The model got the code around the cursor, and no API key.
    [request] = client.fake.requests
    assert "def area(width, height)" in request.raw.decode()
    assert "sk-test-secret-value" not in request.raw.decode()
    await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=item.command.command, arguments=item.command.arguments)
    )
    stats = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.acceptanceStats")
    )
    assert stats["events"]["inline_completion"] == {"generated": 1, "shown": 1, "accepted": 1}


async def test_dismissal_is_recorded(client):
    uri = await start(client)
    result = await ask(client, uri)
    sid = result.items[0].command.arguments[0]
    client.protocol.notify("refineLsp/suggestionRejected", {"id": sid})
    stats = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.acceptanceStats")
    )
    assert stats["events"]["inline_completion"]["rejected"] == 1


async def test_a_user_who_rejects_everything_stops_costing_model_calls(client):
    """Stage 1 runs before the model: once this user's history says a suggestion here would
    be rejected, no request reaches the model at all."""
    uri = await start(client, acceptance={**client.init_opts["acceptance"], "keepAccepted": 0.5})
    skipped_at = None
    for version in range(2, 40):
        before = len(client.fake.requests)
        result = await ask(client, uri)
        if result is None and len(client.fake.requests) == before:
            skipped_at = version
            break
        if result is not None:
            sid = result.items[0].command.arguments[0]
            client.protocol.notify("refineLsp/suggestionRejected", {"id": sid})
        client.text_document_did_change(  # the user types on: a new version, no cache hit
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=TEXT)],
            )
        )
    assert skipped_at is not None, "stage 1 never skipped the model call"
    stats = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.acceptanceStats")
    )
    assert stats["session"]["stage1_skipped"] == 1
    assert stats["session"]["model_calls"] == len(client.fake.requests)
    assert stats["events"]["inline_completion"]["rejected"] >= 1


async def test_no_model_configured_means_no_suggestion_and_no_call(client):
    uri = await start(client, model={})
    assert await ask(client, uri) is None
    assert client.fake.requests == []
