"""Move to module through the real server, as VS Code and Neovim ask for it: refactor.move
actions are listed on a definition's header, one per destination; applying one edits every
file (the open one at its version, a new module created where the client can create files)
and the program prints the same; a refusal carries its reason."""

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
        import math

        SIDES = 4


        def area(width, height):
            return width * height


        def circle(r):
            return math.pi * r * r
    """,
    "geo/report.py": """
        from geo.shapes import area


        def show():
            return area(2, 3)
    """,
    "main.py": """
        from geo.shapes import area, circle
        from geo import shapes, report

        print(area(2, 3), shapes.area(1, 4), round(circle(1), 3), report.show())
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


async def moves(client, uri: str, line: int) -> list[lsp.CodeAction]:
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri),
            lsp.Range(lsp.Position(line, 5), lsp.Position(line, 5)),
            lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.Refactor]),
        )
    )
    return [a for a in actions or [] if getattr(a, "kind", None) == "refactor.move"]


async def resolved(client, action: lsp.CodeAction) -> lsp.CodeAction:
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    return action


def apply(root: Path, edit: lsp.WorkspaceEdit, encoding: str) -> None:
    """Write the edit to the files, as the editor would on save."""
    if edit.changes:
        parts = [(uri, edits, None) for uri, edits in edit.changes.items()]
    else:
        parts = []
        for c in edit.document_changes or []:
            if isinstance(c, lsp.CreateFile):
                path = Path(c.uri.removeprefix("file://"))
                assert not path.exists()
                path.write_text("")
                continue
            parts.append((c.text_document.uri, c.edits, c.text_document.version))
    for uri, edits, version in parts:
        path = Path(uri.removeprefix("file://"))
        if path.name == "shapes.py" and edit.document_changes:
            assert version == 7  # the open document, at the version the editor has
        path.write_text(apply_text_edits(path.read_text(), list(edits), encoding))


def run(root: Path) -> str:
    return subprocess.run(
        [sys.executable, "main.py"], cwd=root, capture_output=True, text=True, timeout=60
    ).stdout


async def test_move_actions_are_listed_per_destination_and_one_applies(client):
    uri, encoding = await start(client)
    before = run(client.root)
    assert before == "6 4 3.142 6\n"
    listed = await moves(client, uri, 5)  # on `def area`
    titles = [a.title for a in listed]
    assert titles == [
        "Move `area` to geo.report (uses it most)",
        "Move `area` to a new module geo.area",
    ]
    assert await moves(client, uri, 6) == []  # inside the body: no move offered
    action = await resolved(client, listed[0])
    apply(client.root, action.edit, encoding)
    assert run(client.root) == before
    assert (client.root / "geo/report.py").read_text() == (
        "def area(width, height):\n    return width * height\n\n\n"
        "def show():\n    return area(2, 3)\n"
    )
    main = (client.root / "main.py").read_text()
    # `shapes` served only the moved name, and `report` is imported already: no second one
    assert main.startswith(
        "from geo.shapes import circle\nfrom geo.report import area\nfrom geo import report\n\n"
    )
    assert "report.area(1, 4)" in main


async def test_move_to_a_new_module_creates_it_where_the_client_can(client):
    uri, encoding = await start(client)
    before = run(client.root)
    listed = await moves(client, uri, 9)  # on `def circle`
    new = [a for a in listed if "new module" in a.title]
    assert [a.title for a in new] == ["Move `circle` to a new module geo.circle"]
    if client.profile == "neovim":  # its profile declares no documentChanges
        with pytest.raises(Exception, match="cannot create files through an edit"):
            await resolved(client, new[0])
        return
    action = await resolved(client, new[0])
    assert isinstance(action.edit.document_changes[0], lsp.CreateFile)
    apply(client.root, action.edit, encoding)
    assert run(client.root) == before
    assert (client.root / "geo/circle.py").read_text() == (
        "import math\n\n\ndef circle(r):\n    return math.pi * r * r\n"
    )


async def test_a_refused_move_says_why(client):
    uri, _ = await start(client)
    (client.root / "geo" / "report.py").write_text("def area():\n    return 0\n")
    listed = await moves(client, uri, 5)
    target = [a for a in listed if "geo.report" in a.title]
    assert target, [a.title for a in listed]
    with pytest.raises(Exception, match="report.py already defines `area`"):
        await resolved(client, target[0])
