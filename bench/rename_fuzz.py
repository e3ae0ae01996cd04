"""Differential testing of Rename on generated programs.

For each program (bench/fuzz_programs.py: closures, global and nonlocal, comprehensions,
match captures, classes and methods, keyword arguments, lambdas with defaults...): run it;
rename names at random identifier occurrences (refine_lsp.refactor.rename.rename, the code
the server's textDocument/rename runs) to a fresh name, and every fourth time to a name the
program already uses; apply the edit, run the result, compare output and exception types. The
new name is read back as the old one in the output (a repr or a message naming the renamed
function is what a rename is for). A difference the rename did not warn about (a risk the
editor asks the user to confirm), or an edit that does not compile, is a failure. Programs
run in a worker process (exec in a fresh namespace, time and memory limits).

    python bench/rename_fuzz.py --programs 100 --seed 1 --renames 12

The last line printed is one JSON object: programs, renames tried, offered, refused (by
reason), parse failures, behaviour changes (unwarned), warned changes, and the failures.
"""

from __future__ import annotations

import argparse
import io
import json
import keyword
import random
import re
import sys
import time
import tokenize
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "server"))

from fuzz_programs import program  # noqa: E402
from refactor_fuzz import Runner, outcome  # noqa: E402
from refine_lsp.refactor.model import Refusal  # noqa: E402
from refine_lsp.refactor.rename import rename  # noqa: E402

PATH = "/tmp/refine-lsp-rename-fuzz/prog.py"  # a module of its own (nothing is written)


def occurrences(source: str) -> list[tuple[int, int, str]]:
    """(zero-based line, column, name) of every identifier token."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            if not keyword.issoftkeyword(tok.string):
                out.append((tok.start[0] - 1, tok.start[1], tok.string))
    return out


def _read_back(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(new)}(?!\w)", old, text)


def fuzz_program(seed: int, runner: Runner, renames: int, tally: Counter, failures: list):
    source = program(seed)
    cache: dict = {}
    base = outcome(runner, source, cache)
    if base[1] == "timeout":
        tally["timeouts"] += 1
        return
    rnd = random.Random(seed * 104729 + 3)
    spots = occurrences(source)
    names = sorted({w for _, _, w in spots})
    for k in range(renames):
        line, col, word = rnd.choice(spots)
        fresh = k % 4 != 3
        new = f"{word}_rn{k}" if fresh else rnd.choice([n for n in names if n != word] or [word])
        tally["tried"] += 1
        try:
            result = rename({PATH: source}, PATH, line, col, new)
        except Refusal as exc:
            tally["refused"] += 1
            tally[f"refused: {re.sub(r'[0-9]+', 'N', str(exc))[:70]}"] += 1
            continue
        edited = result.changes.get(PATH, source)
        if edited == source:
            tally["no_change"] += 1
            continue
        tally["offered"] += 1
        case = {"seed": seed, "line": line, "col": col, "old": word, "new": new}
        try:
            compile(edited, "<renamed>", "exec")
        except (SyntaxError, ValueError) as exc:
            tally["parse_failures"] += 1
            failures.append({**case, "kind": "parse", "error": str(exc)})
            continue
        after = outcome(runner, edited, cache)
        if "timeout" in (base[1], after[1]):
            tally["timeouts"] += 1
            continue
        got = (_read_back(after[0], result.old, new), after[1]) if fresh else after
        if got == base:
            tally["same_behaviour"] += 1
            continue
        if result.risks:
            tally["warned_changes"] += 1
            continue
        tally["behaviour_changes"] += 1
        failures.append({**case, "kind": "behaviour", "before": base, "after": after})


def run(programs: int, seed: int, renames: int = 12, max_seconds: float = 0) -> dict:
    runner = Runner()
    tally: Counter = Counter()
    failures: list = []
    t0 = time.perf_counter()
    done = 0
    try:
        for k in range(programs):
            if max_seconds and time.perf_counter() - t0 > max_seconds:
                break
            fuzz_program(seed * 100_000 + k, runner, renames, tally, failures)
            done += 1
            print(f"program {k}: {tally['offered']} renames offered", file=sys.stderr)
    finally:
        runner.close()
    keys = ("tried", "offered", "refused", "no_change", "same_behaviour", "warned_changes")
    return {
        "programs": done,
        "seed": seed,
        **{k: tally[k] for k in keys},
        "parse_failures": tally["parse_failures"],
        "behaviour_changes": tally["behaviour_changes"],
        "timeouts": tally["timeouts"],
        "refused_by_reason": {
            k[len("refused: ") :]: v for k, v in tally.most_common() if k.startswith("refused: ")
        },
        "seconds": round(time.perf_counter() - t0, 1),
        "failures": failures[:30],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--renames", type=int, default=12, help="renames tried per program")
    ap.add_argument("--max-seconds", type=float, default=0, help="start no program after this")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.programs, args.seed, args.renames, args.max_seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
