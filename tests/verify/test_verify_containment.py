"""Hostile user tests through the real pytest runner: nothing they start outlives a run, a
timeout, a cancel or a shutdown, and they cannot write to the real HOME or workspace."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from procs import cmdline_pids, wait_until
from refine_lsp.verify.containment import detect_isolation, kill_all_sandboxes, marked_processes
from refine_lsp.verify.pytest_runner import TestPool, TestRequest
from refine_lsp.verify.sandbox import Cancelled, Sandbox, SandboxError, remove_stale_sandboxes

ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
BWRAP = detect_isolation()
UNSHARE = detect_isolation("unshare")
# Every containment level must hold: bwrap and unshare where they work, tracking everywhere.
MODES = [
    pytest.param("auto", marks=pytest.mark.skipif(BWRAP.kind != "bwrap", reason=BWRAP.description)),
    pytest.param(
        "unshare",
        marks=pytest.mark.skipif(UNSHARE.kind != "unshare", reason=UNSHARE.description),
    ),
    pytest.param("tracking"),
]
PREFIX = {"auto": "bwrap:", "unshare": "unshare:", "tracking": "process tracking only"}

# Three double-forked setsid daemons, one that drops its environment (and so the marker),
# and a plain fork child; the test waits until all five are running, then `after` runs.
HOSTILE = """
import os, sys, time

MARK = {mark!r}


def _sleeper(tag, env=None):
    argv = [sys.executable, "-c", "import time; time.sleep(300)", MARK + tag]
    if env is None:
        os.execv(sys.executable, argv)
    os.execve(sys.executable, argv, env)


def _daemon(tag, env=None):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _sleeper(tag, env)
        os._exit(0)


def _count():
    n = 0
    for p in os.listdir("/proc"):
        try:
            with open(f"/proc/{{p}}/cmdline", "rb") as f:
                n += MARK.encode() in f.read()
        except OSError:
            pass
    return n


def test_leaves_processes_behind():
    for i in range(3):
        _daemon(f"-daemon{{i}}")
    _daemon("-noenv", env={{}})
    if os.fork() == 0:
        _sleeper("-fork")
    deadline = time.monotonic() + 20
    while _count() < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _count() >= 5
    {after}
