"""Offline evaluation: fit the gate on some users' decisions, measure it on others.

Our model is scored as the server would run it (progressive validation): each test user
starts from the fitted prior, each decision is scored before the gate learns from it, the
gate learns only what it showed, and its per-user calibration re-aims the thresholds from
that user's own decisions. Prior thresholds are chosen on the training data only, from
out-of-fold scores (users split into groups), so they are not flattered by scoring
examples the model was fitted on. The baseline is Copilot's contextual filter (see
baseline.py), refitted on the same data, with its threshold chosen the same way; it runs
before the model call, so everything it hides is a saved call.

Adaptation rates and the calibration's shrinkage are chosen inside `fit_prior`, on the
training users' inner folds only (nested: in leave-one-user-out the user a fold is measured
on takes no part): the rates of least progressive log-loss (`RATE_GRID`; each stage its
own since 2026-12-02, by its own loss), then the
calibration weight and gain whose kept share on inner held-out users comes closest to
0.85/0.90/0.95 (`CALIBRATION_GRID`), with the shortfall left as margin. Before they were
chosen that way, one set of rates picked on the leave-one-user-out of the whole file
(bias/weight/pull 0.1/0.01/0.1, AUC 0.800 there) served every fold; the nested choice
picks the same rates in 13 of 15 folds (bias rate 0.03 in one, weight rate 0 in another),
calibration weight 5-10 and gain 1-2 everywhere, margins 0-0.013. Leave-one-user-out on
events-dev.jsonl then: AUC 0.795 (0.800 with the rates picked on the whole file); kept
84.9/87.9/94.3% at keep 0.85/0.90/0.95 (83.6/87.6/93.6% with the fixed weight 20, gain 1);
stage 1 saves 6.4% of calls at 0.95. Stage 1 cannot reach 15% there on these features: an
oracle stage-1 threshold on its online scores at keep 0.95 hides 11.9% of calls, and the
expected-utility split reaches 12.5% only at a call cost of 3 s (5 tried: 0.36-3 s).

Features added after that (LOUO on events-dev.jsonl, AUC; the first figure from a quick
static-prior-plus-bias replica, the last from this module): stage 1 learns how the cursor
moved since the last shown suggestion (same prefix, typed along it, typed something else,
how much) and whether the user accepted within 10 s: stage-1 AUC 0.718 -> 0.733 (0.744
here); stage 2 adds word overlap with the last shown suggestion (+0.004), comment-only,
code lines and mean log-probability x length (+0.001 each): 0.784 -> 0.793 (0.791 -> 0.800
here). Tried and left out (no gain or worse): a decayed accept rate (-0.003), the line's
keyword, bracket depth, length of the word at the cursor, in-docstring, placeholders
(pass, ...), share of string literals (-0.003), overlap with recently rejected texts, count
of new words; an empirical-Bayes user intercept instead of the SGD bias (0.782 vs 0.784);
L2 3 / 10 / 30 (flat); thresholds on the logit without the user's bias (fewer rejected
hidden and no closer to the kept share on the users it falls short on).

The calibration's grid then grew a largest shift (0.08 or 0.15: how far the aim may move
for a user kept far short) and the margin became one per setting (the shortfall the chosen
entry leaves on the inner held-out users at 0.85, 0.90 and 0.95, interpolated between):
kept 85.6/88.6/94.3% at keep 0.85/0.90/0.95 (was 84.9/87.9/94.3%), rejected hidden as run
50.8/38.0/23.6%, AUC 0.795 unchanged, stage 1 saves 6.2% of calls at 0.95. Nested L2
(3/10/30 by inner-fold log-loss) picks 10 in 10 of 15 folds and 30 in 5, never 3, so L2
stays 10 although 3 scores 0.801 on the whole file. The stage-1 bounds are in ceiling.py.

Each stage then got its own adaptation rates, chosen on the same grid by its own progressive
log-loss (stage 2's loss alone picks a bias rate of 0.03 in 10 of 15 folds, stage 1's 0.1 in
13): AUC 0.799 (0.766-0.827), kept 86.2/89.3/94.3% at 0.85/0.90/0.95, rejected hidden as run
51.1/37.0/23.1% (own curve 53.4/38.5/27.0%; baseline 34.7/27.0/10.5%), stage 1 saves 6.3%
of calls at 0.95. One set of rates chosen by stage 2's loss alone for both stages: AUC
0.799, kept 84.9/87.6/94.3%.

Then the time since the last keystroke got hinges at 2 s, 20 s and 2 min (state.py:
acceptance is not monotone in it) and the suggestion's length one-hot classes one unit of
log length wide (features.py): AUC 0.805 (0.771-0.833), stage 1 0.740, kept
84.2/89.3/93.6% at 0.85/0.90/0.95, rejected hidden as run 51.1/41.0/24.5% (own curve
53.6/42.7/28.0%; baseline 31.0/23.6/13.7%, curve 34.7/27.0/10.5%), stage 1 saves 7.3% of
calls at 0.95. The same hinges on the time since the last shown suggestion as well: AUC
0.805 but kept 84.6/87.6/94.0% (2.4 points short at 0.90), so they are left out. Tried and
left out in a quick replica (fixed rates, AUC within -0.004..+0.002): first-character and
line-ending shape of the suggestion, bracket imbalance, def/return/import/print openings,
exp and square of the mean log-probability and its products with multi-line, comment and
blank line, request latency, characters per token, how long the user looked at the last
suggestions before deciding, the last shown suggestion's log-probability and length in
stage 1, comment-then-code interactions, and hinges on the pause before the typing burst.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from refine_lsp.acceptance.calibration import MAX_MARGIN
from refine_lsp.acceptance.gate import AcceptanceGate, AcceptancePrior, Rates
from refine_lsp.acceptance.logistic import LogisticModel, fit_logistic
from refine_lsp.acceptance.offline.baseline import baseline_names
from refine_lsp.acceptance.offline.cups import Decision
from refine_lsp.acceptance.offline.metrics import (
    auc,
    bootstrap_auc,
    curve_rejected_hidden,
    gate_rates,
    threshold_for_keep,
)

# User-level rates are left to the online per-user bias: as fixed features they describe
# the training users, not a new one (leave-one-user-out AUC is higher without them).
# s_confidence is a Copilot-only number that other providers do not report; a prior that
# leaned on it would be miscalibrated everywhere else (and it adds nothing on CUPS).
EXCLUDED_FEATURES = frozenset({"h_running_rate", "h_recent_rate", "h_decisions", "s_confidence"})
L2 = 10.0
BASELINE_L2 = 1.0
INNER_FOLDS = 4
# Read the thresholds off a second, gated out-of-fold pass (see `fit_prior`).
GATED_PASS = True
# Features that exist only when the provider returns log-probabilities.
LOGPROB_FEATURES = frozenset(
    {
        "s_has_logprobs",
        "s_mean_logprob",
        "s_alt_logprob",
        "s_logprob_margin",
        "s_tokens",
        "s_total_logprob",
        "s_logprob_x_len",
        "s_confidence",
    }
)


@dataclass(frozen=True)
class Scored:
    accepted: bool
    ours1: float  # stage-1 logit (online)
    ours2: float  # stage-2 logit (online)
    ours2_static: float  # stage-2 logit of the prior alone, without adaptation
    ours2_plain: float  # stage-2 logit of the model that never sees log-probabilities
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


def online_scores(
    prior: AcceptancePrior,
    decisions: Sequence[Decision],
    keep: float = 0.95,
    learn_all: bool = True,
    calibrate: bool = True,
) -> list[GateTrace]:
    """Run each user's decisions, in time order, through a fresh `AcceptanceGate`.

    The gate decides and only then learns the outcome. With ``learn_all`` False it learns
    only from suggestions it showed, as in the server, where a hidden suggestion has no
    outcome.
    """
    traces: dict[int, GateTrace] = {}
    for user_decisions in _by_user(decisions).values():
        gate = AcceptanceGate(prior, keep, calibrate=calibrate)
        for d in sorted(user_decisions, key=lambda d: d.time):
            z1, z2 = gate.stage1_model.logit(d.stage1), gate.stage2_logit(d.stage2)
            z2_plain = gate.stage2_plain_model.logit(d.stage2)
            called = gate.stage1(d.stage1).show  # as the server: stage 2 only after a call
            shown = called and gate.stage2(d.stage2).show
            traces[id(d)] = GateTrace(z1, z2, z2_plain, called, shown)
            if learn_all or shown:
                gate.learn(d.stage2, d.accepted)
    return [traces[id(d)] for d in decisions]


@dataclass(frozen=True)
class GateTrace:
    stage1: float  # logits
    stage2: float
    stage2_plain: float
    called: bool
    shown: bool


def _user_groups(decisions: Sequence[Decision], folds: int) -> list[list[Decision]]:
    users = sorted(_by_user(decisions))
    groups: list[list[Decision]] = [[] for _ in range(min(folds, len(users)))]
    index = {u: i % len(groups) for i, u in enumerate(users)}
    for d in decisions:
        groups[index[d.user]].append(d)
    return groups


def _fit_models(
    decisions: Sequence[Decision], names: tuple[list[str], list[str], list[str]]
) -> AcceptancePrior:
    labels = _labels(decisions)
    stage1 = fit_logistic([d.stage1 for d in decisions], labels, names[0], l2=L2)
    stage2 = fit_logistic([d.stage2 for d in decisions], labels, names[1], l2=L2)
    plain = fit_logistic([d.stage2 for d in decisions], labels, names[2], l2=L2)
    return AcceptancePrior(stage1, stage2, plain, [], [], {})


def fit_prior(
    decisions: Sequence[Decision], inner_folds: int = INNER_FOLDS, select: bool = True
) -> AcceptancePrior:
    """Fit all models on ``decisions``, choose how a gate on them adapts, and calibrate the
    thresholds, out of fold (users split into groups).

    Nested: the adaptation rates and the calibration's shrinkage are chosen on these
    decisions' users alone (`select_rates`, `select_calibration`), so in leave-one-user-out
    the user a fold is measured on takes no part in choosing them. ``select`` False keeps
    the default `Rates`."""
    if not decisions:
        raise ValueError("no decisions to fit on")
    labels = _labels(decisions)
    if len(set(labels)) < 2:
        raise ValueError("training data needs both accepted and rejected decisions")
    names2 = feature_names([d.stage2 for d in decisions])
    names = (
        feature_names([d.stage1 for d in decisions]),
        names2,
        [n for n in names2 if n not in LOGPROB_FEATURES],
    )
    prior = _fit_models(decisions, names)
    groups = _user_groups(decisions, inner_folds)
    rates = Rates()
    stage1_rates: Rates | None = None
    if len(groups) < 2:  # a single user: in-sample calibration is all there is
        pairs = [_group_logits(prior, list(decisions), None)]
    else:
        fitted = []
        for held in groups:
            rest = [d for g in groups if g is not held for d in g]
            fitted.append(_fit_models(rest, names) if len(set(_labels(rest))) > 1 else None)
        inner = [(held, m) for held, m in zip(groups, fitted, strict=True) if m is not None]
        # First pass: everything shown and learned; its thresholds gate the second pass.
        first = [_group_logits(m, held, None) for held, m in inner]
        pairs = first
        if GATED_PASS:
            # Second pass, as the server runs: each held-out user is gated with the first
            # pass's thresholds and learns only what was shown; these are the scores a new
            # user really gets, so the thresholds are read off them.
            if select:
                stage1_rates, rates = select_rates(inner, _merged(first))
            for _, m in inner:
                m.rates, m.stage1_rates = rates, stage1_rates
            pairs = [_group_logits(m, held, _merged(first)) for held, m in inner]
            if select:
                rates = select_calibration(inner, pairs, rates)
    _set_logits(prior, _merged(pairs))
    prior.rates = rates
    prior.stage1_rates = stage1_rates
    prior.info.update(
        {
            "decisions": len(decisions),
            "accepted": sum(labels),
            "users": len(_by_user(decisions)),
            "l2": L2,
            "rates_chosen_on": "inner folds of the training users" if select else "defaults",
        }
    )
    return prior


# Adaptation settings tried on the training users' inner folds: (bias rate, weight rate,
# pull toward the prior), and the calibration's (prior weight, gain). Each is scored on
# users its models were not fitted on, by progressive validation as the server runs.
RATE_GRID = (
    *((b, w, 0.1) for b in (0.03, 0.1, 0.3) for w in (0.0, 0.01, 0.03)),
    (0.1, 0.01, 1.0),
    (0.1, 0.03, 1.0),
)
CALIBRATION_GRID = tuple(
    (weight, gain, shift)
    for weight, gain in ((20.0, 1.0), (40.0, 1.0), (10.0, 1.0), (5.0, 1.0), (10.0, 2.0), (5.0, 2.0))
    for shift in (0.08, 0.15)
)

_Logits = tuple[list, list, list, list]  # accepted, accepted plain, rejected, rejected plain


def _log_loss(z: float, accepted: bool) -> float:
    """-log P(outcome) for a logit z (stable for large |z|)."""
    m = -z if accepted else z
    return max(m, 0.0) + math.log1p(math.exp(-abs(m)))


def select_rates(
    inner: Sequence[tuple[list[Decision], AcceptancePrior]], first: _Logits
) -> tuple[Rates, Rates]:
    """(stage-1 rates, stage-2 rates): for each stage the `RATE_GRID` entry of least
    progressive log-loss of that stage on the inner held-out users, each gated by the
    first pass's thresholds. The inner models are left with the stage-1 choice."""
    best1: tuple[float, Rates] | None = None
    best2: tuple[float, Rates] | None = None
    for bias, weight, pull in RATE_GRID:
        rates = Rates(bias, weight, pull)
        loss1 = loss2 = 0.0
        for held, model in inner:
            model.rates, model.stage1_rates = rates, None
            _set_logits(model, first)
            traces = online_scores(model, held, calibrate=False, learn_all=False)
            for d, t in zip(held, traces, strict=True):
                loss1 += _log_loss(t.stage1, d.accepted)
                loss2 += _log_loss(t.stage2, d.accepted)
        if best1 is None or loss1 < best1[0] - 1e-9:
            best1 = (loss1, rates)
        if best2 is None or loss2 < best2[0] - 1e-9:
            best2 = (loss2, rates)
    assert best1 is not None and best2 is not None
    for _, model in inner:
        model.stage1_rates = best1[1]
    return best1[1], best2[1]


