"""Differential testing of the refactorings on generated programs.

For each program (bench/fuzz_programs.py): run it; list the refactorings offered at random
ranges exactly as the server lists them (list_refactorings with the document's tree-sitter
tree); resolve and apply each enabled one (compute_refactoring); run the result; compare
output and exception types. A difference, or an edit that does not compile, is a failure,
shrunk by deleting lines while it persists. Programs run in a worker process (exec in a
fresh namespace, time and memory limits), restarted when it dies or hangs.

    python bench/refactor_fuzz.py --programs 200 --seed 1 --jobs 1

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "server"))

from fuzz_programs import PRELUDE, program  # noqa: E402
from refine_lsp.refactor import Refusal, compute_refactoring, list_refactorings  # noqa: E402
from refine_lsp.syntax.parser import parse  # noqa: E402
from refine_lsp.text import Pos, Span  # noqa: E402

RUN_SECONDS = 2.0
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
WORKER = r"""
import contextlib, io, json, resource, signal, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
class FuzzTimeout(BaseException):
    pass
def alarm(*_):
    raise FuzzTimeout()
signal.signal(signal.SIGALRM, alarm)
sys.setrecursionlimit(400)
for line in sys.stdin:
    src = json.loads(line)
    buf, err = io.StringIO(), None
    signal.setitimer(signal.ITIMER_REAL, __SECONDS__)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(src, "<fuzz>", "exec"), {"__name__": "__main__"})
    except FuzzTimeout:
        err = "timeout"
    except BaseException as exc:
        err = type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    sys.__stdout__.write(json.dumps({"out": buf.getvalue()[-20000:], "err": err}) + "\n")
    sys.__stdout__.flush()
