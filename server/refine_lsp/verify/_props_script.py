"""Property checks run inside a sandbox as ``refine_lsp_props`` (a copy of this file).

Reads a JSON config on stdin, writes one JSON object as the last line of stdout:
- inputs: the seeds (arguments the tests passed, recorded by ``refine_lsp_args``; docstring
  examples; the defaults), with a candidate the seeds moved to boundary values (constants
  of the function and one either side, empty and shorter sequences: ``boundary_probes``),
  then hypothesis inputs shaped like them (``refine_lsp_inputs``), sizes calibrated down
  until the original answers quickly;
- a hang of the original on an input means the input is out of range: it is skipped and
  counted, never a failure;
- ``crash``: wherever the original returns, the candidate returns too (no new exception,
  no new hang; on a probe that is counted as a difference); ``equivalent``: wherever the
  original returns, the candidate returns an equal value; with no candidate, the original
  itself is checked for exceptions;
  ``domain``: only the calibrated input specs (for a generated test file);
- with ``timing``: a seed scaled up until the original takes ``target_s``, results compared
  on it, then both versions timed in alternation; the raw times go back for an interval.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import math
import signal
import sys
import time
import typing

try:
    import refine_lsp_inputs as inputs
except ImportError:  # run from the package (tests, development)
    from refine_lsp.verify import _inputs as inputs


MAX_PROBE_HANGS = 2


class CallTimeout(BaseException):
    """Raised by the alarm: BaseException so user code's ``except Exception`` can't eat it."""


def _alarm(signum, frame):
    raise CallTimeout()


def _call(fn, args, timeout, fresh=False):
    """``fn(*args)`` on a copy of ``args`` (``fresh``: already a copy), under an alarm."""
    if not fresh:
        args = copy.deepcopy(args)
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return ("ok", fn(*args))
    except CallTimeout:
        return ("hang", None)
    except RecursionError:
        return ("raise", "RecursionError")
    except Exception as exc:  # noqa: BLE001 - user code may raise anything
        return ("raise", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _timed(fn, args, timeout):
    _clear(fn)
    args = copy.deepcopy(args)  # copied before the clock starts: only the call is timed
    start = time.perf_counter()
    kind, value = _call(fn, args, timeout, fresh=True)
    return kind, value, time.perf_counter() - start


def _clear(fn) -> None:
    # A cache kept between timed calls would time lookups, not the function.
    clear = getattr(fn, "cache_clear", None)
    if callable(clear):
        clear()


def _show(args) -> str:
    return "(" + ", ".join(repr(a) for a in args)[:500] + ")"


def _brief(v) -> str:
    """A value in a few words: small ones as they are, big ones by their size."""
    text = repr(v)
    if len(text) <= 24:
        return text
    if isinstance(v, (str, bytes)):
        return f"a {type(v).__name__} of length {len(v)}"
    if isinstance(v, (list, tuple, set, frozenset, dict)):
        return f"a {type(v).__name__} of {len(v)} items"
    return text[:24] + "..."


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, (float, int)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (a != a and b != b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def _source(fn) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


def _seeds(cfg, original, params) -> tuple[list[tuple], dict]:
    n = len(params)
    recorded = []
    for text in cfg.get("seeds") or []:
        try:
            args = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(args, tuple) and len(args) == n:
            recorded.append(args)
    doc = inputs.doctest_seeds(inspect.getdoc(original), original.__name__, n)
    defaults = []
    if n and all(p.default is not inspect.Parameter.empty for p in params):
        defaults.append(tuple(p.default for p in params))
    unique: dict[str, tuple] = {}
    for args in recorded + doc + defaults:
        unique.setdefault(repr(args), args)
    seeds = list(unique.values())
    counts = {"recorded": len(recorded), "docstring": len(doc), "defaults": len(defaults)}
    counts["objects"] = sorted({t for ts in (cfg.get("types") or {}).values() for t in ts})
    counts["partial"] = len(cfg.get("values") or {})
    return seeds, counts


def _specs(cfg, seeds, params, hints) -> list[dict]:
    """Per parameter: shaped like the values seen (whole seeds, then the literal values of
    calls that also passed objects, and the objects' classes), else by the annotation."""
    specs = []
    for i, p in enumerate(params):
        values = [s[i] for s in seeds]
        for text in (cfg.get("values") or {}).get(str(i), []):
            try:
                values.append(ast.literal_eval(text))
            except (ValueError, SyntaxError):
                pass
        options = [inputs.from_values(values, top=True)] if values else []
        for name in (cfg.get("types") or {}).get(str(i), []):
            if _buildable(name):
                options.append({"k": "builds", "type": name})
        if not options:
            options = [inputs.from_annotation(hints.get(p.name, p.annotation), p.default)]
        specs.append(options[0] if len(options) == 1 else {"k": "one_of", "options": options})
    return specs


def _buildable(name: str) -> bool:
    """A project class whose constructor needs no argument (st.builds can make one)."""
    module, _, qual = name.partition(":")
    if "." in qual or "<" in qual:
        return False
    try:
        getattr(importlib.import_module(module), qual)()
    except Exception:  # noqa: BLE001 - any failure means: not buildable this way
        return False
    return True


def _calibrate(original, specs, timeout) -> tuple[list[dict], float]:
    """Shrink the specs until the original answers their costliest input within a fifth of
    the per-call limit (an exponential function stays usable)."""
    factor = 1.0
    for _ in range(12):
        args = tuple(inputs.biggest(s) for s in specs)
        kind, _, seconds = _timed(original, args, timeout)
        if kind != "hang" and seconds <= timeout / 5:
            break
        factor *= 0.75
        specs = [inputs.shrink(s, 0.75) for s in specs]
    return specs, factor


def _timing_input(fn, bases, target_s, limit):
    """The base on which ``fn`` is slowest, grown until ``fn`` takes ``target_s`` on it (or
    the next size would hang or raise: out of range)."""
    timed = []
    # Only a base that scaling changes can reach the target ([] or fib(1) cannot).
    growable = [b for b in bases if tuple(inputs.grow(a, 2.0) for a in b) != b]
    for b in (growable or bases)[:30]:
        kind, _, t = _timed(fn, b, limit)
        if kind == "ok":
            timed.append((t, b))
    if not timed:
        return None
    best_t, base = max(timed, key=lambda x: x[0])
    best, factor, f = base, 1.0, 1.0
    # Sizes that are numbers grow slowly (the work may be exponential in them).
    step = 1.1 if any(isinstance(a, int) and not isinstance(a, bool) for a in base) else 1.5
    while best_t < target_s and f < 2**16:
        f *= step
        trial = tuple(inputs.grow(a, f) for a in base)
        if trial == best:
            continue
        kind, _, t = _timed(fn, trial, limit)
        if kind != "ok":
            break
        best, best_t, factor = trial, t, f
    return best, best_t, factor


def _time_both(original, candidate, args, budget_s, limit) -> dict:
    """Alternate original and candidate on ``args`` (at least 7 pairs, up to 40)."""
    orig, cand = [], []
    equal = True
    deadline = time.monotonic() + budget_s
    for i in range(40):
        k1, want, t1 = _timed(original, args, limit)
        k2, got, t2 = _timed(candidate, args, limit)
        if k1 != "ok":
            break
        if k2 != "ok" or (i == 0 and not _same(want, got)):
            equal = False
            break
        orig.append(t1)
        cand.append(t2)
        if i >= 6 and time.monotonic() > deadline:
            break
    return {"original": orig, "candidate": cand, "equal": equal}


def main() -> None:
    cfg = json.loads(sys.stdin.read())
    sys.setrecursionlimit(3000)
    from hypothesis import HealthCheck, given, seed, settings
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
    timeout = float(cfg.get("call_timeout", 0.5))
    seeds, counts = _seeds(cfg, original, params)
    specs, factor = _calibrate(original, _specs(cfg, seeds, params, hints), timeout)
    mode = cfg.get("mode", "crash")
    out = {"params": [p.name for p in params], "specs": specs, "seeds": counts}
    out["calibrated"] = round(factor, 3)
    if mode == "domain":
        print(json.dumps(out, default=repr))
        return
    state = {"examples": 0, "valid": 0, "failure": None, "out_of_range": 0, "inputs": []}
    state["differ"] = 0  # inputs where the candidate returns another value (repair ranks by it)
    # inputs where the original raises and the candidate returns (repair breaks ties by it)
    state["repaired"] = 0

    def check(args, probe: bool = False) -> bool:
        state["examples"] += 1
        kind, want = _call(original, args, timeout)
        if kind == "hang":
            state["out_of_range"] += 1  # too big for the original: not a fault of either
            return True
        if candidate is None:
            if kind != "ok":
                state["failure"] = {"args": _show(args), "error": str(want)}
                return False
            state["valid"] += 1
            return True
        if kind != "ok":
            if mode == "crash" and _call(candidate, args, timeout)[0] == "ok":
                state["repaired"] += 1
            return True
        state["valid"] += 1
        if len(state["inputs"]) < 40:
            state["inputs"].append(args)
        got_kind, got = _call(candidate, args, timeout)
        if got_kind != "ok" and probe and mode == "crash":
            # A boundary value may lie outside what the function is for: raising there is a
            # change of behaviour to count, not a crash to refuse the candidate for.
            state["differ"] += 1
            return True
        if got_kind != "ok":
            state["failure"] = {"args": _show(args), "error": str(got or "timed out")}
            return False
        if not _same(want, got):
            state["differ"] += 1
        if mode == "equivalent" and not _same(want, got):
            state["failure"] = {
                "args": _show(args),
                "error": f"returned {got!r:.200} where the original returned {want!r:.200}",
            }
            return False
        return True

    @settings(
        max_examples=int(cfg.get("max_examples", 100)),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(st.tuples(*(inputs.strategy(s, st) for s in specs)))
    def prop(args):
        if not check(args):
            raise AssertionError("property failed")

    if cfg.get("random_seed") is not None:  # the caller's seed (from the function's source)
        prop = seed(int(cfg["random_seed"]))(prop)

    ok = all(check(s) for s in seeds)
    if ok and candidate is not None:
        # Boundary probes (see refine_lsp_inputs.boundary_probes) before the random inputs:
        # where weakly tested repairs part ways, so the least-change pick can tell them apart.
        probes = inputs.boundary_probes(seeds, inputs.source_constants(_source(original)))
        before = state["out_of_range"]
        for args in probes:
            if not check(args, probe=True):
                ok = False
                break
            if state["out_of_range"] - before >= MAX_PROBE_HANGS:
                break  # the probes reach sizes the original cannot handle: enough of them
        state["probes"] = len(probes)
    if ok:
        try:
            prop()
        except AssertionError:
            pass
        except Exception as exc:  # noqa: BLE001 - e.g. hypothesis cannot build a strategy
            state["failure"] = state["failure"] or {
                "args": "",
                "error": f"{type(exc).__name__}: {exc}",
            }
    keys = ("examples", "valid", "failure", "out_of_range", "differ", "repaired", "probes")
    out.update({k: state[k] for k in keys if k in state})
    if cfg.get("timing") and candidate is not None and state["failure"] is None:
        out["timing"] = _timing(cfg, original, candidate, seeds or state["inputs"])
    print(json.dumps(out, default=repr))


def _timing(cfg, original, candidate, bases) -> dict:
    target = float(cfg.get("target_s", 0.05))
    limit = float(cfg.get("timing_call_limit_s", 2.0))
    found = _timing_input(original, bases, target, limit)
    if found is None:
        return {"error": "the original returned on none of the inputs"}
    args, seconds, factor = found
    res = _time_both(original, candidate, args, float(cfg.get("timing_budget_s", 3.0)), limit)
    shown = f"{original.__name__}({', '.join(_brief(a) for a in args)})"
    res.update({"input": shown, "factor": round(factor, 3), "first_s": seconds})
    return res


if __name__ == "__main__":
    main()
