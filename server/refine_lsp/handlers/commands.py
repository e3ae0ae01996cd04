"""workspace/executeCommand handlers and refine-lsp's own requests."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from lsprotocol import types as lsp

from refine_lsp.documents import Document, DocumentSnapshot
from refine_lsp.lsp_convert import lsp_diagnostic
from refine_lsp.review import review_document
from refine_lsp.server import RefineLanguageServer
from refine_lsp.work import LongWork

log = logging.getLogger(__name__)

REVIEW_WORKSPACE = "refineLsp.reviewWorkspace"
STATS = "refineLsp/stats"
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}
MAX_FILE_BYTES = 4 * 1024 * 1024


def python_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def read_source(path: Path) -> str:
    """The file's text; ValueError with a clear reason for what cannot be reviewed."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None


def _workspace_root(ls: RefineLanguageServer, args: list) -> Path | None:
    if args and isinstance(args[0], dict) and isinstance(args[0].get("root"), str):
        return Path(args[0]["root"])
    root = ls.workspace.root_path
    return Path(root) if root else None


def register(server: RefineLanguageServer) -> None:
    @server.command(REVIEW_WORKSPACE)
    async def review_workspace(ls: RefineLanguageServer, *args):
        """Review every Python file under the workspace root, with progress and cancel."""
        root = _workspace_root(ls, list(args))
        if root is None or not root.is_dir():
            raise ValueError("no workspace folder to review")
        files = python_files(root)
        summary = {"files": 0, "findings": 0, "skipped": []}
        async with LongWork(ls, f"Reviewing {root.name}") as work:
            for i, path in enumerate(files):
                uri = path.resolve().as_uri()
                open_doc = ls.documents.get(uri)
                if open_doc is not None:
                    snapshot = open_doc.snapshot()
                    doc = open_doc
                else:
                    try:
                        text = read_source(path)
                    except (OSError, ValueError) as exc:
                        summary["skipped"].append(f"{path}: {exc}")
                        continue
                    doc = Document(uri, text, 0, ls.documents.encoding)
                    snapshot = DocumentSnapshot(uri, 0, text, doc.tree)
                work.report(str(path.relative_to(root)), int(100 * i / max(1, len(files))))
                findings = await work.run(review_document, snapshot, ls.settings)
                summary["files"] += 1
                summary["findings"] += len(findings)
                if open_doc is None or not ls.pull_diagnostics:
                    ls.text_document_publish_diagnostics(
                        lsp.PublishDiagnosticsParams(
                            uri=uri, diagnostics=[lsp_diagnostic(doc, f) for f in findings]
                        )
                    )
        return summary

    @server.feature(STATS)
    def stats(ls: RefineLanguageServer, params=None) -> dict:
        """Server-side timings, for benchmarks and `refine-lsp` diagnostics."""
        import statistics

        def summary(values: list[float], name: str) -> dict:
            if not values:
                return {f"{name}_median": None, f"{name}_p95": None}
            ordered = sorted(values)
            return {
                f"{name}_median": statistics.median(ordered),
                f"{name}_p95": ordered[int(0.95 * (len(ordered) - 1))],
            }

        wall = [w for w, _ in ls.parse_ms]
        cpu = [c for _, c in ls.parse_ms]
        return {
            "documents": len(ls.documents),
            "parses": len(wall),
            **summary(wall, "reparse_ms"),
            **summary(cpu, "reparse_cpu_ms"),
            "position_encoding": ls.documents.encoding,
        }
