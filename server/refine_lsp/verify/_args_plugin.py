"""pytest plugin loaded inside the sandbox as ``refine_lsp_args`` (a copy of this file).

While the tests run, it records the arguments they pass to one function (``REFINE_ARGS_FILE``
and ``REFINE_ARGS_FUNC``): calls from outside the function only (not its own recursion),
values that read back as literals, first seen first, at most ``REFINE_ARGS_MAX``. They are
printed as one line ``REFINE_ARGS <json list of reprs>`` at the end (run pytest with ``-s``).
Standard library and pytest only: the user's interpreter runs it.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import threading

import pytest

_FILE = os.path.realpath(os.environ.get("REFINE_ARGS_FILE") or "")
_FUNC = os.environ.get("REFINE_ARGS_FUNC") or ""
_MAX = int(os.environ.get("REFINE_ARGS_MAX") or 200)
_SEEN: dict[str, None] = {}
_IS_TARGET: dict[str, bool] = {}


def _record(frame) -> None:
    code = frame.f_code
    if code.co_name != _FUNC:
        return
    hit = _IS_TARGET.get(code.co_filename)
    if hit is None:
        hit = _IS_TARGET[code.co_filename] = os.path.realpath(code.co_filename) == _FILE
    back = frame.f_back
    if not hit or (back is not None and back.f_code is code) or len(_SEEN) >= _MAX:
        return
    try:
        args = tuple(frame.f_locals[n] for n in code.co_varnames[: code.co_argcount])
        text = repr(args)
        if len(text) <= 4000 and ast.literal_eval(text) == args:
            _SEEN.setdefault(text)
    except Exception:  # noqa: BLE001 - a value that cannot travel as a literal is skipped
        pass


def _profile(frame, event, arg):
    if event == "call":
        _record(frame)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    old = sys.getprofile()
    sys.setprofile(_profile)
    threading.setprofile(_profile)
    try:
        yield
    finally:
        sys.setprofile(old)
        threading.setprofile(None)


def pytest_sessionfinish(session, exitstatus):
    sys.__stdout__.write("\nREFINE_ARGS " + json.dumps(list(_SEEN)) + "\n")
    sys.__stdout__.flush()
