"""bench/refine_eval.py goes on when a worker process dies: that task is an error row."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("refine_eval", ROOT / "bench" / "refine_eval.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["refine_eval"] = mod
    spec.loader.exec_module(mod)
    return mod


refine_eval = _load()


def _task(n: int) -> dict:
    # Enough of a HumanEvalFix row for the error row (all_visible reads the tests).
    return {
        "task_id": f"T/{n}",
        "entry_point": "f",
        "example_test": "",
        "test": "def check(f):\n    assert f(1) == 1\n    assert f(2) == 2\n",
    }


def kill_on_two(job: tuple) -> dict:
    """A stand-in for run_task: the worker running task T/2 is killed, as the OOM killer or
    a segfaulting native library would."""
    task = job[0]
    if task["task_id"] == "T/2":
        os.kill(os.getpid(), signal.SIGKILL)
    row = {"task_id": task["task_id"], "plausible": True, "correct": True, "seconds": 0.1}
    return row | {"offered": True, "offered_failing": False, "calls": 0, "tokens": 0}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_worker_is_an_error_row_and_the_other_tasks_run(workers):
    jobs = [(_task(n), "repair", None, 1.0, None) for n in range(5)]
    seen = []
    rows = refine_eval.run_jobs(kill_on_two, jobs, workers, lambda i, r: seen.append(i))
    assert [r["task_id"] for r in rows] == [f"T/{n}" for n in range(5)]
    assert sorted(seen) == [0, 1, 2, 3, 4]  # each task reported once
    assert "worker crashed" in rows[2]["error"]
    assert rows[2]["correct"] is False and rows[2]["plausible"] is False
    assert [r.get("correct") for i, r in enumerate(rows) if i != 2] == [True] * 4
    summary = refine_eval.summarise(rows)
    assert summary["errors"] == 1 and summary["correct"] == 4


def test_model_none_means_no_model(tmp_path, capsys):
    tasks = tmp_path / "data"
    tasks.mkdir()
    (tasks / "t.jsonl").write_text(json.dumps(_task(0)) + "\n")
    args = ["--tasks", str(tasks), "--model", "none", "--modes", "one_shot", "--no-make-faster"]
    assert refine_eval.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["model"] is None and result["tasks"] == 1
    assert result["modes"]["one_shot"]["reason"] == "no model configured (--model NAME)"
