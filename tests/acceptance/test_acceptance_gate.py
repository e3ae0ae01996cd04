"""The model, the two-stage gate, its thresholds, online adaptation and hint fading."""

from __future__ import annotations

import math
import random

import pytest
from refine_lsp.acceptance.gate import (
    AcceptanceGate,
    AcceptancePrior,
    OnlineLogistic,
    thresholds_for_keep,
)
from refine_lsp.acceptance.hints import HintGate
from refine_lsp.acceptance.logistic import LogisticModel, fit_logistic, sigmoid
from refine_lsp.acceptance.offline.metrics import auc, gate_rates, threshold_for_keep
from refine_lsp.acceptance.prior import default_gate, shipped_prior


def synthetic(n: int, seed: int, weights: dict[str, float], bias: float):
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        row = {"a": rng.gauss(0, 1), "b": rng.gauss(0, 1), "flag": float(rng.random() < 0.3)}
        z = bias + sum(w * row[k] for k, w in weights.items())
        rows.append(row)
        labels.append(1 if rng.random() < sigmoid(z) else 0)
    return rows, labels


def test_fit_recovers_known_weights():
    rows, labels = synthetic(3000, 1, {"a": 1.5, "b": -1.0, "flag": 2.0}, -0.5)
    model = fit_logistic(rows, labels, ["a", "b", "flag"], l2=0.1)
    raw = dict(zip(model.names, model._w, strict=True))
    assert raw["a"] == pytest.approx(1.5, abs=0.2)
    assert raw["b"] == pytest.approx(-1.0, abs=0.2)
    assert raw["flag"] == pytest.approx(2.0, abs=0.3)
    again = LogisticModel.from_json(model.to_json())
    assert again.predict(rows[0]) == pytest.approx(model.predict(rows[0]), abs=1e-4)


def test_model_json_errors_are_clear():
    with pytest.raises(ValueError, match="type 'logistic'"):
        LogisticModel.from_json({"names": []})
    with pytest.raises(ValueError, match="same length"):
        LogisticModel(["a"], [0.0], [1.0], [], 0.0)


def test_auc_and_threshold_for_keep():
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert auc([1, 1], [0, 1]) == 0.5
    scores = list(range(100))
    labels = [1] * 100
    t = threshold_for_keep(scores, labels, 0.95)
    assert sum(s >= t for s in scores) == 95
    assert gate_rates([True, False, False, True], [1, 1, 0, 0]) == (0.5, 0.5)


