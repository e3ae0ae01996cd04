"""Adaptation rates and calibration shrinkage: shipped with the prior, chosen on its
training users only (nested inside leave-one-user-out)."""

from __future__ import annotations

import json
import random

import pytest
from refine_lsp.acceptance.calibration import KeepCalibration
from refine_lsp.acceptance.gate import AcceptanceGate, AcceptancePrior, OnlineLogistic, Rates
from refine_lsp.acceptance.logistic import LogisticModel, sigmoid
from refine_lsp.acceptance.offline import evaluate
from refine_lsp.acceptance.offline.cups import Decision


def _model() -> LogisticModel:
    return LogisticModel(["a", "b"], [0.0, 0.0], [1.0, 1.0], [1.0, 0.0], 0.0)


def _prior(rates: Rates | None = None) -> AcceptancePrior:
    model = _model()
    pairs = [(x / 10.0, x / 10.0) for x in range(-20, 20)]
    return AcceptancePrior(model, model, model, pairs, pairs, {}, pairs, pairs, rates or Rates())


def test_rates_ship_with_the_prior_and_old_priors_get_the_defaults():
    rates = Rates(0.3, 0.0, 1.0, 5.0, 2.0, 0.01)
    data = _prior(rates).to_json()
    assert AcceptancePrior.from_json(data).rates == rates
    del data["rates"]  # a prior written before rates shipped with it
    assert AcceptancePrior.from_json(data).rates == Rates()
    data["rates"] = {"bias": "fast", "weight": -1, "pull": 0.5, "calibration_gain": True}
    assert AcceptancePrior.from_json(data).rates == Rates(pull=0.5)


def test_the_gate_adapts_at_its_priors_rates():
    row, frozen = {"a": 0.5, "b": 1.0}, OnlineLogistic(_model(), Rates(bias=0.0, weight=0.0))
    moving = OnlineLogistic(_model(), Rates(bias=0.3, weight=0.05))
    for _ in range(20):
        frozen.learn(row, False)
        moving.learn(row, False)
    assert frozen.logit(row) == pytest.approx(0.5)
    assert moving.logit(row) < 0.0
    gate = AcceptanceGate(_prior(Rates(calibration_weight=5.0, calibration_gain=2.0)), 0.9)
    assert (gate.calibration.prior_weight, gate.calibration.gain) == (5.0, 2.0)
    assert gate.stage2_model.rates == gate.prior.rates


def test_calibration_weight_sets_the_hand_over_and_gain_the_correction():
    def aim(weight: float, gain: float) -> float:
        cal = KeepCalibration(0.9, prior_weight=weight, gain=gain)
        for _ in range(2):  # kept short: 8 accepted shown, 2 likely hidden, per round
            for _ in range(8):
                cal.shown_accepted()
            cal.hidden(0.9)
            cal.hidden(0.9)
        return cal.aim()

    assert 0.9 < aim(40.0, 1.0) < aim(5.0, 1.0) < aim(5.0, 2.0)
    fresh = KeepCalibration(0.9, margin=0.02)  # no evidence yet: the prior's margin alone
    assert fresh.aim() == pytest.approx(0.92)


def test_a_wider_shift_lets_a_user_kept_far_short_be_corrected_further():
    def aim(shift: float) -> float:
        cal = KeepCalibration(0.85, prior_weight=5.0, gain=2.0, max_shift=shift)
        for _ in range(10):  # 10 accepted shown, about 10 accepted hidden: kept near half
            cal.shown_accepted()
            cal.hidden(1.0)
        return cal.aim()

    assert aim(0.08) == pytest.approx(0.93)
    assert aim(0.15) == pytest.approx(1.0)


def test_margins_measured_at_each_setting_are_interpolated_between_them():
    rates = Rates(calibration_margin=0.01, calibration_margins=((0.85, 0.0), (0.95, 0.02)))
    assert rates.margin_for(0.90) == pytest.approx(0.01)
    assert rates.margin_for(0.80) == 0.0 and rates.margin_for(0.99) == 0.02
    assert Rates(calibration_margin=0.01).margin_for(0.9) == 0.01  # an older prior: one margin
    gate = AcceptanceGate(_prior(rates), 0.95)
    assert gate.calibration.margin == pytest.approx(0.02)
    gate.set_keep(0.85)
    assert gate.calibration.margin == 0.0
    # an invalid point list is dropped whole (the single margin then serves)
    bad = Rates.from_json({"calibration_margins": [[0.9, 0.5]], "calibration_margin": 0.01})
    assert bad.calibration_margins == () and bad.margin_for(0.9) == 0.01


