"""Fix failing tests on real packages: one injected bug at a time, graded by the whole suite.

The packages are bench/refactor_corpus.py's (its sdist download, cache and test locating are
imported from there). For each task a single bug is injected into a function of a package
module by one of the mutation operators below (this script's own, written apart from the
loop's repair templates in refine/templates.py and refine/mutate.py); a bug counts as
injected only if it compiles and the module's tests catch it. The loop ("Fix failing tests",
no model) gets the failing tests plus a seeded half of the others, as a user's partial run
would; the offered edit is then graded with the package's whole suite.

Mutation operators (``OPERATORS``):
  ror            relational operator to its boundary neighbour  (< <=, > >=, == !=)
  aor            arithmetic operator swapped                     (+ -, * //, // *)
  lcr            logical connector swapped                       (and or)
  negate         condition of an if/while/ternary negated         (c -> not (c))
  unnegate       a `not` dropped from a condition                 (not c -> c)
  drop-conjunct  last operand of an and/or condition dropped       (a and b -> a)
  const          integer constant off by one                      (n -> n + 1)
  swap-args      two positional arguments of a call swapped       (f(a, b) -> f(b, a))
  swap-branches  the branches of an if/else swapped
  delete-stmt    an assignment or update inside a loop deleted

Reported: injected, plausible (an edit offered: it passed the tests the loop was given),
correct (the whole suite passes as on the original), the plausible-but-wrong share, offered
edits failing a test the loop was given (must be 0), test runs and seconds per task, and all
of it per operator.

    python bench/refine_corpus.py --bugs 30 --seed 1
    python bench/refine_corpus.py --package tabulate==0.9.0 --bugs 5

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import refactor_corpus as corpus  # noqa: E402 - the corpus packages and their tests

OPERATORS = (
    "ror",
    "aor",
    "lcr",
    "negate",
    "unnegate",
    "drop-conjunct",
    "const",
    "swap-args",
    "swap-branches",
    "delete-stmt",
)
ROR = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
AOR = {"+": "-", "-": "+", "*": "//", "//": "*"}
ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Bug:
    module: corpus.Module
    operator: str
    line: int  # zero-based line of the change (inside the function)
    function: str
    source: str  # the module with the bug


@dataclass
class Task:
    bug: Bug
    failing: list[str]
    given: list[str] = field(default_factory=list)
    offered: bool = False
    correct: bool = False
    offered_failing: bool = False
    test_runs: int = 0
    seconds: float = 0.0
    message: str = ""


# -- injecting ----------------------------------------------------------------------------


class Text:
    """Byte offsets for ast positions (col_offset counts UTF-8 bytes)."""

    def __init__(self, source: str):
        self.data = source.encode()
        self.starts = [0]
        for i, b in enumerate(self.data):
            if b == 10:
                self.starts.append(i + 1)

    def at(self, lineno: int, col: int) -> int:
        return self.starts[lineno - 1] + col

    def start(self, node) -> int:
        return self.at(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.at(node.end_lineno, node.end_col_offset)

    def splice(self, edits: list[tuple[int, int, bytes]]) -> str:
        out = self.data
        for a, b, new in sorted(edits, reverse=True):
            out = out[:a] + new + out[b:]
        return out.decode()


def _token(text: Text, a: int, b: int, table: dict[str, str], words: bool = False):
    """The one operator token between offsets a and b (outside parentheses), replaced."""
    gap = text.data[a:b].decode()
    pattern = r"\b(and|or)\b" if words else r"//|<=|>=|==|!=|[-+*<>]"
    found = [m for m in re.finditer(pattern, gap) if m.group(0) in table]
    if len(found) != 1 or "#" in gap:
        return None
    m = found[0]
    return (a + m.start(), a + m.end(), table[m.group(0)].encode())


def _sites(fn: ast.AST, text: Text, lines: list[str]):
    """(operator, line, edits) for every place in ``fn`` an operator applies."""
    loops = (ast.For, ast.While, ast.AsyncFor)
    for node in _own_nodes(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        line = getattr(node, "lineno", fn.lineno) - 1
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            e = _token(text, text.end(node.left), text.start(node.comparators[0]), ROR)
            if e:
                yield "ror", line, [e]
        elif isinstance(node, ast.BinOp) and isinstance(
            node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)
        ):
            e = _token(text, text.end(node.left), text.start(node.right), AOR)
            if e:
                yield "aor", line, [e]
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            swap = {"and": "or", "or": "and"}
            e = _token(text, text.end(node.values[0]), text.start(node.values[1]), swap, True)
            if e:
                yield "lcr", line, [e]
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            test = node.test
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                yield "unnegate", line, [(text.start(test), text.start(test.operand), b"")]
            else:
                yield (
                    "negate",
                    line,
                    [
                        (text.start(test), text.start(test), b"not ("),
                        (text.end(test), text.end(test), b")"),
                    ],
                )
            if isinstance(test, ast.BoolOp) and len(test.values) >= 2:
                yield (
                    "drop-conjunct",
                    line,
                    [(text.end(test.values[-2]), text.end(test.values[-1]), b"")],
                )
        if (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and 0 <= node.value < 1000
            and node.lineno == node.end_lineno
        ):
            yield "const", line, [(text.start(node), text.end(node), str(node.value + 1).encode())]
        if isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords:
            a, b = node.args
            simple = (ast.Name, ast.Constant, ast.Attribute)
            sa, sb = text.data[text.start(a) : text.end(a)], text.data[text.start(b) : text.end(b)]
            if isinstance(a, simple) and isinstance(b, simple) and sa != sb:
                yield (
                    "swap-args",
                    line,
                    [
                        (text.start(a), text.end(a), sb),
                        (text.start(b), text.end(b), sa),
                    ],
                )
        if isinstance(node, ast.If) and node.orelse and not _is_elif(node, lines):
            body = _block(node.body, text)
            other = _block(node.orelse, text)
            if body and other:
                (a1, b1), (a2, b2) = body, other
                yield (
                    "swap-branches",
                    line,
                    [
                        (a1, b1, text.data[a2:b2]),
                        (a2, b2, text.data[a1:b1]),
                    ],
                )
        if isinstance(node, loops) and len(node.body) >= 2:
            for stmt in node.body:
                one_line = stmt.lineno == stmt.end_lineno != node.lineno
                if isinstance(stmt, (ast.AugAssign, ast.Assign)) and one_line:
                    a = text.starts[stmt.lineno - 1]
                    b = (
                        text.starts[stmt.lineno]
                        if stmt.lineno < len(text.starts)
                        else len(text.data)
                    )
                    yield "delete-stmt", stmt.lineno - 1, [(a, b, b"")]


def _is_elif(node: ast.If, lines: list[str]) -> bool:
    o = node.orelse
    return (
        len(o) == 1
        and isinstance(o[0], ast.If)
        and lines[o[0].lineno - 1].lstrip().startswith("elif")
    )


def _block(body: list[ast.stmt], text: Text) -> tuple[int, int] | None:
    """Whole lines of a block (a block on its `if` line cannot be swapped line-wise)."""
    first, last = body[0], body[-1]
    a = text.starts[first.lineno - 1]
    if text.data[a : text.start(first)].strip():
        return None
    end = text.end(last)
    nl = text.data.find(b"\n", end)
    return a, (nl + 1 if nl >= 0 else len(text.data))


def bug_sites(m: corpus.Module) -> list[tuple[str, int, str, str]]:
    """(operator, line, function, mutated source) for every site in the module's functions."""
    source = (m.root / m.path).read_text(encoding="utf-8")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    text, lines = Text(source), source.splitlines()
    out, seen = [], set()
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for op, line, edits in _sites(fn, text, lines):
            new = text.splice(edits)
            if new != source and new not in seen and corpus.compiles(new):
                seen.add(new)
                out.append((op, line, fn.name, new))
    return out