def test_two_stage_thresholds_keep_the_requested_share():
    rng = random.Random(3)
    pairs = [(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(1000)]
    for keep in (0.8, 0.9, 0.95):
        t1, t2 = thresholds_for_keep(pairs, keep)
        stage1_kept = sum(a >= t1 for a, _ in pairs) / len(pairs)
        both_kept = sum(a >= t1 and b >= t2 for a, b in pairs) / len(pairs)
        assert stage1_kept == pytest.approx(1 - (1 - keep) / 2, abs=0.002)
        assert both_kept == pytest.approx(keep, abs=0.002)
    with pytest.raises(ValueError):
        thresholds_for_keep(pairs, 0.0)


def test_stage1_share_of_the_loss_follows_expected_utility():
    """Expensive calls push the loss into stage 1 (no call is made); either way the two
    stages keep the requested share, at no more expected cost than the fixed half-split."""
    rng = random.Random(4)
    accepted = [(rng.gauss(1, 1), rng.gauss(1.5, 1)) for _ in range(600)]
    rejected = [(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(1200)]

    def outcome(t1, t2):
        kept = sum(a >= t1 and b >= t2 for a, b in accepted) / len(accepted)
        calls = sum(a >= t1 for a, _ in accepted + rejected)
        shown_rejected = sum(a >= t1 and b >= t2 for a, b in rejected)
        return kept, calls, shown_rejected

    half = outcome(*thresholds_for_keep(accepted, 0.9))
    seen = []
    for call_cost in (0.0, 10.0):
        kept, calls, shown = outcome(*thresholds_for_keep(accepted, 0.9, rejected, call_cost, 1.0))
        assert kept == pytest.approx(0.9, abs=0.01)
        assert call_cost * calls + shown <= call_cost * half[1] + half[2]
        seen.append(calls)
    assert seen[1] < seen[0] - 100  # dear calls: stage 1 takes more of the loss


def test_shipped_prior_loads_and_gates():
    prior = shipped_prior()
    assert prior.info["decisions"] > 500 and len(prior.stage2.names) > len(prior.stage1.names)
    assert not any(n in prior.stage2.names for n in ("cups_label", "seconds_in_state"))
    strict, lenient = default_gate(0.6), default_gate(0.99)
    assert strict.threshold1 > lenient.threshold1 and strict.threshold2 > lenient.threshold2
    # The model's own confidence matters: a confident suggestion scores above a doubtful one.
    base = {"s_has_logprobs": 1.0, "s_tokens": 2.0}
    sure = lenient.stage2({**base, "s_mean_logprob": -0.05, "s_logprob_margin": 3.0})
    doubt = lenient.stage2({**base, "s_mean_logprob": -2.5, "s_logprob_margin": 0.0})
    assert sure.probability > doubt.probability
    # Without log-probabilities the plain model decides, against its own threshold: a
    # missing number is not read as a confident one.
    plain = lenient.stage2({"s_len": 2.0})
    assert plain.threshold == pytest.approx(1 / (1 + math.exp(-lenient.threshold2_plain)))
    assert "s_mean_logprob" not in prior.stage2_plain.names


def test_prior_json_round_trip_and_errors():
    prior = shipped_prior()
    again = AcceptancePrior.from_json(prior.to_json())
    assert again.stage2.names == prior.stage2.names
    with pytest.raises(ValueError, match="version 3"):
        AcceptancePrior.from_json({"version": 7})


def _prior(weights: dict[str, float], bias: float) -> AcceptancePrior:
    names = sorted(weights)
    model = LogisticModel(
        names, [0.0] * len(names), [1.0] * len(names), [weights[n] for n in names], bias
    )
    rows, labels = synthetic(500, 5, weights, bias)
    pairs = [(model.logit(r), model.logit(r)) for r, y in zip(rows, labels, strict=True) if y]
    return AcceptancePrior(model, model, model, pairs, pairs, {})


def test_online_adaptation_learns_a_user_who_differs_from_the_prior():
    # The prior believes "a" predicts acceptance; this user accepts only when "b" is high.
    prior = _prior({"a": 2.0, "b": 0.0, "flag": 0.0}, -1.0)
    rng = random.Random(11)
    stream = []
    for _ in range(600):
        row = {"a": rng.gauss(0, 1), "b": rng.gauss(0, 1), "flag": 0.0}
        stream.append((row, 1 if row["b"] > 0.5 else 0))
    static = OnlineLogistic(prior.stage2)
    online = OnlineLogistic(prior.stage2)
    for row, y in stream[:400]:
        online.learn(row, bool(y))
    test = stream[400:]
    labels = [y for _, y in test]
    static_auc = auc([static.logit(r) for r, _ in test], labels)
    online_auc = auc([online.logit(r) for r, _ in test], labels)
    assert static_auc < 0.6 and online_auc > 0.7 and online_auc > static_auc + 0.15
    # The prior itself is left untouched (a new user starts from it again).
    assert prior.stage2.weights == [2.0, 0.0, 0.0]


def test_gate_learns_that_this_user_rejects_everything_and_state_persists():
    gate = AcceptanceGate(_prior({"a": 1.0, "b": 0.0, "flag": 0.0}, 0.0), keep_accepted=0.9)
    row = {"a": 0.5, "b": 0.0, "flag": 0.0}
    before = gate.stage2(row)
    for _ in range(40):
        gate.learn(row, False)
    after = gate.stage2(row)
    assert after.probability < before.probability - 0.2
    assert before.show and not after.show
    fresh = AcceptanceGate(gate.prior, keep_accepted=0.9)
    fresh.load_state(gate.state())
    assert fresh.stage2(row).probability == pytest.approx(after.probability)
    fresh.load_state({"stage2": {"weights": [1, 2]}})  # wrong shape: ignored
    assert fresh.stage2(row).probability == pytest.approx(after.probability)


def test_stage1_blocks_the_call_when_context_is_hopeless():
    gate = AcceptanceGate(_prior({"a": 3.0, "b": 0.0, "flag": 0.0}, 0.0), keep_accepted=0.95)
    assert not gate.stage1({"a": -5.0}).show
    assert gate.stage1({"a": 2.0}).show


def test_hints_a_user_always_ignores_fade_and_can_come_back():
    hints = HintGate(explore_every=10)
    shown = 0
    for _ in range(60):
        if hints.should_show("compare-to-none"):
            shown += 1
            hints.record("compare-to-none", accepted=False)
    assert hints.rate("compare-to-none")[0] < 0.1
    assert 15 <= shown < 30  # faded after ~15 ignores; then only exploration shows
    assert all(hints.should_show("organize-imports") for _ in range(5))  # other kinds unaffected
    for _ in range(10):
        hints.record("compare-to-none", accepted=True)
    assert hints.should_show("compare-to-none")
    copy = HintGate()
    copy.load_state(hints.state())
    assert copy.rate("compare-to-none") == pytest.approx(hints.rate("compare-to-none"))


def test_evaluation_learns_only_from_what_the_gate_showed():
    from refine_lsp.acceptance.offline.cups import Decision
    from refine_lsp.acceptance.offline.evaluate import online_scores

    prior = _prior({"a": 1.0, "b": 0.0, "flag": 0.0}, 0.0)
    row = {"a": -4.0}  # far below both thresholds: never shown
    decisions = [Decision("u", float(t), True, row, row, {}) for t in range(30)]
    server_like = online_scores(prior, decisions, keep=0.9, learn_all=False)
    assert not any(t.shown for t in server_like)
    assert len({t.stage2 for t in server_like}) == 1  # nothing learned from hidden ones
    replay_all = online_scores(prior, decisions, keep=0.9, learn_all=True)
    assert replay_all[-1].stage2 > replay_all[0].stage2 + 1.0  # all accepted: it learns


def test_keep_calibration_starts_at_the_setting_and_follows_the_users_evidence():
    from refine_lsp.acceptance.calibration import MAX_SHIFT, KeepCalibration

    cal = KeepCalibration(0.9)
    assert cal.estimate() == pytest.approx(0.9) and cal.aim() == pytest.approx(0.9)

    def rounds(n):  # four accepted shown, one hidden that would likely have been accepted
        for _ in range(n):
            for _ in range(4):
                cal.shown_accepted()
            cal.hidden(0.8)

    rounds(5)
    early = cal.aim()  # a little evidence moves it a little: the hand-over is gradual
    rounds(195)
    assert 0.9 < early < cal.aim() <= 0.9 + MAX_SHIFT
    assert cal.estimate() == pytest.approx(4 / 4.8, abs=0.01)
    over = KeepCalibration(0.9)
    for _ in range(200):  # every accepted one shown, nothing likely hidden: hide more
        over.shown_accepted()
        over.hidden(0.01)
    assert over.aim() < 0.9
    copy = KeepCalibration(0.9)
    copy.load_state(over.state())
    assert copy.aim() == over.aim()
    copy.load_state({"shown": "x"})  # ignored
    assert copy.aim() == over.aim()


def test_gate_lowers_its_thresholds_for_a_user_it_keeps_short():
    rng = random.Random(2)
    rows = [{"a": rng.gauss(0, 1), "b": 0.0, "flag": 0.0} for _ in range(400)]
    prior = _prior({"a": 1.0, "b": 0.0, "flag": 0.0}, 0.0)
    prior.rejected_logits = [(r["a"] - 1.0, r["a"] - 1.0) for r in rows]
    fixed = AcceptanceGate(prior, 0.9, calibrate=False)
    gate = AcceptanceGate(prior, 0.9)
    assert (gate.threshold1, gate.threshold2) == (fixed.threshold1, fixed.threshold2)
    likely = {"a": -1.0, "b": 0.0, "flag": 0.0}  # hidden, yet the model gives it 27%
    for _ in range(100):
        if gate.stage1(likely).show:
            gate.stage2(likely)
    assert gate.aimed > 0.9
    assert gate.threshold1 + gate.threshold2 < fixed.threshold1 + fixed.threshold2
    again = AcceptanceGate(prior, 0.9)
    again.load_state(gate.state())  # the calibration persists with the gate's state
    assert again.aimed == gate.aimed
