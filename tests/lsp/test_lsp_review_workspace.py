"""refineLsp.reviewWorkspace on a hostile workspace: a FIFO named like a Python file, a huge
file and a binary one are skipped with their reasons; the server never waits on them."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(lsp_client: LanguageClient, tmp_path):
    lsp_client.root = tmp_path
    yield
    await lsp_client.shutdown_session()


async def test_review_workspace_skips_what_it_cannot_read_and_stays_responsive(client, tmp_path):
    (tmp_path / "good.py").write_text("import os\n")
    os.mkfifo(tmp_path / "trap.py")  # nobody ever writes it: reading it would block forever
    (tmp_path / "huge.py").write_bytes(b"x = 1\n" * (5 * 2**20 // 6 + 1))
    (tmp_path / "blob.py").write_bytes(b"\0\1\2" * 100)
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"), root_uri=tmp_path.as_uri()
        )
    )
    summary = await asyncio.wait_for(
        client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="refineLsp.reviewWorkspace", arguments=[])
        ),
        timeout=60,
    )
    skipped = dict(s.rsplit(": ", 1) for s in summary["skipped"])
    assert skipped == {
        str(tmp_path / "blob.py"): "binary file",
        str(tmp_path / "huge.py"): "larger than 4 MB",
        str(tmp_path / "trap.py"): "not a regular file",
    }
    assert summary["files"] == 1 and summary["findings"] == 1  # F401 in good.py
    stats = await asyncio.wait_for(client.protocol.send_request_async("refineLsp/stats"), 5)
    assert stats.documents == 0  # pygls hands custom results back as named tuples
