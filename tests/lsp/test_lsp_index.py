"""The workspace index through the real server: built in the background after initialize with
progress the editor shows, a file watcher registered where the client allows it, and kept
current from the editor and the watcher, so rename sees files created on disk."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FILES = {
    "geo/__init__.py": "",
    "geo/shapes.py": "def area(width, height):\n    return width * height\n",
    "main.py": "from geo.shapes import area\n\nprint(area(2, 3))\n",
}
TITLE = "Indexing the workspace"


@pytest_lsp.fixture(
    params=["visual_studio_code", "neovim"],
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(request, lsp_client: LanguageClient, tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    lsp_client.root = tmp_path
    lsp_client.profile = request.param
    lsp_client.registrations = []  # filled by the test client (tests/conftest.py)
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, **opts) -> None:
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities(client.profile),
            root_uri=client.root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(client.root.as_uri(), "ws")],
            initialization_options=opts,
        )
    )


async def until(predicate, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def index_progress(client: LanguageClient) -> list:
    for reports in client.progress_reports.values():
        if reports and getattr(reports[0], "title", None) == TITLE:
            return reports
    return []


def watches_python(client: LanguageClient) -> bool:
    return any(
        r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES and "**/*.py" in str(r.register_options)
        for r in client.registrations
    )


@pytest.mark.asyncio
async def test_index_builds_with_progress_and_watches_python_files(client: LanguageClient):
    await start(client)
    caps = client_capabilities(client.profile)
    if caps.window and caps.window.work_done_progress:
        await until(
            lambda: any(isinstance(r, lsp.WorkDoneProgressEnd) for r in index_progress(client))
        )
        begin, *_, end = index_progress(client)
        assert begin.title == TITLE and end.message == "done"
    watcher = caps.workspace and caps.workspace.did_change_watched_files
    if watcher and watcher.dynamic_registration:
        await until(lambda: watches_python(client))
    else:  # no dynamic registration: nothing is asked, rename still reads what is on disk
        await asyncio.sleep(0.5)
        assert not watches_python(client)


@pytest.mark.asyncio
async def test_rename_sees_a_file_created_on_disk_and_reported_by_the_watcher(client):
    await start(client)
    extra = client.root / "extra.py"
    extra.write_text("from geo.shapes import area\n\nTOTAL = area(1, 1)\n")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(extra.as_uri(), lsp.FileChangeType.Created)])
    )
    shapes = client.root / "geo" / "shapes.py"
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(shapes.as_uri(), "python", 1, shapes.read_text())
        )
    )
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(shapes.as_uri()), lsp.Position(0, 5), "surface")
    )
    uris = (
        [c.text_document.uri for c in edit.document_changes]
        if edit.document_changes
        else list(edit.changes)
    )
    assert sorted(Path(u.removeprefix("file://")).name for u in uris) == [
        "extra.py",
        "main.py",
        "shapes.py",
    ]
