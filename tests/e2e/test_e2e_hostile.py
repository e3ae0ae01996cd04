"""A hostile client, byte for byte: the real server over its stdin and stdout, fed broken
frames, out-of-order lifecycle messages, reused versions and text no encoding can carry.
After each case the server still answers a request: 0 crashes, 0 hangs, 0 wrong-text edits.

(Typed clients cannot send these, so this module writes the frames itself.)
"""

from __future__ import annotations

import json
import queue
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from refine_lsp.lsp.framing import BadFrame, Frame, FrameReader
from refine_lsp.text.document import Document

HANG_S = 20.0  # a server that has not answered by then is deaf (not a speed check)
LINT = "import os\nimport sys\n\n\ndef f(x):\n    return x + 1\n\n\nprint(sys.argv)\n"
CAPS = {
    "textDocument": {
        "codeAction": {
            "resolveSupport": {"properties": ["edit"]},
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}},
        },
        "publishDiagnostics": {},
    },
    "workspace": {"workspaceEdit": {"documentChanges": True}},
    "general": {"positionEncodings": ["utf-16"]},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connect(port: int) -> socket.socket:
    deadline = time.monotonic() + HANG_S
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=HANG_S)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def frame(msg) -> bytes:
    body = msg if isinstance(msg, bytes) else json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Wire:
    """The server as a subprocess; messages read from its stdout by a thread."""

    def __init__(self, root: Path, tcp: bool = False) -> None:
        self.root = root
        self.log = root / "server.log"
        cmd = [sys.executable, "-m", "refine_lsp", "serve", "--log-file", str(self.log)]
        port = _free_port() if tcp else None
        self.proc = subprocess.Popen(
            cmd + (["--tcp", f"127.0.0.1:{port}"] if tcp else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.inp, self.out = self.proc.stdin, self.proc.stdout
        if port is not None:
            stream = _connect(port).makefile("rwb")
            self.inp = self.out = stream
        self.inbox: queue.Queue[dict | None] = queue.Queue()
        self.seen: list[dict] = []  # everything read that was not asked for yet
        self._next_id = 1000
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.out
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length)))

    # -- sending ---------------------------------------------------------------------------

    def raw(self, data: bytes) -> None:
        self.inp.write(data)
        self.inp.flush()

    def send(self, msg: dict) -> None:
        self.raw(frame({"jsonrpc": "2.0", **msg}))

    def notify(self, method: str, params=None) -> None:
        self.send({"method": method, "params": params or {}})

    def request(self, method: str, params=None, msg_id=None):
        if msg_id is None:
            self._next_id += 1
            msg_id = self._next_id
        self.send({"id": msg_id, "method": method, "params": params})
        return msg_id

    # -- receiving -------------------------------------------------------------------------

    def wait_for(self, match, timeout: float = HANG_S) -> dict:
        """The first message (already read or still to come) that ``match`` accepts."""
        for i, msg in enumerate(self.seen):
            if match(msg):
                return self.seen.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.inbox.get(timeout=max(0.01, left))
            except queue.Empty:
                raise AssertionError(
                    f"no answer within {timeout:g} s: the server is deaf"
                ) from None
            if msg is None:
                raise AssertionError(f"the server died (exit {self.proc.wait(timeout=10)})")
            if match(msg):
                return msg
            self.seen.append(msg)

    def response(self, msg_id, timeout: float = HANG_S) -> dict:
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def call(self, method: str, params=None) -> dict:
        return self.response(self.request(method, params))

    def null_id_error(self) -> dict:
        return self.wait_for(lambda m: "error" in m and m.get("id") is None and "method" not in m)

    def null_id_errors(self) -> list[dict]:
        """The id-null errors read so far (taken)."""
        out = [m for m in self.seen if "error" in m and m.get("id") is None]
        self.seen = [m for m in self.seen if m not in out]
        return [m["error"] for m in out]

    def alive(self) -> float:
        """Seconds the server took to answer a request (it fails when it never does)."""
        t0 = time.monotonic()
        reply = self.call("refineLsp/stats", {})
        assert "result" in reply, reply
        return time.monotonic() - t0

    def initialize(self, options=None) -> dict:
        params = {"capabilities": CAPS, "rootUri": self.root.as_uri()}
        reply = self.call("initialize", {**params, "initializationOptions": options})
        assert "capabilities" in reply["result"], reply
        self.notify("initialized")
        return reply

    def exit(self, timeout: float = 30) -> int:
        self.notify("exit")
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    # -- documents -------------------------------------------------------------------------

    def open(self, name: str, text: str, version: int = 1) -> str:
        uri = (self.root / name).as_uri()
        item = {"uri": uri, "languageId": "python", "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})
        return uri

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict]:
        msg = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and (version is None or m["params"].get("version") == version)
            )
        )
        return msg["params"]["diagnostics"]

    def actions(self, uri: str, only: list[str], diagnostics=None) -> list[dict]:
        """The actions for the range of the diagnostics given (else the start of the file)."""
        point = {"line": 0, "character": 0}
        rng = diagnostics[0]["range"] if diagnostics else {"start": point, "end": point}
        reply = self.call(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": rng,
                "context": {"diagnostics": diagnostics or [], "only": only, "triggerKind": 1},
            },
        )
        assert "result" in reply, reply
        return reply["result"]


