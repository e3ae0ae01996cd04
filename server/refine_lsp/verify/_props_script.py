"""Property checks run inside a sandbox as ``refine_lsp_props`` (a copy of this file).

Reads a JSON config on stdin, writes one JSON object as the last line of stdout:
- inputs are drawn by hypothesis from the function's annotations and defaults;
- ``crash``: wherever the original returns, the candidate returns too (no new exception,
  no new hang); ``equivalent``: wherever the original returns, the candidate returns an
  equal value; with no candidate, the original itself is checked for crashes;
- the minimal failing example (hypothesis shrinks it) and, with ``timing``, the time both
  versions take on the inputs the original handled.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import math
import signal
import sys
import time
import typing


class CallTimeout(BaseException):
    """Raised by the alarm: BaseException so user code's ``except Exception`` can't eat it."""


def _alarm(signum, frame):
    raise CallTimeout()


def _call(fn, args, timeout):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return ("ok", fn(*copy.deepcopy(args)))
    except CallTimeout:
        return ("hang", None)
    except RecursionError:
        return ("raise", "RecursionError")
    except Exception as exc:  # noqa: BLE001 - user code may raise anything
        return ("raise", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _show(args) -> str:
    return "(" + ", ".join(repr(a) for a in args)[:500] + ")"


def _strategy(tp, default, st, depth=0):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is inspect.Parameter.empty or tp is typing.Any or isinstance(tp, str):
        if default is not inspect.Parameter.empty and default is not None:
            return _strategy(type(default), inspect.Parameter.empty, st, depth)
        return st.one_of(st.integers(-20, 20), st.text(max_size=6), st.lists(st.integers(-9, 9)))
    if depth > 3:
        return st.none()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-20, 40)
    if tp is float:
        return st.floats(-1e3, 1e3, allow_nan=False)
    if tp is str:
        return st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
    if tp is type(None):
        return st.none()
    if origin in (list, typing.List, set, frozenset) or tp in (list, set):  # noqa: UP006
        inner = _strategy(args[0] if args else int, inspect.Parameter.empty, st, depth + 1)
        lists = st.lists(inner, max_size=8)
        return lists.map(set) if origin in (set, frozenset) or tp is set else lists
    if origin is tuple or tp is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            inner = _strategy(args[0], inspect.Parameter.empty, st, depth + 1)
            return st.lists(inner, max_size=6).map(tuple)
        if not args:
            return st.lists(st.integers(-9, 9), max_size=6).map(tuple)
        return st.tuples(*(_strategy(a, inspect.Parameter.empty, st, depth + 1) for a in args))
    if origin is dict or tp is dict:
        k, v = args if len(args) == 2 else (str, int)
        return st.dictionaries(
            _strategy(k, inspect.Parameter.empty, st, depth + 1),
            _strategy(v, inspect.Parameter.empty, st, depth + 1),
            max_size=5,
        )
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        return st.one_of(*(_strategy(a, inspect.Parameter.empty, st, depth + 1) for a in args))
    if isinstance(tp, type):
        try:
            return st.from_type(tp)
        except Exception:  # noqa: BLE001
            return st.none()
    return st.none()


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, (float, int)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (a != a and b != b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    cfg = json.loads(sys.stdin.read())
    sys.setrecursionlimit(3000)
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    module = importlib.import_module(cfg["module"])
    original = getattr(module, cfg["function"])
    candidate = None
    if cfg.get("candidate") is not None:
        ns = {"__name__": cfg["module"], "__file__": module.__file__}
        ns["__package__"] = getattr(module, "__package__", None)
        exec(compile(cfg["candidate"], module.__file__, "exec"), ns)
        candidate = ns[cfg["function"]]
    sig = inspect.signature(original)
    try:
        hints = typing.get_type_hints(original)
    except Exception:  # noqa: BLE001 - unresolvable annotations fall back to defaults
        hints = {}
    params = [
        p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    strategy = st.tuples(
        *(_strategy(hints.get(p.name, p.annotation), p.default, st) for p in params)
    )
    timeout = float(cfg.get("call_timeout", 0.5))
    mode = cfg.get("mode", "crash")
    state = {"examples": 0, "valid": 0, "failure": None, "inputs": []}

    @settings(
        max_examples=int(cfg.get("max_examples", 100)),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(strategy)
    def prop(args):
        state["examples"] += 1
        kind, want = _call(original, args, timeout)
        if candidate is None:
            if kind != "ok":
                state["failure"] = {"args": _show(args), "error": str(want or kind)}
                raise AssertionError(kind)
            return
        if kind != "ok":
            return
        state["valid"] += 1
        if len(state["inputs"]) < 40:
            state["inputs"].append(args)
        got_kind, got = _call(candidate, args, timeout)
        if got_kind != "ok":
            state["failure"] = {"args": _show(args), "error": str(got or "timed out")}
            raise AssertionError(got_kind)
        if mode == "equivalent" and not _same(want, got):
            state["failure"] = {
                "args": _show(args),
                "error": f"returned {got!r:.200} where the original returned {want!r:.200}",
            }
            raise AssertionError("differs")

    try:
        prop()
    except AssertionError:
        pass
    except Exception as exc:  # noqa: BLE001 - e.g. hypothesis cannot build a strategy
        state["failure"] = state["failure"] or {"args": "", "error": f"{type(exc).__name__}: {exc}"}
    out = {k: state[k] for k in ("examples", "valid", "failure")}
    if cfg.get("timing") and candidate is not None and state["failure"] is None:
        out["timing"] = {"original": _time(original, state["inputs"], timeout)}
        out["timing"]["candidate"] = _time(candidate, state["inputs"], timeout)
    print(json.dumps(out, default=repr))


def _time(fn, inputs, timeout) -> float:
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for args in inputs:
            _call(fn, args, timeout)
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    main()
