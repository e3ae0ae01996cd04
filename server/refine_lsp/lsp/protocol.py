"""pygls's protocol with refine-lsp's overrides: whole message bodies in (framing.py reads
them), the LSP lifecycle enforced (nothing before initialize, nothing after shutdown, one
initialize, exit's code), utf-8 positions when offered, an error response for params that do
not fit their method, and documents kept by refine-lsp itself."""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002

IGNORED = "$/refineLsp/ignored"  # stands in for a request already answered with an error

# The ExecuteCommandParams of the command being run, so a handler can use the client's
# workDoneToken (pygls passes commands their arguments only).
EXECUTE_PARAMS: contextvars.ContextVar[lsp.ExecuteCommandParams | None] = contextvars.ContextVar(
    "execute_params", default=None
)


class RefineProtocol(LanguageServerProtocol):
    """Prefers utf-8 positions whenever the client offers them, whatever its order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_seen = False
        self.exit_code: int | None = None  # set by the exit notification

    # -- messages in -----------------------------------------------------------------------

    def receive(self, body: bytes) -> None:
        """One message body: checked, then handed to pygls (structure_message, handle_message).
        Every request gets an answer, whatever the body holds."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            self.bad_message(PARSE_ERROR, f"message is not valid JSON: {exc}")
            return
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            self.bad_message(INVALID_REQUEST, "message is not a JSON-RPC 2.0 object", data)
            return
        msg_id, method = data.get("id"), data.get("method")
        if "id" in data and (isinstance(msg_id, bool) or not isinstance(msg_id, int | str)):
            self.bad_message(INVALID_REQUEST, f"invalid id {msg_id!r}")
            return
        if method is None and "id" not in data:
            self.bad_message(INVALID_REQUEST, "message has neither method nor id")
            return
        if method is not None:
            if not isinstance(method, str):
                self.bad_message(INVALID_REQUEST, f"method is not a string: {method!r}", data)
                return
            refused = self._refusal(method)
            if refused is not None:
                if "id" in data:
                    self._send_response(msg_id, error=lsp.ResponseError(*refused))
                else:
                    log.warning("notification %s dropped: %s", method, refused[1])
                return
        try:
            message = self.structure_message(data)
        except JsonRpcException as exc:  # a notification or response that does not fit
            log.warning("message dropped: %s (%s)", exc, exc.__cause__ or "")
            return
        if not hasattr(message, "jsonrpc"):
            self.bad_message(INVALID_REQUEST, "message does not fit JSON-RPC", data)
            return
        if "id" in data and getattr(message, "method", None) == lsp.INITIALIZE:
            self.initialize_seen = True  # not when its params were refused: it may come again
        self.handle_message(message)

    def _refusal(self, method: str) -> tuple[int, str] | None:
        """The LSP lifecycle: (code, reason) when ``method`` may not run now."""
        if method == lsp.EXIT:
            return None
        if self._shutdown:
            return INVALID_REQUEST, f"{method}: the server is shut down (only exit is served)"
        if not self.initialize_seen:
            if method == lsp.INITIALIZE:
                return None
            return SERVER_NOT_INITIALIZED, f"{method}: the server is not initialized yet"
        if method == lsp.INITIALIZE:
            return INVALID_REQUEST, "initialize: the server is already initialized"
        return None

    def bad_message(self, code: int, reason: str, data: Any = None) -> None:
        """An error response to what could not be read: with the request's id when it has a
        usable one, else id null (JSON-RPC's rule); and a warning in the log."""
        log.warning("bad message: %s", reason)
        msg_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
            msg_id = None
        self._send_data(
            {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": reason}}
        )

    # -- lifecycle -------------------------------------------------------------------------

    @lsp_method(lsp.SHUTDOWN)
    def lsp_shutdown(self, *args):
        """pygls's shutdown iterates over the futures that cancelling removes; a copy here.
        Pending requests are answered as cancelled and background reviews stop."""
        if (user_handler := self.fm.features.get(lsp.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        session = getattr(self._server, "session", None)
        for task in list(getattr(session, "review_tasks", {}).values()):
            task.cancel()
        self._shutdown = True
        return None

    @lsp_method(lsp.EXIT)
    def lsp_exit(self, *args):
        """Records the exit code (0 after shutdown, else 1, as LSP specifies); the transport
        stops reading and the process ends with it."""
        if (user_handler := self.fm.features.get(lsp.EXIT)) is not None:
            yield user_handler, args, None
        self.exit_code = 0 if self._shutdown else 1
        log.info("exit (code %d)", self.exit_code)

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
