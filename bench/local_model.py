"""Seconds per short repair call to the embedded model (local/smollm2), through litellm and
the model's child process, as the loop makes them. Prints one JSON object as its last line.

    python bench/local_model.py --calls 9
    python bench/local_model.py --calls 3 --kill-during 1 --signal ILL   # a crash survived

Needs the `local` extra (see the README); exits with the install hint without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any

from refine_lsp.llm import local

TASKS = [
    ("def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5"),
    ("def is_even(n):\n    return n % 2 == 1\n", "assert is_even(4)"),
    ("def last(xs):\n    return xs[len(xs)]\n", "assert last([1, 2, 3]) == 3"),
]


def bench(
    calls: int = 6,
    max_tokens: int = 160,
    stop: bool = True,
    kill_during: int | None = None,
    kill_signal: str = "KILL",
) -> dict[str, Any]:
    """Seconds per short repair call through litellm; the model load and the first call
    (llama.cpp warms up on it) are timed apart. A failed call (the model process died) is
    counted and the run goes on; ``kill_during`` sends ``kill_signal`` to the model process
    0.2 s into that timed call, to show that it does."""
    import signal
    import statistics

    from refine_lsp.llm.client import complete
    from refine_lsp.llm.errors import ModelError
    from refine_lsp.llm.extract import CODE_STOP
    from refine_lsp.llm.llama_backend import threads
    from refine_lsp.llm.runtime import warm_up
    from refine_lsp.settings import Model

    config = Model(solver="local/smollm2", timeout_s=300.0, retries=0)
    warm_up()
    errors: list[str] = []
    t0 = time.monotonic()
    local.load("smollm2")
    load_s = time.monotonic() - t0
    t0 = time.monotonic()
    try:
        complete([{"role": "user", "content": "Say ok."}], config=config, max_tokens=8)
    except ModelError as exc:
        errors.append(str(exc))
    first_call_s = time.monotonic() - t0
    times, tokens, fixed = [], [], 0
    process = local.model_process()
    for i in range(calls):
        code, test = TASKS[i % len(TASKS)]
        messages = [
            {"role": "system", "content": "Fix the Python function. Reply with one code block."},
            {"role": "user", "content": f"```python\n{code}```\nIt fails: {test}"},
        ]
        if kill_during == i and process.pid is not None:
            sig = signal.Signals[f"SIG{kill_signal.upper().removeprefix('SIG')}"]
            threading.Timer(0.2, os.kill, (process.pid, sig)).start()
        t = time.monotonic()
        try:
            [answer] = complete(
                messages, config=config, max_tokens=max_tokens, stop=CODE_STOP if stop else None
            )
        except ModelError as exc:
            errors.append(str(exc))
            continue
        times.append(time.monotonic() - t)
        tokens.append(answer.completion_tokens)
        fixed += answer.code() is not None
    return {
        "model": "local/smollm2",
        "threads": threads(),
        "calls": calls,
        "stop_after_code": stop,
        "load_s": round(load_s, 3),
        "first_call_s": round(first_call_s, 3),
        "median_s": round(statistics.median(times), 3) if times else None,
        "mean_s": round(statistics.mean(times), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "median_completion_tokens": statistics.median(tokens) if tokens else None,
        "tokens_per_s": round(sum(tokens) / sum(times), 1) if times else None,
        "answers_with_code": fixed,
        "failed_calls": len(errors),
        "model_process_starts": process.starts,
        "errors": errors[:5],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time short repair calls to local/smollm2.")
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--no-stop", action="store_true", help="let answers run past the code")
    ap.add_argument(
        "--kill-during", type=int, metavar="N", help="signal the model process during call N"
    )
    ap.add_argument("--signal", default="KILL", help="the signal --kill-during sends (KILL, ILL)")
    args = ap.parse_args(argv)
    if not local.llama_available() or local.smollm2_path() is None:
        print(local.INSTALL_HINT, file=sys.stderr)
        return 2
    from refine_lsp.llm.errors import ModelError

    try:
        result = bench(args.calls, args.max_tokens, not args.no_stop, args.kill_during, args.signal)
    except ModelError as exc:  # the model process could not even start or load
        result = {"model": "local/smollm2", "calls": args.calls, "error": str(exc)}
    print(json.dumps(result))
    # A run where no timed call succeeded is a failure, after its JSON is out.
    return 0 if result.get("median_s") is not None else 1


if __name__ == "__main__":
    sys.exit(main())
