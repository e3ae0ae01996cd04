"""The pygls server: state, capabilities and handler registration. Handlers live in handlers/."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification

from refine_lsp import __version__
from refine_lsp.actions import Registry, default_registry
from refine_lsp.core import Finding
from refine_lsp.documents import UTF8, UTF16, UTF32, DocumentStore
from refine_lsp.settings import Settings, parse_settings

log = logging.getLogger(__name__)

IGNORED = "$/refineLsp/ignored"  # stands in for a request already answered with an error

# The ExecuteCommandParams of the command being run, so a handler can use the client's
# workDoneToken (pygls passes commands their arguments only).
EXECUTE_PARAMS: contextvars.ContextVar[lsp.ExecuteCommandParams | None] = contextvars.ContextVar(
    "execute_params", default=None
)


class RefineProtocol(LanguageServerProtocol):
    """Prefers utf-8 positions whenever the client offers them, whatever its order."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams):
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            offered = list(general.position_encodings)
            if lsp.PositionEncodingKind.Utf8 in offered:
                general.position_encodings = [lsp.PositionEncodingKind.Utf8]
        return (yield from super().lsp_initialize(params))

    def structure_message(self, data: dict[str, Any]):
        """A request whose params do not fit its method gets an error response (pygls would
        drop it and leave the client waiting); the server goes on serving."""
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not (isinstance(data, dict) and "id" in data and "method" in data):
                raise
            cause = exc.__cause__ or exc
            error = JsonRpcInvalidParams(f"invalid params for {data['method']}: {cause}")
            self._send_response(data["id"], error=error.to_response_error())
            return JsonRPCNotification(method=IGNORED, jsonrpc="2.0", params=None)

    # refine-lsp keeps its own documents (documents.py); pygls's copy would cost a whole-text
    # rewrite in Python on every keystroke and a second copy of every file in memory.
    def _user(self, method: str, params):
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_CLOSE, params)

    @lsp_method(lsp.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: lsp.ExecuteCommandParams):
        EXECUTE_PARAMS.set(params)
        return (yield from super().lsp_workspace__execute_command(params))


class RefineLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("refine-lsp", __version__, protocol_cls=RefineProtocol, max_workers=4)
        self.documents = DocumentStore()
        self.settings = Settings()
        self.registry: Registry = default_registry()
        # uri -> (version, findings) of the last completed review
        self.findings: dict[str, tuple[int, list[Finding]]] = {}
        self.review_tasks: dict[str, asyncio.Task] = {}
        self.parse_ms: list[float] = []
        self.init_options: Any = None
        self.suggestions = None  # refine_lsp.suggestions.Suggestions, made on first use
        self.inline_cache: dict[tuple, object] = {}
        self.hint_ledgers: dict = {}  # uri -> refine_lsp.hints.HintLedger

    # -- client capabilities --------------------------------------------------------------

    def supports(self, path: str) -> bool:
        obj: Any = self.client_capabilities
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return bool(obj)

    @property
    def pull_diagnostics(self) -> bool:
        return self.supports("text_document.diagnostic")

    @property
    def versioned_edits(self) -> bool:
        return self.supports("workspace.workspace_edit.document_changes")

    def resolve_supports_edit(self) -> bool:
        props = getattr(
            getattr(
                getattr(self.client_capabilities.text_document, "code_action", None),
                "resolve_support",
                None,
            ),
            "properties",
            None,
        )
        return bool(props) and "edit" in props

    # -- settings ----------------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        """initializationOptions overlaid with what the client's configuration says now."""
        settings, errors = parse_settings(merge(self.init_options, raw))
        self.settings = settings
        if self.suggestions is not None:
            self.suggestions.reconfigure(settings)
        for error in errors:
            log.warning("invalid setting: %s", error)
        if errors:
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Warning,
                    message="refine-lsp: " + "; ".join(errors),
                )
            )

    def notify(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        log.warning(message)
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=f"refine-lsp: {message}"))


def merge(base: Any, over: Any) -> Any:
    """Deep merge of JSON objects; ``over`` wins, and a missing or null ``over`` keeps ``base``."""
    if isinstance(base, dict) and isinstance(base.get("refineLsp"), dict):
        base = base["refineLsp"]
    if isinstance(over, dict) and isinstance(over.get("refineLsp"), dict):
        over = over["refineLsp"]
    if over is None:
        return base
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value)
        return out
    return over


def position_encoding(server: RefineLanguageServer) -> str:
    enc = server.workspace.position_encoding
    return {lsp.PositionEncodingKind.Utf8: UTF8, lsp.PositionEncodingKind.Utf32: UTF32}.get(
        enc, UTF16
    )


def create_server() -> RefineLanguageServer:
    from refine_lsp.handlers import (
        code_actions,
        commands,
        configuration,
        diagnostics,
        inline,
        refine,
        sync,
    )

    server = RefineLanguageServer()
    for module in (configuration, sync, diagnostics, code_actions, commands, refine, inline):
        module.register(server)
    return server