def select_calibration(
    inner: Sequence[tuple[list[Decision], AcceptancePrior]],
    pairs: Sequence[_Logits],
    rates: Rates,
    keeps: Sequence[float] = (0.85, 0.90, 0.95),
) -> Rates:
    """``rates`` with the `CALIBRATION_GRID` entry whose kept share comes closest to each
    of ``keeps`` (squared error, pooled over the inner held-out users), and as margins the
    shortfall that entry leaves at each of ``keeps`` (the mean of them as the one margin
    an older reader takes). Each inner group is gated by thresholds read off the other
    groups' logits, as a new user is by the prior's."""
    best: tuple[float, Rates, list[float]] | None = None
    for weight, gain, shift in CALIBRATION_GRID:
        candidate = replace(
            rates,
            calibration_weight=weight,
            calibration_gain=gain,
            calibration_shift=shift,
            calibration_margin=0.0,
            calibration_margins=(),
        )
        error = 0.0
        short = []
        for k in keeps:
            kept = accepted = 0
            for i, (held, model) in enumerate(inner):
                model.rates = candidate
                _set_logits(model, _merged([p for j, p in enumerate(pairs) if j != i]))
                traces = online_scores(model, held, k, learn_all=False)
                for d, t in zip(held, traces, strict=True):
                    if d.accepted:
                        accepted += 1
                        kept += t.shown
            error += (kept / max(accepted, 1) - k) ** 2
            short.append(k - kept / max(accepted, 1))
        if best is None or error < best[0] - 1e-12:
            best = (error, candidate, short)
    assert best is not None
    margins = [round(min(max(m, 0.0), MAX_MARGIN), 4) for m in best[2]]
    mean = round(min(max(sum(best[2]) / len(keeps), 0.0), MAX_MARGIN), 4)
    return replace(
        best[1],
        calibration_margin=mean,
        calibration_margins=tuple(zip(keeps, margins, strict=True)),
    )


