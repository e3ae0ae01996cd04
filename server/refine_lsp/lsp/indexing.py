"""The workspace index in the server: built in the background after initialize (with progress,
cancellable), kept current from the editor's documents and the file watcher (registered
dynamically where the client allows it). Nothing here runs on a keystroke but marking a file
dirty; queries refresh what they need."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refine_lsp.index.store import WorkspaceIndex
from refine_lsp.text.document import uri_to_path

from .progress import LongWork

if TYPE_CHECKING:
    from .server import RefineServer

log = logging.getLogger(__name__)

TITLE = "Indexing the workspace"
WATCH_GLOB = "**/*.py"


def open_texts(ls: RefineServer) -> dict[str, str]:
    """Resolved path -> the editor's text, for every open Python document."""
    out = {}
    for doc in ls.session.documents:
        path = uri_to_path(doc.uri)
        if path is not None:
            out[str(path.resolve())] = doc.text
    return out


def start(ls: RefineServer) -> asyncio.Task | None:
    """Create the index and build it in a worker thread; None when off or no folders."""
    s = ls.session
    if not s.settings.index.enabled or not s.workspace_folders:
        return None
    index = WorkspaceIndex(s.workspace_folders, s.settings.index.max_file_kb * 1024)
    s.index = index
    s.index_task = asyncio.ensure_future(_build(ls, index))
    return s.index_task


async def _build(ls: RefineServer, index: WorkspaceIndex) -> None:
    try:
        async with LongWork(ls, TITLE, link_request=False) as work:

            def progress(done: int, total: int) -> None:
                work.report(f"{done}/{total} files", int(100 * done / max(total, 1)))

            stats = await work.run(index.build, open_texts(ls), progress, work.cancel.is_set)
    except asyncio.CancelledError:
        log.info("workspace index: cancelled")
        return
    except Exception:  # the index is an accelerator: rename falls back to reading the files
        log.exception("workspace index failed; rename reads the workspace on each request")
        ls.session.index = None
        return
    log.info(
        "workspace index: %d files in %.2f s, %d skipped%s",
        stats.files,
        stats.seconds,
        len(stats.skipped),
        " (cancelled)" if stats.cancelled else "",
    )
    for line in stats.skipped:
        log.info("not indexed: %s", line)
    if stats.cancelled:
        ls.session.index = None


async def watch_files(ls: RefineServer) -> bool:
    """Ask the client to report changes to Python files (workspace/didChangeWatchedFiles)."""
    if ls.session.index is None or not ls.session.client.watched_files_dynamic:
        return False
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern=WATCH_GLOB)]
    )
    registration = lsp.Registration(
        id=str(uuid.uuid4()),
        method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(registrations=[registration])
        )
    except Exception as exc:
        log.warning(
            "client refused the file watcher (%s): files changed outside the editor "
            "are seen when they are next opened",
            exc,
        )
        return False
    return True


def touched(ls: RefineServer, uri: str) -> None:
    """A document was opened, changed or closed: its entry is refreshed at the next query."""
    index = ls.session.index
    if index is not None:
        path = uri_to_path(uri)
        if path is not None:
            index.mark_dirty(path)


def file_events(ls: RefineServer, changes: list[lsp.FileEvent]) -> None:
    index = ls.session.index
    if index is None:
        return
    for change in changes:
        path = uri_to_path(change.uri)
        if path is None:
            continue
        if change.type == lsp.FileChangeType.Deleted:
            index.remove(path)
        else:
            index.mark_dirty(path)
