"""The edit of a code action that changes several files and may create one (Move to module):
the provider's ``resolve_workspace`` gets the workspace's texts (the editor's for open files)
and returns whole new texts; here they become one WorkspaceEdit, versioned for open documents,
with a CreateFile first where the client can create files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refine_lsp.actions import Refused
from refine_lsp.index.workspace import workspace_texts
from refine_lsp.text import diff_edits
from refine_lsp.text.document import Document, DocumentSnapshot

from .convert import lsp_range
from .indexing import open_texts as editor_texts
from .resolve import ActionRefused, ActionStale, RequestFailed

if TYPE_CHECKING:
    from .server import RefineServer


def can_create_files(ls: RefineServer) -> bool:
    """documentChanges with the "create" resource operation, as the client declared."""
    caps = getattr(ls, "client_capabilities", None)
    edit = getattr(getattr(caps, "workspace", None), "workspace_edit", None)
    ops = getattr(edit, "resource_operations", None) or ()
    return bool(getattr(edit, "document_changes", False)) and any(
        str(getattr(op, "value", op)) == "create" for op in ops
    )


async def with_workspace_edit(
    ls: RefineServer, action: lsp.CodeAction, snapshot: DocumentSnapshot, provider: str, args: dict
) -> lsp.CodeAction:
    s = ls.session
    if snapshot.path is None:
        raise RequestFailed("this action needs a saved file")
    if args.get("new") and not can_create_files(ls):
        raise ActionRefused(
            "this editor cannot create files through an edit (its workspaceEdit capability "
            f"lacks documentChanges with resourceOperations 'create'): create "
            f"{Path(args.get('dest', '')).name} first, then move to it"
        )
    open_texts = editor_texts(ls)
    folders = s.workspace_folders or [snapshot.path.parent]
    settings = s.settings

    index = s.index

    def plan():
        if index is not None:  # the same texts, from memory and checked against the disk
            files, _ = index.texts(open_texts)
        else:
            files, _ = workspace_texts(folders, open_texts)
        return s.registry.providers[provider].resolve_workspace(
            snapshot, settings, args, files
        ), files

    try:
        result, files = await asyncio.to_thread(plan)
    except Refused as exc:
        raise ActionRefused(str(exc)) from exc
    doc = s.documents.get(snapshot.uri)
    if doc is None or doc.revision != snapshot.revision:
        raise ActionStale("document changed while the edit was computed")
    now = editor_texts(ls)
    for path in result.changes:
        if path in open_texts and now.get(path) != open_texts[path]:
            raise ActionStale(f"{Path(path).name} changed while the edit was computed")
    files = {**files, str(snapshot.path.resolve()): snapshot.text}
    action.edit = _edit(ls, result.changes, set(result.created), files)
    if result.warnings:
        ls.notify(f"'{action.title}': " + "; ".join(result.warnings[:5]))
    return action


def _edit(ls: RefineServer, changes: dict[str, str], created: set[str], files: dict[str, str]):
    s = ls.session
    document_changes: list = []
    plain: dict[str, list[lsp.TextEdit]] = {}
    for path, new_text in sorted(changes.items(), key=lambda kv: (kv[0] not in created, kv[0])):
        uri = Path(path).as_uri()
        if path in created:
            document_changes.append(
                lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(overwrite=False))
            )
            document_changes.append(
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=[
                        lsp.TextEdit(lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), new_text)
                    ],
                )
            )
            continue
        change = file_edit(ls, path, new_text, files)
        plain[uri] = change.edits
        document_changes.append(change)
    if created or s.client.versioned_edits:
        return lsp.WorkspaceEdit(document_changes=document_changes)
    return lsp.WorkspaceEdit(changes=plain)


def file_edit(ls: RefineServer, path: str, new_text: str, files: dict[str, str]):
    """The TextDocumentEdit turning one file into ``new_text``: at the version the editor has
    for an open document (its text is the one edited), unversioned from ``files`` otherwise."""
    s = ls.session
    uri = Path(path).as_uri()
    doc = s.documents.get(uri)
    version = doc.version if doc is not None else None
    if doc is None:
        doc = Document(uri, files.get(path, ""), 0, s.documents.encoding, parse=False)
    edits = [
        lsp.TextEdit(lsp_range(doc, e.span), e.new_text) for e in diff_edits(doc.text, new_text)
    ]
    return lsp.TextDocumentEdit(
        text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
        edits=edits,
    )
