"""The model process's side of the pipe: load a backend, answer framed calls, die with the parent.

Run as ``python -m refine_lsp.llm.model_child --backend MODULE:CLASS --requests-fd R
--replies-fd W --parent PID`` by ``ModelProcess``; never by hand.

Protocol: each frame is a 4-byte big-endian length then that many bytes of UTF-8 JSON.
The child writes ``{"ready": true, "pid": N}`` (or ``{"ready": false, "error": {...}}``) once,
then answers each request ``{"id", "method", "params", "timeout_s"}`` with
``{"id", "result"}`` or ``{"id", "error": {"type", "message"}}``. A backend method is called
as ``method(**params, timeout_s=seconds_left_or_None)``; names starting with ``_`` are refused.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import importlib.util
import json
import os
import queue
import struct
import sys
import threading
import time
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024  # replies are text; anything bigger is a broken peer
_PARENT_POLL_S = 0.5


class FrameError(Exception):
    """The peer sent something that is not a frame (too big, not JSON)."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if len(body) > MAX_FRAME:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body.decode("utf-8", "surrogatepass"))
    except ValueError as exc:
        raise FrameError(f"not a JSON frame: {exc}") from None
    if not isinstance(message, dict):
        raise FrameError("a frame must hold a JSON object")
    return message


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes | None:
    """n bytes, or None at end of file (the peer closed its end)."""
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any] | None:
    """The next frame from a blocking fd, or None at end of file."""
    head = _read_exact(fd, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    if size > MAX_FRAME:
        raise FrameError(f"frame of {size} bytes exceeds {MAX_FRAME}")
    body = _read_exact(fd, size)
    if body is None:
        return None
    return decode(body)


def load_backend(spec: str) -> Any:
    """``package.module:Class`` or ``/path/to/file.py:Class``, instantiated with no arguments."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ValueError(f"backend {spec!r} is not MODULE:CLASS or FILE.py:CLASS")
    if where.endswith(".py"):
        file_spec = importlib.util.spec_from_file_location("_model_backend", where)
        if file_spec is None or file_spec.loader is None:
            raise ModuleNotFoundError(f"cannot load backend file {where}")
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    return getattr(module, attr)()


def _error(exc: BaseException) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


def _watch_parent(parent: int) -> None:
    # Belt and braces beside the pipe's end of file: a forked grandchild that kept a copy of
    # the request pipe would otherwise keep this process alive after the server died.
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(_PARENT_POLL_S)


def _read_requests(fd: int, inbox: queue.Queue) -> None:
    # On its own thread so that end of file (the parent died or closed us) is seen at once,
    # even while the main thread is deep in a generation.
    try:
        while True:
            frame = read_frame(fd)
            if frame is None:
                os._exit(0)
            inbox.put(frame)
    except (OSError, FrameError):
        os._exit(2)


def serve(backend: Any, inbox: queue.Queue, replies: int) -> None:
    while True:
        request = inbox.get()
        reply: dict[str, Any] = {"id": request.get("id")}
        try:
            method = str(request.get("method") or "")
            if not method or method.startswith("_") or not hasattr(backend, method):
                raise AttributeError(f"the model backend has no method {method!r}")
            params = request.get("params") or {}
            reply["result"] = getattr(backend, method)(**params, timeout_s=request.get("timeout_s"))
        except Exception as exc:  # the error goes back to the caller, the process lives on
            reply = {"id": request.get("id"), "error": _error(exc)}
        try:
            data = encode(reply)
        except (FrameError, TypeError, ValueError) as exc:
            data = encode({"id": request.get("id"), "error": _error(exc)})
        write_all(replies, data)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--requests-fd", type=int, required=True)
    ap.add_argument("--replies-fd", type=int, required=True)
    ap.add_argument("--parent", type=int, required=True)
    args = ap.parse_args(argv)
    # A crash in native code (SIGSEGV, SIGILL, SIGBUS) leaves a Python stack in the log; the
    # signal is re-raised, so the parent still sees which one.
    faulthandler.enable(file=sys.stderr)
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    inbox: queue.Queue = queue.Queue()
    threading.Thread(
        target=_read_requests, args=(args.requests_fd, inbox), name="requests", daemon=True
    ).start()
    try:
        backend = load_backend(args.backend)
    except Exception as exc:
        write_all(args.replies_fd, encode({"ready": False, "error": _error(exc)}))
        os._exit(3)
    write_all(args.replies_fd, encode({"ready": True, "pid": os.getpid()}))
    try:
        serve(backend, inbox, args.replies_fd)
    except OSError:
        pass  # the parent closed the reply pipe: it is going away
    # Skip interpreter teardown: native finalisers (llama.cpp) may run after their library.
    os._exit(0)


if __name__ == "__main__":
    main()