"""


def _project(tmp_path: Path, after: str = "pass") -> tuple[Path, str]:
    mark = f"hostile-{uuid.uuid4().hex}"
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_hostile.py").write_text(HOSTILE.format(mark=mark, after=after))
    return ws, mark


def _no_survivors(pool: TestPool, mark: str) -> None:
    assert wait_until(lambda: not cmdline_pids(mark), timeout=5), cmdline_pids(mark)


@pytest.mark.parametrize("mode", MODES)
def test_daemons_do_not_outlive_the_run(tmp_path, mode):
    ws, mark = _project(tmp_path)
    with TestPool(ws, workers=1, timeout_s=60, env=ENV, isolation=mode) as pool:
        run = pool.run(TestRequest([]))
        assert run.passing == {"test_hostile.py::test_leaves_processes_behind"}, run
        # The worker lives on for the next request; what the test started does not.
        assert cmdline_pids(mark) == []
        assert run.isolation == pool.isolation
        assert run.isolation.startswith(PREFIX[mode])
        tokens = [s.containment.token for s in pool.sandboxes]
    for token in tokens:
        assert marked_processes(token, prefix=True) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_kills_everything(tmp_path, mode):
    ws, mark = _project(tmp_path, after="time.sleep(120)")
    with TestPool(ws, workers=1, timeout_s=3, env=ENV, isolation=mode) as pool:
        run = pool.run(TestRequest([]))
        assert run.timed_out or run.failing, run
        assert cmdline_pids(mark) == []


def _run_in_thread(pool: TestPool, cancel: threading.Event | None = None) -> dict:
    box: dict = {}

    def go() -> None:
        try:
            box["run"] = pool.run(TestRequest([]), cancel)
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            box["exc"] = exc

    box["thread"] = threading.Thread(target=go, daemon=True)
    box["thread"].start()
    return box


@pytest.mark.parametrize("mode", MODES)
def test_cancel_kills_the_fork_child_and_the_daemons(tmp_path, mode):
    ws, mark = _project(tmp_path, after="time.sleep(120)")
    cancel = threading.Event()
    with TestPool(ws, workers=1, timeout_s=60, env=ENV, isolation=mode) as pool:
        box = _run_in_thread(pool, cancel)
        assert wait_until(lambda: len(cmdline_pids(mark)) >= 5), "the hostile test did not start"
        cancel.set()
        box["thread"].join(10)
        assert isinstance(box.get("exc"), Cancelled)
        # Before the pool closes: the cancel itself ended them.
        assert cmdline_pids(mark) == []
        assert pool.survivors == 0


@pytest.mark.parametrize("mode", MODES)
def test_kill_all_sandboxes_on_shutdown(tmp_path, mode):
    ws, mark = _project(tmp_path, after="time.sleep(120)")
    with TestPool(ws, workers=1, timeout_s=60, env=ENV, isolation=mode) as pool:
        box = _run_in_thread(pool)
        assert wait_until(lambda: len(cmdline_pids(mark)) >= 5), "the hostile test did not start"
        assert kill_all_sandboxes() == 0
        assert cmdline_pids(mark) == []
        box["thread"].join(30)
        assert box["run"].error  # the run reports its worker's end; nothing hangs


def test_shutdown_kills_and_refuses_new_work(tmp_path, monkeypatch):
    """After shutdown's kill, a loop still running in a thread cannot start a fresh worker."""
    import refine_lsp.verify.containment as containment

    monkeypatch.setattr(containment, "_refusing", False)  # restored for the other tests
    ws, mark = _project(tmp_path, after="time.sleep(120)")
    with TestPool(ws, workers=1, timeout_s=60, env=ENV) as pool:
        box = _run_in_thread(pool)
        assert wait_until(lambda: len(cmdline_pids(mark)) >= 5), "the hostile test did not start"
        assert kill_all_sandboxes(refuse_new=True) == 0
        assert cmdline_pids(mark) == []
        box["thread"].join(30)
        assert "shut down" in box["run"].error
        with pytest.raises(SandboxError, match="shut down"):
            pool.run(TestRequest([]))
        assert cmdline_pids(mark) == []
    private = tmp_path / "tmp"  # other sessions' sandboxes come and go in the real one
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    with pytest.raises(SandboxError, match="shutting down"):
        Sandbox(ws)
    assert list(private.iterdir()) == []


SERVER = """
import sys, time
from pathlib import Path
from refine_lsp.verify.pytest_runner import TestPool, TestRequest
pool = TestPool(Path(sys.argv[1]), workers=1, timeout_s=60, isolation=sys.argv[2],
                env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
pool.run(TestRequest([]))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_killed_server_leaves_nothing(tmp_path, monkeypatch, mode):
    """SIGKILL of the server (no atexit, no cleanup): the guards see their pipe close."""
    ws, mark = _project(tmp_path, after="time.sleep(120)")
    private = tmp_path / "tmp"  # the killed server's sandbox copies land here
    private.mkdir()
    env = {**os.environ, "TMPDIR": str(private)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(ws), mode], env=env)
    try:
        assert wait_until(lambda: len(cmdline_pids(mark)) >= 5), "the hostile test did not start"
    finally:
        server.kill()
        server.wait()
    assert wait_until(lambda: not cmdline_pids(mark), timeout=5), cmdline_pids(mark)
    # Its copies stay on disk until the next server's first sandbox removes them.
    assert list(private.glob("refine-sbx-*"))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert remove_stale_sandboxes() >= 1
    assert list(private.glob("refine-sbx-*")) == []


WRITER = """
import os, tempfile

REAL_HOME = {home!r}
REAL_WS = {ws!r}


def _refused(path):
    try:
        with open(path, "w") as f:
            f.write("leak")
    except OSError:
        return True
    return False


