"""textDocument/prepareRename and textDocument/rename across the workspace folders."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from refine_lsp.actions import Refused
from refine_lsp.index.workspace import workspace_texts
from refine_lsp.text import Pos, Span
from refine_lsp.text.document import uri_to_path

from ..convert import lsp_range
from ..indexing import open_texts as editor_texts
from ..resolve import RequestFailed
from ..server import RefineServer
from ..workspace_edit import file_edit

log = logging.getLogger(__name__)


def _target(ls: RefineServer, uri: str, position: lsp.Position):
    doc = ls.session.documents.get(uri)
    path = uri_to_path(uri)
    if doc is None or path is None:
        raise RequestFailed("rename needs a saved Python file that is open")
    pos = doc.from_client(position.line, position.character)
    return doc, str(path.resolve()), pos


def prepare_rename(ls: RefineServer, params: lsp.PrepareRenameParams):
    if not ls.session.settings.rename.enabled:
        return None
    from refine_lsp.refactor.rename import quick_prepare

    doc, path, pos = _target(ls, params.text_document.uri, params.position)
    try:  # at once, from tree-sitter: the rename that follows checks the rest
        (l1, c1, l2, c2), name = quick_prepare(path, doc.text, pos.line, pos.col, doc.ensure_tree())
    except Refused as exc:
        raise RequestFailed(f"cannot rename here: {exc}") from exc
    return lsp.PrepareRenamePlaceholder(
        range=lsp_range(doc, Span(Pos(l1, c1), Pos(l2, c2))), placeholder=name
    )


def _plan(index, folders, open_texts, path, text, line, col, new):
    from refine_lsp.refactor.rename import rename

    # every file: a subclass that defines the new name, or an importer of a renamed module,
    # need not mention the word at the cursor; rename parses only the files that can matter.
    # The workspace index has their texts in memory once built
    if index is not None:
        files, skipped = index.texts(open_texts)
    else:
        files, skipped = workspace_texts(folders, open_texts)
    files[path] = text
    return rename(files, path, line, col, new), files, skipped


def _renames_files(ls: RefineServer) -> bool:
    """Whether the client accepts a RenameFile in documentChanges."""
    caps = ls.client_capabilities
    ops = getattr(
        getattr(getattr(caps, "workspace", None), "workspace_edit", None),
        "resource_operations",
        None,
    )
    return bool(ops) and lsp.ResourceOperationKind.Rename in ops


async def rename(ls: RefineServer, params: lsp.RenameParams):
    s = ls.session
    if not s.settings.rename.enabled:
        raise RequestFailed("rename is turned off (refineLsp.rename.enabled)")
    doc, path, pos = _target(ls, params.text_document.uri, params.position)
    version = doc.version
    open_texts = editor_texts(ls)
    folders = s.workspace_folders or [Path(path).parent]
    try:
        result, files, skipped = await asyncio.to_thread(
            _plan, s.index, folders, open_texts, path, doc.text, pos.line, pos.col, params.new_name
        )
    except Refused as exc:
        ls.notify(f"rename refused: {exc}", lsp.MessageType.Info)
        raise RequestFailed(f"rename refused: {exc}") from exc
    if s.documents.get(doc.uri) is not doc or doc.version != version:
        raise JsonRpcContentModified("the document changed while the rename was computed")
    for other, text in open_texts.items():  # an open file edited meanwhile: refuse it all
        d = s.documents.get(Path(other).as_uri())
        if other in result.changes and d is not None and d.text != text:
            raise JsonRpcContentModified(f"{Path(other).name} changed while renaming")
    if result.file_renames and not _renames_files(ls):
        names = ", ".join(Path(a).name for a, _ in result.file_renames)
        reason = (
            f"renaming {names} needs an editor that renames files in a workspace edit "
            "(workspace.workspaceEdit.resourceOperations has no 'rename'); rename the file "
            "and its imports another way"
        )
        ls.notify(f"rename refused: {reason}", lsp.MessageType.Info)
        raise RequestFailed(f"rename refused: {reason}")
    notes = list(result.warnings) + [f"not searched: {s_}" for s_ in skipped]
    if notes:
        kind = lsp.MessageType.Warning if result.left else lsp.MessageType.Info
        ls.notify(f"renamed `{result.old}` to `{result.new}`; " + "; ".join(notes[:5]), kind)
    edit = _workspace_edit(ls, result.changes, files, result.file_renames)
    if result.risks and s.client.change_annotations and edit.document_changes:
        _ask_confirmation(edit, result)
    return edit


CONFIRM_ID = "refine-lsp.rename.mayChangeBehaviour"


def _ask_confirmation(edit: lsp.WorkspaceEdit, result) -> None:
    """Every text edit annotated with one ChangeAnnotation that needs confirmation: the
    editor shows the edit and why it may change what the program does (code reading names,
    uses left unproven) before applying it (VS Code: the refactor preview)."""
    edit.change_annotations = {
        CONFIRM_ID: lsp.ChangeAnnotation(
            label=f"Renaming `{result.old}` may change what the program does",
            needs_confirmation=True,
            description="; ".join(result.risks[:5]),
        )
    }
    for part in edit.document_changes:
        if isinstance(part, lsp.TextDocumentEdit):
            part.edits = [
                lsp.AnnotatedTextEdit(range=e.range, new_text=e.new_text, annotation_id=CONFIRM_ID)
                for e in part.edits
            ]
        elif isinstance(part, lsp.RenameFile):
            part.annotation_id = CONFIRM_ID


def _workspace_edit(
    ls: RefineServer,
    changes: dict[str, str],
    files: dict[str, str],
    file_renames: list[tuple[str, str]] = (),
):
    s = ls.session
    text_edits: list[lsp.TextDocumentEdit] = []
    plain: dict[str, list[lsp.TextEdit]] = {}
    for path, new_text in sorted(changes.items()):
        change = file_edit(ls, path, new_text, files)
        plain[change.text_document.uri] = change.edits
        text_edits.append(change)
    if file_renames:  # the text edits first, on the files' present names; then the renames
        renames = [
            lsp.RenameFile(old_uri=Path(a).as_uri(), new_uri=Path(b).as_uri())
            for a, b in file_renames
        ]
        return lsp.WorkspaceEdit(document_changes=[*text_edits, *renames])
    if s.client.versioned_edits:
        return lsp.WorkspaceEdit(document_changes=text_edits)
    return lsp.WorkspaceEdit(changes=plain)
