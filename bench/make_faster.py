"""Measure "Make faster (keeps tests green)" on the slow fixtures; the last line is one JSON
object: per fixture, whether a speed-up was offered, the speed-up and its 95% interval, the
tests run and passed, where the timing input came from.

python bench/make_faster.py [--fixture loop_slow2]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from refine_lsp.refine.improve import make_faster  # noqa: E402
from refine_lsp.settings import Settings  # noqa: E402

# fixture folder, file, function: one slow function each, with tests that reach it.
FIXTURES = [
    ("loop_slow", "slowmath/seq.py", "fib"),  # exponential recursion: memoisation
    ("loop_slow2", "slowtext/names.py", "unique_customers"),  # list membership in a loop
]


def function_line(source: str, name: str) -> int:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node.lineno - 1
    raise ValueError(f"no function {name}")


def measure(folder: str, rel: str, name: str) -> dict:
    ws = ROOT / "fixtures" / folder
    f = ws / rel
    started = time.monotonic()
    res = make_faster(ws, f, function_line(f.read_text(), name), Settings())
    s = res.summary
    timing = next((v for v in s.verdicts if v["verifier"] == "timing"), {})
    return {
        "fixture": f"fixtures/{folder}",
        "function": name,
        "offered": res.new_source is not None,
        "edit": res.description,
        "speedup": s.speedup,
        "ci95": [s.speedup_low, s.speedup_high] if s.speedup is not None else None,
        "timing": timing.get("details"),
        "tests_run": s.tests_total,
        "tests_passed": s.tests_passed,
        "tests_green": s.tests_total > 0 and s.tests_passed == s.tests_total,
        "inputs": s.inputs,
        "candidates": s.candidates,
        "message": s.message,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixture", action="append", help="only these fixture folders")
    a = p.parse_args(argv)
    rows = []
    for folder, rel, name in FIXTURES:
        if a.fixture and folder not in a.fixture:
            continue
        try:
            rows.append(measure(folder, rel, name))
        except Exception as exc:  # noqa: BLE001 - one broken fixture must not hide the others
            rows.append({"fixture": f"fixtures/{folder}", "error": f"{type(exc).__name__}: {exc}"})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    out = {
        "fixtures": rows,
        "offered": sum(bool(r.get("offered")) for r in rows),
        "command": "python bench/make_faster.py " + " ".join(argv or sys.argv[1:]),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
