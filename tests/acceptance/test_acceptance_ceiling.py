"""`refine-lsp acceptance ceiling`: upper bounds and learning curve, on a real CUPS slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from refine_lsp.acceptance.cli import main
from refine_lsp.acceptance.offline.ceiling import (
    bootstrap_auc,
    ceiling_report,
    oracle_calls_saved,
    oracle_rejected_hidden,
)
from refine_lsp.acceptance.offline.cups import load_decisions
from refine_lsp.acceptance.offline.metrics import auc

CUPS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cups" / "events-dev.jsonl"
SLICE_USERS = {5, 6, 9, 12}

needs_data = pytest.mark.skipif(not CUPS.exists(), reason=f"CUPS data not found at {CUPS}")


@pytest.fixture(scope="module")
def slice_path(tmp_path_factory):
    lines = [ln for ln in CUPS.read_text().splitlines() if json.loads(ln)["user"] in SLICE_USERS]
    path = tmp_path_factory.mktemp("cups") / "slice.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_oracle_threshold_hides_what_the_kept_share_allows():
    scores = [0.9, 0.8, 0.1, 0.5, 0.05]
    labels = [1, 1, 1, 0, 0]
    # Keeping 2 of 3 accepted puts the threshold at 0.8: both rejected fall below it.
    assert oracle_rejected_hidden(scores, labels, 2 / 3) == 1.0
    # Keeping all accepted puts it at 0.1: only the rejected 0.05 is hidden.
    assert oracle_rejected_hidden(scores, labels, 1.0) == 0.5


def test_oracle_calls_saved_counts_every_decision_below_the_threshold():
    scores = [0.9, 0.8, 0.1, 0.5, 0.05]
    labels = [1, 1, 1, 0, 0]
    # Keeping 2 of 3 accepted: the threshold is 0.8, and 3 of the 5 calls are not made
    # (an accepted one among them: stage 1 spends the allowed loss on it).
    assert oracle_calls_saved(scores, labels, 2 / 3) == 0.6
    assert oracle_calls_saved(scores, labels, 1.0) == 0.2


def test_bootstrap_interval_brackets_the_auc_and_is_repeatable():
    scores = [i / 40 for i in range(40)]
    labels = [1 if (i % 3 == 0 or i > 25) else 0 for i in range(40)]
    low, high = bootstrap_auc(scores, labels, samples=100)
    assert low <= auc(scores, labels) <= high and low < high
    assert bootstrap_auc(scores, labels, samples=100) == (low, high)


@needs_data
def test_ceiling_report_on_a_slice(slice_path):
    decisions = load_decisions(str(slice_path))
    report = ceiling_report(decisions, 0.95, curve_users=(1, 2))
    assert report["decisions"] == len(decisions) and report["users"] == 4
    louo, fitted = report["louo"], report["in_sample"]
    assert louo["auc_ci95"][0] <= louo["auc"] <= louo["auc_ci95"][1]
    # A model scored on the decisions it was fitted on is an upper bound on new users,
    # and a looser penalty fits its own data at least as well.
    assert fitted["loose_l2"]["auc"] >= fitted["shipped_l2"]["auc"] >= louo["auc"]
    curve = report["learning_curve"]
    assert [p["train_users"] for p in curve] == [1, 2, 3]
    assert curve[-1]["auc"] == louo["auc"]
    # Stage 1's bounds, in calls saved: fitted on the answers it saves at least as many.
    s1 = report["stage1"]
    assert 0.0 <= s1["louo"]["oracle_calls_saved"] < 1.0
    assert s1["in_sample"]["loose_l2"]["auc"] >= s1["in_sample"]["shipped_l2"]["auc"]
    assert s1["in_sample"]["shipped_l2"]["auc"] >= s1["louo"]["auc"]
    s1_curve = s1["learning_curve"]
    assert [p["train_users"] for p in s1_curve] == [1, 2, 3]
    assert (s1_curve[-1]["auc"], s1_curve[-1]["oracle_calls_saved"]) == (
        s1["louo"]["auc"],
        s1["louo"]["oracle_calls_saved"],
    )
    assert all(0.0 <= p["oracle_calls_saved"] < 1.0 for p in s1_curve)
    low = s1["louo"]["lowest_scored"]
    assert low["decisions"] == round(0.15 * len(decisions))
    # Saving 15% at 95% kept is possible exactly when the lowest 15% hold few enough accepted.
    assert (low["accepted_there"] <= low["accepted_allowed"]) == (low["kept_there"] >= 0.95)


def test_lowest_scored_counts_what_the_target_needs():
    from refine_lsp.acceptance.offline.ceiling import lowest_scored

    scores = list(range(20))
    labels = [1, 0, 0, 0] + [0, 1] * 8
    got = lowest_scored(scores, labels, 0.9, 0.2)
    assert got == {
        "saved": 0.2,
        "decisions": 4,
        "accepted_allowed": 0,
        "accepted_there": 1,
        "kept_there": round(1 - 1 / 9, 4),
    }


@needs_data
def test_ceiling_cli_prints_json_and_table(slice_path, capsys):
    assert main(["ceiling", "--train", str(slice_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) == {
        "decisions",
        "users",
        "keep",
        "louo",
        "in_sample",
        "learning_curve",
        "stage1",
    }
    assert main(["acceptance", "ceiling", "--train", str(slice_path)]) == 0
    out = capsys.readouterr().out
    assert "leave-one-user-out" in out and "in-sample" in out and "learning curve" in out
    assert "stage 1 (before the model call" in out
    assert "stage-1 learning curve (training users: AUC / calls saved)  3: " in out


def test_ceiling_cli_bad_input(tmp_path, capsys):
    assert main(["ceiling", "--train", str(tmp_path / "nope.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["ceiling", "--train", "x.jsonl", "--keep", "0"]) == 2
