"""Generated property checks and timing, run in a sandbox: see ``_props_script``; the
arguments the tests pass, recorded in a sandbox: see ``_args_plugin``."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import statistics
import sys
import threading
from pathlib import Path

from .sandbox import Sandbox
from .verdict import Feedback, Verdict

_HERE = Path(__file__).parent


def module_name(rel: str) -> str:
    """Import name of a workspace-relative ``.py`` path (``src/`` layouts included)."""
    parts = list(Path(rel).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def input_seed(text: str) -> int:
    """The seed of the generated inputs for a function: derived from its source text (the
    same function always meets the same inputs, on every machine and run; not Python's
    ``hash``, which is salted per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def hypothesis_available() -> bool:
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        return False
    return True


def run_properties(
    sandbox: Sandbox,
    rel: str,
    function: str,
    *,
    candidate: str | None,
    mode: str = "crash",
    timing: bool = False,
    max_examples: int = 100,
    call_timeout_s: float = 0.5,
    timeout_s: float = 60.0,
    cancel: threading.Event | None = None,
    python: str | None = None,
    seeds: list[str] | dict = (),
    random_seed: int | None = None,
) -> dict | None:
    """Raw result of the property script, or None when it could not run.

    ``random_seed`` fixes the generated inputs (see ``input_seed``): candidates checked with
    the same seed meet the same inputs, so their differences from the original compare."""
    script = _support(sandbox) / "refine_lsp_props.py"
    cfg = {
        "module": module_name(rel),
        "function": function,
        "candidate": candidate,
        "mode": mode,
        "timing": timing,
        "max_examples": max_examples,
        "call_timeout": call_timeout_s,
        "seeds": list(seeds.get("seeds", [])) if isinstance(seeds, dict) else list(seeds),
        "values": seeds.get("values", {}) if isinstance(seeds, dict) else {},
        "types": seeds.get("types", {}) if isinstance(seeds, dict) else {},
        "random_seed": random_seed,
    }
    root = sandbox.root
    env = {"PYTHONPATH": f"{script.parent}:{root}:{root / 'src'}"}
    run = sandbox.run(
        [python or sys.executable, str(script)],
        timeout_s=timeout_s,
        cancel=cancel,
        env=env,
        stdin=json.dumps(cfg),
    )
    lines = [ln for ln in run.stdout.strip().splitlines() if ln.startswith("{")]
    if run.timed_out or run.cancelled or not lines:
        return {
            "error": "timed out" if run.timed_out else (run.stderr.strip()[-500:] or "no output"),
            "cancelled": run.cancelled,
        }
    try:
        return json.loads(lines[-1])
    except ValueError:
        return {"error": "unreadable property result"}


def property_verdict(
    sandbox: Sandbox,
    rel: str,
    function: str,
    *,
    candidate: str | None,
    mode: str = "crash",
    timing: bool = False,
    max_examples: int = 100,
    lines: tuple[int, ...] = (),
    cancel: threading.Event | None = None,
    timeout_s: float = 60.0,
    seeds: list[str] | dict = (),
    random_seed: int | None = None,
) -> Verdict:
    name = "equivalence" if mode == "equivalent" else "no-crash"
    if not hypothesis_available():
        return Verdict(name, True, "hypothesis not installed; not checked", data={"skipped": True})
    res = run_properties(
        sandbox,
        rel,
        function,
        candidate=candidate,
        mode=mode,
        timing=timing,
        max_examples=max_examples,
        cancel=cancel,
        timeout_s=timeout_s,
        seeds=seeds,
        random_seed=random_seed,
    )
    if res is None or "error" in res:
        err = (res or {}).get("error", "did not run")
        return Verdict(name, False, f"property check failed to run: {err}", data=res or {})
    failure = res.get("failure")
    if failure:
        msg = f"{function}{failure['args']}: {failure['error']}"
        return Verdict(name, False, f"minimal failing example: {msg}", [Feedback(lines, msg)], res)
    details = f"{res.get('valid', res.get('examples', 0))} inputs checked ({mode})"
    if res.get("out_of_range"):
        details += f"; {res['out_of_range']} out of range (the original hangs on them)"
    return Verdict(name, True, details, data=res)


def _support(sandbox: Sandbox) -> Path:
    """The folder beside the sandbox copy holding the scripts that run inside it."""
    support = sandbox.root.parent / "support"
    support.mkdir(exist_ok=True)
    for src, name in (
        ("_props_script.py", "refine_lsp_props.py"),
        ("_inputs.py", "refine_lsp_inputs.py"),
        ("_args_plugin.py", "refine_lsp_args.py"),
    ):
        if not (support / name).exists():
            shutil.copy(_HERE / src, support / name)
    return support


def record_arguments(
    sandbox: Sandbox,
    rel: str,
    function: str,
    tests: list[str],
    *,
    timeout_s: float = 60.0,
    cancel: threading.Event | None = None,
    python: str | None = None,
) -> tuple[dict, str]:
    """What the tests pass to ``function``: ``seeds`` (argument tuples as literal text),
    ``values`` and ``types`` per parameter index where an argument was an object; and an
    error ("" when the tests ran). Runs the tests once more, in the sandbox copy."""
    support = _support(sandbox)
    root = sandbox.root
    env = {
        "PYTHONPATH": f"{support}:{root}:{root / 'src'}",
        "REFINE_ARGS_FILE": str(root / rel),
        "REFINE_ARGS_FUNC": function,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    argv = [python or sys.executable, "-m", "pytest", "-q", "-s", "-p", "refine_lsp_args"]
    argv += ["-p", "no:cacheprovider", "-o", "addopts=", *tests]
    run = sandbox.run(argv, timeout_s=timeout_s, cancel=cancel, env=env)
    for line in reversed(run.stdout.splitlines()):
        if line.startswith("REFINE_ARGS "):
            try:
                found = json.loads(line[len("REFINE_ARGS ") :])
                return {k: found.get(k) or {} for k in ("values", "types")} | {
                    "seeds": [str(a) for a in found.get("seeds") or []]
                }, ""
            except (ValueError, AttributeError):
                break
    error = "timed out" if run.timed_out else "the tests did not report their arguments"
    return {"seeds": [], "values": {}, "types": {}}, error


def speedup_interval(
    original: list[float], candidate: list[float], confidence: float = 0.95, n: int = 2000
) -> tuple[float, float, float]:
    """Ratio of median times (original / candidate) and a bootstrap percentile interval."""
    if not original or not candidate:
        return 0.0, 0.0, 0.0
    point = statistics.median(original) / max(statistics.median(candidate), 1e-9)
    rng = random.Random(0)  # the same timings always give the same interval
    ratios = []
    for _ in range(n):
        o = [rng.choice(original) for _ in original]
        c = [rng.choice(candidate) for _ in candidate]
        ratios.append(statistics.median(o) / max(statistics.median(c), 1e-9))
    ratios.sort()
    tail = (1 - confidence) / 2
    return point, ratios[int(tail * n)], ratios[min(n - 1, int((1 - tail) * n))]


def timing_verdict(result: dict, min_speedup: float = 1.2) -> Verdict:
    """The candidate must be faster with the whole 95% interval of the speed-up above
    ``min_speedup``, measured on an input where the original takes its target time."""
    t = result.get("timing") or {}
    if t.get("error"):
        return Verdict("timing", False, f"not timed: {t['error']}", data=t)
    if not t.get("equal", True):
        return Verdict(
            "timing", False, f"results differ on the timing input {t.get('input')}", data=t
        )
    orig, cand = t.get("original") or [], t.get("candidate") or []
    if len(orig) < 3 or len(cand) < 3:
        return Verdict("timing", False, "too few timings to judge", data=t)
    point, low, high = speedup_interval(orig, cand)
    ok = low > min_speedup
    details = (
        f"{point:.2f}x (95% CI {low:.2f}-{high:.2f}x, {len(orig)} runs each) on "
        f"{t.get('input')}, where the original takes {statistics.median(orig) * 1e3:.0f} ms"
    )
    if not ok:
        details += f"; needs the interval above {min_speedup:.1f}x"
    data = {**t, "speedup": point, "low": low, "high": high}
    return Verdict("timing", ok, details, data=data)