def _decisions(users: int = 4, per_user: int = 80, seed: int = 1) -> list[Decision]:
    rng = random.Random(seed)
    out = []
    for u in range(users):
        shift = rng.gauss(0, 1)  # each user's own taste
        for i in range(per_user):
            row = {"a": rng.gauss(0, 1), "b": rng.gauss(0, 1)}
            accepted = rng.random() < sigmoid(1.5 * row["a"] - 0.7 + shift)
            base = {"b_rel_pos": row["a"] + rng.gauss(0, 2)}
            out.append(Decision(f"u{u}", float(i), accepted, row, dict(row), base))
    return out


def test_fit_prior_chooses_its_rates_on_the_grid_and_says_so():
    decisions = _decisions()
    prior = evaluate.fit_prior(decisions)
    grid = {Rates(b, w, p) for b, w, p in evaluate.RATE_GRID}
    chosen = prior.rates
    assert Rates(chosen.bias, chosen.weight, chosen.pull) in grid
    entry = (chosen.calibration_weight, chosen.calibration_gain, chosen.calibration_shift)
    assert entry in evaluate.CALIBRATION_GRID
    assert 0.0 <= chosen.calibration_margin <= 0.03
    # one margin per setting it was measured at, each within what a prior may ask
    assert [k for k, _ in chosen.calibration_margins] == [0.85, 0.90, 0.95]
    assert all(0.0 <= m <= 0.03 for _, m in chosen.calibration_margins)
    assert Rates.from_json(json.loads(json.dumps(chosen.to_json()))) == chosen
    # stage 1 adapts by rates of its own, chosen on the same grid by its own loss
    own = prior.stage1_rates
    assert own is not None and Rates(own.bias, own.weight, own.pull) in grid
    again = AcceptancePrior.from_json(json.loads(json.dumps(prior.to_json())))
    assert (again.rates, again.stage1_rates) == (prior.rates, prior.stage1_rates)
    gate = AcceptanceGate(again, 0.9)
    assert gate.stage1_model.rates == own and gate.stage2_model.rates == prior.rates
    assert prior.info["rates_chosen_on"] == "inner folds of the training users"
    defaults = evaluate.fit_prior(decisions, select=False)
    assert (defaults.rates, defaults.stage1_rates) == (Rates(), None)
    # a prior without stage-1 rates of its own (an older file): stage 1 adapts as stage 2
    older = defaults.to_json()
    assert "stage1_rates" not in older
    gate = AcceptanceGate(AcceptancePrior.from_json(older), 0.9)
    assert gate.stage1_model.rates == gate.stage2_model.rates == Rates()


def test_leave_one_user_out_never_shows_the_held_out_user_to_any_choice(monkeypatch):
    decisions = _decisions()
    seen: list[tuple[str, set[str]]] = []
    fit_prior, select = evaluate.fit_prior, evaluate.select_calibration

    def recording_fit(train, *args, **kwargs):
        seen.append(("fit", {d.user for d in train}))
        return fit_prior(train, *args, **kwargs)

    def recording_select(inner, *args, **kwargs):
        seen.append(("select", {d.user for held, _ in inner for d in held}))
        return select(inner, *args, **kwargs)

    monkeypatch.setattr(evaluate, "fit_prior", recording_fit)
    monkeypatch.setattr(evaluate, "select_calibration", recording_select)
    evaluate.cross_validate_users(decisions, 0.9)
    users = sorted({d.user for d in decisions})
    fits = [u for kind, u in seen if kind == "fit"]
    assert len(fits) == len(users)
    for held_out, trained in zip(users, fits, strict=True):
        assert held_out not in trained and len(trained) == len(users) - 1
    # each selection ran inside one fold, on that fold's training users only
    selections = [u for kind, u in seen if kind == "select"]
    assert len(selections) == len(users)
    for held_out, users_seen in zip(users, selections, strict=True):
        assert held_out not in users_seen
