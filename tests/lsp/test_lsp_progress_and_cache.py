"""Cancelling from the progress UI stops the loop (not only $/cancelRequest), a suggestion
asked for again after it was dismissed gets a new id (its acceptance is recorded), and an
empty settings list from Neovim keeps what initializationOptions said."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union
from refine_lsp.llm.fake_server import FakeOpenAI, Reply
from refine_lsp.lsp.session import merge

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop"


def test_an_empty_list_keeps_the_initialization_options():
    opts = {"model": {"solver": "openai/x"}, "inline": {"debounceMs": 0}}
    assert merge(opts, []) == opts
    assert merge(opts, {"refineLsp": []}) == opts
    assert merge(opts, {"inline": {"debounceMs": 5}})["inline"] == {"debounceMs": 5}


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

    fake = FakeOpenAI(responder=lambda request: Reply(text="width * height"))
    fake.__enter__()
    lsp_client.fake = fake
    yield
    await lsp_client.shutdown_session()
    fake.__exit__(None, None, None)


async def start(client: LanguageClient, **opts):
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=client.root.as_uri(),
            initialization_options=opts or None,
        )
    )


async def test_cancel_from_the_progress_ui_stops_the_loop(client: LanguageClient):
    await start(client)
    path = client.root / "shop" / "pricing.py"
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, path.read_text()))
    )
    [fix] = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(2, 4), lsp.Position(2, 4)),
            context=lsp.CodeActionContext(diagnostics=[], only=["refactor.rewrite.refine.refine"]),
        )
    )
    token = "loop-1"
    client.progress_reports[token] = []
    run = asyncio.ensure_future(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command=fix.command.command, arguments=fix.command.arguments, work_done_token=token
            )
        )
    )
    for _ in range(600):
        if client.progress_reports[token]:
            break
        await asyncio.sleep(0.05)
    client.protocol.notify(
        lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL, lsp.WorkDoneProgressCancelParams(token=token)
    )
    try:
        result = await asyncio.wait_for(run, 120)
    except Exception as exc:  # noqa: BLE001 - a cancelled request answers with an error
        result = {"error": str(exc)}
    assert client.applied == [], result
    assert not result.get("applied"), result
    for _ in range(100):  # the end of progress follows the answer
        ends = [r for r in client.progress_reports[token] if isinstance(r, lsp.WorkDoneProgressEnd)]
        if ends:
            break
        await asyncio.sleep(0.05)
    assert ends and ends[-1].message == "cancelled"


async def test_a_dismissed_suggestion_asked_again_gets_a_new_id(client: LanguageClient):
    await start(
        client,
        model={"solver": "openai/fake", "apiBase": client.fake.url + "/v1"},
        inline={"debounceMs": 0},
        acceptance={"dbPath": str(client.root.parent / "events.sqlite3"), "keepAccepted": 1.0},
    )
    uri = (client.root / "geo.py").as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri, "python", 1, "def area(width, height):\n    return \n")
        )
    )

    async def ask():
        result = await client.text_document_inline_completion_async(
            lsp.InlineCompletionParams(
                text_document=lsp.TextDocumentIdentifier(uri),
                position=lsp.Position(1, 11),
                context=lsp.InlineCompletionContext(
                    trigger_kind=lsp.InlineCompletionTriggerKind.Invoked
                ),
            )
        )
        [item] = result.items
        return item.command.arguments[0]

    first = await ask()
    assert await ask() == first  # still on screen: the same suggestion
    client.protocol.notify("refineLsp/suggestionRejected", {"id": first})
    second = await ask()
    assert second != first
    done = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.suggestionAccepted", arguments=[second])
    )
    assert done["recorded"] is True
