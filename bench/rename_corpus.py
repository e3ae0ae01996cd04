"""Rename on real packages through the running server, proven by their own test suites,
beside rope on the same symbols.

    python bench/rename_corpus.py [--package NAME==VERSION ...] [--symbols 300] [--seed 1]
                                  [--batch 20] [--rope] [--no-tests] [--max-seconds S]
                                  [--confirm decline|accept]

For each package (source distributions from PyPI, as bench/refactor_corpus.py fetches them):
a fixed-seed sample of symbols of its non-test modules (module-level functions, classes and
constants, function locals and parameters, methods and their parameters) is renamed one at
a time through `refine-lsp serve` (bench/stdio_client.py: didOpen, prepareRename, rename, the edit applied
with incremental didChange, or written and announced with didChangeWatchedFiles), every
changed file must still parse, and the package's whole test suite runs after each batch; a
failing batch is bisected to the renames that broke it. With --rope, rope's Rename runs on
the same symbols in a copy of its own. The last line is one JSON object: per tool and kind,
tried, offered, offered_ok (offered, minus parse and test-suite failures), refused (with
reasons), parse failures, test-suite failures, prepareRename and rename ms median and p95;
per package, the workspace index's build time and memory (bench/index_build.py).
A rename the server asks to confirm (a needsConfirmation change annotation: code reads the
name, or uses were left unproven, and the description says where) is declined, as a user told
so would, and counted as declined_after_confirmation (--confirm accept applies it instead).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_build import measure as index_measure  # noqa: E402
from refactor_corpus import (  # noqa: E402
    DEFAULT_PACKAGES,
    download,
    modules_of,
    run_tests,
    test_locations,
)
from stdio_client import StdioClient, _path, timed  # noqa: E402

KINDS = ("function", "class", "constant", "local", "parameter", "method", "method_parameter")


class Declined(Exception):
    """The server asked the user to confirm the rename (it may change what the program does,
    and said why) and the simulated user declined it."""


@dataclass
class Symbol:
    file: str  # relative to the package root
    kind: str
    name: str
    scope: str  # enclosing function for locals and parameters ("" at module level)
    new: str = ""


@dataclass
class Tally:
    tried: Counter = field(default_factory=Counter)
    offered: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    parse_failures: Counter = field(default_factory=Counter)
    test_failures: Counter = field(default_factory=Counter)
    ms: list[float] = field(default_factory=list)
    prepare_ms: list[float] = field(default_factory=list)
    left: Counter = field(default_factory=Counter)  # offered with unproven `x.name` left
    stopped: int = 0  # symbols not tried: the tool's share of --max-seconds was up
    warned_failures: Counter = field(default_factory=Counter)  # failing, the user warned
    declined: Counter = field(default_factory=Counter)  # asked to confirm, and declined
    declined_reasons: Counter = field(default_factory=Counter)

    def to_json(self) -> dict:
        ordered = sorted(self.ms)
        prep = sorted(self.prepare_ms)
        return {
            "tried": dict(self.tried),
            "offered": dict(self.offered),
            "offered_ok": {
                k: self.offered[k] - self.test_failures[k] - self.parse_failures[k]
                for k in self.offered
            },
            "refused": dict(self.refused),
            "refusal_reasons": dict(self.reasons.most_common(12)),
            "parse_failures": dict(self.parse_failures),
            "test_failures": dict(self.test_failures),
            "test_failures_warned_of": dict(self.warned_failures),
            "declined_after_confirmation": dict(self.declined),
            "declined_reasons": dict(self.declined_reasons.most_common(8)),
            "ms_median": round(statistics.median(ordered), 1) if ordered else None,
            "ms_p95": round(ordered[math.ceil(0.95 * len(ordered)) - 1], 1) if ordered else None,
            "prepare_ms_median": round(statistics.median(prep), 1) if prep else None,
            "prepare_ms_p95": round(prep[math.ceil(0.95 * len(prep)) - 1], 1) if prep else None,
            "offered_with_unproven_uses_left": dict(self.left),
            "not_tried": self.stopped,
        }


def symbols_of(root: Path, rel: str) -> list[Symbol]:
    tree = ast.parse((root / rel).read_text(encoding="utf-8"))
    out: list[Symbol] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(Symbol(rel, "function", node.name, ""))
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if a.arg not in ("self", "cls"):
                    out.append(Symbol(rel, "parameter", a.arg, node.name))
            for n in ast.walk(node):
                if isinstance(n, ast.Assign):
                    for t in n.targets:
                        if isinstance(t, ast.Name):
                            out.append(Symbol(rel, "local", t.id, node.name))
        elif isinstance(node, ast.ClassDef):
            out.append(Symbol(rel, "class", node.name, ""))
            for n in node.body:
                if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if not (n.name.startswith("__") and n.name.endswith("__")):
                    out.append(Symbol(rel, "method", n.name, node.name))
                if n.name.startswith("__") and n.name not in ("__init__", "__new__"):
                    continue
                a = n.args
                static = any(
                    isinstance(d, ast.Name) and d.id == "staticmethod" for d in n.decorator_list
                )
                positional = [*a.posonlyargs, *a.args][0 if static else 1 :]
                for arg in [*positional, *a.kwonlyargs]:
                    out.append(Symbol(rel, "method_parameter", arg.arg, f"{node.name}.{n.name}"))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and not t.id.startswith("__"):
                    out.append(Symbol(rel, "constant", t.id, ""))
    seen, unique = set(), []
    for s in out:
        key = (s.kind, s.name, s.scope)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique


def locate(text: str, sym: Symbol) -> tuple[int, int] | None:
    """Zero-based (line, column) of the symbol's definition in the current text."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines()

    def col_of(lineno: int, word: str, start: int = 0) -> tuple[int, int] | None:
        line = lines[lineno - 1]
        import re

        m = re.compile(rf"\b{word}\b").search(line, start)
        return (lineno - 1, m.start()) if m else None

    for node in tree.body:
        if sym.kind == "method_parameter":
            cls, fn = sym.scope.split(".")
            if isinstance(node, ast.ClassDef) and node.name == cls:
                for n in node.body:
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == fn:
                        a = n.args
                        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
                            if arg.arg == sym.name:
                                return (arg.lineno - 1, arg.col_offset)
            continue
        if sym.kind == "method":
            if isinstance(node, ast.ClassDef) and node.name == sym.scope:
                for n in node.body:
                    if (
                        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and n.name == sym.name
                    ):
                        return col_of(n.lineno, sym.name, n.col_offset + 3)
            continue
        if sym.scope:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == sym.scope:
                if sym.kind == "parameter":
                    args = node.args
                    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                        if a.arg == sym.name:
                            return (a.lineno - 1, a.col_offset)
                for n in ast.walk(node):
                    if isinstance(n, ast.Assign):
                        for t in n.targets:
                            if isinstance(t, ast.Name) and t.id == sym.name:
                                return (t.lineno - 1, t.col_offset)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == sym.name:
                return col_of(node.lineno, sym.name, node.col_offset + 3)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == sym.name:
                    return (t.lineno - 1, t.col_offset)
    return None


