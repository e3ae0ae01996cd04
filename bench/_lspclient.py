"""A minimal raw JSON-RPC-over-stdio LSP client for benchmarks.

No pygls client on purpose: the same framing code drives every server under test, so
their timings are comparable. Messages are timestamped by a reader thread at the
moment they are decoded; server-to-client requests get a plain answer at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

JSON = Any


class ServerGone(RuntimeError):
    pass


class Response:
    __slots__ = ("id", "sent", "received", "result", "error")

    def __init__(self, msg_id: int, sent: float) -> None:
        self.id = msg_id
        self.sent = sent
        self.received: float | None = None
        self.result: JSON = None
        self.error: JSON = None

    @property
    def ms(self) -> float | None:
        return None if self.received is None else (self.received - self.sent) * 1000


class LspClient:
    """One server process; `request` blocks, `notify` does not, `wait_for` polls received state."""

    def __init__(self, argv: list[str], cwd: str | None = None, log_path: Path | None = None):
        self.argv = argv
        self._log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 0
        self._pending: dict[int, Response] = {}
        # (received time, params) per uri, in arrival order
        self.diagnostics: dict[str, list[tuple[float, dict]]] = {}
        self.progress: list[tuple[float, dict]] = []
        self.server_requests: list[str] = []
        self.config_answer: Callable[[dict], JSON] = lambda item: None
        self.closed = False
        self.init_ms: float | None = None
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- wire ----------------------------------------------------------------------------

    def _send(self, msg: dict) -> float:
        body = json.dumps(msg, separators=(",", ":")).encode("utf-8")
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        with self._write_lock:
            if self.closed or self.proc.stdin is None:
                raise ServerGone(f"{self.argv[0]} has exited")
            sent = time.perf_counter()
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise ServerGone(f"{self.argv[0]}: {exc}") from exc
        return sent

    def _read_message(self, stream) -> dict | None:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:
            return None
        body = stream.read(length)
        if len(body) < length:
            return None
        return json.loads(body)

    def _read_loop(self) -> None:
        stream = self.proc.stdout
        while True:
            try:
                msg = self._read_message(stream)
            except (ValueError, OSError):
                msg = None
            now = time.perf_counter()
            if msg is None:
                with self._cond:
                    self.closed = True
                    self._cond.notify_all()
                return
            if "method" in msg and "id" in msg:
                self._answer_server_request(msg)
                continue
            with self._cond:
                if "method" not in msg:
                    resp = self._pending.get(msg.get("id"))
                    if resp is not None:
                        resp.received = now
                        resp.result = msg.get("result")
                        resp.error = msg.get("error")
                elif msg["method"] == "textDocument/publishDiagnostics":
                    params = msg.get("params") or {}
                    self.diagnostics.setdefault(params.get("uri"), []).append((now, params))
                elif msg["method"] == "$/progress":
                    self.progress.append((now, msg.get("params") or {}))
                self._cond.notify_all()

    def _answer_server_request(self, msg: dict) -> None:
        method = msg["method"]
        self.server_requests.append(method)
        result: JSON = None
        if method == "workspace/configuration":
            items = (msg.get("params") or {}).get("items") or []
            result = [self.config_answer(item) for item in items]
        elif method == "workspace/applyEdit":
            result = {"applied": False, "failureReason": "benchmark client does not apply edits"}
        try:
            self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        except ServerGone:
            pass

    # -- API -----------------------------------------------------------------------------

    def send_request(self, method: str, params: JSON = None) -> Response:
        with self._cond:
            self._next_id += 1
            msg_id = self._next_id
            resp = Response(msg_id, 0.0)
            self._pending[msg_id] = resp
        msg = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        resp.sent = self._send(msg)
        return resp

    def wait_response(self, resp: Response, timeout: float) -> Response:
        """Wait for the answer; `received` stays None on timeout."""
        self.wait_for(lambda: resp.received is not None, timeout)
        with self._cond:
            self._pending.pop(resp.id, None)
        return resp

    def request(self, method: str, params: JSON = None, timeout: float = 30.0) -> Response:
        return self.wait_response(self.send_request(method, params), timeout)

    def notify(self, method: str, params: JSON = None) -> float:
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        return self._send(msg)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until predicate() (called under the lock) holds, the server exits, or timeout."""
        deadline = time.perf_counter() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.perf_counter()
                if left <= 0 or self.closed:
                    return predicate()
                self._cond.wait(left)
            return True

    def diagnostics_since(self, uri: str, since: float, min_version: int | None) -> float | None:
        """Arrival time of the first publish for uri after `since` at version >= min_version."""
        for received, params in self.diagnostics.get(uri, ()):
            if received < since:
                continue
            version = params.get("version")
            if min_version is None or version is None or version >= min_version:
                return received
        return None

    def latest_diagnostics(self, uri: str) -> list[dict]:
        with self._cond:
            events = self.diagnostics.get(uri)
            return list(events[-1][1].get("diagnostics") or []) if events else []

    def cpu_ms(self, children: bool = False) -> float:
        """CPU time (user + system) the server process has used so far, in ms (10 ms ticks).

        Unlike wall time it barely moves with the machine's load, so it separates a slow
        server from a busy machine."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = int(fields[11]) + int(fields[12])
        if children:  # finished, waited-for children, e.g. ruff runs
            ticks += int(fields[13]) + int(fields[14])
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")

    def shutdown(self, timeout: float = 5.0) -> None:
        try:
            self.request("shutdown", None, timeout=timeout)
            self.notify("exit")
        except ServerGone:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_files()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    def _close_files(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        if self._log is not subprocess.DEVNULL:
            self._log.close()
            self._log = subprocess.DEVNULL


def process_tree_rss_mb(pid: int) -> float:
    """VmRSS of a process and all its live descendants, from /proc, in MB (2**20 bytes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces: the ppid is the 2nd field after the ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total_kb, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, ()))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kb / 1024