def test_home_and_tmp_are_the_sandbox_s():
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "TMPDIR"):
        assert not os.environ[var].startswith(REAL_HOME), var
    with open(os.path.expanduser("~/.leak"), "w") as f:
        f.write("leak")
    with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "leak.toml"), "w") as f:
        f.write("leak")
    tempfile.mkstemp()


def test_real_workspace_and_home_are_read_only():
    assert _refused(os.path.join(REAL_WS, "leak.txt"))
    assert _refused(os.path.join(REAL_WS, "test_writer.py"))
    assert _refused(os.path.join(REAL_HOME, ".leak"))
"""


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("mode", MODES)
def test_home_is_temporary_and_real_files_untouched(tmp_path, monkeypatch, mode):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "keep.toml").write_text("keep = 1\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_writer.py").write_text(WRITER.format(home=str(home), ws=str(ws)))
    before_home, before_ws = _snapshot(home), _snapshot(ws)
    with TestPool(ws, workers=1, timeout_s=60, env=ENV, isolation=mode) as pool:
        run = pool.run(TestRequest([]))
    outcomes = {k.split("::")[1]: o.outcome for k, o in run.outcomes.items()}
    assert outcomes["test_home_and_tmp_are_the_sandbox_s"] == "passed", run
    assert _snapshot(home) == before_home
    if mode == "auto":
        assert outcomes["test_real_workspace_and_home_are_read_only"] == "passed", run
        assert _snapshot(ws) == before_ws
    else:
        # Without namespaces an absolute path still reaches the real files: the summary says so.
        assert "the real workspace is writable" in run.isolation


def test_the_configured_api_key_never_reaches_the_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_LLM_CREDS", "sk-live-0123456789")
    monkeypatch.setenv("ALIAS_OF_IT", "sk-live-0123456789")
    monkeypatch.setenv("HARMLESS_SETTING", "visible")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_env.py").write_text(
        textwrap.dedent(
            """
            import os

            def test_env():
                assert os.environ.get("HARMLESS_SETTING") == "visible"
                assert "MY_LLM_CREDS" not in os.environ
                assert "sk-live-0123456789" not in repr(dict(os.environ))
            """
        )
    )
    with TestPool(ws, workers=1, timeout_s=30, env=ENV, secret_env=["MY_LLM_CREDS"]) as pool:
        run = pool.run(TestRequest([]))
    assert run.passing == {"test_env.py::test_env"}, run


def test_the_loop_passes_model_api_key_env_to_its_sandboxes(tmp_path, monkeypatch):
    from refine_lsp.refine.run import Session
    from refine_lsp.settings import Settings

    monkeypatch.setenv("LLM_CREDS", "sk-live-0123456789")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "mod.py").write_text("def f():\n    return 1\n")
    (ws / "test_mod.py").write_text(
        "import os\nfrom mod import f\n\n\ndef test_f():\n"
        "    assert f() == 1 and 'LLM_CREDS' not in os.environ\n"
    )
    settings = Settings()
    settings.model.api_key_env = "LLM_CREDS"
    session = Session("fix", ws, ws / "mod.py", 0, settings, worker_env=ENV, workers=1)
    try:
        run, related = session.baseline()
        assert run.passing == {"test_mod.py::test_f"}, run
        assert session.pool.isolation == run.isolation != ""
    finally:
        session.close()


def test_denied_namespaces_fall_back_to_tracking_and_say_why(tmp_path, monkeypatch):
    import refine_lsp.verify.containment as containment

    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("bwrap", "unshare"):
        (fake / tool).write_text(
            f"#!/bin/sh\necho '{tool}: No permissions to creating new namespace' >&2\nexit 1\n"
        )
        (fake / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    monkeypatch.setattr(containment, "_detected", {})
    iso = containment.detect_isolation()
    assert iso.kind == "tracking"
    assert "bwrap: No permissions to creating new namespace" in iso.description
    assert "unshare: No permissions to creating new namespace" in iso.description
    ws, mark = _project(tmp_path)
    with TestPool(ws, workers=1, timeout_s=60, env=ENV) as pool:
        run = pool.run(TestRequest([]))
        assert run.passing and cmdline_pids(mark) == []
    assert run.isolation == iso.description