def compiles(text: str) -> bool:
    try:
        compile(text, "<renamed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


class Ours:
    """refine-lsp through the running server, as an editor drives it: the file is opened,
    prepareRename then rename, the edit applied with incremental didChange (open files) or
    written and announced through didChangeWatchedFiles (the others)."""

    name = "refine-lsp"

    def __init__(self, decline: bool = True):
        self.clients: dict[Path, StdioClient] = {}
        self.decline = decline

    def client(self, work: Path) -> StdioClient:
        c = self.clients.get(work)
        if c is None:
            c = self.clients[work] = StdioClient(work)
        return c

    def rename(self, work: Path, rel: str, pos: tuple[int, int], new: str, tally=None):
        c = self.client(work)
        uri = c.open(work / rel)
        at = {"textDocument": {"uri": uri}, "position": {"line": pos[0], "character": pos[1]}}
        shown = len(c.messages)
        _, prep_ms = timed(c.request, "textDocument/prepareRename", at)
        edit, ms = timed(c.request, "textDocument/rename", {**at, "newName": new})
        if tally is not None:
            tally.prepare_ms.append(prep_ms)
            tally.ms.append(ms)
        self.last_messages = c.messages[shown:]
        if not edit:
            return {}
        asks = [
            a for a in (edit.get("changeAnnotations") or {}).values() if a.get("needsConfirmation")
        ]
        if asks and self.decline:  # the editor shows why and asks; this user says no
            raise Declined(asks[0].get("description") or asks[0]["label"])
        befores = {}
        for part in edit.get("documentChanges") or []:
            if "textDocument" in part:
                p = Path(_path(part["textDocument"]["uri"]))
                befores[str(p)] = p.read_text(encoding="utf-8")
        after = c.apply(edit)
        return {p: (befores.get(p), t) for p, t in after.items()}

    def reset(self, work: Path, paths) -> None:
        """Files were put back behind the server's back: close them and say so."""
        c = self.clients.get(work)
        if c is not None:
            c.reset(paths)

    def close(self) -> None:
        for c in self.clients.values():
            c.close()


class Rope:
    name = "rope"

    def __init__(self):
        self.projects: dict[Path, object] = {}

    def rename(self, work: Path, rel: str, pos: tuple[int, int], new: str, tally=None):
        from rope.base.project import Project
        from rope.refactor.rename import Rename

        project = self.projects.get(work)
        if project is None:
            project = self.projects[work] = Project(str(work), ropefolder=None)
        project.validate()
        resource = project.get_resource(rel)
        text = resource.read()
        lines = text.splitlines(keepends=True)
        offset = sum(len(line) for line in lines[: pos[0]]) + pos[1]
        t0 = time.perf_counter()
        changes = Rename(project, resource, offset).get_changes(new)
        if tally is not None:
            tally.ms.append((time.perf_counter() - t0) * 1000)
        out = {}
        for change in changes.changes:
            path = work / change.resource.path
            out[str(path)] = (path.read_text(encoding="utf-8"), change.new_contents)
            path.write_text(change.new_contents, encoding="utf-8")
        return out

    def reset(self, work: Path, paths) -> None:
        pass

    def close(self) -> None:
        for project in self.projects.values():
            project.close()


def run_tool(tool, package_root: Path, suite, symbols: list[Symbol], args, tally: Tally):
    work = Path(tempfile.mkdtemp(prefix=f"rename-{tool.name}-")) / package_root.name
    shutil.copytree(package_root, work)
    applied: list[tuple[Symbol, dict[str, str]]] = []  # (symbol, files before)

    def suite_ok() -> bool:
        return args.no_tests or run_tests(suite, work, args.test_timeout)

    def restore(before: dict[str, str]) -> None:
        for p, t in before.items():
            Path(p).write_text(t, encoding="utf-8")
        tool.reset(work, list(before))

    def flush() -> None:
        if not applied or suite_ok():
            applied.clear()
            return
        # bisect: undo the batch, then redo one at a time
        batch = list(applied)
        for _, before in reversed(batch):
            restore(before)
        applied.clear()
        for sym, _ in batch:
            path = work / sym.file
            pos = locate(path.read_text(encoding="utf-8"), sym)
            if pos is None:
                continue
            try:
                changes = tool.rename(work, sym.file, pos, sym.new)
            except Exception:  # noqa: BLE001 - counted when first tried
                continue
            if not suite_ok():
                tally.test_failures[sym.kind] += 1
                if sym.new in warned:
                    tally.warned_failures[sym.kind] += 1
                print(f"  {tool.name}: tests fail after renaming {sym}", file=sys.stderr)
                restore({p: b for p, (b, _) in changes.items() if b is not None})

    stop = time.monotonic() + args.tool_seconds if args.tool_seconds else None
    warned: set[str] = set()
    for sym in symbols:
        if stop is not None and time.monotonic() > stop:
            tally.stopped += 1  # the time given to this tool on this package is up
            continue
        path = work / sym.file
        pos = locate(path.read_text(encoding="utf-8"), sym)
        if pos is None:
            continue
        tally.tried[sym.kind] += 1
        try:
            changes = tool.rename(work, sym.file, pos, sym.new, tally)
        except Declined as exc:
            tally.declined[sym.kind] += 1
            tally.declined_reasons[str(exc)[:70]] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - a refusal (or a tool's crash) with its reason
            tally.refused[sym.kind] += 1
            reason = str(exc).removeprefix("rename refused: ").removeprefix("cannot rename here: ")
            reason = reason[:70] or type(exc).__name__
            tally.reasons[f"{type(exc).__name__}: {reason}"] += 1
            continue
        print(f"  {tool.name}: {sym.kind} {sym.name} -> {len(changes)} files", file=sys.stderr)
        if not changes:
            tally.refused[sym.kind] += 1
            tally.reasons["no change"] += 1
            continue
        tally.offered[sym.kind] += 1
        messages = getattr(tool, "last_messages", [])
        if any("cannot be proven" in m for m in messages):
            tally.left[sym.kind] += 1
        if any(m.startswith("refine-lsp: renamed `") and "; " in m for m in messages):
            warned.add(sym.new)  # the user was told what may not follow
        before = {p: b for p, (b, _) in changes.items() if b is not None}
        if not all(compiles(t) for _, t in changes.values()):
            tally.parse_failures[sym.kind] += 1
            print(f"  {tool.name}: does not parse after renaming {sym}", file=sys.stderr)
            restore(before)
            continue
        applied.append((sym, before))
        if len(applied) >= args.batch:
            flush()
    flush()
    shutil.rmtree(work.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", action="append", help="NAME==VERSION (repeatable)")
    ap.add_argument("--symbols", type=int, default=300, help="symbols in all (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=20, help="renames per test-suite run")
    ap.add_argument("--rope", action="store_true", help="also run rope on the same symbols")
    ap.add_argument("--no-tests", action="store_true", help="only check that the files parse")
    ap.add_argument("--test-timeout", type=float, default=600)
    ap.add_argument(
        "--confirm",
        choices=("decline", "accept"),
        default="decline",
        help="what the simulated user answers when the server asks to confirm a rename that "
        "may change behaviour (a needsConfirmation change annotation; default: decline, "
        "counted as declined_after_confirmation, neither offered nor refused)",
    )
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=0,
        help="a deadline for the whole run, shared evenly by packages and tools; the symbols "
        "left when a tool's share is up are counted as not_tried (default: none)",
    )
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    args = ap.parse_args(argv)
    specs = args.package or DEFAULT_PACKAGES + ["toolz==1.0.0"]
    roots = download(specs, Path(args.cache))
    n_tools = 2 if args.rope else 1
    args.tool_seconds = args.max_seconds / (len(roots) * n_tools) if args.max_seconds else 0
    rng = random.Random(args.seed)
    per_package = max(1, args.symbols // len(roots))
    tools = [Ours(decline=args.confirm == "decline")] + ([Rope()] if args.rope else [])
    tallies = {t.name: Tally() for t in tools}
    packages = {}
    for root in roots:
        modules = modules_of(root)
        src = root / "src" if (root / "src").is_dir() else root
        suite = dataclasses.replace(  # the whole suite: a rename reaches every module
            modules[0], tests=[str(t.relative_to(root)) for t in test_locations(root, src)]
        )
        if not args.no_tests and not run_tests(suite, root, args.test_timeout):
            packages[root.name] = {"skipped": "its test suite fails before any rename"}
            continue
        pool = [s for m in modules for s in symbols_of(root, str(m.path))]
        by_kind = defaultdict(list)
        for s in pool:
            by_kind[s.kind].append(s)
        sample: list[Symbol] = []
        for kind in KINDS:  # as even as the package allows
            rng.shuffle(by_kind[kind])
        while len(sample) < per_package and any(by_kind.values()):
            for kind in KINDS:
                if by_kind[kind] and len(sample) < per_package:
                    sample.append(by_kind[kind].pop())
        for i, s in enumerate(sample):
            s.new = f"{s.name}_renamed{i}"
        packages[root.name] = {
            "modules": len(modules),
            "symbols": len(sample),
            "index": index_measure(root, runs=1),  # the server's, of the workspace folder
        }
        print(f"{root.name}: {len(sample)} symbols", file=sys.stderr)
        for tool in tools:
            t0 = time.perf_counter()
            run_tool(tool, root, suite, sample, args, tallies[tool.name])
            packages[root.name][f"{tool.name}_s"] = round(time.perf_counter() - t0, 1)
    for tool in tools:
        if hasattr(tool, "close"):
            tool.close()
    out = {
        "seed": args.seed,
        "packages": packages,
        **{name: t.to_json() for name, t in tallies.items()},
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
