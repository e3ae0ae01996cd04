"""The two-stage gate: should we ask the model, and should we show what it answered.

Stage 1 scores context, timing and history features before any model call; below its
threshold no call is made. Stage 2 adds the suggestion's features and decides whether to
show it. Both thresholds follow from one number the user understands, ``keep_accepted``:
the share of would-be-accepted suggestions to keep, measured on the prior's training data.
Stage 1 takes the share of the allowed loss of least expected cost (model calls against
rejected suggestions shown, in seconds of the user's time), stage 2 the rest.

The gate adapts online to its user: each decision nudges a per-user bias (recalibration)
and, more slowly, the weights, by stochastic gradient steps pulled back toward the prior so
that a few odd decisions cannot wreck it. How fast, how hard the pull, and how much weight
the per-user calibration gives the prior (`Rates`) ship with the prior: they are chosen on
its training users (offline/evaluate.py), never on the users it is measured on.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from refine_lsp.acceptance.calibration import (
    GAIN,
    MAX_MARGIN,
    MAX_SHIFT,
    PRIOR_WEIGHT,
    KeepCalibration,
    margin_at,
)
from refine_lsp.acceptance.logistic import LogisticModel, sigmoid

# Online learning rates of a prior that names none: the bias moves fast (a user's overall
# taste), the weights slowly.
BIAS_RATE = 0.1
WEIGHT_RATE = 0.01
# Pull of the weights back toward the prior per update (L2 toward the prior).
PRIOR_PULL = 0.1
# Limit on the learned per-user bias, in logits.
MAX_BIAS = 3.0
PRIOR_VERSION = 3


@dataclass(frozen=True)
class GateDecision:
    show: bool
    probability: float
    threshold: float  # probability threshold the decision was taken against


def _quantile_threshold(scores: Sequence[float], keep: float) -> float:
    """Largest t with at least ``keep`` of ``scores`` >= t (scores are accepted examples)."""
    if not scores:
        return float("-inf")
    ordered = sorted(scores, reverse=True)
    index = max(0, min(len(ordered) - 1, math.ceil(keep * len(ordered)) - 1))
    return ordered[index]


# Costs of the two mistakes stage 1 trades, in seconds of the user's time, from the CUPS
# timings (../shared/data/cups): a model call costs its latency (median request-to-display
# 0.36 s; money on top where the user sets it); a shown suggestion that is rejected costs
# its reading time (mean time on screen before a rejection, capped at 10 s: 1.66 s).
CALL_COST_S = 0.36
REJECTED_COST_S = 1.66
# Stage-1 keep shares tried between keep and 1 when choosing by expected utility.
STAGE1_GRID = 40


def _stage2_threshold(pairs: Sequence[tuple[float, float]], t1: float, keep: float) -> float:
    """Stage-2 threshold keeping, with stage 1 at ``t1``, ``keep`` of ``pairs`` in total."""
    survivors = [b for a, b in pairs if a >= t1]
    need = keep * len(pairs) / max(len(survivors), 1)
    return _quantile_threshold(survivors, min(need, 1.0))


def thresholds_for_keep(
    accepted_logits: Sequence[tuple[float, float]],
    keep: float,
    rejected_logits: Sequence[tuple[float, float]] = (),
    call_cost: float = CALL_COST_S,
    rejected_cost: float = REJECTED_COST_S,
) -> tuple[float, float]:
    """(stage-1, stage-2) logit thresholds keeping ``keep`` of the accepted examples.

    ``accepted_logits``/``rejected_logits`` are (stage-1 logit, stage-2 logit) pairs of
    training decisions, out of fold. With rejected pairs, stage 1's share of the allowed
    loss is the one of least expected cost: model calls made times ``call_cost`` plus
    rejected suggestions shown times ``rejected_cost`` (the accepted kept are the same for
    every split). Without them, stage 1 alone keeps 1 - (1 - keep) / 2.
    """
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep_accepted must be in (0, 1], got {keep!r}")
    if not accepted_logits:
        return float("-inf"), float("-inf")
    first = [a for a, _ in accepted_logits]
    if not rejected_logits or keep >= 1.0:
        t1 = _quantile_threshold(first, 1.0 - (1.0 - keep) / 2.0)
        return t1, _stage2_threshold(accepted_logits, t1, keep)
    n = len(accepted_logits) + len(rejected_logits)
    all_first = sorted([a for a, _ in accepted_logits] + [a for a, _ in rejected_logits])
    best: tuple[float, float, float] | None = None
    for i in range(STAGE1_GRID + 1):
        keep1 = 1.0 - (1.0 - keep) * i / STAGE1_GRID
        t1 = _quantile_threshold(first, keep1)
        t2 = _stage2_threshold(accepted_logits, t1, keep)
        calls = n - bisect.bisect_left(all_first, t1)
        shown_rejected = sum(1 for a, b in rejected_logits if b >= t2 and a >= t1)
        cost = (call_cost * calls + rejected_cost * shown_rejected) / n
        if best is None or cost < best[0] - 1e-12:
            best = (cost, t1, t2)
    return best[1], best[2]


@dataclass(frozen=True)
class Rates:
    """How the gate adapts to one user: SGD rates of the per-user bias and of the weights,
    the pull of the weights back toward the prior, and the calibration's prior weight (in
    accepted suggestions), gain, largest shift and margins (calibration.py): one margin
    for every setting, or (keep, margin) points measured at a few settings."""

    bias: float = BIAS_RATE
    weight: float = WEIGHT_RATE
    pull: float = PRIOR_PULL
    calibration_weight: float = PRIOR_WEIGHT
    calibration_gain: float = GAIN
    calibration_margin: float = 0.0
    calibration_shift: float = MAX_SHIFT
    calibration_margins: tuple[tuple[float, float], ...] = ()

    def margin_for(self, keep: float) -> float:
        return margin_at(self.calibration_margins, keep, self.calibration_margin)

    def to_json(self) -> dict:
        return {
            "bias": self.bias,
            "weight": self.weight,
            "pull": self.pull,
            "calibration_weight": self.calibration_weight,
            "calibration_gain": self.calibration_gain,
            "calibration_margin": self.calibration_margin,
            "calibration_shift": self.calibration_shift,
            "calibration_margins": [[k, m] for k, m in self.calibration_margins],
        }

    @classmethod
    def from_json(cls, data: object) -> Rates:
        """The rates in ``data``; a missing or invalid one keeps its default."""
        if not isinstance(data, Mapping):
            return cls()
        values: dict = {}
        for name, default in cls().to_json().items():
            if name == "calibration_margins":
                continue
            value = data.get(name, default)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            values[name] = float(value) if ok and 0.0 <= value < 1e6 else default
        values["calibration_margins"] = _margin_points(data.get("calibration_margins"))
        return cls(**values)


def _margin_points(data: object) -> tuple[tuple[float, float], ...]:
    """Valid (keep, margin) points of ``data``; none when any is invalid."""
    if not isinstance(data, list):
        return ()
    points = []
    for item in data:
        ok = isinstance(item, (list, tuple)) and len(item) == 2
        ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item)
        if not ok or not (0.0 < item[0] <= 1.0 and 0.0 <= item[1] <= MAX_MARGIN):
            return ()
        points.append((float(item[0]), float(item[1])))
    return tuple(sorted(points))


class OnlineLogistic:
    """A prior `LogisticModel` plus this user's online corrections."""

    def __init__(self, prior: LogisticModel, rates: Rates | None = None) -> None:
        self.prior = prior
        self.rates = rates or Rates()
        self.model = LogisticModel(
            list(prior.names), list(prior.mean), list(prior.scale), list(prior.weights), prior.bias
        )
        self.user_bias = 0.0
        self.updates = 0

    def logit(self, features: Mapping[str, float]) -> float:
        return self.model.logit(features) + self.user_bias

    def learn(self, features: Mapping[str, float], accepted: bool) -> None:
        """One SGD step on the log-loss of this decision."""
        y = 1.0 if accepted else 0.0
        error = y - sigmoid(self.logit(features))
        rates = self.rates
        self.user_bias = max(-MAX_BIAS, min(MAX_BIAS, self.user_bias + rates.bias * error))
        if rates.weight:
            x = self.model.standardized(features)
            w, w0 = self.model.weights, self.prior.weights
            for i, xi in enumerate(x):
                w[i] += rates.weight * (error * xi - rates.pull * (w[i] - w0[i]))
            self.model.refold()
        self.updates += 1

    def state(self) -> dict:
        return {"user_bias": self.user_bias, "weights": list(self.model.weights), "n": self.updates}

    def load_state(self, state: Mapping) -> None:
        """Restore `state()`; ignored when it does not fit this prior (e.g. a new prior)."""
        weights = state.get("weights") if isinstance(state, Mapping) else None
        if not isinstance(weights, list) or len(weights) != len(self.model.weights):
            return
        try:
            self.model.weights = [float(w) for w in weights]
            self.user_bias = max(-MAX_BIAS, min(MAX_BIAS, float(state.get("user_bias", 0.0))))
            self.updates = int(state.get("n", 0))
        except (TypeError, ValueError):
            return
        self.model.refold()


