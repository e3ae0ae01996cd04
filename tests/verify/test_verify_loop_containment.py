"""The loop with a hostile test among the user's: after the loop and after a cancel, nothing
the test started is alive, and (where bwrap works) the real workspace and HOME are unchanged."""

from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

import pytest
from procs import cmdline_pids, wait_until
from refine_lsp.refine.loop import fix_failing_tests
from refine_lsp.settings import Settings
from refine_lsp.verify import containment

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
AUTO = containment.detect_isolation()
UNSHARE = containment.detect_isolation("unshare")
MODES = [
    pytest.param("auto", marks=pytest.mark.skipif(AUTO.kind != "bwrap", reason=AUTO.description)),
    pytest.param(
        "unshare",
        marks=pytest.mark.skipif(UNSHARE.kind != "unshare", reason=UNSHARE.description),
    ),
    pytest.param("tracking"),
]

# Reaches the function under repair, so the loop runs it with every candidate.
HOSTILE = """
import os, sys, time
from shop.pricing import bulk_discount

MARK = {mark!r}


def _sleeper(tag, env=None):
    argv = [sys.executable, "-c", "import time; time.sleep(300)", MARK + tag]
    os.execve(sys.executable, argv, dict(os.environ) if env is None else env)


def _daemon(tag, env=None):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _sleeper(tag, env)
        os._exit(0)


def _try_write(path):
    try:
        with open(path, "a") as f:
            f.write("leak\\n")
    except OSError:
        pass


def test_reaches_and_leaks():
    assert bulk_discount(1, 1.0) == 1.0
    _daemon("-daemon")
    _daemon("-noenv", env={{}})
    if os.fork() == 0:
        _sleeper("-fork")
    _try_write(os.path.expanduser("~/.leak"))
    _try_write({real_home!r} + "/.leak")
    _try_write({real_ws!r} + "/shop/pricing.py")
    # Lingers, as a hostile suite may: where the kernel ends every process with the run
    # (unshare), the sleepers are visible for this long, not for a few milliseconds.
    time.sleep(1.5)
"""


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def hostile(tmp_path, monkeypatch, request):
    if request.param != "auto":  # the loop asks for "auto": answer with the level under test
        level = containment.detect_isolation(request.param)
        monkeypatch.setattr(containment, "_detected", {"auto": level})
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("export KEEP=1\n")
    monkeypatch.setenv("HOME", str(home))
    ws = tmp_path / "loop_buggy"
    shutil.copytree(FIXTURES / "loop_buggy", ws)
    mark = f"hostile-{uuid.uuid4().hex}"
    # Without namespaces an absolute write would reach the real file: aim it at a decoy.
    target = ws if request.param == "auto" else tmp_path / "decoy"
    (ws / "tests" / "test_hostile.py").write_text(
        HOSTILE.format(mark=mark, real_home=str(home), real_ws=str(target))
    )
    return request.param, ws, home, mark


@pytest.mark.parametrize("hostile", MODES, indirect=True)
def test_after_the_loop_nothing_is_alive_and_real_files_are_unchanged(hostile):
    mode, ws, home, mark = hostile
    before_ws, before_home = _snapshot(ws), _snapshot(home)
    pricing = ws / "shop" / "pricing.py"
    res = fix_failing_tests(ws, pricing, 6, Settings(), worker_env=ENV)
    assert res.new_source is not None and "quantity >= 10" in res.new_source, res.summary
    assert res.summary.test_runs >= 2
    assert cmdline_pids(mark) == []
    if mode == "auto":
        assert _snapshot(ws) == before_ws and _snapshot(home) == before_home


@pytest.mark.parametrize("hostile", MODES, indirect=True)
def test_after_a_cancel_nothing_is_alive(hostile):
    _, ws, _, mark = hostile
    cancel = threading.Event()
    box: dict = {}
    t = threading.Thread(
        target=lambda: box.update(
            r=fix_failing_tests(
                ws, ws / "shop" / "pricing.py", 6, Settings(), cancel=cancel, worker_env=ENV
            )
        ),
        daemon=True,
    )
    t.start()
    assert wait_until(lambda: len(cmdline_pids(mark)) >= 3), "the hostile test did not run"
    cancel.set()
    t.join(30)
    assert box["r"].cancelled
    assert cmdline_pids(mark) == []
