"""Stage 1 on programmers it never saw, with other model classes than the shipped logistic one.

    python scripts/stage1_model_classes.py [--events ../shared/data/cups/events-dev.jsonl]
                                           [--keep 0.95]

`refine-lsp acceptance ceiling` bounds what a *logistic* stage 1 on the server's features can
save. This asks whether another model class would do better on the same features: each
decision of each user is scored by a model fitted on the other users only (leave-one-user-
out), for the shipped model (prior plus online adaptation, refine_lsp.acceptance) and for
scikit-learn's logistic regression, gradient-boosted trees, random forests and extra trees.
For each it prints the AUC and the model calls saved at ``keep`` with an oracle threshold
(chosen on the scored decisions themselves, so more than any real gate can save), then one
JSON object as its last line.

scikit-learn is not a dependency of refine-lsp: install it beside it to run this script
(`pip install scikit-learn`). About two minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "server"))

from refine_lsp.acceptance.offline.ceiling import (  # noqa: E402
    STAGE1_TARGET_SAVED,
    louo_scores,
    oracle_calls_saved,
)
from refine_lsp.acceptance.offline.cups import Decision, load_decisions  # noqa: E402
from refine_lsp.acceptance.offline.evaluate import feature_names  # noqa: E402
from refine_lsp.acceptance.offline.metrics import auc  # noqa: E402

DEFAULT_EVENTS = os.path.join(ROOT, "..", "shared", "data", "cups", "events-dev.jsonl")
SEED = 0


def stage1_matrix(decisions: Sequence[Decision]) -> tuple[list[str], list[list[float]]]:
    """The stage-1 features of every decision as rows over one fixed list of names (those
    the shipped model is fitted on: every feature that varies, minus its exclusions)."""
    names = feature_names([d.stage1 for d in decisions])
    return names, [[d.stage1.get(n, 0.0) for n in names] for d in decisions]


def louo_folds(decisions: Sequence[Decision]) -> list[tuple[list[int], list[int]]]:
    """(training indices, test indices) per user, one fold for each user."""
    users = sorted({d.user for d in decisions}, key=lambda u: (len(u), u))
    return [
        (
            [i for i, d in enumerate(decisions) if d.user != user],
            [i for i, d in enumerate(decisions) if d.user == user],
        )
        for user in users
    ]


def model_classes() -> dict[str, Callable[[], object]]:
    """Name -> a fresh unfitted classifier. Raises SystemExit naming scikit-learn when it is
    missing."""
    try:
        from sklearn.ensemble import (
            ExtraTreesClassifier,
            HistGradientBoostingClassifier,
            RandomForestClassifier,
        )
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as exc:
        raise SystemExit(
            f"this script needs scikit-learn ({exc}); install it with `pip install scikit-learn`"
        ) from exc

    def logistic(c: float) -> Callable[[], object]:
        return lambda: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))

    def boosted(depth: int) -> Callable[[], object]:
        return lambda: HistGradientBoostingClassifier(
            max_depth=depth, learning_rate=0.05, max_iter=200, random_state=SEED
        )

    return {
        "logistic_C0.02": logistic(0.02),
        "logistic_C0.1": logistic(0.1),
        "logistic_C1": logistic(1.0),
        "boosted_depth2": boosted(2),
        "boosted_depth3": boosted(3),
        "random_forest": lambda: RandomForestClassifier(
            n_estimators=300, min_samples_leaf=5, random_state=SEED, n_jobs=2
        ),
        "extra_trees": lambda: ExtraTreesClassifier(
            n_estimators=300, min_samples_leaf=5, random_state=SEED, n_jobs=2
        ),
    }


def louo_model_scores(
    make: Callable[[], object],
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    folds: Sequence[tuple[list[int], list[int]]],
) -> list[float]:
    """Each decision's score (probability of acceptance) from a model fitted without its user."""
    scores = [0.0] * len(rows)
    for train, test in folds:
        model = make()
        model.fit([rows[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, model.predict_proba([rows[i] for i in test])[:, 1], strict=True):
            scores[i] = float(p)
    return scores


def report(decisions: Sequence[Decision], keep: float) -> dict:
    labels = [1 if d.accepted else 0 for d in decisions]
    names, rows = stage1_matrix(decisions)
    folds = louo_folds(decisions)
    out: dict = {
        "decisions": len(decisions),
        "users": len(folds),
        "features": len(names),
        "keep": keep,
        "target_calls_saved": STAGE1_TARGET_SAVED,
        "models": {},
    }
    ours, ys = louo_scores(decisions, stage=1)
    out["models"]["shipped"] = {
        "auc": round(auc(ours, ys), 4),
        "oracle_calls_saved": round(oracle_calls_saved(ours, ys, keep), 4),
    }
    for name, make in model_classes().items():
        s = louo_model_scores(make, rows, labels, folds)
        out["models"][name] = {
            "auc": round(auc(s, labels), 4),
            "oracle_calls_saved": round(oracle_calls_saved(s, labels, keep), 4),
        }
    best = max(out["models"], key=lambda n: out["models"][n]["oracle_calls_saved"])
    out["best"] = best
    out["best_oracle_calls_saved"] = out["models"][best]["oracle_calls_saved"]
    out["target_reached"] = out["best_oracle_calls_saved"] >= STAGE1_TARGET_SAVED
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default=DEFAULT_EVENTS)
    parser.add_argument("--keep", type=float, default=0.95)
    args = parser.parse_args(argv)
    if not 0.0 < args.keep <= 1.0:
        parser.error(f"--keep must be in (0, 1], got {args.keep}")
    model_classes()  # fail early, before the minute of replay, when scikit-learn is missing
    out = report(load_decisions(args.events), args.keep)
    for name, m in out["models"].items():
        print(f"{name:16s} AUC {m['auc']:.3f}  calls saved (oracle) {m['oracle_calls_saved']:.1%}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
