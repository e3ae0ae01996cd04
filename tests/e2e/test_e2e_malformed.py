"""Malformed messages over the wire, byte for byte: each gets an answer and the server
keeps serving. (Typed clients cannot send these, so this test writes the frames itself.)"""

from __future__ import annotations

import json
import subprocess
import sys


def frame(msg) -> bytes:
    body = msg if isinstance(msg, bytes) else json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read(stream) -> dict:
    length = None
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def responses(stream, ids: set) -> dict:
    out = {}
    while ids - out.keys():
        msg = read(stream)
        if "id" in msg and "method" not in msg:
            out[msg["id"]] = msg
    return out


def test_malformed_requests_get_errors_and_the_server_keeps_serving(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "refine_lsp", "serve", "--log-level", "ERROR"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        send = proc.stdin
        send.write(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()},
                }
            )
        )
        send.flush()
        assert "capabilities" in responses(proc.stdout, {1})[1]["result"]
        send.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        send.write(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 2,
                    "method": "textDocument/codeAction",
                    "params": {"range": 3},
                }
            )
        )
        send.write(frame({"jsonrpc": "2.0", "id": 3, "method": "refineLsp/stats"}))
        send.write(frame(b'{"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {'))
        send.write(frame({"jsonrpc": "2.0", "id": 5, "method": "no/such/method", "params": {}}))
        send.write(frame({"jsonrpc": "2.0", "id": 6, "method": "refineLsp/stats", "params": {}}))
        send.flush()
        got = responses(proc.stdout, {2, 3, None, 5, 6})
        assert got[None]["error"]["code"] == -32700  # the body that is not JSON (id 4)
        assert got[2]["error"]["code"] == -32602
        assert "invalid params for textDocument/codeAction" in got[2]["error"]["message"]
        assert got[3]["error"]["code"] == -32602
        assert got[5]["error"]["code"] == -32601  # method not found
        assert got[6]["result"]["documents"] == 0  # still serving after all of it
        send.write(frame({"jsonrpc": "2.0", "id": 7, "method": "shutdown"}))
        send.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        send.flush()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