def lsp_offset(text: str, pos: dict) -> int:
    """Offset of an LSP position (utf-16; \\r\\n, \\n and a lone \\r end a line)."""
    starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
    if pos["line"] >= len(starts):
        return len(text)
    start = starts[pos["line"]]
    line = re.split(r"\r\n|\r|\n", text[start:], maxsplit=1)[0]
    units = 0
    for i, ch in enumerate(line):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > pos["character"]:  # inside a character: before it
            return start + i
        units += width
    return start + len(line)


def apply_edit(text: str, edit: dict, uri: str, version: int) -> str:
    edits = []
    for change in edit["documentChanges"]:
        assert change["textDocument"] == {"uri": uri, "version": version}, change
        edits += change["edits"]
    spans = sorted(
        ((lsp_offset(text, e["range"]["start"]), lsp_offset(text, e["range"]["end"]), e["newText"])
         for e in edits),
        reverse=True,
    )  # fmt: skip
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


@pytest.fixture
def wire(tmp_path):
    w = Wire(tmp_path)
    yield w
    w.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One initialized server for the cases that leave it serving (each checks it still is)."""
    w = Wire(tmp_path_factory.mktemp("hostile"))
    w.initialize()
    yield w
    assert w.proc.poll() is None, "the server died"
    w.call("shutdown")
    assert w.exit() == 0
    w.close()


# -- framing ------------------------------------------------------------------------------


def test_a_huge_content_length_is_refused_and_its_body_skipped(shared):
    shared.raw(b"Content-Length: 1099511627776\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 1}')
    error = shared.null_id_error()["error"]
    assert error["code"] == -32600 and "limit" in error["message"], error
    shared.alive()  # the next header, inside what the client said was the body, is read
    assert shared.proc.poll() is None


def _stats(msg_id: int) -> bytes:
    msg = {"jsonrpc": "2.0", "id": msg_id, "method": "refineLsp/stats", "params": {}}
    return json.dumps(msg).encode()


@pytest.mark.parametrize(
    "header",
    [
        b"content-length: %d\r\n\r\n",  # lower case
        b"CONTENT-LENGTH:%d\r\n\r\n",
        b"Content-Length: %d\n\n",  # LF only
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\nContent-Length: %d\n\n",
    ],
    ids=["lower-case", "upper-case-no-space", "lf-only", "lf-with-content-type"],
)
def test_headers_in_any_case_and_with_lf_line_ends_are_read(shared, header):
    msg_id = shared._next_id = shared._next_id + 1
    body = _stats(msg_id)
    shared.raw(header % len(body) + body)
    assert "result" in shared.response(msg_id)
    shared.alive()


BROKEN = {
    "missing-length": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + _stats(1),
    "length-abc": b"Content-Length: abc\r\n\r\n" + _stats(1),
    "length-negative": b"Content-Length: -5\r\n\r\n" + _stats(1),
    "body-shorter": b"Content-Length: 500\r\n\r\n" + _stats(1),
    "body-longer": b"Content-Length: 20\r\n\r\n" + _stats(1),
    "garbage": b"\x00\xff garbage \xfe\r\n\r\nnot a header at all\n",
    "invalid-json": frame(b'{"jsonrpc": "2.0", "id": 1, "method": '),
    "not-utf8": frame(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'),
    "deep-nesting": frame(b"[" * 100_000 + b"]" * 100_000),
    "array": frame(b"[1, 2, 3]"),
}


@pytest.mark.parametrize("data", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_frame_gets_an_error_and_the_next_message_is_read(shared, data):
    shared.raw(data)
    shared.alive()  # the very next request, framed correctly, is answered
    errors = shared.null_id_errors()  # some are only known when the next header arrives
    assert errors and all(e["code"] in (-32700, -32600) and e["message"] for e in errors)
    logged = shared.log.read_text()
    assert logged.count("bad frame") + logged.count("bad message") >= len(errors)


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20], ids=["byte-by-byte", "7-bytes", "whole"])
def test_the_frame_reader_finds_the_next_message_however_the_bytes_arrive(chunk):
    # The reader on its own (no server): each broken frame, then a good one, in pieces.
    good = _stats(7)
    for name, broken in {**BROKEN, "huge": b"Content-Length: 99999999999\r\n\r\n{}"}.items():
        data = broken + b"Content-Length: %d\r\n\r\n" % len(good) + good
        reader = FrameReader(max_body=1 << 20)
        events = []
        for i in range(0, len(data), chunk):
            events += reader.feed(data[i : i + chunk])
        frames = [e.body for e in events if isinstance(e, Frame)]
        assert frames[-1:] == [good], (name, events)
        assert len(frames) + sum(isinstance(e, BadFrame) for e in events) <= 3, (name, events)


def test_a_request_with_an_unusable_id_gets_an_error(shared):
    shared.raw(frame({"jsonrpc": "2.0", "id": {"x": 1}, "method": "refineLsp/stats"}))
    assert shared.null_id_error()["error"]["code"] == -32600
    shared.alive()


def test_tcp_reads_frames_the_same_way(tmp_path):
    wire = Wire(tmp_path, tcp=True)
    try:
        wire.initialize()
        wire.raw(b"Content-Length: 1099511627776\r\n\r\n{}")
        assert wire.null_id_error()["error"]["code"] == -32600
        body = _stats(5)
        wire.raw(b"content-length: %d\n\n" % len(body) + body)
        assert "result" in wire.response(5)
        wire.call("shutdown")
        assert wire.exit() == 0
    finally:
        wire.close()


# -- lifecycle ----------------------------------------------------------------------------


def test_a_second_initialize_is_refused(shared):
    reply = shared.call("initialize", {"capabilities": {}})
    assert reply["error"]["code"] == -32600 and "already initialized" in reply["error"]["message"]
    shared.alive()


def test_requests_before_initialize_get_server_not_initialized(wire):
    uri = wire.open("early.py", "import os\n")  # a notification before initialize: dropped
    reply = wire.call("refineLsp/stats", {})
    assert reply["error"]["code"] == -32002, reply
    wire.initialize()
    assert wire.call("refineLsp/stats", {})["result"]["documents"] == 0, uri
    wire.call("shutdown")
    assert wire.exit() == 0


def test_exit_before_initialize_is_allowed_and_exits_1(wire):
    assert wire.exit() == 1


def test_exit_without_shutdown_exits_1(wire):
    wire.initialize()
    wire.alive()
    assert wire.exit() == 1


def test_requests_after_shutdown_are_invalid_and_exit_then_exits_0(wire):
    wire.initialize()
    assert wire.call("shutdown") == {"jsonrpc": "2.0", "id": wire._next_id, "result": None}
    reply = wire.call("refineLsp/stats", {})
    assert reply["error"]["code"] == -32600 and "shut down" in reply["error"]["message"]
    wire.open("late.py", "import os\n")  # dropped, not served
    assert wire.exit() == 0


def test_shutdown_while_a_request_is_pending_answers_null_and_cancels_it(wire):
    for i in range(300):
        (wire.root / f"m{i:03}.py").write_text("import os\n" * 50)
    wire.initialize()
    pending = wire.request(
        "workspace/executeCommand", {"command": "refineLsp.reviewWorkspace", "arguments": []}
    )
    shutdown = wire.request("shutdown")
    reply = wire.response(shutdown)
    assert reply.get("error") is None and reply["result"] is None, reply
    cancelled = wire.response(pending)
    assert cancelled["error"]["code"] == -32800, cancelled  # RequestCancelled, not -32603
    assert "Traceback" not in json.dumps(reply)
    assert wire.exit() == 0


# -- edits tied to the text they were listed for -------------------------------------------


def _published(wire: Wire, uri: str, code: str, line: int) -> list[dict]:
    """The next diagnostics for ``uri`` that have ``code`` on ``line`` (those of that code)."""
    msg = wire.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and any(
                d["code"] == code and d["range"]["start"]["line"] == line
                for d in m["params"]["diagnostics"]
            )
        )
    )
    return [d for d in msg["params"]["diagnostics"] if d["code"] == code]


def test_a_quick_fix_listed_before_a_reopen_with_the_same_version_is_refused(shared):
    uri = shared.open("reopen.py", LINT, version=1)
    diags = [d for d in shared.diagnostics(uri) if d["code"] == "F401"]
    actions = shared.actions(uri, ["quickfix"], diags)
    fix = next(a for a in actions if "`os`" in a["title"])
    shared.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    reopened = "import sys\nimport os\n\nprint(sys.argv)\n"  # os is now on line 1
    shared.open("reopen.py", reopened, version=1)
    reply = shared.call("codeAction/resolve", fix)
    assert reply.get("error", {}).get("code") == -32801, reply  # ContentModified: no edit
    # Listed again, the fix is for the text as it is now, and applies to it.
    diags = _published(shared, uri, "F401", 1)
    fresh = next(a for a in shared.actions(uri, ["quickfix"], diags) if "`os`" in a["title"])
    resolved = shared.call("codeAction/resolve", fresh)["result"]
    assert apply_edit(reopened, resolved["edit"], uri, 1) == "import sys\n\nprint(sys.argv)\n"


def test_a_change_that_reuses_the_version_invalidates_listed_fixes_and_findings(shared):
    uri = shared.open("same_version.py", LINT, version=1)
    diags = _published(shared, uri, "F401", 0)
    fix = next(a for a in shared.actions(uri, ["quickfix"], diags) if "`os`" in a["title"])
    start = {"line": 0, "character": 0}
    shared.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 1},  # a client bug: the same version
            "contentChanges": [{"range": {"start": start, "end": start}, "text": "import json\n"}],
        },
    )
    reply = shared.call("codeAction/resolve", fix)
    assert reply.get("error", {}).get("code") == -32801, reply
    # The findings are those of the new text (os on line 1), and so is the fix.
    diags = [d for d in _published(shared, uri, "F401", 1) if "`os`" in d["message"]]
    fresh = next(a for a in shared.actions(uri, ["quickfix"], diags) if "`os`" in a["title"])
    resolved = shared.call("codeAction/resolve", fresh)["result"]
    edited = "import json\n" + LINT
    assert apply_edit(edited, resolved["edit"], uri, 1) == edited.replace("import os\n", "")


def test_lone_surrogates_make_no_request_fail(shared):
    text = "import os\nx = '\ud800'\nprint(x == None)\n"
    uri = shared.open("surrogate.py", text)
    shared.diagnostics(uri)
    at = {"line": 1, "character": 5}
    inline = shared.call(
        "textDocument/inlineCompletion",
        {"textDocument": {"uri": uri}, "position": at, "context": {"triggerKind": 1}},
    )
    assert "result" in inline, inline
    kinds = (["source.fixAll.refine"], ["source.organizeImports"], ["quickfix"], ["refactor"])
    for only in kinds:
        for action in shared.actions(uri, only):
            reply = shared.call("codeAction/resolve", action)
            error = reply.get("error")
            assert error is None or error["code"] != -32603, reply
            if error is not None:
                assert "surrogate" in error["message"], error
    fix_all = shared.actions(uri, ["source.fixAll.refine"])
    assert fix_all, "fixAll is offered"
    error = shared.call("codeAction/resolve", fix_all[0])["error"]
    assert error["code"] == -32803 and "lone surrogate" in error["message"], error
    shared.alive()


def test_line_index_after_edits_that_join_and_split_cr_lf():
    # Incremental edits around \r and \n (a \r and a \n joined into one break, or parted)
    # give the same lines, text and tree as opening the result afresh.
    rng = random.Random(12)
    pieces = ["a", "\r", "\n", "\r\n", "x = 1", "é", "😀", '"""', " "]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        doc = Document("file:///t.py", text, 1)
        for _ in range(6):
            lines = len(re.split(r"\r\n|\r|\n", text))
            start = {"line": rng.randint(0, lines), "character": rng.randint(0, 5)}
            end = {"line": rng.randint(0, lines), "character": rng.randint(0, 5)}
            new = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
            a, b = sorted((lsp_offset(text, start), lsp_offset(text, end)))
            text = text[:a] + new + text[b:]
            doc.apply_change(
                new, (start["line"], start["character"]), (end["line"], end["character"])
            )
            fresh = Document("file:///t.py", text, 1)
            assert doc.text == text
            assert doc.line_starts == fresh.line_starts
            assert str(doc.tree.root_node) == str(fresh.tree.root_node)
            assert doc.tree.root_node.end_point == fresh.tree.root_node.end_point


