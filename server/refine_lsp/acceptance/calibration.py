"""Per-user calibration of the kept share: keep what the user set in `acceptance.keepAccepted`.

The prior's thresholds keep the requested share of accepted suggestions on the training
users; a new user's scores sit elsewhere. Hidden suggestions have no outcome, so the share
this user actually keeps is estimated: accepted suggestions shown, against the expected
number of accepted among those hidden (the sum of their predicted probabilities). The
estimate starts at the target (pseudo-counts worth `PRIOR_WEIGHT` accepted suggestions),
so a new user gets the prior's thresholds and the hand-over to the user's own evidence is
gradual. The gate then aims at ``keep + margin + gain * (keep - estimate)``: a user kept
short gets thresholds that keep more, one kept over gets thresholds that hide more, within
``max_shift`` (`MAX_SHIFT` unless the prior says otherwise). ``margin`` is how much less
than asked the prior's thresholds keep on users they were not read off, measured on its
training users' inner folds at each of a few settings (`margin_at` interpolates between
them). The weight, the gain, the largest shift and the margins ship with the prior
(`gate.Rates`), chosen on its training users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Weight of the starting estimate, in accepted suggestions: the user's own evidence
# outweighs it after about this many accepted (a prior's own choice overrides it).
PRIOR_WEIGHT = 20.0
# How far the aim moves per point the estimate is off.
GAIN = 1.0
# Largest margin a prior may ask for.
MAX_MARGIN = 0.03
# Largest change of the aimed-at kept share, either way.
MAX_SHIFT = 0.08
# Aimed-at shares are rounded to this step, so thresholds are re-derived rarely.
STEP = 0.005


def margin_at(margins: Sequence[tuple[float, float]], keep: float, default: float) -> float:
    """The margin for ``keep``: linear between the (keep, margin) points measured, the
    nearest point's beyond them, ``default`` when none were measured."""
    points = sorted(margins)
    if not points:
        return default
    if keep <= points[0][0]:
        return points[0][1]
    for (k0, m0), (k1, m1) in zip(points, points[1:], strict=False):
        if keep <= k1:
            return m0 + (m1 - m0) * (keep - k0) / (k1 - k0) if k1 > k0 else m1
    return points[-1][1]


@dataclass
class KeepCalibration:
    keep: float
    accepted_shown: float = 0.0
    accepted_hidden: float = 0.0  # expected: sum of predicted probabilities of hidden ones
    prior_weight: float = PRIOR_WEIGHT
    gain: float = GAIN
    margin: float = 0.0
    max_shift: float = MAX_SHIFT

    def hidden(self, probability: float) -> None:
        self.accepted_hidden += min(max(probability, 0.0), 1.0)

    def shown_accepted(self) -> None:
        self.accepted_shown += 1.0

    def estimate(self) -> float:
        """This user's kept share of accepted suggestions, shrunk toward the target."""
        a = self.accepted_shown + self.keep * self.prior_weight
        return a / (self.accepted_shown + self.accepted_hidden + self.prior_weight)

    def aim(self) -> float:
        """The kept share the thresholds should be derived for."""
        margin = min(max(self.margin, 0.0), MAX_MARGIN)
        target = self.keep + margin + self.gain * (self.keep - self.estimate())
        shift = min(max(self.max_shift, 0.0), 0.5)
        target = min(self.keep + shift, max(self.keep - shift, target))
        return min(1.0, max(0.01, round(target / STEP) * STEP))

    def state(self) -> dict:
        return {"shown": self.accepted_shown, "hidden": self.accepted_hidden}

    def load_state(self, state: Mapping) -> None:
        try:
            shown, hidden = float(state.get("shown", 0.0)), float(state.get("hidden", 0.0))
        except (AttributeError, TypeError, ValueError):
            return
        if shown >= 0 and hidden >= 0:
            self.accepted_shown, self.accepted_hidden = shown, hidden
