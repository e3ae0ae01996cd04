"""Model- and verifier-backed code actions: Fix failing tests, Refine with checks, Make
faster, Add property tests. Listed as code actions carrying a command; the command runs the
review-refine loop with progress and cancel, then applies the verified edit."""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types as lsp

from refine_lsp.actions import ActionContext, ActionOffer, Refused
from refine_lsp.core import diff_edits
from refine_lsp.documents import Document, DocumentSnapshot, uri_to_path
from refine_lsp.lsp_convert import lsp_workspace_edit
from refine_lsp.paths import find_project_root, state_dir
from refine_lsp.server import RefineLanguageServer
from refine_lsp.settings import Settings
from refine_lsp.syntax.query import enclosing_function, function_name
from refine_lsp.work import LongWork

log = logging.getLogger(__name__)

RUN_LOOP = "refineLsp.runLoop"
KIND = "refactor.rewrite.refine"
MODES = {
    "fix": ("Fix failing tests", "fix_failing_tests"),
    "refine": ("Refine with checks", "refine_with_checks"),
    "faster": ("Make faster (keeps tests green)", "make_faster"),
    "properties": ("Add property tests", "add_property_tests"),
}


class RefineActions:
    """Offers the loop's actions inside a function of a file (saved or not)."""

    name = "refine"
    kinds = (KIND,)

    def offers(self, ctx: ActionContext) -> list[ActionOffer]:
        snapshot = ctx.snapshot
        if snapshot.tree is None or snapshot.path is None:
            return []
        point = (ctx.span.start.line, 0)
        fn = enclosing_function(snapshot.tree, point)
        if fn is None:
            return []
        name = function_name(fn) or "function"
        return [
            ActionOffer(
                self.name,
                f"{KIND}.{mode}",
                f"{title}: {name}",
                {"mode": mode, "line": ctx.span.start.line},
                command=RUN_LOOP,
            )
            for mode, (title, _) in MODES.items()
        ]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        raise Refused("this action runs as a command")


def open_buffers(ls: RefineLanguageServer, root: Path) -> dict[str, str]:
    """The open documents under ``root`` by relative path, with the text the editor holds."""
    out = {}
    for doc in ls.documents:
        path = uri_to_path(doc.uri)
        if path is None:
            continue
        try:
            out[path.resolve().relative_to(root.resolve()).as_posix()] = doc.text
        except ValueError:
            continue  # outside the project
    return out


def run_loop(
    mode: str,
    snapshot: DocumentSnapshot,
    line: int,
    settings: Settings,
    work: LongWork,
    overlay: dict[str, str],
):
    import refine_lsp.refine as refine

    path = snapshot.path
    root = find_project_root(path)
    overlay = {**overlay, path.resolve().relative_to(root.resolve()).as_posix(): snapshot.text}
    fn = getattr(refine, MODES[mode][1])
    return fn(
        root,
        path,
        line,
        settings,
        progress=lambda message, percent=None: work.report(message, percent),
        cancel=work.cancel,
        memory_dir=state_dir("memory"),
        overlay=overlay,
    )


def _edit_for(ls: RefineLanguageServer, doc: Document, result) -> lsp.WorkspaceEdit:
    target = Path(result.file).resolve()
    if target == Path(doc.snapshot().path).resolve():
        return lsp_workspace_edit(doc, diff_edits(doc.text, result.new_source), ls.versioned_edits)
    # Another file (the property tests): create it, or replace its content.
    uri = target.as_uri()
    open_doc = ls.documents.get(uri)
    if open_doc is not None:
        return lsp_workspace_edit(
            open_doc, diff_edits(open_doc.text, result.new_source), ls.versioned_edits
        )
    if target.exists():
        other = Document(uri, target.read_text(encoding="utf-8"), 0, ls.documents.encoding)
        return lsp_workspace_edit(other, diff_edits(other.text, result.new_source), False)
    if not ls.supports("workspace.workspace_edit.resource_operations"):
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


def register(server: RefineLanguageServer) -> None:
    server.registry.providers["refine"] = RefineActions()

    @server.command(RUN_LOOP)
    async def run(ls: RefineLanguageServer, data: dict):
        mode = data.get("args", {}).get("mode") if isinstance(data, dict) else None
        uri = data.get("uri") if isinstance(data, dict) else None
        doc = ls.documents.get(uri) if isinstance(uri, str) else None
        if mode not in MODES or doc is None:
            raise ValueError("refineLsp.runLoop needs the data of one of its code actions")
        if data.get("version") != doc.version:
            ls.notify("the file changed since this action was listed; ask again")
            return {"applied": False, "message": "document changed"}
        path = uri_to_path(uri)
        if path is None:
            ls.notify("the loop needs a file in a project folder; save this buffer first")
            return {"applied": False, "message": "not a file"}
        snapshot = doc.snapshot()
        title = MODES[mode][0]
        root = find_project_root(path)
        overlay = open_buffers(ls, root)  # tests run on what the editor shows, saved or not
        async with LongWork(ls, title) as work:
            result = await work.run(
                run_loop, mode, snapshot, int(data["args"]["line"]), ls.settings, work, overlay
            )
        summary = result.summary.text()
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
