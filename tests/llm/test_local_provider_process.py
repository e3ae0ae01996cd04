"""The ``local`` litellm provider through its real model process, with the scripted backend in
place of llama.cpp: what a caller of complete() sees when that process dies or hangs.
Runs everywhere; the same paths with the real model are in test_llm_local.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from refine_lsp.llm import ModelTimeout, acomplete, complete
from refine_lsp.llm import local as local_model
from refine_lsp.llm.errors import ModelProcessDied, ModelProcessHung
from refine_lsp.llm.model_process import ModelProcess
from refine_lsp.llm.redact import REDACTED, register_secret
from refine_lsp.settings import Model

SPEC = f"{Path(__file__).with_name('scripted_backend.py')}:ScriptedBackend"


@pytest.fixture
def scripted(monkeypatch, tmp_path, warm_litellm):
    """The provider's model process runs the scripted backend; a real (empty) .gguf path."""
    process = ModelProcess(SPEC, grace_s=0.5)
    monkeypatch.setattr(local_model, "_process", process)
    monkeypatch.setattr(local_model, "llama_available", lambda: True)
    gguf = tmp_path / "scripted.gguf"
    gguf.write_bytes(b"")
    yield process, Model(solver=f"local/{gguf}", timeout_s=30.0, retries=2)
    process.close()


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_an_answer_comes_back_from_the_model_process(scripted):
    process, config = scripted
    [answer] = complete(ask("hello there"), config=config, max_tokens=16)
    assert answer.text == "echo: hello there"
    assert answer.completion_tokens == 3
    assert process.starts == 1 and process.pid is not None


def test_a_key_the_model_echoes_is_redacted(scripted):
    _, config = scripted
    secret = "local-echo-secret-0123456789"
    register_secret(secret)
    [answer] = complete(ask(f"the key {secret}"), config=config)
    assert answer.text == f"echo: the key {REDACTED}"


def test_a_dead_model_process_is_reported_not_retried_and_replaced(scripted):
    process, config = scripted
    first = complete(ask("warm"), config=config) and process.pid
    with pytest.raises(ModelProcessDied, match=rf"\(pid {first}\) died mid-call: SIGKILL"):
        complete(ask("CRASH:SIGKILL"), config=config)  # retries=2: none spent on a crash
    assert len(process.deaths) == 1
    [answer] = complete(ask("after"), config=config)
    assert answer.text == "echo: after"
    assert process.starts == 2 and process.pid != first


async def test_the_async_path_reports_a_sigill_with_the_way_out(scripted):
    process, config = scripted
    with pytest.raises(ModelProcessDied, match="SIGILL: .*-DGGML_NATIVE=OFF"):
        await acomplete(ask("CRASH:SIGILL"), config=config)
    [answer] = await acomplete(ask("after"), config=config)
    assert answer.text == "echo: after"


def test_a_hung_model_process_times_out_and_is_replaced(scripted):
    process, _ = scripted
    quick = Model(solver=scripted[1].solver, timeout_s=0.5, retries=0)
    with pytest.raises(ModelTimeout, match="did not answer within") as info:
        complete(ask("SLEEP:30"), config=quick)
    assert isinstance(info.value, ModelProcessHung)
    [answer] = complete(ask("after"), config=scripted[1])
    assert answer.text == "echo: after" and process.starts == 2
