"""scripts/stage1_model_classes.py: stage 1 by leave-one-user-out with other model classes."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import pytest
from refine_lsp.acceptance.logistic import sigmoid
from refine_lsp.acceptance.offline.cups import Decision

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "stage1_model_classes.py"


def _load():
    spec = importlib.util.spec_from_file_location("stage1_model_classes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decisions(users: int = 4, per_user: int = 60) -> list[Decision]:
    rng = random.Random(3)
    out = []
    for u in range(users):
        for i in range(per_user):
            row = {"a": rng.gauss(0, 1), "b": rng.gauss(0, 1), "constant": 1.0}
            if i % 2:
                row["sparse"] = 1.0  # absent from half the rows: read as 0.0
            accepted = rng.random() < sigmoid(2.0 * row["a"] - 0.5)
            out.append(Decision(f"u{u}", float(i), accepted, row, dict(row), {"b_rel_pos": 0.0}))
    return out


def test_the_matrix_is_the_shipped_models_features_in_one_order():
    script = _load()
    decisions = _decisions()
    names, rows = script.stage1_matrix(decisions)
    assert names == ["a", "b", "sparse"]  # the constant does not vary: the shipped fit drops it
    assert rows[0] == [decisions[0].stage1["a"], decisions[0].stage1["b"], 0.0]
    assert rows[1][2] == 1.0


def test_every_fold_leaves_out_exactly_one_user():
    script = _load()
    decisions = _decisions(users=3, per_user=5)
    folds = script.louo_folds(decisions)
    assert len(folds) == 3
    for train, test in folds:
        held_out = {decisions[i].user for i in test}
        assert len(held_out) == 1
        assert held_out.isdisjoint(decisions[i].user for i in train)
        assert sorted(train + test) == list(range(len(decisions)))


def test_without_scikit_learn_it_says_what_to_install(tmp_path):
    # A scikit-learn that cannot be imported, ahead of any installed one on the path.
    (tmp_path / "sklearn").mkdir()
    (tmp_path / "sklearn" / "__init__.py").write_text("raise ImportError('blocked by the test')\n")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 1
    assert "pip install scikit-learn" in done.stderr
    assert "Traceback" not in done.stderr


def test_with_scikit_learn_every_class_is_scored_on_users_it_never_saw():
    pytest.importorskip("sklearn")
    script = _load()
    out = script.report(_decisions(), keep=0.95)
    assert out["users"] == 4 and out["decisions"] == 240
    assert set(out["models"]) >= {"shipped", "logistic_C0.1", "boosted_depth2", "extra_trees"}
    for figures in out["models"].values():
        assert 0.5 < figures["auc"] <= 1.0  # "a" carries the signal in every user
        assert 0.0 <= figures["oracle_calls_saved"] <= 1.0
    assert out["best_oracle_calls_saved"] == max(
        m["oracle_calls_saved"] for m in out["models"].values()
    )
