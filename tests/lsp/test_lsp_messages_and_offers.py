"""What the user sees from the real server: model errors said once (not on every keystroke,
not only in the log), keyless OpenAI-compatible servers that just work, and the loop's
long-running actions offered only when the user opens the menu."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

TEXT = "def area(width, height):\n    return \n"
AT_RETURN = lsp.Position(1, 11)
ENV = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "refine_lsp", "serve"], server_env=ENV
    ),
)
async def client(lsp_client: LanguageClient, tmp_path):
    fix_code_action_union(lsp_client.protocol._converter)
    lsp_client.root = tmp_path
    lsp_client.replies = []
    lsp_client.status = []

    @lsp_client.feature("$/refineLsp/status")
    def status(params):
        lsp_client.status.append(params)

    fake = FakeOpenAI(responder=lambda request: lsp_client.replies.pop(0))
    fake.__enter__()
    lsp_client.fake = fake
    yield
    await lsp_client.shutdown_session()
    fake.__exit__(None, None, None)


async def start(client: LanguageClient, **opts) -> str:
    state = client.root / "state"
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=client.root.as_uri(),
            initialization_options={
                "inline": {"debounceMs": 0},
                "acceptance": {"dbPath": str(state / "events.sqlite3"), "keepAccepted": 1.0},
                **opts,
            },
        )
    )
    uri = (client.root / "geo.py").as_uri()
    (client.root / "geo.py").write_text(TEXT)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, TEXT))
    )
    return uri


async def ask(client: LanguageClient, uri: str):
    return await client.text_document_inline_completion_async(
        lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            position=AT_RETURN,
            context=lsp.InlineCompletionContext(
                trigger_kind=lsp.InlineCompletionTriggerKind.Invoked
            ),
        )
    )


async def test_a_keyless_openai_compatible_server_works_without_a_dummy_variable(client):
    client.replies = [Reply(text="width * height")]
    uri = await start(client, model={"solver": "openai/local", "apiBase": client.fake.url + "/v1"})
    result = await ask(client, uri)
    assert [i.insert_text for i in result.items] == ["width * height"]
    assert [m for m in client.messages if m.type <= lsp.MessageType.Warning] == []


async def test_a_failing_model_is_reported_once_with_its_cause(client):
    client.replies = [Reply(status=404, text="no such model")] * 20
    uri = await start(
        client,
        model={"solver": "openai/missing", "apiBase": client.fake.url + "/v1", "retries": 0},
    )
    for _ in range(3):
        assert await ask(client, uri) is None
    await asyncio.sleep(0.2)
    said = [m.message for m in client.messages if "inline suggestions failed" in m.message]
    assert len(said) == 1, client.messages
    assert "openai/missing" in said[0]


async def _loop_actions(client: LanguageClient, uri: str, trigger) -> list[str]:
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(1, 4), lsp.Position(1, 4)),
            context=lsp.CodeActionContext(diagnostics=[], trigger_kind=trigger),
        )
    )
    return [a.title for a in actions or [] if str(a.kind).startswith("refactor.rewrite.refine")]


async def test_loop_actions_only_when_the_user_opens_the_menu(client):
    uri = await start(client)
    assert await _loop_actions(client, uri, lsp.CodeActionTriggerKind.Automatic) == []
    titles = await _loop_actions(client, uri, lsp.CodeActionTriggerKind.Invoked)
    assert titles == [
        "Run tests for this function: area",
        "Refine with checks: area",
        "Make faster (keeps tests green): area",
        "Add property tests: area",
    ]


async def test_loop_actions_disabled_with_the_reason_where_the_file_does_not_parse(client):
    uri = await start(client)
    broken = TEXT + "\ndef other(:\n    pass\n"
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [lsp.TextDocumentContentChangeWholeDocument(broken)],
        )
    )
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(1, 4), lsp.Position(1, 4)),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    loop = [a for a in actions if str(a.kind).startswith("refactor.rewrite.refine")]
    assert len(loop) == 4
    assert {a.disabled.reason for a in loop} == {
        "the file has a syntax error at line 4; fix it first"
    }


async def test_the_status_notification_follows_the_model_and_its_errors(client):
    client.replies = [Reply(status=404, text="no such model"), Reply(text="width * height")]
    uri = await start(
        client,
        model={"solver": "openai/missing", "apiBase": client.fake.url + "/v1", "retries": 0},
    )
    assert await ask(client, uri) is None
    assert [i.insert_text for i in (await ask(client, uri)).items] == ["width * height"]
    await asyncio.sleep(0.2)
    fields = [p._asdict() if hasattr(p, "_asdict") else dict(p) for p in client.status]
    assert next(f["model"] for f in fields if "model" in f) == "openai/missing"
    errors = [f["modelError"] for f in fields if "modelError" in f]
    assert errors[0] is None and "no such model" in errors[1], errors
    assert errors[-1] is None  # the next call worked: the error is cleared
