"""Move to module on real packages, through the running server, proven by their own test
suites, beside rope on the same moves.

    python bench/move_corpus.py [--package NAME==VERSION ...] [--moves 20] [--seed 1] [--batch 10]
                                [--rope] [--direct]

For each package (the source distributions bench/refactor_corpus.py fetches): a fixed-seed
sample of its top-level functions and classes, each moved to a sibling module, or to a new
module beside it every third time, one at a time, through `refine-lsp serve` as an editor
drives it (bench/stdio_client.py): the source file is opened, textDocument/codeAction at the
definition's line (only refactor.move, invoked) lists one action per destination, the one for
the planned destination is resolved (codeAction/resolve), and its WorkspaceEdit is applied:
CreateFile for a new module, incremental didChange for open documents (an edit versioned for
another version is refused), the other files written and announced with
didChangeWatchedFiles. Every changed file must parse; the package's test suite runs after each
batch, and a failing batch is replayed one move at a time to name the move that broke it. Where
the server does not offer the planned sibling, the first sibling it offers is taken and rope
gets the same. With --rope, rope's MoveGlobal makes the same moves in a copy of its own;
--direct calls refine_lsp.refactor.move in-process instead of the server. The last line is one
JSON object: per tool and package (and per kind, function or class) tried, offered,
offered_ok (offered, minus parse and test-suite failures and stale edits; the moves of a
failing batch after the one that broke it are made again), refused (with reasons), parse failures, test-suite
failures, stale edits, resolve ms median and p95 (listing ms too, through the server); the totals per tool; per
package, the workspace index's build time and memory (bench/index_build.py).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_build import measure as index_measure  # noqa: E402
from refactor_corpus import DEFAULT_PACKAGES, download, modules_of, run_tests  # noqa: E402
from refine_lsp.actions import Refused  # noqa: E402
from refine_lsp.refactor.move import move  # noqa: E402
from stdio_client import ServerError, StaleEdit, StdioClient, timed  # noqa: E402


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
        new = path.parent / f"{name}.py"  # where the server puts a new module
        dest = new if (i % 3 == 2 and not new.exists()) or not siblings else rng.choice(siblings)
        out.append((rel, name, str(dest.relative_to(root))))
    return out


def direct(work: Path, files, rel: str, name: str, line: int, dest: Path) -> dict[str, str]:
    """refine_lsp.refactor.move in-process, the code the server's action and `refine-lsp
    move` run."""
    result = move(files, str((work / rel).resolve()), line, line, str(dest.resolve()))
    return dict(result.changes)


class Ours:
    """refine-lsp through the running server, as an editor drives it (one server per copy)."""

    def __init__(self):
        self.clients: dict[Path, StdioClient] = {}
        self.list_ms: list[float] = []
        self.chosen: dict[tuple[str, str], str] = {}  # (module, name) -> destination used
        self.not_offered = 0  # the planned sibling was not among the actions

    def client(self, work: Path) -> StdioClient:
        c = self.clients.get(work)
        if c is None:
            c = self.clients[work] = StdioClient(work)
        return c

    def __call__(self, work: Path, files, rel: str, name: str, line: int, dest: Path):
        self.last_ms = None
        c = self.client(work)
        path = work / rel
        uri = c.open(path)
        width = len(path.read_text(encoding="utf-8").splitlines()[line])
        params = {
            "textDocument": {"uri": uri},
            "range": {
                "start": {"line": line, "character": 0},
                "end": {"line": line, "character": width},
            },
            "context": {"diagnostics": [], "only": ["refactor.move"], "triggerKind": 1},
        }
        actions, ms = timed(c.request, "textDocument/codeAction", params)
        self.list_ms.append(ms)
        moves = [a for a in actions or [] if a.get("kind") == "refactor.move"]
        if not moves:
            raise Refused("no Move action offered here")
        want = str(dest.resolve())
        action = next((a for a in moves if a["data"]["args"]["dest"] == want), None)
        if action is None:  # the planned sibling is not offered: the first sibling that is
            self.not_offered += 1
            new = dest.name == f"{name}.py"
            action = next((a for a in moves if bool(a["data"]["args"]["new"]) == new), moves[0])
        used = Path(action["data"]["args"]["dest"]).resolve()
        self.chosen[(rel, name)] = str(used.relative_to(work.resolve()))
        try:
            resolved, self.last_ms = timed(c.request, "codeAction/resolve", action)
        except ServerError as exc:
            raise Refused(str(exc)) from exc
        if not resolved.get("edit"):
            raise Refused("the action resolved to no edit")
        return c.apply(resolved["edit"])

    def reset(self, work: Path, paths) -> None:
        """Files were put back behind the server's back: close them and say so."""
        c = self.clients.get(work)
        if c is not None:
            c.reset(paths)

    def close(self) -> None:
        for c in self.clients.values():
            c.close()
        self.clients.clear()


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


def run_package(
    root: Path, args, moves: list[tuple[str, str, str]], tool, chosen: dict | None = None
) -> dict:
    """The moves, one at a time, by ``tool`` in a copy of the package; ``chosen`` holds the
    destinations the server took where it did not offer the planned one. Each move gets one
    outcome (refused, offered, parse failure, test-suite failure, stale edit); the moves of a
    failing batch after the one that broke it were computed on top of it, so they are undone
    and made again (``remade_after_a_failure``)."""
    chosen = chosen or {}
    modules = modules_of(root)
    work = Path(tempfile.mkdtemp(prefix="move-corpus-")) / root.name
    shutil.copytree(root, work)
    m0 = modules[0]
    if not run_tests(m0, work, args.timeout):
        return {"error": "the test suite fails before any move"}
    outcomes: dict[tuple[str, str], dict] = {}  # (module, name) -> kind, outcome, reason, ms
    broken: list[str] = []
    remade = 0
    queue = deque(moves)
    batch: list[tuple[tuple[str, str], str, dict[str, str | None], dict[str, str]]] = []

    def restore(before: dict[str, str | None]) -> None:
        for p, text in before.items():
            if text is None:
                Path(p).unlink(missing_ok=True)
            else:
                Path(p).write_text(text, encoding="utf-8")
        if hasattr(tool, "reset"):  # behind the server's back: say so
            tool.reset(work, list(before))

    def write(changes: dict[str, str]) -> None:
        for p, t in changes.items():
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            Path(p).write_text(t, encoding="utf-8")

    def flush() -> None:
        """The suite after a batch; on a failure the batch is replayed in order, the suite
        after each move, to name the first that broke it; the moves after it go back to the
        front of the queue."""
        nonlocal remade
        if not batch or run_tests(m0, work, args.timeout):
            batch.clear()
            return
        for _, _, before, _ in reversed(batch):
            restore(before)
        for i, (key, what, before, after) in enumerate(batch):
            write(after)
            if hasattr(tool, "reset"):
                tool.reset(work, list(after))
            if not run_tests(m0, work, args.timeout):
                outcomes[key]["outcome"] = "test_failure"
                broken.append(what)
                restore(before)
                rest = batch[i + 1 :]
                remade += len(rest)
                for k, _, _, _ in rest:
                    del outcomes[k]
                queue.extendleft(
                    m for m in reversed(moves) if (m[0], m[1]) in {k for k, *_ in rest}
                )
                break
        batch.clear()

    while True:  # a failing batch's flush puts moves back in the queue
        while queue and len(outcomes) < args.moves:
            rel, name, dest_rel = queue.popleft()
            path, dest = work / rel, work / chosen.get((rel, name), dest_rel)
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
            key = (rel, name)
            kind = "class" if text.splitlines()[line].startswith("class ") else "function"
            record = outcomes[key] = {"kind": kind}
            files = texts(work)
            start = time.perf_counter()
            try:
                changes = tool(work, files, rel, name, line, dest)
            except StaleEdit as exc:  # the server's edit does not fit the files: a failure
                record["outcome"] = "stale_edit"
                broken.append(f"{rel}:{name} (stale edit: {exc})")
                continue
            except Exception as exc:  # noqa: BLE001 - a refusal (or the tool's error), with its reason
                record["outcome"] = "refused"
                record["reason"] = (
                    reason_key(str(exc)) if isinstance(exc, Refused) else type(exc).__name__
                )
                continue
            record["ms"] = getattr(tool, "last_ms", None) or (time.perf_counter() - start) * 1000
            if not changes:
                record["outcome"], record["reason"] = "refused", "no change"
                continue
            record["outcome"] = "offered"
            what = f"{rel}:{name} -> {dest.name}"
            before = {p: files.get(p) for p in changes}
            bad = [p for p, t in changes.items() if not _parses(t)]
            if bad:
                record["outcome"] = "parse_failure"
                broken.append(f"{what} (unparsable {', '.join(Path(p).name for p in bad)})")
                restore(before)
                continue
            write(changes)
            batch.append((key, what, before, dict(changes)))
            if len(batch) >= args.batch:
                flush()
        flush()
        if not (queue and len(outcomes) < args.moves):
            break
    shutil.rmtree(work.parent, ignore_errors=True)
    return summarize(outcomes, broken, remade)


FAILURES = ("parse_failure", "test_failure", "stale_edit")


def summarize(outcomes: dict, broken: list[str], remade: int) -> dict:
    """Tallies of the outcomes: in all and per kind."""

    def tally(records) -> dict:
        seen = Counter(r["outcome"] for r in records)
        offered = seen["offered"] + sum(seen[f] for f in FAILURES)
        return {
            "tried": len(records),
            "offered": offered,
            "refused": seen["refused"],
            "parse_failures": seen["parse_failure"],
            "test_failures": seen["test_failure"],
            "stale_edits": seen["stale_edit"],
            "offered_ok": seen["offered"],
        }

    records = list(outcomes.values())
    ordered = sorted(r["ms"] for r in records if "ms" in r)
    kinds = sorted({r["kind"] for r in records})
    return {
        **tally(records),
        "remade_after_a_failure": remade,
        "per_kind": {k: tally([r for r in records if r["kind"] == k]) for k in kinds},
        "reasons": dict(Counter(r["reason"] for r in records if r["outcome"] == "refused")),
        "broken": broken,
        "ms_median": round(statistics.median(ordered), 1) if ordered else None,
        "ms_p95": round(ordered[math.ceil(0.95 * len(ordered)) - 1], 1) if ordered else None,
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
    ap.add_argument(
        "--direct", action="store_true", help="call refine_lsp.refactor.move, not the server"
    )
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    args = ap.parse_args(argv)
    specs = args.package or DEFAULT_PACKAGES + ["toolz==1.0.0"]
    server = None if args.direct else Ours()
    tools = {"refine-lsp": server or direct, **({"rope": rope_move} if args.rope else {})}
    out: dict[str, dict] = {name: {} for name in tools}
    index: dict[str, dict] = {}
    for root in download(specs, Path(args.cache)):
        moves = plan(root, modules_of(root), args, random.Random(f"{args.seed}:{root.name}"))
        chosen: dict = {}
        index[root.name] = index_measure(root, runs=1)  # the server's, of the workspace folder
        for name, tool in tools.items():
            if tool is server:
                server.chosen, server.list_ms, server.not_offered = chosen, [], 0
            result = run_package(root, args, moves, tool, chosen)
            if tool is server:
                server.close()
                lm = sorted(server.list_ms)
                result["list_ms_median"] = round(statistics.median(lm), 1) if lm else None
                result["planned_sibling_not_offered"] = server.not_offered
            out[name][root.name] = result
            print(name, root.name, json.dumps(result), file=sys.stderr, flush=True)
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
                "stale_edits",
                "remade_after_a_failure",
            ):
                total[k] += v.get(k, 0)
        totals[name] = dict(total)
    through = "refine_lsp.refactor.move in-process" if args.direct else "refine-lsp serve"
    print(json.dumps({"through": through, "packages": out, "index": index, "total": totals}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
