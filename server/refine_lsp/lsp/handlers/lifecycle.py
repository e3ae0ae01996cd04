"""initialize, initialized, shutdown and workspace/didChangeConfiguration."""

from __future__ import annotations

import logging

from lsprotocol import types as lsp

from .. import indexing
from ..client_config import SECTION, refresh_configuration, warm_model, warm_refactorings
from ..scheduler import review_all_open
from ..server import RefineServer

log = logging.getLogger(__name__)


def initialize(ls: RefineServer, params: lsp.InitializeParams) -> None:
    ls.session.initialize(params)
    ls.configure(None)


async def initialized(ls: RefineServer, params: lsp.InitializedParams) -> None:
    ls.session.documents.encoding = ls.position_encoding()
    log.info("position encoding %s", ls.session.documents.encoding)
    await refresh_configuration(ls)
    ls.status(model=ls.session.settings.model.solver, hiddenHints=0, modelError=None, work=[])
    warm_model(ls)
    warm_refactorings()
    if indexing.start(ls) is not None:
        await indexing.watch_files(ls)


def shutdown(ls: RefineServer, *args) -> None:
    """Before pending work is cancelled: every process a user's test started is killed, and
    no sandbox starts anything more (a loop still running in a thread cannot start one)."""
    from refine_lsp.verify.containment import kill_all_sandboxes

    task = ls.session.index_task
    if task is not None and not task.done():
        task.cancel()
    survivors = kill_all_sandboxes(refuse_new=True)
    if survivors:
        log.warning("%d processes started by user tests survived the kill at shutdown", survivors)


async def did_change_configuration(
    ls: RefineServer, params: lsp.DidChangeConfigurationParams
) -> None:
    settings = params.settings
    if isinstance(settings, dict) and SECTION in settings:
        ls.configure(settings[SECTION])
    else:  # the "pull" model: the notification only says something changed
        await refresh_configuration(ls)
    if ls.session.settings.model.solver != ls.session.reported.get("model"):
        ls.status(model=ls.session.settings.model.solver, modelError=None)
    warm_model(ls)
    review_all_open(ls)
