"""ModelProcess with a real child process and a scripted backend (no llama.cpp needed): crashes,
hangs and parent death end the child, never the caller, and the next call starts a new one."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from refine_lsp.llm.errors import ModelError, ModelProcessDied, ModelProcessHung, ModelUnavailable
from refine_lsp.llm.model_process import ModelProcess
from refine_lsp.llm.redact import REDACTED, register_secret

SPEC = f"{Path(__file__).with_name('scripted_backend.py')}:ScriptedBackend"


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def wait_until(check, limit_s: float = 20.0) -> bool:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def model():
    process = ModelProcess(SPEC, start_timeout_s=60.0)
    yield process
    process.close()


def call_in_thread(model: ModelProcess, *args, **kwargs) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = model.call(*args, **kwargs)
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_call_runs_in_a_child_process(model):
    reply = model.call("echo", {"text": "héllo"}, timeout_s=30)
    assert reply["text"] == "héllo"
    assert reply["pid"] != os.getpid() and reply["pid"] == model.pid
    assert 0 < reply["timeout_s"] <= 30  # the time left is the backend's deadline
    assert model.starts == 1


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGILL, signal.SIGSEGV])
def test_a_child_killed_mid_call_fails_that_call_and_the_next_restarts(model, tmp_path, sig):
    first = model.call("echo", {"text": "x"}, timeout_s=30)["pid"]
    marker = tmp_path / "started"
    thread, box = call_in_thread(
        model, "sleep", {"seconds": 60, "marker": str(marker)}, timeout_s=90
    )
    assert wait_until(marker.exists)
    os.kill(first, sig)
    thread.join(30)
    error = box["error"]
    assert isinstance(error, ModelProcessDied)
    assert f"(pid {first}) died mid-call: {sig.name}" in str(error)
    assert "the next call starts a new one" in str(error)
    assert error.signal == sig.name
    if sig == signal.SIGILL:
        assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF"' in str(error)
    again = model.call("echo", {"text": "again"}, timeout_s=30)
    assert again["text"] == "again" and again["pid"] != first
    assert model.starts == 2 and model.deaths[-1].startswith(sig.name)


def test_a_crash_from_inside_and_an_exit_status_are_named(model):
    with pytest.raises(ModelProcessDied, match="SIGILL: the llama.cpp build uses CPU"):
        model.call("crash", {"sig": "SIGILL"}, timeout_s=30)
    with pytest.raises(ModelProcessDied, match="exited with status 7") as info:
        model.call("exit", {"status": 7}, timeout_s=30)
    assert info.value.exit_status == 7
    assert model.call("echo", {"text": "ok"}, timeout_s=30)["text"] == "ok"
    assert model.starts == 3


def test_a_hung_child_is_killed_at_the_timeout_and_replaced(tmp_path):
    model = ModelProcess(SPEC, grace_s=0.2)
    try:
        hung = model.call("echo", {"text": ""}, timeout_s=30)["pid"]
        with pytest.raises(ModelProcessHung, match="did not answer within .* it was killed"):
            model.call("sleep", {"seconds": 60}, timeout_s=0.5)
        assert wait_until(lambda: not alive(hung))
        assert model.call("echo", {"text": "back"}, timeout_s=30)["pid"] not in (None, hung)
    finally:
        model.close()


def test_concurrent_callers_are_served_one_at_a_time_and_get_their_own_answers(model):
    answers: dict[int, list[str]] = {}

    def caller(i: int) -> None:
        answers[i] = [
            model.call("echo", {"text": f"{i}-{k}"}, timeout_s=60)["text"] for k in range(20)
        ]

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert answers == {i: [f"{i}-{k}" for k in range(20)] for i in range(6)}
    assert model.starts == 1


def test_a_caller_waiting_past_its_timeout_for_a_busy_model_gets_a_timeout(model, tmp_path):
    marker = tmp_path / "started"
    thread, box = call_in_thread(
        model, "sleep", {"seconds": 1.5, "marker": str(marker)}, timeout_s=30
    )
    assert wait_until(marker.exists)
    with pytest.raises(TimeoutError, match="busy"):
        model.call("echo", {"text": "x"}, timeout_s=0.2)
    thread.join(30)
    assert box["value"] == "slept"


def test_backend_errors_come_back_and_the_process_lives_on(model):
    pid = model.call("echo", {"text": ""}, timeout_s=30)["pid"]
    with pytest.raises(ModelError, match="local model failed: RuntimeError: boom"):
        model.call("fail", {"message": "boom"}, timeout_s=30)
    with pytest.raises(TimeoutError, match="ran past"):
        model.call("time_out", timeout_s=5)
    with pytest.raises(ModelError, match="no method '_private'"):
        model.call("_private", timeout_s=5)
    assert model.pid == pid and model.starts == 1


def test_a_backend_that_cannot_start_is_unavailable(monkeypatch):
    monkeypatch.setenv("SCRIPTED_BACKEND_FAIL_AT_START", "1")
    model = ModelProcess(SPEC)
    with pytest.raises(
        ModelUnavailable, match="could not load its backend: RuntimeError: refusing"
    ):
        model.call("echo", {"text": ""}, timeout_s=30)
    assert model.pid is None


def test_setup_runs_once_per_child(model):
    setup = ("load", {"path": "m.gguf"})
    model.call("echo", {"text": ""}, timeout_s=30, setup=setup)
    model.call("echo", {"text": ""}, timeout_s=30, setup=setup)
    assert model.call("loads_so_far", timeout_s=30) == 1
    os.kill(model.pid, signal.SIGKILL)
    with pytest.raises(ModelProcessDied):
        model.call("echo", {"text": ""}, timeout_s=30)
    model.call("echo", {"text": ""}, timeout_s=30, setup=setup)  # a new child loads again
    assert model.call("loads_so_far", timeout_s=30) == 1


def test_child_output_is_logged_redacted_and_secrets_stay_out_of_its_environment(
    model, caplog, monkeypatch
):
    secret = "s3cr3t-value-for-the-model-test"
    register_secret(secret)
    monkeypatch.setenv("MODEL_TEST_CREDENTIAL", secret)  # a name without KEY or TOKEN in it
    caplog.set_level(logging.INFO, logger="refine_lsp.llm.model_process")
    model.call("say", {"text": f"the key is {secret}"}, timeout_s=30)
    assert model.call("env", {"name": "MODEL_TEST_CREDENTIAL"}, timeout_s=30) is None
    assert model.call("env", {"name": "PATH"}, timeout_s=30) == os.environ["PATH"]
    with pytest.raises(ModelProcessDied):
        model.call("exit", {"status": 1}, timeout_s=30)
    assert wait_until(lambda: caplog.text.count(f"the key is {REDACTED}") >= 2)
    assert secret not in caplog.text


def _script(body: str) -> list[str]:
    head = (
        f"from refine_lsp.llm.model_process import ModelProcess\nmodel = ModelProcess({SPEC!r})\n"
    )
    return [sys.executable, "-c", head + textwrap.dedent(body)]


def test_the_child_never_writes_to_the_parents_stdout():
    proc = subprocess.run(
        _script("model.call('say', {'text': 'from the child'}, timeout_s=30)\n"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("mid_call", [False, True], ids=["idle", "mid-call"])
def test_the_child_dies_when_its_parent_is_killed(mid_call):
    body = """
        import sys
        print(model.call('echo', {'text': ''}, timeout_s=30)['pid'], flush=True)
        if MID_CALL:
            model.call('sleep', {'seconds': 120}, timeout_s=300)
        else:
            import time; time.sleep(120)
    """.replace("MID_CALL", str(mid_call))
    parent = subprocess.Popen(_script(body), stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        time.sleep(0.3)  # let the mid-call request reach the child
        parent.kill()
        parent.wait(10)
        assert wait_until(lambda: not alive(child)), "the model process outlived its parent"
    finally:
        parent.kill()
        parent.wait(10)


def test_the_child_is_closed_when_its_parent_exits():
    proc = subprocess.run(
        _script("print(model.call('echo', {'text': ''}, timeout_s=30)['pid'])\n"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    child = int(proc.stdout)
    assert wait_until(lambda: not alive(child))


def test_a_forked_copy_of_the_parent_starts_its_own_child():
    body = """
        import os
        first = model.call('echo', {'text': ''}, timeout_s=30)['pid']
        pid = os.fork()
        if pid == 0:
            mine = model.call('echo', {'text': ''}, timeout_s=30)['pid']
            print('fork', mine != first, flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        print('parent', model.call('echo', {'text': ''}, timeout_s=30)['pid'] == first, flush=True)
    """
    proc = subprocess.run(_script(body), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["fork", "True", "parent", "True"], proc.stdout
