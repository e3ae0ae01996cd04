"""A minimal synchronous LSP client over stdio for benchmarks: starts `refine-lsp serve`,
initializes as an editor that accepts documentChanges and file renames (utf-32 positions, so
columns are Python string indices), answers the server's requests (registerCapability,
configuration, progress) and keeps the messages it shows."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path


class ServerError(Exception):
    """An error response (a refusal, most often): its message."""


class StaleEdit(Exception):
    """The edit does not fit the files as they are (a version it was not made for, a file
    it would create that exists): an editor refuses to apply it."""


class StdioClient:
    def __init__(self, root: Path, settings: dict | None = None):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "refine_lsp", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=root,
        )
        self.root = root
        self.settings = settings or {}
        self.messages: list[str] = []
        self._next = 0
        self._responses: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.versions: dict[str, int] = {}
        caps = {
            "general": {"positionEncodings": ["utf-32", "utf-16"]},
            "workspace": {
                "workspaceEdit": {
                    "documentChanges": True,
                    "resourceOperations": ["create", "rename", "delete"],
                    "changeAnnotationSupport": {"groupsOnLabel": True},
                },
                "didChangeWatchedFiles": {"dynamicRegistration": True},
                "configuration": True,
            },
            "textDocument": {
                "rename": {"prepareSupport": True},
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}
                    },
                    "dataSupport": True,
                    "resolveSupport": {"properties": ["edit"]},
                },
            },
            "window": {"showMessage": {}},
        }
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": caps,
                "initializationOptions": self.settings,
            },
        )
        self.encoding = result["capabilities"].get("positionEncoding", "utf-16")
        assert self.encoding == "utf-32", self.encoding
        self.notify("initialized", {})

    # framing
    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        with self._lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            if "method" in msg and "id" in msg:  # a request from the server
                result = (
                    [self.settings] * len(msg["params"].get("items", []))
                    if msg["method"] == "workspace/configuration"
                    else None
                )
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            elif "method" in msg:
                if msg["method"] == "window/showMessage":
                    self.messages.append(msg["params"]["message"])
            else:
                q = self._responses.get(msg.get("id"))
                if q is not None:
                    q.put(msg)

    def request(self, method: str, params: dict, timeout: float = 120):
        self._next += 1
        rid = self._next
        q: queue.Queue = queue.Queue()
        self._responses[rid] = q
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        try:
            msg = q.get(timeout=timeout)
        finally:
            del self._responses[rid]
        if "error" in msg:
            raise ServerError(msg["error"].get("message", "error"))
        return msg.get("result")

    def notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    # documents
    def open(self, path: Path) -> str:
        uri = path.as_uri()
        if uri not in self.versions:
            self.versions[uri] = 1
            self.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "python",
                        "version": 1,
                        "text": path.read_text(encoding="utf-8"),
                    }
                },
            )
        return uri

    def close_all(self) -> None:
        for uri in list(self.versions):
            self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        self.versions.clear()

    def reset(self, paths) -> None:
        """Files were put back behind the server's back: close every document and announce
        the files as changed (or deleted, where they are gone)."""
        self.close_all()
        self.notify(
            "workspace/didChangeWatchedFiles",
            {
                "changes": [
                    {"uri": Path(p).as_uri(), "type": 2 if Path(p).exists() else 3} for p in paths
                ]
            },
        )

    def apply(self, edit: dict) -> dict[str, str]:
        """Apply a WorkspaceEdit as an editor does: open documents get incremental didChange
        (and are saved), closed files are written and announced as changed on disk, file
        renames are done and announced, created files are made (empty) and announced. An
        edit versioned for another version of an open document is refused, as an editor
        does (StaleEdit). Returns path -> new text."""
        changed: dict[str, str] = {}
        watched: list[dict] = []
        parts = edit.get("documentChanges")
        if parts is None:
            parts = [
                {"textDocument": {"uri": u, "version": None}, "edits": e}
                for u, e in (edit.get("changes") or {}).items()
            ]
        for part in parts:
            doc = part.get("textDocument")
            version = doc.get("version") if doc else None
            if version is not None and self.versions.get(doc["uri"]) != version:
                raise StaleEdit(
                    f"{doc['uri']} is at {self.versions.get(doc['uri'])}, the edit at {version}"
                )
        for part in parts:
            if part.get("kind") == "create":
                path = Path(_path(part["uri"]))
                if path.exists() and not (part.get("options") or {}).get("ignoreIfExists"):
                    raise StaleEdit(f"{path.name} exists: the edit would create it")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                watched.append({"uri": part["uri"], "type": 1})
                continue
            if part.get("kind") == "rename":
                old, new = Path(_path(part["oldUri"])), Path(_path(part["newUri"]))
                old.rename(new)
                watched += [{"uri": part["oldUri"], "type": 3}, {"uri": part["newUri"], "type": 1}]
                continue
            uri = part["textDocument"]["uri"]
            path = Path(_path(uri))
            text = path.read_text(encoding="utf-8")
            edits = sorted(
                part["edits"],
                key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                reverse=True,
            )
            for e in edits:
                text = _apply_one(text, e)
            path.write_text(text, encoding="utf-8")
            changed[str(path)] = text
            if uri in self.versions:
                self.versions[uri] += 1
                self.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": self.versions[uri]},
                        "contentChanges": [
                            {"range": e["range"], "text": e["newText"]} for e in edits
                        ],
                    },
                )
                self.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
            else:
                watched.append({"uri": uri, "type": 2})
        if watched:
            self.notify("workspace/didChangeWatchedFiles", {"changes": watched})
        return changed

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001 - the benchmark is over either way
            self.proc.kill()


def _path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


def _offset(text: str, line: int, col: int) -> int:
    lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)  # LSP's line ends only
    return sum(len(x) for x in lines[:line]) + col


def _apply_one(text: str, e: dict) -> str:
    r = e["range"]
    a = _offset(text, r["start"]["line"], r["start"]["character"])
    b = _offset(text, r["end"]["line"], r["end"]["character"])
    return text[:a] + e["newText"] + text[b:]


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, (time.perf_counter() - t0) * 1000
