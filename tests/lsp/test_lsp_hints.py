"""The acceptance gate through the real server: opening and closing a file and headless
reviews teach it nothing (every hint still shows), "Hide hints like this" hides a rule until
"Show hidden hints like this" brings it back, and refineLsp.acceptanceStats says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union

CART = Path(__file__).resolve().parents[2] / "fixtures" / "shop" / "shop" / "cart.py"
HINTS = {"SIM103", "UP031", "UP032", "SIM108", "E711"}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path):
    fix_code_action_union(lsp_client.protocol._converter)
    lsp_client.db = tmp_path / "events.sqlite3"
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=CART.parent.parent.as_uri(),
            initialization_options={"acceptance": {"dbPath": str(lsp_client.db)}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def hints(client: LanguageClient, version: int = 1, reopen: bool = True) -> list:
    uri = CART.as_uri()
    if reopen:
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri, "python", version, CART.read_text())
            )
        )
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri))
    )
    return [d for d in report.items if d.code in HINTS]


def close(client: LanguageClient) -> None:
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(CART.as_uri()))
    )


async def test_opening_closing_and_headless_reviews_never_hide_a_hint(client, tmp_path):
    first = await hints(client)
    assert sum(d.code == "UP031" for d in first) == 4 and len(first) == 8
    close(client)
    settings = json.dumps({"acceptance": {"dbPath": str(client.db)}})
    env = {**os.environ, "REFINE_LSP_STATE_DIR": str(tmp_path / "state")}
    for i in range(10):
        assert len(await hints(client, version=i + 2)) == 8
        close(client)
        done = subprocess.run(
            [sys.executable, "-m", "refine_lsp", "review", str(CART), "--settings", settings],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert (
            sum(
                line.split()[1] == "UP031"
                for line in done.stdout.splitlines()
                if ": " in line and len(line.split()) > 1
            )
            == 4
        )
    assert len(await hints(client, version=99)) == 8


async def _actions(client: LanguageClient, diag: lsp.Diagnostic | None, line: int) -> list:
    rng = diag.range if diag else lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(CART.as_uri()),
            range=rng,
            context=lsp.CodeActionContext(diagnostics=[diag] if diag else []),
        )
    )
    return [a for a in actions if isinstance(a, lsp.CodeAction)]


async def run(client: LanguageClient, action: lsp.CodeAction):
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is None
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command=resolved.command.command, arguments=resolved.command.arguments
        )
    )


async def test_hide_hints_like_this_then_show_them_again(client):
    shown = await hints(client)
    up031 = next(d for d in shown if d.code == "UP031")
    [hide] = [
        a for a in await _actions(client, up031, 0) if a.title == "Hide hints like this (UP031)"
    ]
    await run(client, hide)
    assert [d.code for d in await hints(client, reopen=False) if d.code == "UP031"] == []
    stats = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="refineLsp.acceptanceStats", arguments=[])
    )
    rows = {r["kind"]: r for r in stats["hidden"]["hints"]}
    assert rows["UP031"]["state"] == "hidden by you"
    line = up031.range.start.line
    [show] = [
        a
        for a in await _actions(client, None, line)
        if a.title.startswith("Show hidden hints like this (UP031)")
    ]
    await run(client, show)
    assert sum(d.code == "UP031" for d in await hints(client, reopen=False)) == 4