def test_positions_after_a_lone_cr_count_it_as_a_line_break(wire):
    # compare-to-none only: the edit comes from the server's own text and positions, and
    # the whole text after it shows whether the server put each change where the client did.
    wire.initialize({"fixAll": {"rules": ["compare-to-none"]}})
    # The lone \r sits in a string, where Python and tree-sitter read it alike. The change
    # after it makes the comparison the fix rewrites: put anywhere else, there is none.
    text = 'x = """a\r"""\nif x == 1:\n    pass\n'
    uri = wire.open("cr.py", text)
    changes = [
        {"range": {"start": {"line": 2, "character": 8}, "end": {"line": 2, "character": 9}},
         "text": "None"},
    ]  # fmt: skip
    wire.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": changes},
    )
    edited = 'x = """a\r"""\nif x == None:\n    pass\n'
    for change in changes:
        start, end = (lsp_offset(text, change["range"][k]) for k in ("start", "end"))
        text = text[:start] + change["text"] + text[end:]
    assert text == edited
    wire.diagnostics(uri, version=2)
    fix_all = wire.actions(uri, ["source.fixAll.refine"])
    resolved = wire.call("codeAction/resolve", fix_all[0])["result"]
    assert apply_edit(edited, resolved["edit"], uri, 2) == (
        'x = """a\r"""\nif x is None:\n    pass\n'
    )
    wire.alive()
    wire.call("shutdown")
    assert wire.exit() == 0


def figures() -> dict:
    """Every framing case on one server, and how long it then took to answer a request."""
    import tempfile

    wire = Wire(Path(tempfile.mkdtemp(prefix="refine-lsp-hostile-")))
    wire.initialize()
    cases = {**BROKEN, "huge": b"Content-Length: 1099511627776\r\n\r\n{}"}
    answer_ms = {}
    for name, data in cases.items():
        wire.raw(data)
        answer_ms[name] = round(wire.alive() * 1000, 1)
    wire.call("shutdown")
    crashed = wire.exit() != 0
    return {
        "cases": len(cases),
        "crashes": int(crashed),
        "hangs": 0,  # alive() fails on a hang
        "max_answer_ms": max(answer_ms.values()),
        "answer_ms": answer_ms,
    }


if __name__ == "__main__":  # python tests/e2e/test_e2e_hostile.py: one JSON object
    print(json.dumps(figures()))
