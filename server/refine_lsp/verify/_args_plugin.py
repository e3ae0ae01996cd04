"""pytest plugin loaded inside the sandbox as ``refine_lsp_args`` (a copy of this file).

While the tests run, it records the arguments they pass to one function (``REFINE_ARGS_FILE``
and ``REFINE_ARGS_FUNC``): calls from outside the function only (not its own recursion),
argument tuples that read back as literals, first seen first, at most ``REFINE_ARGS_MAX``;
where some argument is an object, the literal ones per parameter and the objects' classes.
They are printed as one line ``REFINE_ARGS <json>`` at the end (run pytest with ``-s``).
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
_VALUES: dict[int, dict[str, None]] = {}
_TYPES: dict[int, dict[str, None]] = {}
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
    args = tuple(frame.f_locals.get(n) for n in code.co_varnames[: code.co_argcount])
    text = _literal(args)
    if text is not None:
        _SEEN.setdefault(text)
        return
    # Some argument is an object: keep the literal ones per parameter, and the classes of
    # the others (a strategy can build instances of a class defined in the project).
    for i, value in enumerate(args):
        one = _literal(value)
        if one is not None:
            _VALUES.setdefault(i, {}).setdefault(one)
        elif type(value).__module__ not in ("builtins", None):
            name = f"{type(value).__module__}:{type(value).__qualname__}"
            _TYPES.setdefault(i, {}).setdefault(name)


def _literal(value) -> str | None:
    try:
        text = repr(value)
        if len(text) <= 4000 and ast.literal_eval(text) == value:
            return text
    except Exception:  # noqa: BLE001 - a value that cannot travel as a literal is skipped
        pass
    return None


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
    found = {
        "seeds": list(_SEEN),
        "values": {i: list(v) for i, v in _VALUES.items()},
        "types": {i: list(t) for i, t in _TYPES.items()},
    }
    sys.__stdout__.write("\nREFINE_ARGS " + json.dumps(found) + "\n")
    sys.__stdout__.flush()
