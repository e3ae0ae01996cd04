"""The pygls server object: a Session and the few things only the server can do."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from refine_lsp import __version__
from refine_lsp.actions.kinds import STATUS
from refine_lsp.text.document import UTF8, UTF16, UTF32

from .protocol import RefineProtocol
from .session import Session

log = logging.getLogger(__name__)
_UNSET = object()


class RefineServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("refine-lsp", __version__, protocol_cls=RefineProtocol, max_workers=4)
        self.session = Session()

    def notify(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        """A message the user sees (and the log keeps)."""
        log.warning(message)
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=f"refine-lsp: {message}"))

    def status(self, **fields) -> None:
        """Tell the client what changed of the model in use, hidden hints, the model's last
        error and the work in progress ($/refineLsp/status); unchanged fields are not sent."""
        last = self.session.reported
        changed = {k: v for k, v in fields.items() if last.get(k, _UNSET) != v}
        if not changed:
            return
        last.update(changed)
        self.protocol.notify(STATUS, changed)

    def notify_once(
        self, cause: str, message: str, kind: lsp.MessageType = lsp.MessageType.Warning
    ) -> None:
        """A message shown the first time ``cause`` happens (a model error, say), logged
        every time: the user learns why once, and is not nagged on every keystroke."""
        if cause in self.session.told:
            log.warning(message)
            return
        self.session.told.add(cause)
        self.notify(message, kind)

    def configure(self, raw: Any) -> None:
        errors = self.session.configure(raw)
        for error in errors:
            log.warning("invalid setting: %s", error)
        if errors:
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Warning, message="refine-lsp: " + "; ".join(errors)
                )
            )

    def position_encoding(self) -> str:
        enc = self.workspace.position_encoding
        return {lsp.PositionEncodingKind.Utf8: UTF8, lsp.PositionEncodingKind.Utf32: UTF32}.get(
            enc, UTF16
        )
