"""initialize, initialized, workspace/didChangeConfiguration, shutdown."""

from __future__ import annotations

import logging

from lsprotocol import types as lsp

from refine_lsp.server import RefineLanguageServer, position_encoding

log = logging.getLogger(__name__)

SECTION = "refineLsp"


def register(server: RefineLanguageServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def initialize(ls: RefineLanguageServer, params: lsp.InitializeParams) -> None:
        ls.init_options = params.initialization_options
        ls.apply_settings(None)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: RefineLanguageServer, params: lsp.InitializedParams) -> None:
        ls.documents.encoding = position_encoding(ls)
        log.info("position encoding %s", ls.documents.encoding)
        await refresh_configuration(ls)
        warm_model(ls)
        warm_refactorings()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: RefineLanguageServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and SECTION in settings:
            ls.apply_settings(settings[SECTION])
        else:  # the "pull" model: the notification only says something changed
            await refresh_configuration(ls)
        warm_model(ls)
        from refine_lsp.handlers.diagnostics import review_all_open

        review_all_open(ls)


def warm_refactorings() -> None:
    """Import libcst and the refactorings off the event loop, after the initialize reply,
    so the first code action does not wait for them."""
    import threading

    def load() -> None:
        import refine_lsp.refactor  # noqa: F401

    threading.Thread(target=load, name="refactor-preload", daemon=True).start()


def warm_model(ls: RefineLanguageServer) -> None:
    """Import litellm in the background once a model is configured, after start-up."""
    if ls.settings.model.solver and not getattr(ls, "_model_warm", False):
        ls._model_warm = True
        from refine_lsp.llm import preload

        preload()


async def refresh_configuration(ls: RefineLanguageServer) -> None:
    if not ls.supports("workspace.configuration"):
        return
    try:
        result = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:  # a client that declares but fails the request
        log.warning("workspace/configuration failed: %s", exc)
        return
    if result and result[0] is not None:
        ls.apply_settings(result[0])
