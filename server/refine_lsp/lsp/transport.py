"""The server's transports, stdio and TCP: bytes read off the event loop, cut into frames by
framing.FrameReader, each body handed to the protocol (pygls from there on); the process ends
with the code LSP specifies, promptly, whatever work is still running."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO

from pygls.io_ import StdoutWriter

from .framing import Frame, FrameReader
from .protocol import INVALID_REQUEST, PARSE_ERROR

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .server import RefineServer

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
EXIT_GRACE_S = 5.0  # then the process ends even if a worker thread is stuck


class Channel:
    """One client's byte stream: frames in, bodies to the protocol, bad frames answered."""

    def __init__(self, server: RefineServer) -> None:
        self.protocol = server.protocol
        self.reader = FrameReader()

    def feed(self, data: bytes) -> bool:
        """Handle what ``data`` completes (b"": the stream ended); False once done."""
        if not data:
            for event in self.reader.eof():
                log.warning("bad frame at end of input: %s", getattr(event, "reason", event))
            return False
        for event in self.reader.feed(data):
            try:
                if isinstance(event, Frame):
                    self.protocol.receive(event.body)
                else:
                    code = INVALID_REQUEST if event.too_large else PARSE_ERROR
                    self.protocol.bad_message(code, f"bad frame: {event.reason}")
            except BrokenPipeError:
                log.error("the client closed the connection")
                return False
            except Exception:  # one message never ends the server
                log.exception("message not handled")
            if self.protocol.exit_code is not None:
                return False
        return True

    @property
    def exit_code(self) -> int:
        """exit's code; without exit (the stream ended), 0 only after a shutdown."""
        if self.protocol.exit_code is not None:
            return self.protocol.exit_code
        return 0 if self.protocol._shutdown else 1


def serve_stdio(server: RefineServer, stdin: BinaryIO, stdout: BinaryIO) -> int:
    server.protocol.set_writer(StdoutWriter(stdout))

    async def main() -> int:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=4)  # the reader waits when full
        threading.Thread(
            target=_pump, args=(stdin, queue, loop), daemon=True, name="refine-lsp-stdin"
        ).start()
        channel = Channel(server)
        while channel.feed(await queue.get()):
            pass
        try:
            stdout.flush()
        except (OSError, ValueError):
            pass
        return channel.exit_code

    return _run(server, main)


def _pump(stdin: BinaryIO, queue: asyncio.Queue[bytes], loop: asyncio.AbstractEventLoop) -> None:
    """Reads stdin in a daemon thread. os.read on the descriptor holds no lock of the
    buffered stream, so the interpreter can end while this thread waits for input."""
    try:
        fd: int | None = stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    while True:
        try:
            data = os.read(fd, CHUNK) if fd is not None else stdin.read1(CHUNK)  # type: ignore[attr-defined]
        except OSError as exc:
            log.error("reading stdin failed: %s", exc)
            data = b""
        try:
            asyncio.run_coroutine_threadsafe(queue.put(data), loop).result()
        except Exception:  # the loop has ended
            return
        if not data:
            return


def serve_tcp(server: RefineServer, host: str, port: int) -> int:
    """One client over TCP; the server ends when it exits or disconnects."""

    async def main() -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
            if done.done() or getattr(server, "_tcp_client", False):
                writer.close()
                return
            server._tcp_client = True  # type: ignore[attr-defined]
            server.protocol.set_writer(writer)  # type: ignore[arg-type]
            channel = Channel(server)
            try:
                while channel.feed(await reader.read(CHUNK)):
                    pass
            except ConnectionError:
                log.error("the client connection failed")
            writer.close()
            if not done.done():
                done.set_result(channel.exit_code)

        listener = await asyncio.start_server(connection, host, port)
        log.info("listening on %s", ", ".join(str(s.getsockname()) for s in listener.sockets))
        async with listener:
            return await done

    return _run(server, main)


def _run(server: RefineServer, main: Callable[[], Awaitable[int]]) -> int:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(thread_name_prefix="refine-lsp")
    loop.set_default_executor(executor)
    server._stop_event = threading.Event()
    try:
        code = loop.run_until_complete(main())
    except KeyboardInterrupt:
        code = 1
    finally:
        server._stop_event.set()
        _close(loop, executor, server)
    log.info("server stopped (exit code %d)", code)
    return code


def _close(loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor, server) -> None:
    """Cancel what still runs, without waiting for threads that may never finish."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=1.0))
    loop.run_until_complete(loop.shutdown_asyncgens())
    executor.shutdown(wait=False, cancel_futures=True)
    pool = getattr(server, "_thread_pool", None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
    loop.close()


def end_process(code: int) -> None:
    """End the process now, skipping the interpreter's finalization: the atexit hooks run
    (model processes closed, sandboxes killed), the log and the streams are flushed, then
    ``os._exit``. Finalization runs third-party ``__del__`` methods, and litellm's HTTP
    handler imports a module in its own: a server once hung there on the import lock after
    ``exit``, with the grace timer's thread already stopped."""
    import atexit

    exit_soon(code)  # should a hook hang
    try:
        atexit._run_exitfuncs()
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def exit_soon(code: int, grace_s: float = EXIT_GRACE_S) -> None:
    """The interpreter joins worker threads at exit; one stuck in a tool call would keep the
    process alive after exit. After ``grace_s`` the process ends regardless."""
    timer = threading.Timer(grace_s, os._exit, (code,))
    timer.daemon = True
    timer.start()
