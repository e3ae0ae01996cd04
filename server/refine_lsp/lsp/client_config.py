"""Reading the client's configuration (workspace/configuration, section refineLsp) and what
follows a settings change: the model warmed up, the refactorings imported off the loop."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from .server import RefineServer

log = logging.getLogger(__name__)

SECTION = "refineLsp"


async def refresh_configuration(ls: RefineServer) -> None:
    if not ls.session.client.configuration:
        return
    try:
        result = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:  # a client that declares but fails the request
        log.warning("workspace/configuration failed: %s", exc)
        return
    if result and result[0] is not None:
        ls.configure(result[0])


def warm_refactorings() -> None:
    """Import libcst and the refactorings off the event loop, after the initialize reply,
    so the first code action does not wait for them."""

    def load() -> None:
        import refine_lsp.refactor  # noqa: F401

    threading.Thread(target=load, name="refactor-preload", daemon=True).start()


def warm_model(ls: RefineServer) -> None:
    """Import litellm in the background once a model is configured, after start-up."""
    s = ls.session
    if s.settings.model.solver and not s.model_warm:
        s.model_warm = True
        from refine_lsp.llm import preload

        preload()
