"""Offline evaluation: fit the gate on some users' decisions, measure it on others.

Our model is scored as the server would run it: each test user starts from the fitted
prior and the gate learns from each of that user's decisions after scoring it. Thresholds
are chosen on the training data only, from out-of-fold scores (users split into groups),
so they are not flattered by scoring examples the model was fitted on. The baseline is
Copilot's contextual filter (see baseline.py), refitted on the same data, with its
threshold chosen the same way; it runs before the model call, so everything it hides is a
saved call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from refine_lsp.acceptance.baseline import baseline_names
from refine_lsp.acceptance.cups import Decision
from refine_lsp.acceptance.gate import AcceptancePrior, OnlineLogistic, thresholds_for_keep
from refine_lsp.acceptance.metrics import auc, gate_rates, threshold_for_keep
from refine_lsp.acceptance.model import LogisticModel, fit_logistic

# User-level rates are left to the online per-user bias: as fixed features they describe
# the training users, not a new one (leave-one-user-out AUC is higher without them).
# s_confidence is a Copilot-only number that other providers do not report; a prior that
# leaned on it would be miscalibrated everywhere else (and it adds nothing on CUPS).
EXCLUDED_FEATURES = frozenset({"h_running_rate", "h_recent_rate", "h_decisions", "s_confidence"})
L2 = 10.0
BASELINE_L2 = 1.0
INNER_FOLDS = 4


@dataclass(frozen=True)
class Scored:
    accepted: bool
    ours1: float  # stage-1 logit (online)
    ours2: float  # stage-2 logit (online)
    ours2_static: float  # stage-2 logit of the prior alone, without adaptation
    baseline: float  # baseline logit


def feature_names(rows: Sequence[dict[str, float]]) -> list[str]:
    """Names a model is fitted on: all features that vary in training, minus exclusions."""
    names = set().union(*(r.keys() for r in rows)) - EXCLUDED_FEATURES
    varying = []
    for name in sorted(names):
        first = rows[0].get(name, 0.0)
        if any(r.get(name, 0.0) != first for r in rows):
            varying.append(name)
    return varying


def _labels(decisions: Sequence[Decision]) -> list[int]:
    return [1 if d.accepted else 0 for d in decisions]


def _by_user(decisions: Sequence[Decision]) -> dict[str, list[Decision]]:
    out: dict[str, list[Decision]] = {}
    for d in decisions:
        out.setdefault(d.user, []).append(d)
    return out


def online_logits(
    stage1: LogisticModel, stage2: LogisticModel, decisions: Sequence[Decision]
) -> list[tuple[float, float]]:
    """(stage-1, stage-2) logits of each decision, each user adapting from the prior."""
    out = []
    for user_decisions in _by_user(decisions).values():
        one, two = OnlineLogistic(stage1), OnlineLogistic(stage2)
        for d in sorted(user_decisions, key=lambda d: d.time):
            out.append((d, one.logit(d.stage1), two.logit(d.stage2)))
            one.learn(d.stage2, d.accepted)
            two.learn(d.stage2, d.accepted)
    order = {id(d): i for i, d in enumerate(decisions)}
    out.sort(key=lambda item: order[id(item[0])])
    return [(a, b) for _, a, b in out]


def _user_groups(decisions: Sequence[Decision], folds: int) -> list[list[Decision]]:
    users = sorted(_by_user(decisions))
    groups: list[list[Decision]] = [[] for _ in range(min(folds, len(users)))]
    index = {u: i % len(groups) for i, u in enumerate(users)}
    for d in decisions:
        groups[index[d.user]].append(d)
    return groups


def fit_prior(decisions: Sequence[Decision], inner_folds: int = INNER_FOLDS) -> AcceptancePrior:
    """Fit both stages on ``decisions`` and calibrate thresholds out of fold."""
    if not decisions:
        raise ValueError("no decisions to fit on")
    labels = _labels(decisions)
    if len(set(labels)) < 2:
        raise ValueError("training data needs both accepted and rejected decisions")
    names1 = feature_names([d.stage1 for d in decisions])
    names2 = feature_names([d.stage2 for d in decisions])
    stage1 = fit_logistic([d.stage1 for d in decisions], labels, names1, l2=L2)
    stage2 = fit_logistic([d.stage2 for d in decisions], labels, names2, l2=L2)
    groups = _user_groups(decisions, inner_folds)
    accepted_logits: list[tuple[float, float]] = []
    if len(groups) < 2:
        pairs = online_logits(stage1, stage2, decisions)
        accepted_logits = [p for p, d in zip(pairs, decisions, strict=False) if d.accepted]
    for held in groups if len(groups) >= 2 else []:
        rest = [d for g in groups if g is not held for d in g]
        rest_labels = _labels(rest)
        if len(set(rest_labels)) < 2:
            continue
        m1 = fit_logistic([d.stage1 for d in rest], rest_labels, names1, l2=L2)
        m2 = fit_logistic([d.stage2 for d in rest], rest_labels, names2, l2=L2)
        pairs = online_logits(m1, m2, held)
        accepted_logits += [p for p, d in zip(pairs, held, strict=False) if d.accepted]
    info = {
        "decisions": len(decisions),
        "accepted": sum(labels),
        "users": len(_by_user(decisions)),
        "l2": L2,
    }
    return AcceptancePrior(stage1, stage2, sorted(accepted_logits), info)


def fit_baseline(
    decisions: Sequence[Decision], inner_folds: int = INNER_FOLDS
) -> tuple[LogisticModel, list[float]]:
    """The Copilot-filter baseline and its out-of-fold logits of accepted decisions."""
    rows = [d.baseline for d in decisions]
    names = baseline_names(rows)
    model = fit_logistic(rows, _labels(decisions), names, l2=BASELINE_L2)
    groups = _user_groups(decisions, inner_folds)
    accepted: list[float] = []
    if len(groups) < 2:
        return model, [model.logit(d.baseline) for d in decisions if d.accepted]
    for held in groups:
        rest = [d for g in groups if g is not held for d in g]
        if len(set(_labels(rest))) < 2:
            continue
        m = fit_logistic([d.baseline for d in rest], _labels(rest), names, l2=BASELINE_L2)
        accepted += [m.logit(d.baseline) for d in held if d.accepted]
    return model, accepted


@dataclass
class FoldResult:
    scored: list[Scored]
    ours_show: list[bool]
    ours_called: list[bool]
    baseline_show: list[bool]


def run_fold(
    train: Sequence[Decision], test: Sequence[Decision], keep: float, inner_folds: int = INNER_FOLDS
) -> FoldResult:
    prior = fit_prior(train, inner_folds)
    t1, t2 = thresholds_for_keep(prior.accepted_logits, keep)
    base, base_accepted = fit_baseline(train, inner_folds)
    tb = threshold_for_keep(base_accepted, [1] * len(base_accepted), keep)
    pairs = online_logits(prior.stage1, prior.stage2, test)
    scored = [
        Scored(d.accepted, a, b, prior.stage2.logit(d.stage2), base.logit(d.baseline))
        for d, (a, b) in zip(test, pairs, strict=True)
    ]
    return FoldResult(
        scored,
        [s.ours1 >= t1 and s.ours2 >= t2 for s in scored],
        [s.ours1 >= t1 for s in scored],
        [s.baseline >= tb for s in scored],
    )


def summarize(folds: Sequence[FoldResult], keep: float) -> dict:
    """The CLI's JSON: pooled over all folds' test decisions."""
    scored = [s for f in folds for s in f.scored]
    labels = [1 if s.accepted else 0 for s in scored]
    ours_show = [x for f in folds for x in f.ours_show]
    called = [x for f in folds for x in f.ours_called]
    base_show = [x for f in folds for x in f.baseline_show]
    ok, oh = gate_rates(ours_show, labels)
    bk, bh = gate_rates(base_show, labels)
    n = max(len(scored), 1)
    return {
        "decisions": len(scored),
        "keep": keep,
        "ours": {
            "auc": round(auc([s.ours2 for s in scored], labels), 4),
            "accepted_kept": round(ok, 4),
            "rejected_hidden": round(oh, 4),
            "calls_saved": round(1 - sum(called) / n, 4),
            "stage1_auc": round(auc([s.ours1 for s in scored], labels), 4),
            "auc_without_adaptation": round(auc([s.ours2_static for s in scored], labels), 4),
        },
        "baseline": {
            "auc": round(auc([s.baseline for s in scored], labels), 4),
            "accepted_kept": round(bk, 4),
            "rejected_hidden": round(bh, 4),
            "calls_saved": round(1 - sum(base_show) / n, 4),
        },
    }


def evaluate_split(
    train: Sequence[Decision], test: Sequence[Decision], keep: float
) -> tuple[dict, list[FoldResult]]:
    folds = [run_fold(train, test, keep)]
    return summarize(folds, keep), folds


def cross_validate_users(
    decisions: Sequence[Decision], keep: float
) -> tuple[dict, list[FoldResult]]:
    """Leave-one-user-out: each user is scored by a gate fitted on all the others."""
    users = sorted(_by_user(decisions))
    if len(users) < 3:
        raise ValueError("--cv users needs at least 3 users in the file")
    folds = []
    for user in users:
        train = [d for d in decisions if d.user != user]
        test = [d for d in decisions if d.user == user]
        if len(set(_labels(train))) < 2:
            continue
        folds.append(run_fold(train, test, keep))
    return summarize(folds, keep), folds


def tradeoff_curve(scores: Sequence[float], labels: Sequence[int]) -> list[tuple[float, float]]:
    """(accepted kept, rejected hidden) for every threshold over ``scores``."""
    points = []
    for t in sorted(set(scores)):
        kept, hidden = gate_rates([s >= t for s in scores], labels)
        points.append((kept, hidden))
    return points
