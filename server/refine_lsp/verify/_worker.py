"""Test worker run inside a sandbox copy as ``refine_lsp_worker`` (a copy of this file).

Reads one JSON request per line on stdin: write these candidate files, run pytest on these
node ids in a forked child (so pytest is imported once and every candidate gets a fresh
interpreter state), restore the files, answer one JSON line on stdout. A child that runs
past its time limit is killed with its whole process group. The worker is a child
subreaper: whatever a test left running (a plain fork, a double-forked setsid daemon) is
re-parented to it and killed before the reply, so nothing outlives its request.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time

import pytest  # noqa: F401  imported once here, inherited by every forked child
import refine_lsp_reaper as reaper  # a copy of verify/_reaper.py beside this file

_POLL_S = 0.002


def _run_child(args: list[str], result_path: str, trace: str | None, timeout: float) -> None:
    os.setpgid(0, 0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ["REFINE_RESULT"] = result_path
    os.environ["REFINE_TRACE"] = os.path.abspath(trace) if trace else ""
    os.environ["REFINE_FAST_EXIT"] = "1"
    # One hanging test gets half the run's time, so the others still report (and coverage
    # of the hang, the most useful spectrum of all, is kept).
    os.environ["REFINE_TEST_TIMEOUT"] = str(timeout / 2)
    code = 3
    try:
        import pytest as _pytest

        code = int(
            _pytest.main(
                [*args, "-p", "refine_lsp_trace", "-p", "no:cacheprovider", "-q", "-o", "addopts="]
            )
        )
    except BaseException:  # noqa: BLE001 - anything in the child becomes an exit code
        code = 3
    finally:
        os._exit(code)


def _handle(req: dict) -> dict:
    files: dict[str, str] = req.get("files") or {}
    saved: dict[str, str | None] = {}
    for rel, text in files.items():
        try:
            with open(rel, encoding="utf-8") as f:
                saved[rel] = f.read()
        except OSError:
            saved[rel] = None
        os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
        with open(rel, "w", encoding="utf-8") as f:
            f.write(text)
    fd, result_path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    os.unlink(result_path)
    start = time.monotonic()
    timeout = float(req.get("timeout", 10.0))
    pid = os.fork()
    if pid == 0:
        _run_child(list(req.get("args") or []), result_path, req.get("trace"), timeout)
    try:
        # Also set here: the parent must not killpg before the child got its own group.
        os.setpgid(pid, pid)
    except OSError:
        pass
    timed_out = False
    status = 0
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout:
            timed_out = True
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            break
        time.sleep(_POLL_S)
    # Whatever the child left running goes too: in its group, and anywhere below us.
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if reaper.has_children():
        reaper.kill_descendants()
    for rel, text in saved.items():
        if text is None:
            try:
                os.unlink(rel)
            except OSError:
                pass
        else:
            with open(rel, "w", encoding="utf-8") as f:
                f.write(text)
    result = None
    try:
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
        os.unlink(result_path)
    except (OSError, ValueError):
        pass
    code = os.waitstatus_to_exitcode(status) if not timed_out else None
    return {
        "id": req.get("id"),
        "exit": code,
        "timed_out": timed_out,
        "seconds": time.monotonic() - start,
        "result": result,
    }


def _warm_up() -> None:
    """Import pytest's auto-loaded plugins once, here, so forked children find them imported.

    Plugin autoloading (hypothesis, pytest-asyncio...) can take seconds; paying it once per
    worker instead of once per candidate is most of the worker's speed.
    """
    empty = tempfile.mkdtemp(prefix="refine-warm-")
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        pytest.main(["--co", "-q", "-p", "no:cacheprovider", "--rootdir", empty, empty])
    except BaseException:  # noqa: BLE001 - warming up is only an optimisation
        pass
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.rmdir(empty)


def main() -> None:
    sys.dont_write_bytecode = True
    reaper.set_subreaper()
    _warm_up()
    # Everything imported so far is long-lived: keep it out of every child's collections.
    import gc

    gc.collect()
    gc.freeze()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            reply = _handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - a bad request must not end the worker
            reply = {"id": None, "exit": None, "timed_out": False, "error": repr(exc)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
