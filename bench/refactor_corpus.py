"""Extract function / extract variable on real packages, checked by their own test suites.

Downloads pinned source distributions (``pip download --no-deps --no-binary :all:``), picks
statement and expression ranges inside functions with a fixed seed, asks the running
server (``python -m refine_lsp serve`` over stdio, or the domain API with ``--direct``) for
extract-function / extract-variable actions, resolves and applies them one at a time
(bottom-up; each pending range is mapped through a line diff to where it now is),
checks that every result compiles,
and runs the package's tests for the module after each batch of applied edits (bisecting
to the first failing edit when a batch fails). ``--rope`` runs rope on the same ranges.

    python bench/refactor_corpus.py --direct --rope
    python bench/refactor_corpus.py --package more-itertools==10.5.0 --ranges 200 --seed 3

The last line printed is one JSON object: {"refine-lsp": {...}, "rope": {...}}.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PACKAGES = ["more-itertools==10.5.0", "tabulate==0.9.0", "cachetools==5.5.0"]


@dataclass
class Range:
    kind: str  # "statements" or "expression"
    start: tuple[int, int]  # (line, character column), zero-based
    end: tuple[int, int]


@dataclass
class Module:
    package: str
    root: Path  # extracted sdist
    import_root: Path
    path: Path  # relative to root
    tests: list[str]  # pytest arguments, relative to root
    ranges: list[Range] = field(default_factory=list)


@dataclass
class Stats:
    ranges: int = 0
    offered: int = 0
    refused: int = 0
    not_offered: int = 0
    errors: int = 0
    parse_failures: int = 0
    test_failures: int = 0
    applied: int = 0
    times_ms: list[float] = field(default_factory=list)
    list_ms: list[float] = field(default_factory=list)
    resolve_ms: list[float] = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    refusals: dict = field(default_factory=dict)
    timeouts: int = 0
    skipped_ranges: int = 0  # in modules not started before --max-seconds
    cases: dict = field(default_factory=dict)  # (module, start, end) -> what happened there

    def summary(self) -> dict:
        def med(xs):
            return round(statistics.median(xs), 2) if xs else None

        out = {
            "ranges": self.ranges,
            "offered": self.offered,
            "refused": self.refused,
            "parse_failures": self.parse_failures,
            "test_failures": self.test_failures,
            "ms_median": med(self.times_ms),
            "offered_ok": self.offered - self.parse_failures - self.test_failures,
            "applied": self.applied,
            "not_offered": self.not_offered,
            "errors": self.errors,
            "by_kind": self.by_kind,
        }
        if self.timeouts:
            out["timeouts"] = self.timeouts
        if self.skipped_ranges:
            out["skipped_ranges"] = self.skipped_ranges
        if self.list_ms:
            out["list_ms_median"] = med(self.list_ms)
            out["list_ms_p95"] = round(
                sorted(self.list_ms)[math.ceil(0.95 * len(self.list_ms)) - 1], 2
            )
            out["resolve_ms_median"] = med(self.resolve_ms)
        return out


def download(specs: list[str], cache: Path) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)
    roots = []
    for spec in specs:
        name, _, version = spec.partition("==")
        stem = f"{name}-{version}".lower().replace("_", "-")
        archives = [
            p
            for p in cache.glob("*.tar.gz")
            if p.name.lower().replace("_", "-").startswith(stem + ".tar")
        ]
        if not archives:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            subprocess.run([*cmd, "-q", "-d", str(cache), spec], check=True)
            archives = [
                p
                for p in cache.glob("*.tar.gz")
                if p.name.lower().replace("_", "-").startswith(stem + ".tar")
            ]
        with tarfile.open(archives[0]) as tar:
            top = tar.getnames()[0].split("/")[0]
            dest = cache / "src"
            if not (dest / top).exists():
                tar.extractall(dest, filter="data")
        roots.append(dest / top)
    return roots


def test_locations(root: Path, src: Path) -> list[Path]:
    """Where a source distribution keeps its tests: tests/ or test/ at the top, inside a
    package (toolz keeps toolz/tests/), or top-level test_*.py files."""
    found = [root / d for d in ("tests", "test") if (root / d).is_dir()]
    for pkg in sorted(p for p in src.iterdir() if (p / "__init__.py").exists()):
        found += [pkg / d for d in ("tests", "test") if (pkg / d).is_dir()]
    for base in dict.fromkeys([root, src]):
        found += sorted(base.glob("test_*.py"))
    return found


def _is_test_file(path: Path, locations: list[Path]) -> bool:
    if path.name.startswith("test_") or path.name == "conftest.py":
        return True
    return any(loc.is_dir() and loc in path.parents for loc in locations)


def modules_of(root: Path) -> list[Module]:
    src = root / "src" if (root / "src").is_dir() else root
    locations = test_locations(root, src)
    if not locations:
        raise SystemExit(
            f"{root.name}: the source distribution carries no tests "
            "(looked for tests/, test/, <package>/tests/ and test_*.py)"
        )
    everything = [str(loc.relative_to(root)) for loc in locations]
    out = []
    for pkg in sorted(p for p in src.iterdir() if (p / "__init__.py").exists()):
        if pkg.name in ("tests", "test", "docs"):
            continue
        for path in sorted(pkg.rglob("*.py")):
            if _is_test_file(path, locations):
                continue
            own = [
                t
                for loc in locations
                for t in ([loc] if loc.is_file() else loc.rglob(f"test_{path.stem}.py"))
                if t.name == f"test_{path.stem}.py"
            ]
            tests = [str(own[0].relative_to(root))] if own else everything
            out.append(Module(root.name, root, src, path.relative_to(root), tests))
    return out


def _char_col(line: str, byte_col: int) -> int:
    return len(line.encode()[:byte_col].decode(errors="replace"))


def candidate_ranges(text: str, rng: random.Random) -> list[Range]:
    """Statement runs and expressions inside function bodies."""
    tree = ast.parse(text)
    lines = text.split("\n")
    bodies, exprs = [], []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                for name in ("body", "orelse", "finalbody"):
                    body = getattr(inner, name, None)
                    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                        bodies.append(body)
                if isinstance(inner, ast.expr) and not isinstance(inner, ast.Name):
                    if inner.lineno == inner.end_lineno:
                        exprs.append(inner)
    found = []
    for body in bodies:
        if lines[body[0].lineno - 1].lstrip().startswith("elif"):
            continue  # ast nests `elif` as an If in orelse: not a statement of its own
        i = rng.randrange(len(body))
        j = min(len(body), i + rng.choice([1, 1, 2, 3, 4]))
        a, b = body[i], body[j - 1]
        found.append(Range("statements", _pos(lines, a.lineno, a.col_offset),
                           _pos(lines, b.end_lineno, b.end_col_offset)))  # fmt: skip
    for e in rng.sample(exprs, min(len(exprs), len(bodies))):
        found.append(Range("expression", _pos(lines, e.lineno, e.col_offset),
                           _pos(lines, e.end_lineno, e.end_col_offset)))  # fmt: skip
    rng.shuffle(found)
    return found


def _pos(lines, lineno, byte_col):
    return (lineno - 1, _char_col(lines[lineno - 1], byte_col))


def pick_ranges(modules: list[Module], total: int, seed: int) -> None:
    rng = random.Random(seed)
    pools = {}
    for m in modules:
        pools[m.path] = candidate_ranges((m.root / m.path).read_text(), rng)
    weight = sum(len(p) for p in pools.values()) or 1
    for m in modules:
        want = round(total * len(pools[m.path]) / weight)
        used: set[int] = set()
        for r in pools[m.path]:
            if len(m.ranges) >= want:
                break
            rows = set(range(r.start[0], r.end[0] + 1))
            if rows & used:
                continue  # disjoint ranges keep positions valid while edits accumulate
            used |= rows
            m.ranges.append(r)


def run_tests(m: Module, work: Path, timeout: float) -> bool:
    env = dict(os.environ, PYTHONPATH=str(work / m.import_root.relative_to(m.root)))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The package's suite, not this venv's pytest plugins: toolz turns warnings into errors,
    # and pytest-asyncio warns at startup (its baseline failed).
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for cache in work.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *m.tests]
    try:
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


def compiles(text: str) -> bool:
    try:
        compile(text, "<edit>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


class LineMap:
    """Where each line of the original text is in an edited one (None where it changed)."""

    def __init__(self, old: str, new: str):
        from refine_lsp.text import matching_lines

        self.lines: dict[int, int] = {}
        for i, j, n in matching_lines(old.split("\n"), new.split("\n")):
            self.lines.update(zip(range(i, i + n), range(j, j + n), strict=True))

    def line(self, old_line: int) -> int | None:
        return self.lines.get(old_line)

    def range(self, r: Range) -> Range | None:
        """The same range in the edited text, or None if an earlier edit touched its lines."""
        rows = [self.line(k) for k in range(r.start[0], r.end[0] + 1)]
        if None in rows or rows != list(range(rows[0], rows[0] + len(rows))):
            return None
        return Range(r.kind, (rows[0], r.start[1]), (rows[-1], r.end[1]))


def run_module(tool, m: Module, work: Path, stats: Stats, args) -> None:
    target = work / m.path
    tool.package_root = work
    original = target.read_text()
    pending = sorted(m.ranges, key=lambda r: r.start, reverse=True)
    text = original
    lines = (None, None)  # (text, LineMap from the original to it)
    try:
        while pending:
            states, applied = [text], []
            while pending and len(applied) < args.batch:
                r = pending.pop(0)
                if lines[0] is not text:
                    lines = (text, LineMap(original, text))
                new = attempt(tool, text, r, m, stats, lines[1].range(r))
                if new is not None:
                    text = new
                    states.append(text)
                    applied.append(r)
            if not applied or args.no_tests:
                continue
            target.write_text(text)
            if run_tests(m, work, args.test_timeout):
                continue
            # Bisect to the first failing edit, record it, redo the later ranges without it.
            lo, hi = 1, len(applied)
            while lo < hi:
                mid = (lo + hi) // 2
                target.write_text(states[mid])
                if run_tests(m, work, args.test_timeout):
                    lo = mid + 1
                else:
                    hi = mid
            bad = applied[lo - 1]
            stats.test_failures += 1
            stats.cases[(str(m.path), bad.start, bad.end)]["status"] = "test_failure"
            stats.failures.append({"module": str(m.path), "range": [bad.start, bad.end],
                                   "kind": bad.kind, "why": "tests fail"})  # fmt: skip
            text = states[lo - 1]
            pending = applied[lo:] + pending
            stats.applied -= len(applied) - lo + 1
            stats.offered -= len(applied) - lo
            stats.ranges -= len(applied) - lo
            for again in applied[lo - 1 :]:  # these are attempted again (the failing one is not)
                per = stats.by_kind[_want(again)]
                per["applied"] -= 1
                per["offered"] -= again is not bad
    finally:
        target.write_text(original)


def attempt(tool, text: str, r: Range, m: Module, stats: Stats, here: Range | None) -> str | None:
    """Try one range (`r` in the original text, `here` where it is now in `text`)."""
    stats.ranges += 1
    if here is None:  # an earlier edit rewrote these lines: the same for every tool
        result = {"status": "not_offered", "reason": "lines changed by an earlier edit"}
    else:
        result = tool.extract(text, here, str(m.path))
    kind = result.get("kind") or (
        "extract.function" if r.kind == "statements" else "extract.variable"
    )
    per = stats.by_kind.setdefault(kind, {"offered": 0, "refused": 0, "applied": 0})
    if result.get("list_ms") is not None:
        stats.list_ms.append(result["list_ms"])
    status = result["status"]
    stats.cases[(str(m.path), r.start, r.end)] = {
        "module": str(m.path), "range": [r.start, r.end], "kind": kind, "status": status,
        "reason": result.get("reason"),
    }  # fmt: skip
    if status == "timeout":
        stats.timeouts += 1
        status = "refused"
    if status == "not_offered":
        stats.not_offered += 1
        return None
    if status == "error":
        stats.errors += 1
        stats.failures.append({"module": str(m.path), "range": [r.start, r.end],
                               "why": result.get("reason")})  # fmt: skip
    if status in ("refused", "error"):
        stats.refused += 1
        per["refused"] += 1
        reason = (result.get("reason") or "")[:90]
        stats.refusals[reason] = stats.refusals.get(reason, 0) + 1
        return None
    stats.offered += 1
    per["offered"] += 1
    stats.times_ms.append(result["ms"])
    if result.get("resolve_ms") is not None:
        stats.resolve_ms.append(result["resolve_ms"])
    new = result["text"]
    if not compiles(new):
        stats.parse_failures += 1
        stats.cases[(str(m.path), r.start, r.end)]["status"] = "parse_failure"
        stats.failures.append({"module": str(m.path), "range": [r.start, r.end],
                               "kind": kind, "why": "does not compile"})  # fmt: skip
        return None
    stats.applied += 1
    per["applied"] += 1
    return new


def _offset(text: str, pos: tuple[int, int]) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: pos[0]]) + pos[1]


def _want(r: Range) -> str:
    return "extract.function" if r.kind == "statements" else "extract.variable"


class RefineDirect:
    """The domain API in-process, with a tree parsed once per text as the server keeps one."""

    def __init__(self):
        from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings
        from refine_lsp.refactor.tsview import parse
        from refine_lsp.text import Span

        self.Span, self.Refusal, self.parse = Span, Refusal, parse
        self.list, self.compute = list_refactorings, compute_refactoring
        self._tree = (None, None)

    def extract(self, text: str, r: Range, path: str) -> dict:
        if self._tree[0] is not text:
            self._tree = (text, self.parse(text))
        tree = self._tree[1]
        span = self.Span.of(*r.start, *r.end)
        want = _want(r)
        t0 = time.perf_counter()
        offers = self.list(text, span, tree)
        list_ms = (time.perf_counter() - t0) * 1000
        offer = next((o for o in offers if o.id == want), None)
        base = {"kind": want, "list_ms": list_ms}
        if offer is None:
            return {**base, "status": "not_offered"}
        if offer.disabled_reason:
            return {**base, "status": "refused", "reason": offer.disabled_reason}
        t1 = time.perf_counter()
        # The file's path, as the server passes the document's: the package's own files
        # (its tests) are the project a new module-level name is checked against.
        root = getattr(self, "package_root", None)
        file = str(Path(root) / path) if root is not None else None
        try:
            new = self.compute(text, span, want, tree, path=file)
        except self.Refusal as exc:
            status = "error" if str(exc).startswith("The refactoring failed") else "refused"
            return {**base, "status": status, "reason": str(exc)}
        resolve_ms = (time.perf_counter() - t1) * 1000
        return {**base, "status": "offered", "text": new, "resolve_ms": resolve_ms,
                "ms": list_ms + resolve_ms}  # fmt: skip

    def close(self) -> None:
        pass


def _utf16(line: str, col: int) -> int:
    return len(line[:col].encode("utf-16-le")) // 2


def _from_utf16(line: str, col16: int) -> int:
    n = 0
    for i, ch in enumerate(line):
        if n >= col16:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


class RefineLsp:
    """The real server over stdio: codeAction (no edit), then codeAction/resolve."""

    def __init__(self):
        import asyncio
        import threading

        from lsprotocol import types as T
        from pygls.lsp.client import LanguageClient

        self.T = T
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.client = LanguageClient("refactor-corpus", "1.0")

        @self.client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params) -> None:  # not measured here
            return None

        self._run(self.client.start_io(sys.executable, "-m", "refine_lsp", "serve"))
        caps = T.ClientCapabilities(
            workspace=T.WorkspaceClientCapabilities(
                workspace_edit=T.WorkspaceEditClientCapabilities(document_changes=True)
            ),
            text_document=T.TextDocumentClientCapabilities(
                code_action=T.CodeActionClientCapabilities(
                    code_action_literal_support=T.ClientCodeActionLiteralOptions(
                        code_action_kind=T.ClientCodeActionKindOptions(
                            value_set=[k.value for k in T.CodeActionKind]
                        )
                    ),
                    resolve_support=T.ClientCodeActionResolveOptions(properties=["edit"]),
                    data_support=True,
                    disabled_support=True,
                )
            ),
        )
        self._run(self.client.initialize_async(
            T.InitializeParams(capabilities=caps, process_id=os.getpid())
        ))  # fmt: skip
        self.client.initialized(T.InitializedParams())
        self.uri, self.text, self.version = None, None, 0
        self.tmp = tempfile.mkdtemp(prefix="refactor-corpus-lsp-")

    def _run(self, coro, timeout=120):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def _sync(self, text: str, path: str) -> None:
        T = self.T
        uri = (Path(self.tmp) / path).as_uri()
        if uri != self.uri:
            if self.uri is not None:
                self.client.text_document_did_close(
                    T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(self.uri))
                )
            self.uri, self.version, self.text = uri, 1, text
            self.client.text_document_did_open(T.DidOpenTextDocumentParams(
                T.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            ))  # fmt: skip
        elif text != self.text:
            # As an editor does after applying an edit: the changed ranges only (bottom-up,
            # each against the text the previous one left), so the server reparses
            # incrementally.
            from refine_lsp.text import diff_edits

            lines = self.text.split("\n")
            changes = [
                T.TextDocumentContentChangePartial(
                    range=T.Range(
                        T.Position(e.span.start.line,
                                   _utf16(lines[e.span.start.line], e.span.start.col)
                                   if e.span.start.line < len(lines) else 0),
                        T.Position(e.span.end.line,
                                   _utf16(lines[e.span.end.line], e.span.end.col)
                                   if e.span.end.line < len(lines) else 0),
                    ),
                    text=e.new_text,
                )
                for e in reversed(diff_edits(self.text, text))
            ]  # fmt: skip
            self.version += 1
            self.text = text
            self.client.text_document_did_change(T.DidChangeTextDocumentParams(
                T.VersionedTextDocumentIdentifier(uri=uri, version=self.version), changes
            ))  # fmt: skip

    def extract(self, text: str, r: Range, path: str) -> dict:
        T = self.T
        self._sync(text, path)
        lines = text.split("\n")
        rng = T.Range(
            T.Position(r.start[0], _utf16(lines[r.start[0]], r.start[1])),
            T.Position(r.end[0], _utf16(lines[r.end[0]], r.end[1])),
        )
        want = _want(r)
        kind = (
            "refactor.extract.function"
            if want == "extract.function"
            else ("refactor.extract.variable")
        )
        params = T.CodeActionParams(
            T.TextDocumentIdentifier(self.uri),
            rng,
            T.CodeActionContext(diagnostics=[], only=[kind]),
        )
        t0 = time.perf_counter()
        actions = self._run(self.client.text_document_code_action_async(params)) or []
        list_ms = (time.perf_counter() - t0) * 1000
        base = {"kind": want, "list_ms": list_ms}
        action = next(
            (a for a in actions if isinstance(a, T.CodeAction) and a.kind == kind
             and "occurrences" not in a.title),
            None,
        )  # fmt: skip
        if action is None:
            return {**base, "status": "not_offered"}
        if action.disabled is not None:
            return {**base, "status": "refused", "reason": action.disabled.reason}
        t1 = time.perf_counter()
        try:
            resolved = (
                action if action.edit else self._run(self.client.code_action_resolve_async(action))
            )
        except Exception as exc:  # noqa: BLE001 - an error response is a refusal here
            return {**base, "status": "refused", "reason": str(exc)}
        resolve_ms = (time.perf_counter() - t1) * 1000
        if resolved.edit is None:
            reason = resolved.disabled.reason if resolved.disabled else "no edit"
            return {**base, "status": "refused", "reason": reason}
        new = self._apply(text, resolved.edit)
        return {**base, "status": "offered", "text": new, "resolve_ms": resolve_ms,
                "ms": list_ms + resolve_ms}  # fmt: skip

    def _apply(self, text: str, edit) -> str:
        edits = []
        for change in edit.document_changes or []:
            edits.extend(change.edits)
        for changes in (edit.changes or {}).values():
            edits.extend(changes)
        lines = text.split("\n")

        def off(p):
            line = lines[p.line] if p.line < len(lines) else ""
            return sum(len(x) + 1 for x in lines[: p.line]) + _from_utf16(line, p.character)

        spans = sorted(((off(e.range.start), off(e.range.end), e.new_text) for e in edits),
                       reverse=True)  # fmt: skip
        for a, b, new in spans:
            text = text[:a] + new + text[b:]
        return text

    def close(self) -> None:
        try:
            self._run(self.client.shutdown_async(None), timeout=10)
            self.client.exit(None)
            self._run(self.client.stop(), timeout=10)
        except Exception:  # noqa: BLE001 - shutting down a benchmark client
            pass


def _rope_worker(conn, folder: str) -> None:
    """rope in its own process, so that an action running too long can be killed."""
    from rope.base.exceptions import RefactoringError
    from rope.base.project import Project
    from rope.refactor.extract import ExtractMethod, ExtractVariable

    project = Project(folder, ropefolder=None)
    resource = project.root.create_file("m.py")
    while (job := conn.recv()) is not None:
        text, kind, start, end, name = job
        resource.write(text)
        t0 = time.perf_counter()
        try:
            cls = ExtractMethod if kind == "statements" else ExtractVariable
            changes = cls(project, resource, start, end).get_changes(name)
            new = changes.changes[0].new_contents
        except RefactoringError as exc:
            conn.send({"status": "refused", "reason": str(exc)})
            continue
        except Exception as exc:  # noqa: BLE001 - rope crashing counts against rope
            conn.send({"status": "error", "reason": f"{type(exc).__name__}: {exc}"})
            continue
        ms = (time.perf_counter() - t0) * 1000
        conn.send({"status": "offered", "text": new, "ms": ms})
    project.close()


class RopeTool:
    """rope's ExtractMethod / ExtractVariable on the same text and ranges.

    Each action runs in a worker process with a time limit: rope takes minutes on some
    ranges of big modules. An action over the limit counts as refused ("timeout") and the
    worker is replaced.
    """

    def __init__(self, timeout: float = 20.0):
        import multiprocessing

        self.ctx = multiprocessing.get_context("spawn")
        self.timeout = timeout
        self.tmp = tempfile.mkdtemp(prefix="refactor-corpus-rope-")
        self.n = 0
        self.worker = None

    def _start(self) -> None:
        folder = tempfile.mkdtemp(dir=self.tmp)
        self.conn, child = self.ctx.Pipe()
        self.worker = self.ctx.Process(target=_rope_worker, args=(child, folder), daemon=True)
        self.worker.start()
        child.close()

    def _stop(self, kill: bool) -> None:
        if self.worker is None:
            return
        if kill:
            self.worker.kill()
        else:
            self.conn.send(None)
        self.worker.join(10)
        self.worker = None

    def extract(self, text: str, r: Range, path: str) -> dict:
        if self.worker is None:
            self._start()
        self.n += 1
        kind = _want(r)
        job = (
            text,
            r.kind,
            _offset(text, r.start),
            _offset(text, r.end),
            f"rope_extracted_{self.n}",
        )
        self.conn.send(job)
        if not self.conn.poll(self.timeout):
            self._stop(kill=True)
            return {"kind": kind, "status": "timeout", "reason": "timeout"}
        try:
            return {"kind": kind, **self.conn.recv()}
        except (EOFError, OSError) as exc:  # the worker died: a crash of rope's
            self._stop(kill=True)
            return {"kind": kind, "status": "error", "reason": f"rope worker died: {exc}"}

    def close(self) -> None:
        self._stop(kill=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def speed(path: Path, seed: int) -> dict:
    """Listing at random spans (tree parsed once, as the server keeps it) and fixAll."""
    import resource

    from refine_lsp.refactor import fix_all, list_refactorings
    from refine_lsp.refactor.tsview import parse
    from refine_lsp.text import Span

    text = path.read_text()
    tree = parse(text)
    rng = random.Random(seed)
    spans = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.stmt, ast.expr)) and node.lineno == node.end_lineno:
            spans.append(Span.of(node.lineno - 1, node.col_offset, node.lineno - 1,
                                 node.end_col_offset))  # fmt: skip
            spans.append(Span.of(node.lineno - 1, node.col_offset, node.lineno - 1,
                                 node.col_offset))  # fmt: skip
    listing = []
    for span in rng.sample(spans, min(300, len(spans))):
        t0 = time.perf_counter()
        list_refactorings(text, span, tree)
        listing.append((time.perf_counter() - t0) * 1000)

    def cpu() -> float:
        own, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    rules = ["ruff-safe-fixes", "compare-to-none", "organize-imports"]
    wall, spent = [], []
    for _ in range(7):
        t0, c0 = time.perf_counter(), cpu()
        fix_all(text, rules)
        wall.append((time.perf_counter() - t0) * 1000)
        spent.append((cpu() - c0) * 1000)
    listing.sort()
    return {
        "lines": text.count("\n"),
        "list_ms_median": round(statistics.median(listing), 2),
        "list_ms_p95": round(listing[math.ceil(0.95 * len(listing)) - 1], 2),
        "fix_all_ms_median": round(statistics.median(wall), 1),
        "fix_all_cpu_ms_median": round(statistics.median(spent), 1),
    }


def run_tool(name: str, tool, roots, modules, tmp: Path, args) -> Stats:
    stats = Stats()
    for root in roots:
        work = tmp / name / root.name
        shutil.copytree(root, work)
        mods = [m for m in modules if m.root == root]
        if not args.no_tests and not run_tests(
            Module(root.name, root, mods[0].import_root, mods[0].path,
                   sorted({t for m in mods for t in m.tests})), work, args.test_timeout
        ):  # fmt: skip
            print(f"{root.name}: baseline test suite fails; skipping", file=sys.stderr)
            continue
        for m in mods:
            if m.ranges and not admitted(args, m):
                stats.skipped_ranges += len(m.ranges)
                print(f"{name} {m.path}: past --max-seconds, skipped", file=sys.stderr)
            elif m.ranges:
                t0 = time.perf_counter()
                run_module(tool, m, work, stats, args)
                print(f"{name} {m.path}: {len(m.ranges)} ranges in "
                      f"{time.perf_counter() - t0:.0f}s", file=sys.stderr)  # fmt: skip
    tool.close()
    return stats


_ADMIT = threading.Lock()


def admitted(args, m: Module) -> bool:
    """Whether a module is run: decided once for every tool by the first to reach it (before
    the deadline of --max-seconds), so that the tools are compared on the same ranges."""
    key = (str(m.root), str(m.path))
    with _ADMIT:
        if key not in args.admitted:
            args.admitted[key] = not args.deadline or time.time() < args.deadline
        return args.admitted[key]


def report(name: str, stats: Stats, args) -> None:
    print(f"== {name}: refusals by reason", file=sys.stderr)
    for reason, n in sorted(stats.refusals.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {reason}", file=sys.stderr)
    for f in stats.failures[:20]:
        print(f"  FAIL {f}", file=sys.stderr)
    if args.failures:
        Path(f"{args.failures}.{name}.json").write_text(json.dumps(stats.failures))
    if args.cases:
        Path(f"{args.cases}.{name}.json").write_text(json.dumps(list(stats.cases.values())))


def compare(ours: Stats, rope: Stats) -> None:
    """Ranges where rope's edit kept the tests green and refine-lsp refused, by our reason."""
    groups: dict[str, list] = {}
    for key, case in rope.cases.items():
        mine = ours.cases.get(key)
        if case["status"] == "offered" and mine is not None and mine["status"] != "offered":
            why = (mine.get("reason") or mine["status"])[:90]
            groups.setdefault(why, []).append(f"{key[0]}:{key[1][0] + 1}:{key[1][1]}")
    print("== rope offered (tests green) where refine-lsp did not, by reason", file=sys.stderr)
    for why, where in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(where):4d}  {why}  e.g. {', '.join(where[:3])}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", action="append", help="NAME==VERSION (repeatable)")
    ap.add_argument("--ranges", type=int, default=600, help="ranges in all (default 600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rope", action="store_true", help="also run rope on the same ranges")
    ap.add_argument("--direct", action="store_true", help="call the domain API, not the server")
    ap.add_argument("--batch", type=int, default=40, help="edits per test-suite run")
    ap.add_argument("--test-timeout", type=float, default=600)
    ap.add_argument("--no-tests", action="store_true", help="only check that edits compile")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    ap.add_argument("--failures", help="write failing cases as JSON to this file")
    ap.add_argument("--cases", help="write every range's outcome as JSON to this file")
    ap.add_argument(
        "--rope-timeout",
        type=float,
        default=20,
        help="seconds per rope action; a slower one counts as refused (default 20)",
    )
    ap.add_argument("--serial", action="store_true", help="run the tools one after the other")
    ap.add_argument("--speed", help="only time listing and fixAll on this file, then exit")
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=0,
        help="start no module after this many seconds (the same modules for every tool; "
        "one started is finished)",
    )
    args = ap.parse_args(argv)
    args.deadline = time.time() + args.max_seconds if args.max_seconds else 0
    args.admitted = {}
    if args.speed:
        print(json.dumps(speed(Path(args.speed), args.seed)))
        return 0

    roots = download(args.package or DEFAULT_PACKAGES, Path(args.cache))
    modules = [m for root in roots for m in modules_of(root)]
    pick_ranges(modules, args.ranges, args.seed)
    tools = [("refine-lsp", RefineDirect() if args.direct else RefineLsp())]
    if args.rope:
        tools.append(("rope", RopeTool(args.rope_timeout)))
    with tempfile.TemporaryDirectory(prefix="refactor-corpus-") as tmp:
        if args.serial:
            done = [run_tool(name, tool, roots, modules, Path(tmp), args) for name, tool in tools]
        else:  # the tools and their test runs share nothing: use both cores
            with ThreadPoolExecutor(len(tools)) as pool:
                jobs = [
                    pool.submit(run_tool, n, t, roots, modules, Path(tmp), args) for n, t in tools
                ]
                done = [j.result() for j in jobs]
    stats_of = dict(zip([n for n, _ in tools], done, strict=True))
    for name, stats in stats_of.items():
        report(name, stats, args)
    if args.rope:
        compare(stats_of["refine-lsp"], stats_of["rope"])
    results = {name: stats.summary() for name, stats in stats_of.items()}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
