"""The sandbox: a copy, never the user's directory; limits; whole process trees killed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from procs import cmdline_pids, wait_until
from refine_lsp.verify.containment import detect_isolation
from refine_lsp.verify.pytest_runner import TestPool
from refine_lsp.verify.sandbox import (
    Sandbox,
    SandboxError,
    copy_workspace,
    remove_stale_sandboxes,
    run_command,
    sandbox_env,
)


def _tree_hash(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# A parent that starts a child that starts a grandchild; all three carry the marker in argv.
SPAWNER = r"""
import os, subprocess, sys, time
depth = int(sys.argv[1])
if depth < 2:
    subprocess.Popen([sys.executable, __file__, str(depth + 1), sys.argv[2]])
time.sleep(60)
"""


def _tree_started(marker: str) -> list[int]:
    # Host pids from /proc: inside a pid namespace the tree sees other numbers.
    grandchild = f"spawn.py 2 {marker}"
    assert wait_until(lambda: cmdline_pids(grandchild)), "the process tree did not start"
    return cmdline_pids(marker)


def test_timeout_kills_the_whole_tree(tmp_path):
    marker = f"spawn-{uuid.uuid4().hex}"
    with Sandbox(None, {"spawn.py": SPAWNER}) as sb:
        res = {}
        t = threading.Thread(
            target=lambda: res.update(
                r=sb.run([sys.executable, "spawn.py", "0", marker], timeout_s=3)
            )
        )
        t.start()
        _tree_started(marker)
        t.join()
        assert res["r"].timed_out and res["r"].returncode is None
        assert cmdline_pids(marker) == []


def test_cancel_kills_the_whole_tree_promptly():
    cancel = threading.Event()
    marker = f"spawn-{uuid.uuid4().hex}"
    with Sandbox(None, {"spawn.py": SPAWNER}) as sb:
        res = {}
        t = threading.Thread(
            target=lambda: res.update(
                r=sb.run([sys.executable, "spawn.py", "0", marker], timeout_s=60, cancel=cancel)
            )
        )
        t.start()
        _tree_started(marker)
        cancel.set()
        set_at = time.monotonic()
        t.join()
        returned_after = time.monotonic() - set_at
        assert res["r"].cancelled
        # Well within the 200 ms the server promises, with slack for a loaded machine.
        assert returned_after < 2.0
        assert cmdline_pids(marker) == []


def test_memory_limit_is_enforced():
    code = "x = bytearray(600 * 1024 * 1024)\nprint('allocated')\n"
    with Sandbox(None, {"hog.py": code}, memory_mb=200) as sb:
        r = sb.run([sys.executable, "hog.py"], timeout_s=30)
    assert r.returncode != 0
    assert "MemoryError" in r.stderr
    assert "allocated" not in r.stdout


def test_user_directory_is_never_written(tmp_path):
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "mod.py").write_text("X = 1\n")
    (ws / ".git").mkdir()
    (ws / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = _tree_hash(ws)
    evil = (
        "import os, shutil\n"
        "open('pkg/mod.py', 'w').write('X = 2\\n')\n"
        "open('new.txt', 'w').write('hi')\n"
        "print(os.getcwd())\n"
    )
    with Sandbox(ws, {"evil.py": evil}) as sb:
        r = sb.run([sys.executable, "evil.py"], timeout_s=30)
        assert r.ok, r.stderr
        assert (sb.root / "pkg" / "mod.py").read_text() == "X = 2\n"
        assert not (sb.root / ".git").exists()  # version control is not copied
        assert Path(r.stdout.strip()).resolve() == sb.root.resolve()
        root = sb.root
    assert _tree_hash(ws) == before
    assert not root.exists()  # the copy is removed afterwards


def test_files_outside_the_sandbox_are_refused():
    with pytest.raises(SandboxError):
        copy_workspace(None, {"../escape.py": "x = 1\n"})


def test_secrets_do_not_reach_user_code(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    r = run_command(
        [sys.executable, "-c", "import os; print(os.environ.get('OPENAI_API_KEY'))"],
        tmp_path,
        timeout_s=30,
    )
    assert r.stdout.strip() == "None"


def test_missing_program_is_a_clear_error(tmp_path):
    r = run_command(["/nonexistent/program"], tmp_path, timeout_s=5)
    assert r.returncode is None and "cannot start" in r.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("workspace", "target", "reason"),
    [
        ("/etc", "/etc/passwd", "system directory"),
        ("/", "/etc/passwd", "system directory"),
        (None, "/etc/passwd", "outside the workspace"),  # None: the test's own project
    ],
)
def test_a_file_outside_the_workspace_is_refused(tmp_path, monkeypatch, workspace, target, reason):
    ws = Path(workspace) if workspace else tmp_path / "ws"
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "mod.py").write_text("X = 1\n")
    private = tmp_path / "tmp"  # other sessions' sandboxes come and go in the real one
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    with pytest.raises(SandboxError, match=reason):
        Sandbox(ws, target=Path(target))
    with pytest.raises(SandboxError, match=reason):
        TestPool(ws, workers=1, target=Path(target))
    assert list(private.iterdir()) == []  # nothing was copied


def test_the_configured_key_variable_is_stripped_by_name(monkeypatch, tmp_path):
    # No KEY/TOKEN/SECRET/PASSWORD in the name: only the configured name can catch it.
    monkeypatch.setenv("LLM_CREDS", "sk-live-abcdef123456")
    monkeypatch.setenv("COPY_OF_CREDS", "sk-live-abcdef123456")
    monkeypatch.setenv("PLAIN", "kept")
    show = "import os; print(sorted(k for k in os.environ if k in ('LLM_CREDS','COPY_OF_CREDS','PLAIN')))"
    r = run_command([sys.executable, "-c", show], tmp_path, timeout_s=30, secret_env=["LLM_CREDS"])
    assert r.stdout.strip() == "['PLAIN']", r.stderr
    env = sandbox_env({"LLM_CREDS": "passed-by-mistake"}, secret_env=["LLM_CREDS", None])
    assert "LLM_CREDS" not in env and "COPY_OF_CREDS" not in env and env["PLAIN"] == "kept"
    (tmp_path / "show.py").write_text(show + "\n")
    with Sandbox(tmp_path, secret_env=["LLM_CREDS"]) as sb:
        assert sb.run([sys.executable, "show.py"], timeout_s=30).stdout.strip() == "['PLAIN']"


def test_every_result_says_which_isolation_was_in_force(tmp_path):
    with Sandbox(None, {"a.py": "print(1)\n"}, isolation="tracking") as sb:
        r = sb.run([sys.executable, "a.py"], timeout_s=30)
    assert r.ok and r.survivors == 0
    assert r.isolation.startswith("process tracking only") and r.isolation == sb.isolation
    auto = detect_isolation()
    with Sandbox(None, {"a.py": "print(1)\n"}) as sb:
        r = sb.run([sys.executable, "a.py"], timeout_s=30)
    assert r.ok and r.isolation == auto.description
    assert r.isolation.startswith("bwrap:" if auto.kind == "bwrap" else "process tracking only")


def test_live_sandboxes_are_kept_and_stale_ones_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with Sandbox(None, {"a.py": "X = 1\n"}) as live:
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        )
        stale = tmp_path / "refine-sbx-stale"
        (stale / "ws").mkdir(parents=True)
        (stale / "owner").write_text(f"{dead.stdout.strip()} 12345")
        foreign = tmp_path / "refine-sbx-foreign"  # no owner file: not ours to judge
        foreign.mkdir()
        assert remove_stale_sandboxes() == 1
        assert not stale.exists() and foreign.exists() and live.root.exists()
