"""refineLsp.runLoop: the review-refine loop's actions (modes: refine_lsp.refine.modes) run
with progress and cancel on what the editor shows; only a verified edit is applied.

refineLsp.runTests: "Run tests for this function", in the same sandbox on what the editor
shows; tells the user how many of the tests that reach (or name) the function pass and which
failed, logs their output, and keeps the outcome (as runLoop keeps its baseline's) so that
"Fix failing tests" is offered where a failing test reaches."""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types as lsp

from refine_lsp.actions import Refused, kinds
from refine_lsp.actions.providers import loop_reports
from refine_lsp.paths import state_dir, workspace_root
from refine_lsp.refine.modes import MODES
from refine_lsp.refine.outcomes import run_function_tests
from refine_lsp.refine.run import LoopError
from refine_lsp.settings import Settings
from refine_lsp.text import diff_edits
from refine_lsp.text.document import Document, DocumentSnapshot, uri_to_path

from ..convert import lsp_workspace_edit
from ..progress import LongWork
from ..server import RefineServer

log = logging.getLogger(__name__)


def open_buffers(ls: RefineServer, root: Path) -> dict[str, str]:
    """The open documents under ``root`` by relative path, with the text the editor holds."""
    out = {}
    for doc in ls.session.documents:
        path = uri_to_path(doc.uri)
        if path is None:
            continue
        try:
            out[path.resolve().relative_to(root.resolve()).as_posix()] = doc.text
        except ValueError:
            continue  # outside the project
    return out


def _run(
    mode: str,
    root: Path,
    snapshot: DocumentSnapshot,
    line: int,
    settings: Settings,
    work: LongWork,
    overlay: dict[str, str],
):
    path = snapshot.path
    overlay = {**overlay, path.resolve().relative_to(root.resolve()).as_posix(): snapshot.text}
    return MODES[mode].run()(
        root,
        path,
        line,
        settings,
        progress=lambda message, percent=None: work.report(message, percent),
        cancel=work.cancel,
        memory_dir=state_dir("memory"),
        overlay=overlay,
    )


def _edit_for(ls: RefineServer, doc: Document, result) -> lsp.WorkspaceEdit:
    s = ls.session
    target = Path(result.file).resolve()
    if target == Path(doc.snapshot().path).resolve():
        return lsp_workspace_edit(
            doc, diff_edits(doc.text, result.new_source), s.client.versioned_edits
        )
    # Another file (the property tests): create it, or replace its content.
    uri = target.as_uri()
    open_doc = s.documents.get(uri)
    if open_doc is not None:
        return lsp_workspace_edit(
            open_doc, diff_edits(open_doc.text, result.new_source), s.client.versioned_edits
        )
    if target.exists():
        other = Document(uri, target.read_text(encoding="utf-8"), 0, s.documents.encoding)
        return lsp_workspace_edit(other, diff_edits(other.text, result.new_source), False)
    if not s.client.resource_operations:
        raise Refused(f"the editor cannot create {target.name}; create it and run again")
    return lsp.WorkspaceEdit(
        document_changes=[
            lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)),
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[
                    lsp.TextEdit(
                        lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), result.new_source
                    )
                ],
            ),
        ]
    )


