"""Evaluate the review-refine loop on HumanEvalFix-style tasks; the last line is one JSON object.

Honest protocol: the loop sees only the visible tests (``example_test``, one pytest test per
assertion so localisation has a spectrum; without it, half of the ``test`` assertions chosen
with a fixed seed) plus the properties it generates; the hidden ``test`` grades the result.

    python bench/refine_eval.py [--tasks FILE] [--model NAME] [--modes repair,loop]
                                [--limit N] [--offset N] [--jobs 2] [--seconds 60]

Modes: one_shot (the model once), self_refine (the model with its own test feedback, up to 3
rounds), repair (deterministic repair alone: localisation + mutations, no model, no memory),
loop (the full loop: localisation, repair, model when configured, routing, memory).
Modes that need a model report null figures and a reason when none is given.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from refine_lsp.settings import Model, Settings  # noqa: E402
from refine_lsp.verify.checks import parse_verdict  # noqa: E402
from refine_lsp.verify.sandbox import run_command  # noqa: E402

DEFAULT_TASKS = Path("/work/shared/data/humanevalfix/humanevalpack-python.jsonl")
ALL_MODES = ["one_shot", "self_refine", "repair", "loop"]
MODEL_MODES = {"one_shot", "self_refine"}
HIDDEN_TIMEOUT_S = 10.0


# -- tasks -----------------------------------------------------------------------------------
def _check_fn(source: str) -> tuple[list[ast.stmt], ast.FunctionDef | None]:
    source = textwrap.dedent(source or "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # Some example tests carry stray code before the check: keep from the last check.
        at = source.rfind("def check(")
        if at < 0:
            return [], None
        try:
            tree = ast.parse(source[at:])
        except SyntaxError:
            return [], None
    check = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None
    )
    prelude = [
        n
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign, ast.FunctionDef))
        and n is not check
    ]
    return prelude, check


def all_visible(task: dict) -> bool:
    """True when no assertion could be held back (no example test, none to split)."""
    _, check = _check_fn(task.get("example_test") or "")
    if check is not None and any(isinstance(s, ast.Assert) for s in check.body):
        return False
    _, check = _check_fn(task["test"])
    return sum(isinstance(s, ast.Assert) for s in check.body) < 2


def visible_tests(task: dict) -> str:
    """A pytest module with one test per visible assertion."""
    entry = task["entry_point"]
    prelude, check = _check_fn(task.get("example_test") or "")
    if check is None or not any(isinstance(s, ast.Assert) for s in check.body):
        prelude, check = _check_fn(task["test"])
        asserts = [i for i, s in enumerate(check.body) if isinstance(s, ast.Assert)]
        if len(asserts) >= 2:
            keep = set(random.Random(0).sample(asserts, len(asserts) // 2))
            check.body = [s for i, s in enumerate(check.body) if i in keep or i not in asserts]
        # else: assertions inside loops cannot be split; the whole check is visible (such
        # tasks are counted in "all_visible").
    lines = [f"from task import {entry}", "from task import *  # noqa: F403", ""]
    lines += [ast.unparse(n) for n in prelude]
    asserts = [i for i, s in enumerate(check.body) if isinstance(s, ast.Assert)]
    if not asserts or len(asserts) != sum(1 for s in check.body if isinstance(s, ast.Assert)):
        asserts = []
    for k, i in enumerate(asserts or [None]):
        body = (
            check.body
            if i is None
            else [s for j, s in enumerate(check.body) if j == i or not isinstance(s, ast.Assert)]
        )
        fn = ast.FunctionDef(
            name=f"check_{k}",
            args=check.args,
            body=body,
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        lines += ["", ast.unparse(ast.fix_missing_locations(fn)), ""]
        lines += [f"def test_visible_{k}():", f"    check_{k}({entry})", ""]
    return "\n".join(lines) + "\n"


def buggy_module(task: dict) -> str:
    return task["declaration"] + task["buggy_solution"]


def grade_hidden(task: dict, source: str) -> bool:
    code = source + "\n\n" + task["test"] + f"\n\ncheck({task['entry_point']})\n"
    with tempfile.TemporaryDirectory() as d:
        Path(d, "hidden.py").write_text(code)
        run = run_command([sys.executable, "hidden.py"], Path(d), timeout_s=HIDDEN_TIMEOUT_S)
    return run.ok


def run_visible(ws: Path, source: str, seconds: float = 20.0) -> bool:
    """Independent re-check of an offered edit: a fresh pytest run on the visible tests."""
    with tempfile.TemporaryDirectory() as d:
        Path(d, "task.py").write_text(source)
        Path(d, "test_visible.py").write_text((ws / "test_visible.py").read_text())
        run = run_command(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_visible.py"],
            Path(d),
            timeout_s=seconds,
            env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
    return run.ok


def make_workspace(task: dict) -> Path:
    ws = Path(tempfile.mkdtemp(prefix="refine-eval-"))
    (ws / "task.py").write_text(buggy_module(task))
    (ws / "test_visible.py").write_text(visible_tests(task))
    return ws


def function_line(source: str, name: str) -> int:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node.lineno - 1
    raise ValueError(f"no function {name}")


# -- modes -----------------------------------------------------------------------------------
def settings_for(model: str | None, seconds: float) -> Settings:
    s = Settings()
    s.refine.max_seconds = seconds
    s.refine.max_test_runs = 100_000  # the time limit is the budget here
    s.refine.test_timeout_s = 3.0
    s.refine.max_model_calls = 4
    if model:
        s.model = Model(solver=model, refiner=model, api_base=os.environ.get("REFINE_API_BASE"))
        s.model.api_key_env = os.environ.get("REFINE_API_KEY_ENV")
    return s


def run_loop_mode(
    task: dict,
    mode: str,
    model: str | None,
    seconds: float,
    memory: str | None,
    pick_among: int | None = None,
):
    from refine_lsp.refine import loop
    from refine_lsp.refine.loop import fix_failing_tests

    if pick_among is not None:  # this worker process's loop (see --pick-among)
        loop.PICK_AMONG = pick_among

    ws = make_workspace(task)
    try:
        src = (ws / "task.py").read_text()
        line = function_line(src, task["entry_point"])
        settings = settings_for(model if mode == "loop" else None, seconds)
        start = time.monotonic()
        res = fix_failing_tests(
            ws,
            ws / "task.py",
            line,
            settings,
            memory_dir=Path(memory) if (memory and mode == "loop") else None,
            workers=1,
            worker_env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        out = {
            "seconds": time.monotonic() - start,
            "calls": res.summary.model_calls,
            "tokens": res.summary.tokens,
            "test_runs": res.summary.test_runs,
            "offered": res.new_source is not None,
            "message": res.summary.message,
        }
        if res.new_source is not None:
            out["plausible"] = run_visible(ws, res.new_source)
            out["offered_failing"] = not (out["plausible"] and parse_verdict(res.new_source).passed)
            out["correct"] = grade_hidden(task, res.new_source)
            if len(res.alternatives) > 1:  # each verified fix compared by least change, graded
                out["alternatives"] = [
                    {
                        "fix": desc,
                        "differ": differ,
                        "correct": grade_hidden(task, src),
                        "chosen": src == res.new_source,
                    }
                    for desc, src, differ in res.alternatives
                ]
        else:
            out.update(plausible=False, offered_failing=False, correct=False)
        return out
    finally:
        import shutil

        shutil.rmtree(ws, ignore_errors=True)


def run_model_mode(task: dict, mode: str, model: str, seconds: float) -> dict:
    from refine_lsp.llm import Budget, ModelError, complete, extract_code

    settings = settings_for(model, seconds)
    ws = make_workspace(task)
    start = time.monotonic()
    budget = Budget.for_action(settings.model, max_calls=4)
    source = buggy_module(task)
    msgs = [
        {"role": "system", "content": "Fix the bug. Answer with the whole corrected code."},
        {"role": "user", "content": f"```python\n{source}\n```\nTests:\n{visible_tests(task)}"},
    ]
    calls = tokens = 0
    final = None
    for _round in range(1 if mode == "one_shot" else 3):
        try:
            [answer] = complete(msgs, role="solver", config=settings.model, budget=budget)
        except ModelError as exc:
            msgs.append({"role": "user", "content": str(exc)})
            break
        calls += 1
        tokens += answer.prompt_tokens + answer.completion_tokens
        code = extract_code(answer.text, entry_point=task["entry_point"])
        if code is None:
            continue
        final = code if "def " in code else None
        if final and run_visible(ws, final):
            break
        msgs += [
            {"role": "assistant", "content": answer.text},
            {"role": "user", "content": "The visible tests fail. Fix the code again."},
        ]
    plausible = bool(final) and run_visible(ws, final)
    return {
        "seconds": time.monotonic() - start,
        "calls": calls,
        "tokens": tokens,
        "test_runs": calls,
        "offered": plausible,
        "plausible": plausible,
        "correct": plausible and grade_hidden(task, final),
        "offered_failing": False,
    }


def run_task(args: tuple) -> dict:
    task, mode, model, seconds, memory, *rest = args
    try:
        if mode in MODEL_MODES:
            out = run_model_mode(task, mode, model, seconds)
        else:
            out = run_loop_mode(task, mode, model, seconds, memory, *rest)
    except Exception as exc:  # noqa: BLE001 - one broken task must not end the evaluation
        out = {"error": f"{type(exc).__name__}: {exc}", "seconds": 0.0, "plausible": False}
        out.update(correct=False, offered_failing=False, calls=0, tokens=0, test_runs=0)
    out["task_id"] = task.get("task_id")
    out["all_visible"] = all_visible(task)
    return out


def crashed_row(job: tuple, why: str) -> dict:
    """The row of a task whose worker process died (a crash, not the task's verdict)."""
    task = job[0]
    out = {"error": why, "seconds": 0.0, "plausible": False, "correct": False}
    out.update(offered_failing=False, calls=0, tokens=0, test_runs=0)
    out["task_id"] = task.get("task_id")
    out["all_visible"] = all_visible(task)
    return out


CRASH_STRIKES = 2  # pools a task may be in when they break before it is run alone


def run_jobs(
    fn: Callable[[tuple], dict],
    jobs: list[tuple],
    workers: int,
    on_row: Callable[[int, dict], None] | None = None,
) -> list[dict]:
    """``fn`` on every job in worker processes; rows in job order.

    A worker that dies (killed for memory, a segfault in a native model library) breaks the
    whole pool and every unfinished future with it. The unfinished jobs go to a fresh pool;
    one that was unfinished in CRASH_STRIKES broken pools runs alone, and if its own pool
    breaks then, it is the culprit: its row is an error and the evaluation goes on.
    """
    rows: dict[int, dict] = {}
    strikes = dict.fromkeys(range(len(jobs)), 0)
    pending = list(range(len(jobs)))

    def done(i: int, row: dict) -> None:
        rows[i] = row
        if on_row is not None:
            on_row(i, row)

    while pending:
        alone = [i for i in pending if strikes[i] >= CRASH_STRIKES]
        group = [i for i in pending if strikes[i] < CRASH_STRIKES]
        rounds = [([i], 1) for i in alone] + ([(group, max(1, workers))] if group else [])
        pending = []
        for batch, n in rounds:
            with ProcessPoolExecutor(max_workers=n) as pool:
                futures = {pool.submit(fn, jobs[i]): i for i in batch}
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        done(i, fut.result())
                    except BrokenProcessPool as exc:
                        if len(batch) == 1 and n == 1:
                            why = f"worker crashed: {type(exc).__name__}: {exc}"
                            done(i, crashed_row(jobs[i], why))
                        else:
                            strikes[i] += 1
                            pending.append(i)
                    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                        done(i, crashed_row(jobs[i], f"{type(exc).__name__}: {exc}"))
    return [rows[i] for i in range(len(jobs))]


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    plausible = sum(r["plausible"] for r in rows)
    correct = sum(r["correct"] for r in rows)
    seconds = [r["seconds"] for r in rows]
    fixes = max(1, sum(r.get("offered", False) for r in rows))
    total = {k: sum(r.get(k, 0) for r in rows) for k in ("calls", "tokens", "test_runs")}
    out = {
        "plausible": plausible,
        "correct": correct,
        "calls": total["calls"],
        "tokens": total["tokens"],
        "test_runs": total["test_runs"],
        "seconds": round(sum(seconds), 1),
        "offered_failing": sum(r["offered_failing"] for r in rows),
        "plausible_but_wrong": plausible - sum(r["plausible"] and r["correct"] for r in rows),
        "plausible_but_wrong_share": round((plausible - correct) / plausible, 3)
        if plausible
        else None,
        "median_seconds_per_task": round(statistics.median(seconds), 2) if seconds else None,
        "per_task": {k: round(v / max(1, n), 2) for k, v in total.items()}
        | {"seconds": round(sum(seconds) / max(1, n), 2)},
        "per_fix": {k: round(v / fixes, 2) for k, v in total.items()}
        | {"seconds": round(sum(seconds) / fixes, 2)},
        "errors": sum(1 for r in rows if "error" in r),
        "tasks_all_visible": sum(1 for r in rows if r.get("all_visible")),
        "correct_excluding_all_visible": sum(
            r["correct"] for r in rows if not r.get("all_visible")
        ),
    }
    if any(r.get("alternatives") for r in rows):
        # What the first verified fix would have scored (the pick without the comparison).
        out["correct_if_first_verified"] = sum(
            r["alternatives"][0]["correct"] if r.get("alternatives") else r["correct"] for r in rows
        )
    return out


def make_faster_figures() -> dict:
    from refine_lsp.refine.improve import make_faster

    ws = ROOT / "fixtures" / "loop_slow"
    f = ws / "slowmath" / "seq.py"
    res = make_faster(ws, f, function_line(f.read_text(), "fib"), Settings())
    s = res.summary
    return {
        "fixture": "fixtures/loop_slow fib",
        "offered": res.new_source is not None,
        "speedup": s.speedup,
        "tests_green": s.tests_passed == s.tests_total and s.tests_total > 0,
        "tests": f"{s.tests_passed}/{s.tests_total}",
        "seconds": s.seconds,
        "edit": res.description,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=Path, default=DEFAULT_TASKS)
    p.add_argument("--model", default=None, help="any litellm model name (none: no model)")
    p.add_argument("--modes", default="repair,loop,one_shot,self_refine")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--offset", type=int, default=0, help="skip the first N tasks (subsets)")
    p.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--seconds", type=float, default=60.0, help="time limit per task")
    p.add_argument("--no-make-faster", action="store_true")
    p.add_argument("--rows", type=Path, default=None, help="append each task's row (JSON lines)")
    p.add_argument(
        "--pick-among",
        type=int,
        default=None,
        help="repair compares up to N verified fixes by least change (default: the loop's)",
    )
    a = p.parse_args(argv)
    if a.model is not None and a.model.strip().lower() in ("", "none"):
        a.model = None  # the help's "none": no model at all, not a model named "none"
    if a.tasks.is_dir():  # a data folder (../shared/data/humanevalfix): its one .jsonl
        found = sorted(a.tasks.glob("*.jsonl"))
        a.tasks = found[0] if len(found) == 1 else a.tasks
    try:
        tasks = [json.loads(ln) for ln in a.tasks.read_text().splitlines() if ln.strip()]
    except (OSError, ValueError) as exc:
        print(f"cannot read tasks from {a.tasks}: {exc}", file=sys.stderr)
        return 2
    tasks = tasks[a.offset :]
    tasks = tasks[: a.limit] if a.limit else tasks
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    unknown = set(modes) - set(ALL_MODES)
    if unknown:
        print(f"unknown modes: {sorted(unknown)}; choose from {ALL_MODES}", file=sys.stderr)
        return 2
    result: dict = {"model": a.model, "tasks": len(tasks), "modes": {}}
    memory = tempfile.mkdtemp(prefix="refine-eval-memory-")
    for mode in modes:
        if mode in MODEL_MODES and not a.model:
            result["modes"][mode] = {
                k: None for k in ("plausible", "correct", "calls", "tokens", "test_runs", "seconds")
            } | {"offered_failing": None, "reason": "no model configured (--model NAME)"}
            continue
        started = time.monotonic()
        jobs = [(t, mode, a.model, a.seconds, memory, a.pick_among) for t in tasks]
        finished = []

        def report(i: int, row: dict, mode: str = mode, finished: list = finished) -> None:
            finished.append(i)
            mark = "C" if row["correct"] else ("P" if row["plausible"] else ".")
            print(
                f"[{mode}] {len(finished)}/{len(tasks)} {row['task_id']} {mark} "
                f"{row['seconds']:.1f}s {row.get('message', row.get('error', ''))[:90]}",
                file=sys.stderr,
                flush=True,
            )
            if a.rows is not None:  # kept as they come: a run cut short still has its rows
                with a.rows.open("a") as f:
                    f.write(json.dumps({"mode": mode} | row) + "\n")

        rows = run_jobs(run_task, jobs, a.jobs, report)
        result["modes"][mode] = summarise(rows) | {
            "wall_seconds": round(time.monotonic() - started, 1)
        }
        compared = {r["task_id"]: r["alternatives"] for r in rows if r.get("alternatives")}
        if compared:
            result["modes"][mode]["compared"] = compared
        result["modes"][mode]["per_task_outcomes"] = {
            r["task_id"]: ("correct" if r["correct"] else "plausible" if r["plausible"] else "no")
            for r in rows
        }
    if not a.no_make_faster:
        try:
            result["make_faster"] = make_faster_figures()
        except Exception as exc:  # noqa: BLE001
            result["make_faster"] = {"error": f"{type(exc).__name__}: {exc}"}
    result["command"] = "python bench/refine_eval.py " + " ".join(argv or sys.argv[1:])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
