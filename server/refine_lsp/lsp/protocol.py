"""pygls's protocol with refine-lsp's overrides: utf-8 positions when offered, an error
response for params that do not fit their method, and documents kept by refine-lsp itself."""

from __future__ import annotations

import contextvars
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification

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

    # refine-lsp keeps its own documents (text.document); pygls's copy would cost a whole-text
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
