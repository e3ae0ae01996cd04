"""A real HTTP server on 127.0.0.1 that speaks the OpenAI API with scripted answers.

Tests (and offline demos) point litellm at it so that litellm itself, its HTTP client, its
error mapping and its usage parsing are exercised, not a mock of them:

    with FakeOpenAI(script=[Reply.status(429), Reply.code("def f():\\n    return 1\\n")]) as srv:
        config = Model(solver="openai/fake", api_base=srv.url + "/v1", api_key_env="FAKE_KEY")

Each request to /v1/chat/completions or /v1/completions takes the next entry of the script
(a ``Reply``, a plain string, or a callable ``(request) -> Reply``); a ``responder`` callable
answers every request after the script, otherwise an exhausted script answers 500 so a test
that makes more calls than it planned fails loudly. Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI", "RecordedRequest", "Reply"]


@dataclass
class Reply:
    """One scripted answer. ``text`` may be a list to give ``n`` different choices."""

    text: str | list[str] = ""
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    # Per-token log-probabilities to return when the request asks for them; None derives them.
    logprobs: list[float] | None = None
    # Sent verbatim instead of a JSON completion (e.g. a malformed body).
    raw_body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def code(cls, source: str, language: str = "python", prose: str = "Here is the fix:") -> Reply:
        return cls(text=f"{prose}\n\n```{language}\n{source.rstrip()}\n```\n")

    @classmethod
    def garbage(cls) -> Reply:
        return cls(text="I think the issue is probably somewhere around there?? ~~~ lorem ipsum")

    @classmethod
    def truncated(cls, source: str = "def f(xs):\n    total = 0\n    for x in xs:\n") -> Reply:
        # Cut mid-block and without the closing fence, as a model that hit max_tokens answers.
        return cls(text=f"```python\n{source}", finish_reason="length")

    @classmethod
    def wrong_language(cls) -> Reply:
        js = "function f(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}"
        return cls(text=f"```javascript\n{js}\n```")

    @classmethod
    def slow(cls, delay_s: float, text: str = "too late") -> Reply:
        return cls(text=text, delay_s=delay_s)

    @classmethod
    def error(cls, status: int, message: str = "scripted error", retry_after: float | None = None):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return cls(status=status, text=message, headers=headers)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes
    body: Any  # parsed JSON, or None when the body was not JSON
    at: float


ScriptEntry = Reply | str | Callable[[RecordedRequest], "Reply | str"]


def _tokens(text: str) -> list[str]:
    # A stable stand-in for a tokenizer: words and the whitespace before them.
    return re.findall(r"\s*\S+", text) or ([text] if text else [])


def _prompt_text(body: dict) -> str:
    if "messages" in body:
        parts = []
        for m in body.get("messages") or []:
            content = m.get("content")
            if isinstance(content, list):
                content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
            parts.append(str(content or ""))
        return "\n".join(parts)
    prompt = body.get("prompt", "")
    text = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
    return text + str(body.get("suffix") or "")


class FakeOpenAI:
    def __init__(
        self,
        script: Sequence[ScriptEntry] = (),
        *,
        responder: Callable[[RecordedRequest], Reply | str] | None = None,
        model_name: str = "fake",
    ) -> None:
        self._script: list[ScriptEntry] = list(script)
        self._responder = responder
        self._model_name = model_name
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes any reply still sleeping through its delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "FakeOpenAI is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- script --------------------------------------------------------------------------
    def add(self, *entries: ScriptEntry) -> None:
        with self._lock:
            self._script.extend(entries)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            entry: ScriptEntry | None = self._script.pop(0) if self._script else None
        if entry is None:
            if self._responder is None:
                return Reply.error(500, "fake server: script exhausted")
            entry = self._responder
        if callable(entry):
            entry = entry(request)
        return Reply(text=entry) if isinstance(entry, str) else entry

    # -- rendering -----------------------------------------------------------------------
    def _render(self, path: str, body: dict, reply: Reply) -> dict:
        n = int(body.get("n") or 1)
        texts = reply.text if isinstance(reply.text, list) else [reply.text] * n
        chat = path.endswith("/chat/completions")
        want_logprobs = bool(body.get("logprobs"))
        choices = []
        for i, text in enumerate(texts[:n]):
            choice: dict[str, Any] = {"index": i, "finish_reason": reply.finish_reason}
            toks = _tokens(text)
            lps = reply.logprobs or [-0.05 * (1 + k % 4) for k in range(len(toks))]
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
                if want_logprobs:
                    choice["logprobs"] = {
                        "content": [
                            {"token": t, "logprob": lp, "bytes": None, "top_logprobs": []}
                            for t, lp in zip(toks, lps, strict=False)
                        ]
                    }
            else:
                choice["text"] = text
                choice["logprobs"] = (
                    {
                        "tokens": toks,
                        "token_logprobs": lps[: len(toks)],
                        "top_logprobs": None,
                        "text_offset": [],
                    }
                    if want_logprobs
                    else None
                )
            choices.append(choice)
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = len(_tokens(_prompt_text(body)))
        completion_tokens = reply.completion_tokens
        if completion_tokens is None:
            completion_tokens = sum(len(_tokens(t)) for t in texts[:n])
        return {
            "id": f"fake-{len(self.requests)}",
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": body.get("model") or self._model_name,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _make_handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the default writes to stderr on every request

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout or cancel): nothing to deliver to

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                data = {"object": "list", "data": [{"id": server._model_name, "object": "model"}]}
                self._send(200, json.dumps(data).encode())
            else:
                self._send(404, b'{"error": {"message": "not found"}}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            path = self.path.split("?", 1)[0].rstrip("/")
            request = RecordedRequest(
                path=path,
                headers={k.lower(): v for k, v in self.headers.items()},
                raw=raw,
                body=body,
                at=time.time(),
            )
            if not (path.endswith("/chat/completions") or path.endswith("/completions")):
                self._send(404, b'{"error": {"message": "unknown endpoint"}}')
                return
            reply = server._next_reply(request)
            if reply.delay_s and server._closing.wait(reply.delay_s):
                return  # shutting down
            if reply.raw_body is not None:
                self._send(reply.status, reply.raw_body.encode(), reply.headers)
            elif reply.status != 200:
                err = {
                    "error": {
                        "message": reply.text if isinstance(reply.text, str) else "error",
                        "type": "rate_limit_error" if reply.status == 429 else "server_error",
                        "code": reply.status,
                    }
                }
                self._send(reply.status, json.dumps(err).encode(), reply.headers)
            else:
                data = server._render(path, body if isinstance(body, dict) else {}, reply)
                self._send(200, json.dumps(data).encode(), reply.headers)

    return Handler


def main() -> None:
    """`python -m refine_lsp.llm.fake_server`: answer every request with a fixed code reply."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--text", default="```python\npass\n```", help="answer to every request")
    args = ap.parse_args()
    srv = FakeOpenAI(responder=lambda _r: Reply(text=args.text)).start()
    import sys

    # stderr: this module may run beside an LSP server whose stdout is the protocol channel.
    print(f"fake OpenAI server at {srv.url}/v1 (Ctrl-C to stop)", file=sys.stderr)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.close()


if __name__ == "__main__":
    main()
