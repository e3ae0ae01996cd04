"""The server's stdout is the LSP channel: the model layer must never write to it, must not
import litellm until a model is used, and must keep the key out of every log line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import logging, os, sys
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)  # a host that logs everything
    from refine_lsp.llm import ModelError, complete, complete_inline
    from refine_lsp.llm.fake_server import FakeOpenAI, Reply
    from refine_lsp.settings import Model

    script = [Reply.code("x = 1"), Reply.error(429), Reply.error(500), Reply.error(401),
              Reply(raw_body="not json"), "fim"]
    with FakeOpenAI(script=script) as srv:
        cfg = Model(solver="openai/fake", api_base=srv.url + "/v1", api_key_env="PROBE_KEY",
                    retries=0, timeout_s=30)
        ask = [{"role": "user", "content": "fix it"}]
        complete(ask, config=cfg)
        for _ in range(4):
            try:
                complete(ask, config=cfg)
            except ModelError as exc:
                print("error:", exc, file=sys.stderr)
        complete_inline("a = ", "", config=cfg)
        # A model name litellm cannot place prints a provider list unless silenced.
        try:
            complete(ask, config=Model(solver="no-such-provider-model", api_key_env="PROBE_KEY"))
        except ModelError as exc:
            print("error:", exc, file=sys.stderr)
        print("requests:", len(srv.requests), file=sys.stderr)
    """
)


def _run(code: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **extra_env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )


def test_importing_the_package_does_not_import_litellm():
    code = (
        "import sys, refine_lsp.llm, refine_lsp.llm.fake_server\n"
        "print(sorted(m for m in ('litellm', 'openai', 'httpx', 'llama_cpp') if m in sys.modules))"
    )
    proc = _run(code, {})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_model_calls_never_write_to_stdout_nor_log_the_key():
    key = "sk-probe-0123456789abcdef0123"
    proc = _run(PROBE, {"PROBE_KEY": key, "LITELLM_LOG": "DEBUG", "JSON_LOGS": "true"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == ""
    assert "requests: 6" in proc.stderr  # every scripted answer was really requested
    assert proc.stderr.count("error:") == 5
    assert key not in proc.stderr
