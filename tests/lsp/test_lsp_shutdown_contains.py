"""Shutdown while "Refine with checks" runs a hostile test suite: the server answers, and no
process the user's tests started (a double-forked setsid daemon, a plain fork child) is left
alive afterwards."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.cli.review import fix_code_action_union

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

HOSTILE = """
import os, sys, time
from shop.pricing import bulk_discount

MARK = {mark!r}


def _sleeper(tag):
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", MARK + tag])


def test_reaches_and_leaks():
    assert bulk_discount(1, 1.0) == 1.0
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _sleeper("-daemon")
        os._exit(0)
    if os.fork() == 0:
        _sleeper("-fork")
    time.sleep(20)
"""


def alive(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            continue
        if marker in cmd and state not in ("Z", "X"):
            found.append(int(name))
    return found


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path):
    fix_code_action_union(lsp_client.protocol._converter)
    ws = tmp_path / "loop_buggy"
    shutil.copytree(FIXTURES / "loop_buggy", ws)
    lsp_client.mark = f"hostile-{uuid.uuid4().hex}"
    (ws / "tests" / "test_hostile.py").write_text(HOSTILE.format(mark=lsp_client.mark))
    lsp_client.ws = ws
    lsp_client.done = False
    yield
    if not lsp_client.done:
        await lsp_client.shutdown_session()


async def test_shutdown_mid_loop_leaves_nothing_alive(client: LanguageClient):
    ws = client.ws
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"), root_uri=ws.as_uri()
        )
    )
    path = ws / "shop" / "pricing.py"
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, path.read_text()))
    )
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(6, 4), lsp.Position(6, 4)),
            context=lsp.CodeActionContext(diagnostics=[], only=["refactor.rewrite.refine.refine"]),
        )
    )
    [fix] = actions
    run = asyncio.ensure_future(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=fix.command.command, arguments=fix.command.arguments)
        )
    )
    deadline = time.monotonic() + 240
    while len(alive(client.mark)) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert len(alive(client.mark)) >= 2, "the hostile test never started its processes"
    await asyncio.wait_for(client.shutdown_session(), 60)
    client.done = True
    run.cancel()
    deadline = time.monotonic() + 30
    while alive(client.mark) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert alive(client.mark) == []