async def run_loop(ls: RefineServer, data: dict):
    s = ls.session
    mode = data.get("args", {}).get("mode") if isinstance(data, dict) else None
    uri = data.get("uri") if isinstance(data, dict) else None
    doc = s.documents.get(uri) if isinstance(uri, str) else None
    if mode not in MODES or doc is None:
        raise ValueError("refineLsp.runLoop needs the data of one of its code actions")
    if data.get("version") != doc.version:
        ls.notify("the file changed since this action was listed; ask again")
        return {"applied": False, "message": "document changed"}
    path = uri_to_path(uri)
    if path is None:
        ls.notify("the loop needs a file in a project folder; save this buffer first")
        return {"applied": False, "message": "not a file"}
    title = MODES[mode].title
    root = workspace_root(path, s.workspace_folders)
    if root is None:
        message = f"{path} is outside every workspace folder; the loop runs only on project files"
        ls.notify(f"{title}: {message}")
        return {"applied": False, "message": message}
    snapshot = doc.snapshot()
    overlay = open_buffers(ls, root)  # tests run on what the editor shows, saved or not
    async with LongWork(ls, title) as work:
        result = await work.run(
            _run, mode, root, snapshot, int(data["args"]["line"]), s.settings, work, overlay
        )
    summary = result.summary.text()
    loop_reports(s.registry).record(result.report)  # what the tests said, for the next offers
    if result.cancelled:
        return {"applied": False, "message": "cancelled"}
    if result.new_source is None:
        ls.notify(f"{title}: nothing verified to offer. {summary}", lsp.MessageType.Info)
        return {"applied": False, "message": summary, "summary": result.summary.to_json()}
    if doc.version != snapshot.version:
        ls.notify(f"{title}: the file changed while checking; nothing applied")
        return {"applied": False, "message": "document changed"}
    try:
        edit = _edit_for(ls, doc, result)
    except Refused as exc:
        ls.notify(str(exc))
        return {"applied": False, "message": str(exc)}
    applied = await ls.workspace_apply_edit_async(
        lsp.ApplyWorkspaceEditParams(edit=edit, label=f"refine-lsp: {title}")
    )
    ok = bool(applied and applied.applied)
    ls.notify(f"{title}: {'applied' if ok else 'not applied'}. {summary}", lsp.MessageType.Info)
    return {"applied": ok, "message": summary, "summary": result.summary.to_json()}


def _run_tests(root: Path, snapshot: DocumentSnapshot, line: int, settings, work, overlay):
    path = snapshot.path
    overlay = {**overlay, path.resolve().relative_to(root.resolve()).as_posix(): snapshot.text}
    return run_function_tests(
        root,
        path,
        line,
        settings,
        progress=lambda message, percent=None: work.report(message, percent),
        cancel=work.cancel,
        overlay=overlay,
    )


async def run_tests(ls: RefineServer, data: dict):
    s = ls.session
    title = kinds.RUN_TESTS_TITLE
    uri = data.get("uri") if isinstance(data, dict) else None
    doc = s.documents.get(uri) if isinstance(uri, str) else None
    args = data.get("args") if isinstance(data, dict) else None
    if doc is None or not isinstance(args, dict) or not isinstance(args.get("line"), int):
        raise ValueError(f"{kinds.RUN_TESTS} needs the data of its code action")
    if data.get("version") != doc.version:
        ls.notify("the file changed since this action was listed; ask again")
        return {"ran": False, "message": "document changed"}
    path = uri_to_path(uri)
    if path is None:
        ls.notify("the tests run only for a file in a project folder; save this buffer first")
        return {"ran": False, "message": "not a file"}
    root = workspace_root(path, s.workspace_folders)
    if root is None:
        message = f"{path} is outside every workspace folder; tests run only on project files"
        ls.notify(f"{title}: {message}")
        return {"ran": False, "message": message}
    snapshot = doc.snapshot()
    overlay = open_buffers(ls, root)
    try:
        async with LongWork(ls, title) as work:
            result = await work.run(
                _run_tests, root, snapshot, args["line"], s.settings, work, overlay
            )
    except LoopError as exc:
        ls.notify(f"{title}: {exc}")
        return {"ran": False, "message": str(exc)}
    message = result.text()
    if result.cancelled:
        return {"ran": False, "message": message, **result.to_json()}
    loop_reports(s.registry).record(result.report)
    output = result.output()
    if output:
        ls.window_log_message(
            lsp.LogMessageParams(lsp.MessageType.Log, f"{title}: {result.function}\n{output}")
        )
    kind = lsp.MessageType.Warning if result.failing or result.error else lsp.MessageType.Info
    ls.notify(f"{title}: {message}", kind)
    return {"ran": not result.error or bool(result.total), "message": message, **result.to_json()}
