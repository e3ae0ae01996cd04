"""The sandbox: a copy, never the user's directory; limits; whole process trees killed."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from procs import cmdline_pids, wait_until
from refine_lsp.verify.sandbox import Sandbox, SandboxError, copy_workspace, run_command


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
