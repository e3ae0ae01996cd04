"""refineLsp.reviewWorkspace: review every Python file under a workspace folder, with
progress and cancel. Files are read off the event loop (a FIFO or a huge file is skipped
with its reason, never waited for)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp

from refine_lsp.review import review_document
from refine_lsp.text.document import Document, DocumentSnapshot
from refine_lsp.text.files import python_files, read_source

from ..convert import lsp_diagnostic
from ..progress import LongWork
from ..server import RefineServer


def _root(ls: RefineServer, args: list) -> Path | None:
    if args and isinstance(args[0], dict) and isinstance(args[0].get("root"), str):
        return Path(args[0]["root"])
    folders = ls.session.workspace_folders
    return folders[0] if folders else None


async def review_workspace(ls: RefineServer, *args):
    s = ls.session
    root = _root(ls, list(args))
    if root is None or not root.is_dir():
        raise ValueError("no workspace folder to review")
    files = await asyncio.to_thread(python_files, root)
    summary = {"files": 0, "findings": 0, "skipped": []}
    async with LongWork(ls, f"Reviewing {root.name}") as work:
        for i, path in enumerate(files):
            uri = path.resolve().as_uri()
            open_doc = s.documents.get(uri)
            if open_doc is not None:
                snapshot = open_doc.snapshot()
                doc = open_doc
            else:
                try:
                    text = await asyncio.to_thread(read_source, path)
                except (OSError, ValueError) as exc:
                    summary["skipped"].append(f"{path}: {exc}")
                    continue
                doc = Document(uri, text, 0, s.documents.encoding)
                snapshot = DocumentSnapshot(uri, 0, text, doc.tree)
            work.report(str(path.relative_to(root)), int(100 * i / max(1, len(files))))
            findings = await work.run(review_document, snapshot, s.settings)
            summary["files"] += 1
            summary["findings"] += len(findings)
            if open_doc is None or not s.client.pull_diagnostics:
                ls.text_document_publish_diagnostics(
                    lsp.PublishDiagnosticsParams(
                        uri=uri, diagnostics=[lsp_diagnostic(doc, f) for f in findings]
                    )
                )
    return summary
