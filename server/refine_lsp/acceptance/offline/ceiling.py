"""How far can the gate go on this data? Upper bounds and a learning curve, offline.

`evaluate` answers "how good is the gate"; this module answers "how good could a model on
these features be", so that a target the data cannot support is shown to be out of reach
rather than chased with ever more tuning:

- ``louo``: leave-one-user-out scores of the stage-2 model (prior plus online adaptation,
  learning every decision), their AUC with a bootstrap 95% interval over decisions, and the
  share of rejected hidden at ``keep`` with an *oracle* threshold, chosen on the scored
  decisions themselves (no real gate can pick its threshold that well);
- ``in_sample``: the same logistic model fitted on every decision and scored on those very
  decisions, with the shipped L2 and with almost none. It has seen the answers, so its
  figures bound what any logistic model on these features can reach on new users;
- ``learning_curve``: leave-one-user-out AUC when each fold trains on only k of the other
  users (a fixed rotation, no randomness), to show whether more programmers would help.

Pure Python, like the rest of the package; the whole report takes about a minute on the
CUPS development file.

Measured there (869 decisions, 15 users, keep 0.95): leave-one-user-out AUC 0.786 (95% CI
0.758-0.816), 21% of rejected hidden even with the oracle threshold; in-sample 0.828 / 28%
(shipped L2) and 0.848 / 37% (L2 0.01); learning curve 0.746, 0.772, 0.785, 0.786 for 3, 6,
10, 14 training users. So "40% of rejected hidden at 95% kept" is beyond a logistic model on
these features even when it is fitted on the answers. Adding ~25 further decision-time
features (comment-only, opens a block, bracket balance, undefined names, overlap with the
last lines, tokens per line, exp/ratio transforms of the log-probabilities, Copilot's
confidence and quantile, latency, typing since the last shown suggestion) lowered the
leave-one-user-out AUC (0.787 or less), as did per-user centring, stage-1/stage-2 blends,
boosted depth-2 trees (0.773) and faster online rates.
"""

from __future__ import annotations

from collections.abc import Sequence

from refine_lsp.acceptance.logistic import fit_logistic
from refine_lsp.acceptance.offline.cups import Decision
from refine_lsp.acceptance.offline.evaluate import (
    L2,
    LOGPROB_FEATURES,
    _fit_models,
    feature_names,
    online_scores,
)
from refine_lsp.acceptance.offline.metrics import auc, bootstrap_auc, threshold_for_keep

# L2 of the nearly unregularized in-sample fit (a little, so that Newton's method converges).
LOOSE_L2 = 0.01
LEARNING_CURVE_USERS = (3, 6, 10)


def oracle_rejected_hidden(scores: Sequence[float], labels: Sequence[int], keep: float) -> float:
    """Share of rejected hidden at ``keep`` with the threshold chosen on these very scores."""
    t = threshold_for_keep(scores, labels, keep)
    rejected = [s for s, y in zip(scores, labels, strict=True) if not y]
    return sum(1 for s in rejected if s < t) / len(rejected) if rejected else 0.0


def _names(decisions: Sequence[Decision]) -> tuple[list[str], list[str], list[str]]:
    names2 = feature_names([d.stage2 for d in decisions])
    return (
        feature_names([d.stage1 for d in decisions]),
        names2,
        [n for n in names2 if n not in LOGPROB_FEATURES],
    )


def _users(decisions: Sequence[Decision]) -> list[str]:
    return sorted({d.user for d in decisions}, key=lambda u: (len(u), u))


def louo_scores(
    decisions: Sequence[Decision], train_users: int | None = None
) -> tuple[list[float], list[int]]:
    """Stage-2 logits of every decision from a model that never saw its user.

    With ``train_users`` each fold fits on only that many of the other users (the next ones
    in a fixed rotation), for the learning curve.
    """
    users = _users(decisions)
    scores: dict[int, float] = {}
    for i, user in enumerate(users):
        others = users[i + 1 :] + users[:i]
        keep_users = set(others if train_users is None else others[:train_users])
        train = [d for d in decisions if d.user in keep_users]
        test = [d for d in decisions if d.user == user]
        if len({d.accepted for d in train}) < 2:
            continue
        prior = _fit_models(train, _names(train))
        for d, trace in zip(test, online_scores(prior, test), strict=True):
            scores[id(d)] = trace.stage2
    kept = [d for d in decisions if id(d) in scores]
    return [scores[id(d)] for d in kept], [1 if d.accepted else 0 for d in kept]


def ceiling_report(
    decisions: Sequence[Decision],
    keep: float = 0.95,
    curve_users: Sequence[int] = LEARNING_CURVE_USERS,
) -> dict:
    """The JSON of `refine-lsp acceptance ceiling` (see the module docstring)."""
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep!r}")
    users = _users(decisions)
    if len(users) < 3:
        raise ValueError("the ceiling report needs at least 3 users in the file")
    labels = [1 if d.accepted else 0 for d in decisions]
    if len(set(labels)) < 2:
        raise ValueError("the ceiling report needs both accepted and rejected decisions")

    scores, ys = louo_scores(decisions)
    low, high = bootstrap_auc(scores, ys)
    report: dict = {
        "decisions": len(decisions),
        "users": len(users),
        "keep": keep,
        "louo": {
            "auc": round(auc(scores, ys), 4),
            "auc_ci95": [round(low, 4), round(high, 4)],
            "oracle_rejected_hidden": round(oracle_rejected_hidden(scores, ys, keep), 4),
        },
        "in_sample": {},
        "learning_curve": [],
    }
    rows = [d.stage2 for d in decisions]
    names = feature_names(rows)
    for tag, l2 in (("shipped_l2", L2), ("loose_l2", LOOSE_L2)):
        model = fit_logistic(rows, labels, names, l2=l2, iterations=50)
        fitted = [model.logit(r) for r in rows]
        report["in_sample"][tag] = {
            "l2": l2,
            "auc": round(auc(fitted, labels), 4),
            "oracle_rejected_hidden": round(oracle_rejected_hidden(fitted, labels, keep), 4),
        }
    for k in sorted({k for k in curve_users if 0 < k < len(users) - 1}):
        s, y = louo_scores(decisions, train_users=k)
        report["learning_curve"].append({"train_users": k, "auc": round(auc(s, y), 4)})
    report["learning_curve"].append({"train_users": len(users) - 1, "auc": report["louo"]["auc"]})
    return report