def _merged(parts: Sequence[_Logits]) -> _Logits:
    out: _Logits = ([], [], [], [])
    for part in parts:
        for target, values in zip(out, part, strict=True):
            target.extend(values)
    return out


def _set_logits(prior: AcceptancePrior, logits: _Logits) -> None:
    prior.accepted_logits = sorted(logits[0])
    prior.accepted_logits_plain = sorted(logits[1])
    prior.rejected_logits = sorted(logits[2])
    prior.rejected_logits_plain = sorted(logits[3])


def _group_logits(
    model: AcceptancePrior, held: Sequence[Decision], thresholds_from: _Logits | None
) -> _Logits:
    """The online (stage-1, stage-2) logits of ``held`` under ``model``.

    With ``thresholds_from`` the held-out users are gated by its thresholds and learn only
    what was shown; without it everything is shown and learned."""
    if thresholds_from is not None:
        _set_logits(model, thresholds_from)
    traces = online_scores(model, held, learn_all=thresholds_from is None)
    out: _Logits = ([], [], [], [])
    for trace, d in zip(traces, held, strict=True):
        base = 0 if d.accepted else 2
        out[base].append((trace.stage1, trace.stage2))
        out[base + 1].append((trace.stage1, trace.stage2_plain))
    return out


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


# Kept shares the report reads every model at, besides the user's own setting.
REPORT_KEEPS = (0.85, 0.90, 0.95)


