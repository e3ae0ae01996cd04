"""pytest plugin loaded inside the sandbox as ``refine_lsp_trace`` (a copy of this file).

It records each test's outcome, its failure message, the lines of one target file that the
test executed (a line tracer restricted to that file, so the overhead stays small) and the
target-file lines on the failure's traceback. The result is written as JSON to the path in
``REFINE_RESULT``. Standard library and pytest only: the user's interpreter runs it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

import pytest

_TARGET = os.environ.get("REFINE_TRACE") or None
_TARGET_REAL = os.path.realpath(_TARGET) if _TARGET else None
_RESULTS: dict[str, dict] = {}
_LINES: dict[str, list[int]] = {}
_IS_TARGET: dict[str, bool] = {}
_TEST_TIMEOUT = float(os.environ.get("REFINE_TEST_TIMEOUT") or 0)


class TestTimeout(BaseException):
    """One test ran past its share of the time: a failure of that test, not of the run.

    A BaseException so that the code under test cannot swallow it with ``except Exception``.
    """


def _alarm(signum, frame):
    raise TestTimeout(f"timed out after {_TEST_TIMEOUT:.1f} s")


def _is_target(filename: str) -> bool:
    hit = _IS_TARGET.get(filename)
    if hit is None:
        hit = _IS_TARGET[filename] = os.path.realpath(filename) == _TARGET_REAL
    return hit


def _tracer(lines: set[int]):
    def local(frame, event, arg):
        if event == "line":
            lines.add(frame.f_lineno)
        return local

    def glob(frame, event, arg):
        if _is_target(frame.f_code.co_filename):
            return local
        return None

    return glob


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if _TEST_TIMEOUT > 0:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, _TEST_TIMEOUT)
    try:
        yield from _traced(item)
    finally:
        if _TEST_TIMEOUT > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _traced(item):
    if _TARGET_REAL is None:
        yield
        return
    lines: set[int] = set()
    tracer = _tracer(lines)
    old = sys.gettrace()
    sys.settrace(tracer)
    threading.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(old)
        threading.settrace(None)
        _LINES[item.nodeid] = sorted(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    fail_lines: list[int] = []
    if call.excinfo is not None and _TARGET_REAL is not None:
        tb = call.excinfo.tb
        while tb is not None:
            if _is_target(tb.tb_frame.f_code.co_filename):
                fail_lines.append(tb.tb_lineno)
            tb = tb.tb_next
    report.refine_fail_lines = fail_lines


def pytest_runtest_logreport(report):
    entry = _RESULTS.setdefault(
        report.nodeid, {"outcome": "passed", "message": "", "fail_lines": [], "seconds": 0.0}
    )
    entry["seconds"] += getattr(report, "duration", 0.0)
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else "error"
        entry["message"] = (report.longreprtext or "")[-1500:]
        entry["fail_lines"] = getattr(report, "refine_fail_lines", [])
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("REFINE_RESULT")
    if not path:
        return
    for nodeid, lines in _LINES.items():
        if nodeid in _RESULTS:
            _RESULTS[nodeid]["lines"] = lines
    data = {"tests": _RESULTS, "exitstatus": int(exitstatus), "time": time.time()}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)
    if os.environ.get("REFINE_FAST_EXIT"):
        # A forked throwaway child: skip pytest's unconfigure (a full gc pass over a large
        # heap costs more than the tests themselves).
        os._exit(int(exitstatus))