def _own_nodes(fn: ast.AST):
    """The nodes of ``fn`` outside the functions and classes nested in it (those are
    visited as functions of their own)."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


# -- running the suite --------------------------------------------------------------------

_REPORTED = re.compile(r"^(FAILED|ERROR|SUBFAIL) (\S+?)(?: \[.*?\])?(?: - .*)?$")


def suite(work: Path, m: corpus.Module, args: list[str], timeout: float) -> set[str] | None:
    """The node ids that fail (None: the run timed out or collected nothing)."""
    env = dict(os.environ, **ENV, PYTHONPATH=str(work / m.import_root.relative_to(m.root)))
    for cache in work.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    cmd = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *args]
    try:
        proc = subprocess.run(
            cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode not in (0, 1):
        return None
    failing = set()
    for line in proc.stdout.splitlines():
        hit = _REPORTED.match(line.strip())
        if hit:
            failing.add(hit.group(2))
    return failing


def collect(work: Path, m: corpus.Module, locations: list[str]) -> list[str]:
    env = dict(os.environ, **ENV, PYTHONPATH=str(work / m.import_root.relative_to(m.root)))
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    proc = subprocess.run([*cmd, *locations], cwd=work, env=env, capture_output=True, text=True)
    return [ln.strip() for ln in proc.stdout.splitlines() if "::" in ln]


def copy(root: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return dest


# -- the loop -----------------------------------------------------------------------------


def run_task(task: Task, work: Path, settings, args, memory: Path) -> None:
    from refine_lsp.refine.loop import fix_failing_tests

    bug = task.bug
    m = bug.module
    (work / m.path).write_text(bug.source, encoding="utf-8")
    started = time.monotonic()
    try:
        res = fix_failing_tests(
            work,
            work / m.path,
            bug.line,
            settings,
            tests=task.given,
            worker_env=ENV,
            workers=args.workers,
            memory_dir=memory,
        )
    except Exception as exc:  # noqa: BLE001 - a task that crashes the loop counts as an error
        task.message = f"error: {type(exc).__name__}: {exc}"
        task.seconds = round(time.monotonic() - started, 2)
        return
    task.seconds = round(time.monotonic() - started, 2)
    task.test_runs = res.summary.test_runs
    task.message = res.summary.message or res.summary.refused
    if res.new_source is None:
        return
    task.offered = True
    (work / m.path).write_text(res.new_source, encoding="utf-8")
    after = suite(work, m, m.everything, args.test_timeout)
    if after is None:
        task.message += " (grading suite timed out)"
        return
    new_failures = after - m.failing_before
    task.correct = not new_failures
    task.offered_failing = bool(new_failures & set(task.given))


def summarise(tasks: list[Task], args, tried: int, elapsed: float) -> dict:
    def part(ts: list[Task]) -> dict:
        plausible = sum(t.offered for t in ts)
        correct = sum(t.correct for t in ts)
        return {
            "injected": len(ts),
            "plausible": plausible,
            "correct": correct,
            "correct_share": round(correct / len(ts), 3) if ts else None,
            "pbw_share": round((plausible - correct) / plausible, 3) if plausible else None,
            "offered_failing": sum(t.offered_failing for t in ts),
        }

    runs = [t.test_runs for t in tasks]
    secs = [t.seconds for t in tasks]
    out = part(tasks)
    out.update(
        {
            "mutants_tried": tried,
            "test_runs_per_task_median": statistics.median(runs) if runs else None,
            "test_runs_per_task_mean": round(statistics.mean(runs), 1) if runs else None,
            "seconds_per_task_median": round(statistics.median(secs), 2) if secs else None,
            "seconds_per_task_mean": round(statistics.mean(secs), 2) if secs else None,
            "errors": sum(t.message.startswith("error:") for t in tasks),
            "per_operator": {
                op: part([t for t in tasks if t.bug.operator == op])
                for op in OPERATORS
                if any(t.bug.operator == op for t in tasks)
            },
            "per_package": {
                p: part([t for t in tasks if t.bug.module.package == p])
                for p in sorted({t.bug.module.package for t in tasks})
            },
            "packages": args.package or corpus.DEFAULT_PACKAGES,
            "seed": args.seed,
            "given_share_of_passing": 0.5,
            "workers": args.workers,
            "test_timeout_s": args.loop_test_timeout,
            "max_seconds": args.max_seconds,
            "elapsed_s": round(elapsed, 1),
        }
    )
    return out


def _deadline(hhmm: str) -> float:
    """Today's ``hhmm`` (UTC) in epoch seconds: a deadline already past runs no task."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    h, m = (int(x) for x in hhmm.split(":"))
    return now.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", action="append", help="NAME==VERSION (repeatable)")
    ap.add_argument("--bugs", type=int, default=30, help="bugs to inject in all (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2, help="the loop's sandboxes (default 2)")
    ap.add_argument("--max-seconds", type=float, default=90.0, help="the loop's time budget")
    ap.add_argument(
        "--loop-test-timeout",
        type=float,
        default=60.0,
        help="seconds a test request of the loop may take (a big suite needs more than 10)",
    )
    ap.add_argument("--test-timeout", type=float, default=300, help="per suite run here")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    ap.add_argument("--cases", help="write every task's outcome as JSON to this file")
    ap.add_argument(
        "--until",
        help="HH:MM (UTC): start no task after this time and report what is done",
    )
    args = ap.parse_args(argv)

    from refine_lsp.settings import Settings

    settings = Settings()
    settings.refine.max_seconds = args.max_seconds
    settings.refine.test_timeout_s = args.loop_test_timeout

    started = time.monotonic()
    stop_at = _deadline(args.until) if args.until else None
    stopped_early = False
    rng = random.Random(args.seed)
    roots = corpus.download(args.package or corpus.DEFAULT_PACKAGES, Path(args.cache))
    tasks: list[Task] = []
    tried = 0
    with tempfile.TemporaryDirectory(prefix="refine-corpus-") as tmp:
        tmp = Path(tmp)
        memory = tmp / "memory"
        pools = []
        for root in roots:
            modules = corpus.modules_of(root)
            if not modules:
                continue
            base = copy(root, tmp / "base" / root.name)
            everything = sorted(
                str(loc.relative_to(root))
                for loc in corpus.test_locations(root, modules[0].import_root)
            )
            failing_before = suite(base, modules[0], everything, args.test_timeout) or set()
            nodeids = collect(base, modules[0], everything)
            print(
                f"{root.name}: {len(modules)} modules, {len(nodeids)} tests, "
                f"{len(failing_before)} failing before",
                file=sys.stderr,
            )
            sites = []
            for m in modules:
                m.everything = everything
                m.failing_before = failing_before
                m.nodeids = nodeids
                sites += [(m, *s) for s in bug_sites(m)]
            by_op: dict[str, list] = {}
            for site in sites:
                by_op.setdefault(site[1], []).append(site)
            for group in by_op.values():
                rng.shuffle(group)
            pools.append(by_op)
        # Round-robin over the packages, and in each over the operators in a seeded order, so
        # that every package and operator gets its share (not the most frequent site kinds).
        order = []
        while any(any(p.values()) for p in pools):
            for by_op in pools:
                ops = [op for op in OPERATORS if by_op.get(op)]
                rng.shuffle(ops)
                for op in ops:
                    order.append(by_op[op].pop())
        seen: set[tuple] = set()
        for m, op, line, function, source in order:
            if len(tasks) >= args.bugs:
                break
            if stop_at is not None and time.time() >= stop_at:
                stopped_early = True
                break
            if (m.path, function, op) in seen:
                continue  # one bug per function and operator: spread over the code
            tried += 1
            work = copy(m.root, tmp / "work")
            (work / m.path).write_text(source, encoding="utf-8")
            failing = suite(work, m, m.tests, args.test_timeout)
            if not failing:
                continue  # survived (or hung): the tests do not catch it
            failing -= m.failing_before
            if not failing:
                continue
            seen.add((m.path, function, op))
            others = [n for n in m.nodeids if n not in failing and n not in m.failing_before]
            given = sorted(failing) + sorted(rng.sample(others, len(others) // 2))
            task = Task(Bug(m, op, line, function, source), sorted(failing), given)
            run_task(task, copy(m.root, tmp / "work"), settings, args, memory)
            tasks.append(task)
            print(
                f"[{len(tasks)}/{args.bugs}] {m.package} {m.path}:{line + 1} {function} {op}: "
                f"{len(failing)} failing; offered={task.offered} correct={task.correct} "
                f"{task.test_runs} runs {task.seconds:.1f} s; {task.message[:120]}",
                file=sys.stderr,
                flush=True,
            )
    result = summarise(tasks, args, tried, time.monotonic() - started)
    result["bugs_requested"] = args.bugs
    result["stopped_early"] = stopped_early
    if args.cases:
        Path(args.cases).write_text(
            json.dumps(
                [
                    {
                        "package": t.bug.module.package,
                        "file": str(t.bug.module.path),
                        "line": t.bug.line + 1,
                        "function": t.bug.function,
                        "operator": t.bug.operator,
                        "failing": t.failing,
                        "given": len(t.given),
                        "offered": t.offered,
                        "correct": t.correct,
                        "offered_failing": t.offered_failing,
                        "test_runs": t.test_runs,
                        "seconds": t.seconds,
                        "message": t.message,
                    }
                    for t in tasks
                ],
                indent=1,
            )
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