""".replace("__SECONDS__", str(RUN_SECONDS))


class Runner:
    """One long-lived worker; a program that kills or hangs it costs a restart."""

    def __init__(self):
        self.proc = None

    def _start(self):
        env = dict(os.environ, PYTHONHASHSEED="0")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def run(self, src: str) -> tuple[str, str | None]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(src) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], RUN_SECONDS + 3)
            line = self.proc.stdout.readline() if ready else ""
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.close()
            return "", "timeout"
        got = json.loads(line)
        return ADDRESS.sub(" at 0x", got["out"]), got["err"]  # `<generator object f at 0x..>`

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@dataclass
class Stats:
    programs: int = 0
    offers_listed: int = 0
    offers_enabled: int = 0
    edits_applied: int = 0
    behaviour_changes: int = 0
    parse_failures: int = 0
    timeouts: int = 0
    refusals_by_reason: Counter = field(default_factory=Counter)
    applied_by_offer: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        for k in ("programs", "offers_listed", "offers_enabled", "edits_applied",
                  "behaviour_changes", "parse_failures", "timeouts"):  # fmt: skip
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.refusals_by_reason.update(other.refusals_by_reason)
        self.applied_by_offer.update(other.applied_by_offer)
        self.failures += other.failures


def spans(source: str, tree, rnd: random.Random, count: int, first_row: int = 0) -> list[Span]:
    """Ranges an editor might send: whole lines, syntax nodes, cursors on names (from
    ``first_row`` on: the prelude is the same in every program)."""
    lines = source.split("\n")
    nodes, names = [], []
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        stack.extend(n.named_children)
        if n.start_point[0] < first_row:
            continue
        if n.start_point[0] == n.end_point[0] or n.type.endswith("statement"):
            nodes.append(n)
        if n.type == "identifier":
            names.append(n)
    seen = Counter(n.text for n in names)
    rare = [n for n in names if seen[n.text] <= 3]  # temporaries: what inline variable takes
    out = []
    for _ in range(count):
        k = rnd.random()
        if k < 0.35:
            i = rnd.randrange(first_row, len(lines))
            j = min(len(lines) - 1, i + rnd.choice([0, 0, 1, 2, 3, 5]))
            col = len(lines[i]) - len(lines[i].lstrip())
            out.append(Span(Pos(i, col), Pos(j, len(lines[j]))))
        elif k < 0.7 and nodes:
            n = rnd.choice(nodes)
            out.append(_node_span(lines, n))
        elif names:
            n = rnd.choice(rare if rare and rnd.random() < 0.5 else names)
            p = _node_span(lines, n)
            at = p.start if rnd.random() < 0.5 else p.end
            out.append(Span(at, at))
    return out


def _node_span(lines, n) -> Span:
    def pos(point):
        row, byte = point
        return Pos(row, len(lines[row].encode()[:byte].decode()))

    return Span(pos(tuple(n.start_point)), pos(tuple(n.end_point)))


def outcome(runner: Runner, src: str, cache: dict) -> tuple[str, str | None]:
    if src not in cache:
        cache[src] = runner.run(src)
    return cache[src]


def check_edit(runner, source, span, offer_id, cache, base=None):
    """(kind, new text): kind is ok, refused:<reason>, parse, behaviour, timeout, gone."""
    tree = parse(source)
    offers = [o for o in list_refactorings(source, span, tree) if o.id == offer_id]
    if not offers or offers[0].disabled_reason is not None:
        return "gone", None
    try:
        new = compute_refactoring(source, span, offer_id, tree)
    except Refusal as exc:
        return f"refused:{exc}", None
    if new == source:
        return "same", new
    try:
        compile(new, "<edited>", "exec")
    except (SyntaxError, ValueError):
        return "parse", new
    before = base if base is not None else outcome(runner, source, cache)
    after = outcome(runner, new, cache)
    if "timeout" in (before[1], after[1]):
        return "timeout", new
    return ("ok" if before == after else "behaviour"), new


def fuzz_program(seed: int, runner: Runner, ranges: int, shrink: bool) -> Stats:
    st = Stats(programs=1)
    source = program(seed)
    cache: dict = {}
    base = outcome(runner, source, cache)
    if base[1] == "timeout":
        st.timeouts += 1
        return st
    rnd = random.Random(seed * 7919 + 1)
    tree = parse(source)
    tried = set()
    for span in spans(source, tree, rnd, ranges, PRELUDE.count("\n")):
        for o in list_refactorings(source, span, tree):
            st.offers_listed += 1
            if o.disabled_reason is not None or (span, o.id) in tried:
                continue
            tried.add((span, o.id))
            st.offers_enabled += 1
            kind, new = check_edit(runner, source, span, o.id, cache, base)
            if kind.startswith("refused:"):
                st.refusals_by_reason[f"{o.id}: {kind[8:]}"] += 1
                continue
            if kind == "same":
                continue
            st.edits_applied += 1
            st.applied_by_offer[o.id] += 1
            if kind == "timeout":
                st.timeouts += 1
            elif kind in ("parse", "behaviour"):
                st.parse_failures += kind == "parse"
                st.behaviour_changes += kind == "behaviour"
                case = {"seed": seed, "offer": o.id, "kind": kind, "span": _span_json(span)}
                if shrink:
                    small, small_span = shrink_case(runner, source, span, o.id, kind)
                    case.update(program=small, span=_span_json(small_span))
                    _, edited = check_edit(runner, small, small_span, o.id, {})
                    case["edited"] = edited
                st.failures.append(case)
    return st


def _span_json(span: Span) -> list[int]:
    return [span.start.line, span.start.col, span.end.line, span.end.col]


def shrink_case(runner, source, span, offer_id, kind, budget=400):
    """Delete lines (in shrinking chunks) while the same kind of failure persists."""
    cur, cur_span = source, span

    def still(src, sp):
        try:
            compile(src, "<shrunk>", "exec")
        except (SyntaxError, ValueError):
            return False
        got, _ = check_edit(runner, src, sp, offer_id, {})
        return got == kind

    tries = 0
    size = 16
    while size >= 1 and tries < budget:
        lines = cur.split("\n")
        i, changed = 0, False
        while i < len(lines) and tries < budget:
            lo, hi = i, min(len(lines), i + size)
            if hi > cur_span.start.line and lo <= cur_span.end.line:
                i = cur_span.end.line + 1
                continue
            cand = "\n".join(lines[:lo] + lines[hi:])
            shift = (hi - lo) if hi <= cur_span.start.line else 0
            sp = Span(
                Pos(cur_span.start.line - shift, cur_span.start.col),
                Pos(cur_span.end.line - shift, cur_span.end.col),
            )
            tries += 1
            if still(cand, sp):
                cur, cur_span, lines, changed = cand, sp, cand.split("\n"), True
            else:
                i += size
        if not changed:
            size //= 2
    return cur, cur_span


def _job(args) -> Stats:
    seeds, ranges, shrink, deadline, sink = args
    runner = Runner()
    total = Stats()
    try:
        for s in seeds:
            if deadline and time.time() > deadline:
                break
            got = fuzz_program(s, runner, ranges, shrink)
            total.merge(got)
            for f in got.failures:
                if sink is not None:  # written as found: a long run that is stopped keeps them
                    sink.mkdir(parents=True, exist_ok=True)
                    (sink / f"seed{s}-{f['offer']}-{len(list(sink.iterdir()))}.json").write_text(
                        json.dumps(f, indent=1)
                    )
            print(f"program {s}: {total.edits_applied} edits, {total.behaviour_changes} "
                  f"changes, {total.parse_failures} parse failures", file=sys.stderr)  # fmt: skip
    finally:
        runner.close()
    return total


def run(programs: int, seed: int, jobs: int = 1, ranges: int = 40, shrink: bool = True,
        max_seconds: float = 0, sink: Path | None = None, first: int = 0) -> dict:  # fmt: skip
    seeds = [seed * 100_000 + k for k in range(first, first + programs)]
    t0 = time.perf_counter()
    deadline = time.time() + max_seconds if max_seconds else 0
    if jobs <= 1:
        stats = _job((seeds, ranges, shrink, deadline, sink))
    else:
        from multiprocessing import Pool

        parts = [(seeds[k::jobs], ranges, shrink, deadline, sink) for k in range(jobs)]
        stats = Stats()
        with Pool(jobs) as pool:
            for s in pool.map(_job, parts):
                stats.merge(s)
    elapsed = time.perf_counter() - t0
    return {
        "programs": stats.programs,
        "seed": seed,
        "first": first,
        "offers_listed": stats.offers_listed,
        "offers_enabled": stats.offers_enabled,
        "edits_applied": stats.edits_applied,
        "behaviour_changes": stats.behaviour_changes,
        "parse_failures": stats.parse_failures,
        "timeouts": stats.timeouts,
        "applied_by_offer": dict(stats.applied_by_offer.most_common()),
        "refusals_by_reason": dict(stats.refusals_by_reason.most_common()),
        "edits_per_second": round(stats.edits_applied / elapsed, 1) if elapsed else 0.0,
        "seconds": round(elapsed, 1),
        "failures": stats.failures,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--programs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--ranges", type=int, default=40, help="random ranges tried per program")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--failures-dir", type=Path, help="write each shrunk failure here")
    ap.add_argument("--max-seconds", type=float, default=0, help="start no program after this")
    ap.add_argument("--first", type=int, default=0,
                    help="index of the first program of the seed (resume a run)")  # fmt: skip
    args = ap.parse_args(argv)
    report = run(args.programs, args.seed, args.jobs, args.ranges, not args.no_shrink,
                 args.max_seconds, args.failures_dir, args.first)  # fmt: skip
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