@dataclass
class AcceptancePrior:
    """What ships with the package: the models of both stages and their calibration.

    Stage 2 has two models: ``stage2`` for suggestions that come with the model's
    log-probabilities and ``stage2_plain`` (no log-probability features) for providers
    that return none, so that a missing number is never read as a confident one.
    """

    stage1: LogisticModel
    stage2: LogisticModel
    stage2_plain: LogisticModel
    # (stage-1 logit, stage-2 logit) of accepted training decisions, out of fold, for
    # ``stage2`` and for ``stage2_plain``.
    accepted_logits: list[tuple[float, float]]
    accepted_logits_plain: list[tuple[float, float]]
    info: dict
    # The same for rejected training decisions: what stage 1's expected utility needs.
    rejected_logits: list[tuple[float, float]] = field(default_factory=list)
    rejected_logits_plain: list[tuple[float, float]] = field(default_factory=list)
    # How a gate on this prior adapts (chosen with it, on its training users); stage 1 by
    # ``stage1_rates`` where it has its own (None: the same as stage 2).
    rates: Rates = field(default_factory=Rates)
    stage1_rates: Rates | None = None

    def to_json(self) -> dict:
        def pairs(values: list[tuple[float, float]]) -> list[list[float]]:
            return [[round(a, 4), round(b, 4)] for a, b in values]

        return {
            "version": PRIOR_VERSION,
            "info": self.info,
            "stage1": self.stage1.to_json(),
            "stage2": self.stage2.to_json(),
            "stage2_plain": self.stage2_plain.to_json(),
            "accepted_logits": pairs(self.accepted_logits),
            "accepted_logits_plain": pairs(self.accepted_logits_plain),
            "rejected_logits": pairs(self.rejected_logits),
            "rejected_logits_plain": pairs(self.rejected_logits_plain),
            "rates": self.rates.to_json(),
            **({"stage1_rates": self.stage1_rates.to_json()} if self.stage1_rates else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> AcceptancePrior:
        if not isinstance(data, Mapping) or data.get("version") not in (2, PRIOR_VERSION):
            raise ValueError(f"acceptance prior: expected an object with version {PRIOR_VERSION}")
        try:
            return cls(
                LogisticModel.from_json(data["stage1"]),
                LogisticModel.from_json(data["stage2"]),
                LogisticModel.from_json(data["stage2_plain"]),
                [(float(a), float(b)) for a, b in data["accepted_logits"]],
                [(float(a), float(b)) for a, b in data["accepted_logits_plain"]],
                dict(data.get("info") or {}),
                [(float(a), float(b)) for a, b in data.get("rejected_logits", ())],
                [(float(a), float(b)) for a, b in data.get("rejected_logits_plain", ())],
                Rates.from_json(data.get("rates")),
                Rates.from_json(data["stage1_rates"]) if "stage1_rates" in data else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"acceptance prior: invalid ({exc})") from exc


class AcceptanceGate:
    """Two-stage gate for one user: `stage1`, `stage2`, then `learn` from the outcome."""

    def __init__(
        self,
        prior: AcceptancePrior,
        keep_accepted: float = 0.95,
        call_cost: float = CALL_COST_S,
        rejected_cost: float = REJECTED_COST_S,
        calibrate: bool = True,
    ) -> None:
        self.prior = prior
        rates = prior.rates
        self.stage1_model = OnlineLogistic(prior.stage1, prior.stage1_rates or rates)
        self.stage2_model = OnlineLogistic(prior.stage2, rates)
        self.stage2_plain_model = OnlineLogistic(prior.stage2_plain, rates)
        self.call_cost, self.rejected_cost = call_cost, rejected_cost
        self.calibrate = calibrate
        self.calibration = KeepCalibration(
            keep_accepted,
            prior_weight=rates.calibration_weight,
            gain=rates.calibration_gain,
            margin=rates.margin_for(keep_accepted),
            max_shift=rates.calibration_shift,
        )
        self.set_keep(keep_accepted)

    def set_keep(
        self,
        keep_accepted: float,
        call_cost: float | None = None,
        rejected_cost: float | None = None,
    ) -> None:
        """Re-derive the thresholds (e.g. after a setting changed)."""
        if not 0.0 < keep_accepted <= 1.0:
            raise ValueError(f"keep_accepted must be in (0, 1], got {keep_accepted!r}")
        self.keep_accepted = keep_accepted
        self.calibration.keep = keep_accepted
        self.calibration.margin = self.prior.rates.margin_for(keep_accepted)
        if call_cost is not None:
            self.call_cost = call_cost
        if rejected_cost is not None:
            self.rejected_cost = rejected_cost
        self._thresholds: dict[float, tuple[float, float, float]] = {}
        self.aimed = None
        self._aim()

    def _aim(self) -> None:
        """Thresholds for the kept share calibration aims at (the setting, to begin with)."""
        aim = self.calibration.aim() if self.calibrate else self.keep_accepted
        if aim == self.aimed:
            return
        if aim not in self._thresholds:
            p = self.prior
            t1, t2 = thresholds_for_keep(
                p.accepted_logits, aim, p.rejected_logits, self.call_cost, self.rejected_cost
            )
            self._thresholds[aim] = (t1, t2, _stage2_threshold(p.accepted_logits_plain, t1, aim))
        self.aimed = aim
        self.threshold1, self.threshold2, self.threshold2_plain = self._thresholds[aim]

    def stage1(self, features: Mapping[str, float]) -> GateDecision:
        """Before the model call: is a suggestion here likely enough to be accepted?"""
        z = self.stage1_model.logit(features)
        decision = GateDecision(z >= self.threshold1, sigmoid(z), _prob(self.threshold1))
        if not decision.show:
            self._hidden(decision.probability)
        return decision

    def stage2(self, features: Mapping[str, float]) -> GateDecision:
        """After the model call: show this suggestion?"""
        z = self.stage2_logit(features)
        t = self.threshold2 if features.get("s_has_logprobs") else self.threshold2_plain
        decision = GateDecision(z >= t, sigmoid(z), _prob(t))
        if not decision.show:
            self._hidden(decision.probability)
        return decision

    def _hidden(self, probability: float) -> None:
        if self.calibrate:
            self.calibration.hidden(probability)
            self._aim()

    def stage2_logit(self, features: Mapping[str, float]) -> float:
        """Stage-2 logit, from the model that fits what the provider returned."""
        if features.get("s_has_logprobs"):
            return self.stage2_model.logit(features)
        return self.stage2_plain_model.logit(features)

    def learn(self, features: Mapping[str, float], accepted: bool) -> None:
        """Adapt to one decision (``features`` from `UserSession.stage2_features`)."""
        self.stage1_model.learn(features, accepted)
        self.stage2_plain_model.learn(features, accepted)
        if features.get("s_has_logprobs"):
            self.stage2_model.learn(features, accepted)
        if accepted and self.calibrate:
            self.calibration.shown_accepted()
            self._aim()

    def state(self) -> dict:
        return {
            "stage1": self.stage1_model.state(),
            "stage2": self.stage2_model.state(),
            "stage2_plain": self.stage2_plain_model.state(),
            "calibration": self.calibration.state(),
        }

    def load_state(self, state: Mapping) -> None:
        if isinstance(state, Mapping):
            self.stage1_model.load_state(state.get("stage1") or {})
            self.stage2_model.load_state(state.get("stage2") or {})
            self.stage2_plain_model.load_state(state.get("stage2_plain") or {})
            self.calibration.load_state(state.get("calibration") or {})
            self._aim()


def _prob(logit: float) -> float:
    return 0.0 if logit == float("-inf") else sigmoid(logit)
