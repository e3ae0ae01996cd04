"""Long work: workDoneProgress, and cancellation that reaches threads within 200 ms.

pygls runs a command's handler as a task separate from the request's future, so a
$/cancelRequest cancels the future only; `LongWork` links the two and turns the task's
cancellation into a threading.Event that domain code running in threads polls.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from .protocol import EXECUTE_PARAMS

if TYPE_CHECKING:
    from .server import RefineServer

log = logging.getLogger(__name__)


class LongWork:
    def __init__(
        self,
        ls: RefineServer,
        title: str,
        token: lsp.ProgressToken | None = None,
        link_request: bool = True,
    ):
        """``link_request=False`` for work started by the server itself (not inside a
        request), which no $/cancelRequest can be meant for."""
        self.ls = ls
        self.link_request = link_request
        self.title = title
        self.token = token
        self.cancel = threading.Event()
        self._task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        self._progress = False
        self._request_id = None

    async def __aenter__(self) -> LongWork:
        if self.link_request:
            self._link_request()
        if self.token is None:
            params = EXECUTE_PARAMS.get()
            self.token = params.work_done_token if params is not None else None
        if self.token is None and self.ls.session.client.work_done_progress:
            self.token = str(uuid.uuid4())
            try:
                await self.ls.work_done_progress.create_async(self.token)
            except Exception as exc:
                log.warning("client refused a progress token: %s", exc)
                self.token = None
        self.ls.session.work.append(self.title)
        self.ls.status(work=list(self.ls.session.work))
        if self.token is not None:
            self._progress = True
            self.ls.work_done_progress.begin(
                self.token,
                lsp.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0),
            )
            # window/workDoneProgress/cancel cancels pygls's future for the token, which
            # nothing else watches: it must stop the work like $/cancelRequest does.
            future = self.ls.work_done_progress.tokens.get(self.token)
            if future is not None:
                future.add_done_callback(self._on_token_done)
        return self

    def _on_token_done(self, future) -> None:
        if not future.cancelled():
            return
        self.cancel.set()
        if self._request_id is not None:  # exactly what $/cancelRequest does: one answer
            self._loop.call_soon_threadsafe(
                self.ls.protocol._handle_cancel_notification, self._request_id
            )
        elif self._task is not None and not self._task.done():
            self._loop.call_soon_threadsafe(self._task.cancel)

    def report(self, message: str, percentage: int | None = None) -> None:
        """Thread-safe progress report."""
        if not self._progress:
            return
        value = lsp.WorkDoneProgressReport(message=message, percentage=percentage)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self.ls.work_done_progress.report(self.token, value)
        else:
            self._loop.call_soon_threadsafe(self.ls.work_done_progress.report, self.token, value)

    async def __aexit__(self, exc_type, exc, tb) -> None:
        self.cancel.set()  # stop any thread still working for us
        if self.title in self.ls.session.work:
            self.ls.session.work.remove(self.title)
            self.ls.status(work=list(self.ls.session.work))
        if self.token is not None:  # pygls keeps every token's future otherwise
            self.ls.work_done_progress.tokens.pop(self.token, None)
        if self._progress:
            cancelled = exc_type is not None and issubclass(exc_type, asyncio.CancelledError)
            self.ls.work_done_progress.end(
                self.token, lsp.WorkDoneProgressEnd(message="cancelled" if cancelled else "done")
            )

    def _link_request(self) -> None:
        protocol = self.ls.protocol
        try:
            future = protocol._request_futures.get(protocol.msg_id)
        except Exception:  # not inside a request
            return
        task = self._task
        if future is None or task is None or future is task:
            return

        def on_done(f) -> None:
            if f.cancelled():
                self.cancel.set()
                task.cancel()

        self._request_id = protocol.msg_id
        future.add_done_callback(on_done)

    async def run(self, fn, *args):
        """Run blocking domain work in a thread; cancelling the task sets the event at once."""
        try:
            return await asyncio.to_thread(fn, *args)
        except asyncio.CancelledError:
            self.cancel.set()
            raise
