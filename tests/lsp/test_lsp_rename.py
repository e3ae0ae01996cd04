"""Rename through the real server, as VS Code and Neovim ask for it: prepareRename gives the
range, rename edits every file that uses the name (open ones at their version), refusals
carry their reason, and rename.enabled off turns it off."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp_helpers import apply_text_edits, encoding_of

FILES = {
    "geo/__init__.py": "",
    "geo/shapes.py": """
        def area(width, height):
            return width * height
    """,
    "main.py": """
        from geo.shapes import area
        from geo import shapes

        print(area(2, 3), shapes.area(1, 4))
    """,
}


@pytest_lsp.fixture(
    params=["visual_studio_code", "neovim"],
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def client(request, lsp_client: LanguageClient, tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text).lstrip())
    lsp_client.root = tmp_path
    lsp_client.profile = request.param

    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, **opts):
    result = await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities(client.profile),
            root_uri=client.root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(client.root.as_uri(), "ws")],
            initialization_options=opts,
        )
    )
    path = client.root / "geo" / "shapes.py"
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 7, path.read_text()))
    )
    return uri, encoding_of(result)


def apply(client, edit: lsp.WorkspaceEdit, encoding: str) -> None:
    """Write the edit to the files, as the editor would on save."""
    parts = []
    if edit.document_changes:
        parts = [
            (c.text_document.uri, c.edits, c.text_document.version) for c in edit.document_changes
        ]
    else:
        parts = [(uri, edits, None) for uri, edits in (edit.changes or {}).items()]
    for uri, edits, version in parts:
        path = Path(uri.removeprefix("file://"))
        if path.name == "shapes.py" and edit.document_changes:
            assert version == 7  # the open document, at the version the editor has
        path.write_text(apply_text_edits(path.read_text(), list(edits), encoding))


def run(root: Path) -> str:
    return subprocess.run(
        [sys.executable, "main.py"], cwd=root, capture_output=True, text=True, timeout=60
    ).stdout


async def test_rename_a_function_in_every_file_and_the_program_still_runs(client):
    uri, encoding = await start(client)
    before = run(client.root)
    at = lsp.Position(0, 5)
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(lsp.TextDocumentIdentifier(uri), at)
    )
    assert prepared.placeholder == "area"
    assert prepared.range == lsp.Range(lsp.Position(0, 4), lsp.Position(0, 8))
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(uri), at, "surface")
    )
    apply(client, edit, encoding)
    assert run(client.root) == before == "6 4\n"
    assert (client.root / "main.py").read_text() == (
        "from geo.shapes import surface\nfrom geo import shapes\n\n"
        "print(surface(2, 3), shapes.surface(1, 4))\n"
    )


async def test_a_refused_rename_says_why(client):
    uri, _ = await start(client)
    with pytest.raises(Exception, match="already defined in `area`"):
        await client.text_document_rename_async(
            lsp.RenameParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 10), "height")
        )


async def test_rename_can_be_turned_off(client):
    uri, _ = await start(client, rename={"enabled": False})
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 5))
    )
    assert prepared is None


def apply_with_renames(edit: lsp.WorkspaceEdit, encoding: str) -> list[tuple[str, str]]:
    """The text edits, then the file renames, in the order documentChanges lists them."""
    renamed = []
    for change in edit.document_changes or []:
        if isinstance(change, lsp.RenameFile):
            old, new = (Path(u.removeprefix("file://")) for u in (change.old_uri, change.new_uri))
            old.rename(new)
            renamed.append((old.name, new.name))
            continue
        assert isinstance(change, lsp.TextDocumentEdit)
        path = Path(change.text_document.uri.removeprefix("file://"))
        path.write_text(apply_text_edits(path.read_text(), list(change.edits), encoding))
    return renamed


async def open_main(client: LanguageClient) -> str:
    main = client.root / "main.py"
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(main.as_uri(), "python", 3, main.read_text())
        )
    )
    return main.as_uri()


async def test_rename_a_module_renames_the_file_and_rewrites_every_import(client):
    _, encoding = await start(client)
    main = await open_main(client)
    before = run(client.root)
    at = lsp.Position(0, 10)  # from geo.sha|pes import area
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(lsp.TextDocumentIdentifier(main), at)
    )
    assert prepared.placeholder == "shapes"
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(main), at, "forms")
    )
    assert isinstance(edit.document_changes[-1], lsp.RenameFile)
    assert [
        c.text_document.version
        for c in edit.document_changes
        if isinstance(c, lsp.TextDocumentEdit)
    ] == [3]  # main.py, open at version 3; shapes.py itself needs no text edit
    assert apply_with_renames(edit, encoding) == [("shapes.py", "forms.py")]
    assert (client.root / "main.py").read_text() == (
        "from geo.forms import area\nfrom geo import forms\n\nprint(area(2, 3), forms.area(1, 4))\n"
    )
    assert run(client.root) == before == "6 4\n"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "refine_lsp", "serve"]),
)
async def plain_client(lsp_client: LanguageClient, tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text).lstrip())
    lsp_client.root = tmp_path
    lsp_client.profile = "visual_studio_code"

    yield
    await lsp_client.shutdown_session()


async def test_a_module_rename_is_refused_where_the_client_cannot_rename_files(plain_client):
    caps = client_capabilities("visual_studio_code")
    caps.workspace.workspace_edit.resource_operations = [lsp.ResourceOperationKind.Create]
    await plain_client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            root_uri=plain_client.root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(plain_client.root.as_uri(), "ws")],
        )
    )
    main = await open_main(plain_client)
    with pytest.raises(Exception, match="resourceOperations has no 'rename'"):
        await plain_client.text_document_rename_async(
            lsp.RenameParams(lsp.TextDocumentIdentifier(main), lsp.Position(0, 10), "forms")
        )
    assert any("rename refused" in m.message for m in plain_client.messages)
    assert (plain_client.root / "geo" / "shapes.py").exists()


async def test_rename_a_method_says_how_many_calls_were_left_and_where(client):
    _, encoding = await start(client)
    box = client.root / "geo" / "box.py"
    box.write_text(
        "class Box:\n    def size(self):\n        return 3\n\n    def twice(self):\n"
        "        return 2 * self.size()\n\n\ndef measure(thing):\n    return thing.size()\n"
    )
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(box.as_uri(), "python", 1, box.read_text())
        )
    )
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(box.as_uri()), lsp.Position(1, 9), "volume")
    )
    if client.profile == "visual_studio_code":  # it asks the user to confirm, saying why
        note = edit.change_annotations["refine-lsp.rename.mayChangeBehaviour"]
        assert note.needs_confirmation is True
        assert note.label == "Renaming `size` may change what the program does"
        assert note.description == (
            "1 use of `.size` on values whose class cannot be proven was left as it is: box.py:10"
        )
        edits = [e for c in edit.document_changes for e in c.edits]
        assert edits and all(isinstance(e, lsp.AnnotatedTextEdit) for e in edits)
    else:  # Neovim declares no change annotations: the edit is plain, the message says it
        assert edit.change_annotations is None
    apply(client, edit, encoding)
    assert box.read_text() == (
        "class Box:\n    def volume(self):\n        return 3\n\n    def twice(self):\n"
        "        return 2 * self.volume()\n\n\ndef measure(thing):\n    return thing.size()\n"
    )
    warning = next(m for m in client.messages if "volume" in m.message)
    assert warning.type == lsp.MessageType.Warning
    assert "1 use of `.size` on values whose class cannot be proven was left" in warning.message
    assert "box.py:10" in warning.message


async def test_rename_a_method_parameter_with_its_keyword_calls_in_other_files(client):
    _, encoding = await start(client)
    box = client.root / "geo" / "box.py"
    box.write_text(
        "class Box:\n    def __init__(self, side=1):\n        self.side = side\n\n"
        "    def scaled(self, factor=2):\n        return Box(side=self.side * factor)\n"
    )
    use = client.root / "use_box.py"
    use.write_text("from geo.box import Box\n\nb = Box(side=3).scaled(factor=4)\nprint(b.side)\n")
    before = subprocess.run(
        [sys.executable, "use_box.py"], cwd=client.root, capture_output=True, text=True
    ).stdout
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(box.as_uri(), "python", 1, box.read_text())
        )
    )
    at = lsp.Position(4, 22)  # factor
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(lsp.TextDocumentIdentifier(box.as_uri()), at)
    )
    assert prepared.placeholder == "factor"
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(box.as_uri()), at, "times")
    )
    apply(client, edit, encoding)
    assert box.read_text() == (
        "class Box:\n    def __init__(self, side=1):\n        self.side = side\n\n"
        "    def scaled(self, times=2):\n        return Box(side=self.side * times)\n"
    )
    assert use.read_text() == (
        "from geo.box import Box\n\nb = Box(side=3).scaled(times=4)\nprint(b.side)\n"
    )
    after = subprocess.run(
        [sys.executable, "use_box.py"], cwd=client.root, capture_output=True, text=True
    ).stdout
    assert after == before == "12\n"
