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
  users (a fixed rotation, no randomness), to show whether more programmers would help;
- ``stage1``: the same bounds for the stage before the model call, in model calls saved:
  stage 1 given the whole allowed loss (the gate's split gives it less) with an oracle
  threshold keeping ``keep`` of the accepted, on its leave-one-user-out scores and
  in-sample, and its own learning curve (AUC and oracle calls saved per training users).

Stage 1 on events-dev.jsonl (keep 0.95; the stage-1 features of 2026-12-02): leave-one-user-
out AUC 0.740 and at most 11.8% of calls saved with the oracle threshold; in-sample 15.5%
(shipped L2) and 17.0% (L2 0.01). So ">= 15% of calls saved at keep 0.95" is out of reach
of a logistic stage 1 on these features for users it never saw: only a model fitted on the
very decisions it is scored on gets there. Tried on top and left out (stage-1 AUC within
+-0.002, oracle calls saved within noise): how many suggestions were shown in a row at the
same prefix, a rejection at this very prefix, time since the last acceptance, and the user's
own acceptance rate in this kind of context (comment, blank line, after a bracket...) as a
logit offset from the user's overall rate. No segment of the decisions that stage 1 can
see is accepted less than about 12% of the time (at the same prefix as the last
suggestion: 14%; after a closing bracket on a non-blank line: 12%), while saving 15% of
calls at 95% kept needs about 130 decisions with at most 15 accepted among them (11%).

With the gap hinges and length classes of 2026-12-02 (features.py, state.py) stage 1 gets
closer: leave-one-user-out AUC 0.748, at most 14.6% of calls saved with the oracle threshold
(in-sample 15.8% at the shipped L2, 19.2% at L2 0.01). Precisely: 15% of the 869 decisions is
130, and keeping 95% of the 298 accepted allows 14 of them among those 130; the 130 lowest
leave-one-user-out stage-1 scores hold 16 accepted (kept 94.6%). The gate itself, with stage
1 given the whole allowed loss (a call cost of 1,000 s in the expected-utility split), saves
12.3% at 94.6% kept; at the shipped costs 7.3%.

Nor does another model class on the same stage-1 features get there
(scripts/stage1_model_classes.py, leave-one-user-out, oracle threshold, keep 0.95, 2026-12-04):
scikit-learn's logistic regression (C 0.02/0.1/1) saves 10.9/10.0/10.4% (AUC 0.718-0.729),
gradient-boosted trees of depth 2/3 12.1/10.0% (AUC 0.703/0.707), a random forest 9.6% (0.728),
extra trees 10.8% (0.748), against 14.6% (AUC 0.748) for the shipped logistic model with online
adaptation. Stage 1's own learning curve still rises: AUC 0.702, 0.725, 0.743, 0.748 and oracle
calls saved 11.5%, 11.8%, 12.2%, 14.6% for 3, 6, 10, 14 training users, so more programmers are
the likeliest way to 15%.

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
    decisions: Sequence[Decision], train_users: int | None = None, stage: int = 2
) -> tuple[list[float], list[int]]:
    """Stage-2 (or stage-1) logits of every decision from a model that never saw its user.

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
            scores[id(d)] = trace.stage2 if stage == 2 else trace.stage1
    kept = [d for d in decisions if id(d) in scores]
    return [scores[id(d)] for d in kept], [1 if d.accepted else 0 for d in kept]


def oracle_calls_saved(scores: Sequence[float], labels: Sequence[int], keep: float) -> float:
    """Share of all decisions below the threshold that keeps ``keep`` of the accepted,
    chosen on these very scores: the calls a stage 1 with that threshold would save."""
    t = threshold_for_keep(scores, labels, keep)
    return sum(1 for s in scores if s < t) / len(scores) if scores else 0.0


def lowest_scored(
    scores: Sequence[float], labels: Sequence[int], keep: float, saved: float
) -> dict:
    """What saving ``saved`` of all calls at ``keep`` needs of the lowest-scored decisions:
    how many they are, how many accepted they may hold, and how many they do hold."""
    n = round(saved * len(scores))
    accepted = sum(labels)
    lowest = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])[:n]
    held = sum(y for _, y in lowest)
    return {
        "saved": saved,
        "decisions": n,
        "accepted_allowed": int((1.0 - keep) * accepted + 1e-9),
        "accepted_there": held,
        "kept_there": round(1.0 - held / accepted, 4) if accepted else 1.0,
    }


# The target the stage-1 report checks its lowest-scored decisions against.
STAGE1_TARGET_SAVED = 0.15


def _stage1_report(
    decisions: Sequence[Decision], keep: float, curve_users: Sequence[int] = ()
) -> dict:
    scores, ys = louo_scores(decisions, stage=1)
    out: dict = {
        "louo": {
            "auc": round(auc(scores, ys), 4),
            "oracle_calls_saved": round(oracle_calls_saved(scores, ys, keep), 4),
            "lowest_scored": lowest_scored(scores, ys, keep, STAGE1_TARGET_SAVED),
        },
        "in_sample": {},
    }
    rows = [d.stage1 for d in decisions]
    labels = [1 if d.accepted else 0 for d in decisions]
    names = feature_names(rows)
    for tag, l2 in (("shipped_l2", L2), ("loose_l2", LOOSE_L2)):
        model = fit_logistic(rows, labels, names, l2=l2, iterations=50)
        fitted = [model.logit(r) for r in rows]
        out["in_sample"][tag] = {
            "l2": l2,
            "auc": round(auc(fitted, labels), 4),
            "oracle_calls_saved": round(oracle_calls_saved(fitted, labels, keep), 4),
        }
    out["learning_curve"] = []
    for k in curve_users:
        s, y = louo_scores(decisions, train_users=k, stage=1)
        out["learning_curve"].append(
            {
                "train_users": k,
                "auc": round(auc(s, y), 4),
                "oracle_calls_saved": round(oracle_calls_saved(s, y, keep), 4),
            }
        )
    out["learning_curve"].append(
        {
            "train_users": len(_users(decisions)) - 1,
            "auc": out["louo"]["auc"],
            "oracle_calls_saved": out["louo"]["oracle_calls_saved"],
        }
    )
    return out


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
    curve = sorted({k for k in curve_users if 0 < k < len(users) - 1})
    for k in curve:
        s, y = louo_scores(decisions, train_users=k)
        report["learning_curve"].append({"train_users": k, "auc": round(auc(s, y), 4)})
    report["learning_curve"].append({"train_users": len(users) - 1, "auc": report["louo"]["auc"]})
    report["stage1"] = _stage1_report(decisions, keep, curve)
    return report