@dataclass
class FoldResult:
    scored: list[Scored]  # at the user's keep
    ours_show: list[bool]
    ours_called: list[bool]
    baseline_show: list[bool]
    # keep -> (scored, ours shown, ours called, baseline shown), for REPORT_KEEPS
    at: dict[float, tuple[list[Scored], list[bool], list[bool], list[bool]]] = field(
        default_factory=dict
    )


def run_fold(
    train: Sequence[Decision],
    test: Sequence[Decision],
    keep: float,
    inner_folds: int = INNER_FOLDS,
    keeps: Sequence[float] = REPORT_KEEPS,
) -> FoldResult:
    prior = fit_prior(train, inner_folds)
    base, base_accepted = fit_baseline(train, inner_folds)
    runs = {}
    for k in dict.fromkeys([keep, *keeps]):
        tb = threshold_for_keep(base_accepted, [1] * len(base_accepted), k)
        # As in the server: the gate learns only the outcomes of suggestions it showed,
        # each decision scored before it learns from it (progressive validation).
        traces = online_scores(prior, test, k, learn_all=False)
        scored = [
            Scored(
                d.accepted,
                t.stage1,
                t.stage2,
                prior.stage2.logit(d.stage2),
                t.stage2_plain,
                base.logit(d.baseline),
            )
            for d, t in zip(test, traces, strict=True)
        ]
        runs[k] = (
            scored,
            [t.shown for t in traces],
            [t.called for t in traces],
            [s.baseline >= tb for s in scored],
        )
    return FoldResult(*runs[keep], at={k: runs[k] for k in keeps})


