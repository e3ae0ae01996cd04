"""Move to module on real packages, proven by their own test suites.

    python bench/move_corpus.py [--package NAME==VERSION ...] [--moves 20] [--seed 1] [--batch 10]
                                [--rope]

For each package (the source distributions bench/refactor_corpus.py fetches): a fixed-seed
sample of its top-level functions and classes, each moved (refine_lsp.refactor.move, the code
the server and `refine-lsp move` run) to a sibling module, or to a new module beside it every
third time, one at a time, every changed file written before the next move is computed (each
must parse); the package's test suite runs after each batch, and a failing batch is replayed
one move at a time to name the move that broke it. With --rope, rope's MoveGlobal makes the
same moves in a copy of its own. The last line is one JSON object: per tool and package tried,
offered, offered_ok (offered, minus parse and test-suite failures), refused (with reasons),
parse failures, test-suite failures and move ms median and p95; and the totals per tool.
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


def plan(root: Path, modules, args, rng: random.Random) -> list[tuple[str, str, str]]:
    """(module, name, destination), both relative to the package root: the same moves for
    every tool. The destination is a sibling module, or a new module beside the source
    every third time."""
    pool = candidates(root, modules)
    rng.shuffle(pool)
    out = []
    for i, (rel, name, _lineno) in enumerate(pool):
        path = root / rel
        siblings = sorted(
            p
            for p in path.parent.glob("*.py")
            if p != path and p.name != "__init__.py" and "test" not in p.name
        )
        dest = (
            path.parent / f"{name}_moved.py" if i % 3 == 2 or not siblings else rng.choice(siblings)
        )
        out.append((rel, name, str(dest.relative_to(root))))
    return out


def ours(work: Path, files, rel: str, name: str, line: int, dest: Path) -> dict[str, str]:
    """refine_lsp.refactor.move, the code the server's action and `refine-lsp move` run."""
    result = move(files, str((work / rel).resolve()), line, line, str(dest.resolve()))
    return dict(result.changes)


def rope_move(work: Path, before, rel: str, name: str, line: int, dest: Path) -> dict[str, str]:
    """rope's MoveGlobal to the same destination (an empty module created first where it
    is new, which rope needs); the files it changed, read back. Its exceptions are refusals."""
    from rope.base.project import Project
    from rope.refactor.move import create_move

    created = not dest.exists()
    if created:
        dest.write_text("", encoding="utf-8")
    project = Project(str(work), ropefolder=None)
    try:
        resource = project.get_resource(rel)
        text = resource.read()
        lines = text.splitlines(keepends=True)
        head = lines[line]
        offset = sum(len(x) for x in lines[:line]) + head.index(name, head.index(" ") + 1)
        mover = create_move(project, resource, offset)
        project.do(mover.get_changes(project.get_resource(str(dest.relative_to(work)))))
    except BaseException:
        if created:
            dest.unlink(missing_ok=True)
        raise
    finally:
        project.close()
    after = texts(work)
    return {p: t for p, t in after.items() if before.get(p) != t}


def run_package(root: Path, args, moves: list[tuple[str, str, str]], tool) -> dict:
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
    for rel, name, dest_rel in moves:
        if tally["tried"] >= args.moves:
            break
        path, dest = work / rel, work / dest_rel
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
        tally["tried"] += 1
        files = texts(work)
        start = time.perf_counter()
        try:
            changes = tool(work, files, rel, name, line, dest)
        except Exception as exc:  # noqa: BLE001 - a refusal (or the tool's error), with its reason
            tally["refused"] += 1
            key = reason_key(str(exc)) if isinstance(exc, Refused) else type(exc).__name__
            reasons[key] += 1
            continue
        ms.append((time.perf_counter() - start) * 1000)
        if not changes:
            tally["refused"] += 1
            reasons["no change"] += 1
            continue
        tally["offered"] += 1
        what = f"{rel}:{name} -> {dest.name}"
        before = {p: files.get(p) for p in changes}
        bad = [p for p, t in changes.items() if not _parses(t)]
        if bad:
            tally["parse_failures"] += 1
            broken.append(f"{what} (unparsable {', '.join(Path(p).name for p in bad)})")
            restore(before)
            continue
        for p, t in changes.items():
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            Path(p).write_text(t, encoding="utf-8")
        before_after[what] = dict(changes)
        batch.append((what, before))
        if len(batch) >= args.batch:
            flush()
    flush()
    shutil.rmtree(work.parent, ignore_errors=True)
    ordered = sorted(ms)
    return {
        **tally,
        "offered_ok": tally["offered"] - tally["parse_failures"] - tally["test_failures"],
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
    ap.add_argument("--rope", action="store_true", help="also run rope's move on the same moves")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    args = ap.parse_args(argv)
    specs = args.package or DEFAULT_PACKAGES + ["toolz==1.0.0"]
    tools = {"refine-lsp": ours, **({"rope": rope_move} if args.rope else {})}
    out: dict[str, dict] = {name: {} for name in tools}
    for root in download(specs, Path(args.cache)):
        moves = plan(root, modules_of(root), args, random.Random(f"{args.seed}:{root.name}"))
        for name, tool in tools.items():
            out[name][root.name] = run_package(root, args, moves, tool)
            print(name, root.name, json.dumps(out[name][root.name]), file=sys.stderr, flush=True)
    totals = {}
    for name in tools:
        total = Counter()
        for v in out[name].values():
            for k in (
                "tried",
                "offered",
                "offered_ok",
                "refused",
                "parse_failures",
                "test_failures",
            ):
                total[k] += v.get(k, 0)
        totals[name] = dict(total)
    print(json.dumps({"packages": out, "total": totals}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
