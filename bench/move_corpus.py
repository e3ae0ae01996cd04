"""Move to module on real packages, proven by their own test suites.

    python bench/move_corpus.py [--package NAME==VERSION ...] [--moves 20] [--seed 1] [--batch 10]

For each package (the source distributions bench/refactor_corpus.py fetches): a fixed-seed
sample of its top-level functions and classes, each moved (refine_lsp.refactor.move, the code
the server and `refine-lsp move` run) to a sibling module, or to a new module beside it every
third time, one at a time, every changed file written before the next move is computed (each
must parse); the package's test suite runs after each batch, and a failing batch is replayed
one move at a time to name the move that broke it. The last line is one JSON object: per
package tried, offered, refused (with reasons), parse failures, test-suite failures and move ms
median and p95.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refactor_corpus import DEFAULT_PACKAGES, download, modules_of, run_tests  # noqa: E402
from refine_lsp.actions import Refused  # noqa: E402
from refine_lsp.refactor.move import move  # noqa: E402


def texts(work: Path) -> dict[str, str]:
    return {str(p.resolve()): p.read_text(encoding="utf-8") for p in work.rglob("*.py")}


def candidates(work: Path, modules) -> list[tuple[str, str, int]]:
    out = []
    for m in modules:
        path = work / m.path
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append((str(m.path), node.name, node.lineno))
    return out


def reason_key(text: str) -> str:
    for key in (
        "import cycle",
        "while its module is imported",
        "already defines",
        "means something else",
        "imports *",
        "global",
        "also bound",
        "string",
        "assigns",
        "__future__",
        "reads `__",
        "namespace",
        "not a top-level",
    ):
        if key in text:
            return key
    return text[:60]


def run_package(root: Path, args, rng: random.Random) -> dict:
    modules = modules_of(root)
    work = Path(tempfile.mkdtemp(prefix="move-corpus-")) / root.name
    shutil.copytree(root, work)
    m0 = modules[0]
    tally = {"tried": 0, "offered": 0, "refused": 0, "parse_failures": 0, "test_failures": 0}
    reasons: Counter = Counter()
    ms: list[float] = []
    broken: list[str] = []
    if not run_tests(m0, work, args.timeout):
        return {"error": "the test suite fails before any move"}
    pool = candidates(work, modules)
    rng.shuffle(pool)
    batch: list[tuple[str, dict[str, str | None]]] = []  # (what, previous texts)

    def restore(before: dict[str, str | None]) -> None:
        for p, text in before.items():
            if text is None:
                Path(p).unlink(missing_ok=True)
            else:
                Path(p).write_text(text, encoding="utf-8")

    def flush() -> None:
        """The suite after a batch; on a failure the batch is replayed in order, the suite
        after each move, to name the first that broke it (the moves after it, computed on
        top of it, are undone and not counted)."""
        if not batch or run_tests(m0, work, args.timeout):
            batch.clear()
            return
        for _, before in reversed(batch):
            restore(before)
        for what, before in batch:
            for p, text in before_after[what].items():
                Path(p).parent.mkdir(parents=True, exist_ok=True)
                Path(p).write_text(text, encoding="utf-8")
            if not run_tests(m0, work, args.timeout):
                tally["test_failures"] += 1
                broken.append(what)
                restore(before)
                break
        batch.clear()

    before_after: dict[str, dict[str, str]] = {}
    for i, (rel, name, _lineno) in enumerate(pool):
        if tally["tried"] >= args.moves:
            break
        path = work / rel
        text = path.read_text(encoding="utf-8")
        line = next(
            (
                n
                for n, s in enumerate(text.splitlines())
                if s.startswith((f"def {name}(", f"class {name}", f"async def {name}("))
            ),
            None,
        )
        if line is None:
            continue
        siblings = sorted(
            p
            for p in path.parent.glob("*.py")
            if p != path and p.name != "__init__.py" and "test" not in p.name
        )
        if i % 3 == 2 or not siblings:
            dest = path.parent / f"{name}_moved.py"
        else:
            dest = rng.choice(siblings)
        tally["tried"] += 1
        files = texts(work)
        start = time.perf_counter()
        try:
            result = move(files, str(path.resolve()), line, line, str(dest.resolve()))
        except Refused as exc:
            tally["refused"] += 1
            reasons[reason_key(str(exc))] += 1
            continue
        ms.append((time.perf_counter() - start) * 1000)
        tally["offered"] += 1
        what = f"{rel}:{name} -> {dest.name}"
        bad = [p for p, t in result.changes.items() if not _parses(t)]
        if bad:
            tally["parse_failures"] += 1
            broken.append(f"{what} (unparsable {', '.join(Path(p).name for p in bad)})")
            continue
        before = {p: files.get(p) for p in result.changes}
        for p, t in result.changes.items():
            Path(p).write_text(t, encoding="utf-8")
        before_after[what] = dict(result.changes)
        batch.append((what, before))
        if len(batch) >= args.batch:
            flush()
    flush()
    ordered = sorted(ms)
    return {
        **tally,
        "reasons": dict(reasons),
        "broken": broken,
        "ms_median": round(statistics.median(ordered), 1) if ordered else None,
        "ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
    }


def _parses(text: str) -> bool:
    try:
        compile(text, "<move>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", action="append")
    ap.add_argument("--moves", type=int, default=20, help="moves tried per package")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    args = ap.parse_args(argv)
    specs = args.package or DEFAULT_PACKAGES + ["toolz==1.0.0"]
    out = {}
    for root in download(specs, Path(args.cache)):
        out[root.name] = run_package(root, args, random.Random(f"{args.seed}:{root.name}"))
        print(root.name, json.dumps(out[root.name]), file=sys.stderr, flush=True)
    total = Counter()
    for v in out.values():
        for k in ("tried", "offered", "refused", "parse_failures", "test_failures"):
            total[k] += v.get(k, 0)
    print(json.dumps({"packages": out, "total": dict(total)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