def _side(scores: list[float], labels: list[int], show: list[bool], called: list[bool]) -> dict:
    kept, hidden = gate_rates(show, labels)
    low, high = bootstrap_auc(scores, labels)
    return {
        "auc": round(auc(scores, labels), 4),
        "auc_ci95": [round(low, 4), round(high, 4)],
        "accepted_kept": round(kept, 4),
        "rejected_hidden": round(hidden, 4),
        "calls_saved": round(1 - sum(called) / max(len(called), 1), 4),
    }


def _at_keep(folds: Sequence[FoldResult], k: float) -> dict:
    scored = [s for f in folds for s in f.at[k][0]]
    labels = [1 if s.accepted else 0 for s in scored]
    out = {}
    for name, i_show, i_called, score in (
        ("ours", 1, 2, lambda s: s.ours2),
        ("baseline", 3, 3, lambda s: s.baseline),
    ):
        show = [x for f in folds for x in f.at[k][i_show]]
        called = [x for f in folds for x in f.at[k][i_called]]
        kept, hidden = gate_rates(show, labels)
        out[name] = {
            "curve_rejected_hidden": round(
                curve_rejected_hidden([score(s) for s in scored], labels, k), 4
            ),
            "accepted_kept": round(kept, 4),
            "rejected_hidden": round(hidden, 4),
            "calls_saved": round(1 - sum(called) / max(len(called), 1), 4),
        }
    return out


def summarize(folds: Sequence[FoldResult], keep: float) -> dict:
    """The CLI's JSON: pooled over all folds' test decisions."""
    scored = [s for f in folds for s in f.scored]
    labels = [1 if s.accepted else 0 for s in scored]
    ours_show = [x for f in folds for x in f.ours_show]
    called = [x for f in folds for x in f.ours_called]
    base_show = [x for f in folds for x in f.baseline_show]
    ours = _side([s.ours2 for s in scored], labels, ours_show, called)
    ours.update(
        {
            "stage1_auc": round(auc([s.ours1 for s in scored], labels), 4),
            "auc_without_adaptation": round(auc([s.ours2_static for s in scored], labels), 4),
            "auc_without_logprobs": round(auc([s.ours2_plain for s in scored], labels), 4),
        }
    )
    keeps = sorted(set().union(*(f.at for f in folds))) if folds else []
    return {
        "decisions": len(scored),
        "keep": keep,
        "ours": ours,
        # the baseline runs before the model call: everything it hides is a saved call
        "baseline": _side([s.baseline for s in scored], labels, base_show, base_show),
        "at_keep": {f"{k:.2f}": _at_keep(folds, k) for k in keeps},
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
