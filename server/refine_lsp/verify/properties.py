"""Generated property checks and timing, run in a sandbox: see ``_props_script``."""

from __future__ import annotations

import json
import shutil
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
) -> dict | None:
    """Raw result of the property script, or None when it could not run."""
    script = sandbox.root.parent / "support" / "refine_lsp_props.py"
    script.parent.mkdir(exist_ok=True)
    if not script.exists():
        shutil.copy(_HERE / "_props_script.py", script)
    cfg = {
        "module": module_name(rel),
        "function": function,
        "candidate": candidate,
        "mode": mode,
        "timing": timing,
        "max_examples": max_examples,
        "call_timeout": call_timeout_s,
    }
    root = sandbox.root
    env = {"PYTHONPATH": f"{root}:{root / 'src'}"}
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
    )
    if res is None or "error" in res:
        err = (res or {}).get("error", "did not run")
        return Verdict(name, False, f"property check failed to run: {err}", data=res or {})
    failure = res.get("failure")
    if failure:
        msg = f"{function}{failure['args']}: {failure['error']}"
        return Verdict(name, False, f"minimal failing example: {msg}", [Feedback(lines, msg)], res)
    details = f"{res.get('valid', res.get('examples', 0))} generated inputs checked ({mode})"
    return Verdict(name, True, details, data=res)


def timing_verdict(result: dict, min_speedup: float = 1.1) -> Verdict:
    """Judge a property result that carries timings: the candidate must be measurably faster."""
    t = result.get("timing") or {}
    orig, cand = t.get("original"), t.get("candidate")
    if not orig or not cand:
        return Verdict("timing", False, "no timing measured", data=t)
    speedup = orig / cand if cand > 0 else float("inf")
    ok = speedup >= min_speedup
    details = f"{speedup:.2f}x on {result.get('valid', 0)} generated inputs"
    return Verdict("timing", ok, details, data={**t, "speedup": speedup})
