"""Processes a hostile user test leaves alive after "Fix failing tests", per isolation level;
the last line is one JSON object.

The test (it reaches the function under repair, so every candidate run starts it) double-forks
setsid daemons, one with an empty environment, and a plain fork child, and writes to ~ and to
an absolute path beside the workspace. For each level that works here (bwrap, unshare,
tracking) the loop runs on a copy of fixtures/loop_buggy; then /proc is scanned for the
test's marker.

    python bench/sandbox_leaks.py [--levels auto,unshare,tracking]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from refine_lsp.refine.loop import fix_failing_tests  # noqa: E402
from refine_lsp.settings import Settings  # noqa: E402

try:
    from refine_lsp.verify import containment  # noqa: E402
except ImportError:  # a checkout from before containment: measure it as it was
    containment = None

HOSTILE = """
import os, sys
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


def test_reaches_and_leaks():
    assert bulk_discount(1, 1.0) == 1.0
    for i in range(3):
        _daemon(f"-daemon{{i}}")
    _daemon("-noenv", env={{}})
    if os.fork() == 0:
        _sleeper("-fork")
    for path in (os.path.expanduser("~/.leak"), {outside!r}):
        try:
            with open(path, "a") as f:
                f.write("leak\\n")
        except OSError:
            pass
"""


def _alive(mark: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{name}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark.encode() in cmd and state != "Z":
            found.append(int(name))
    return found


def run_level(level: str) -> dict:
    if containment is None:
        description = "kill the process group (before containment)"
    else:
        iso = containment.detect_isolation(level)
        if level != "auto" and iso.kind != level:
            return {"skipped": iso.description}
        containment._detected["auto"] = iso  # the loop asks for "auto"
        description = iso.description
    tmp = Path(tempfile.mkdtemp(prefix="bench-leaks-"))
    home, ws, outside = tmp / "home", tmp / "ws", tmp / "outside.txt"
    home.mkdir()
    shutil.copytree(ROOT / "fixtures" / "loop_buggy", ws)
    mark = f"hostile-{uuid.uuid4().hex}"
    (ws / "tests" / "test_hostile.py").write_text(HOSTILE.format(mark=mark, outside=str(outside)))
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        start = time.monotonic()
        res = fix_failing_tests(
            ws,
            ws / "shop" / "pricing.py",
            6,
            Settings(),
            worker_env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        seconds = time.monotonic() - start
        time.sleep(0.5)
        left = _alive(mark)
    finally:
        if old_home is not None:
            os.environ["HOME"] = old_home
    for pid in left:  # leave the machine as found
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    out = {
        "isolation": description,
        "fixed": res.new_source is not None,
        "test_runs": res.summary.test_runs,
        "seconds": round(seconds, 1),
        "alive_after_loop": len(left),
        "wrote_real_home": (home / ".leak").exists(),
        "wrote_outside_sandbox": outside.exists(),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="auto,unshare,tracking")
    args = ap.parse_args()
    if containment is None:
        print(json.dumps({"before": run_level("before")}))
        return
    saved = dict(containment._detected)
    result = {}
    for level in args.levels.split(","):
        result[level] = run_level(level)
        containment._detected.clear()
        containment._detected.update(saved)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
