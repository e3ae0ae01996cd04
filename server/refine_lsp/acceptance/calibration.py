"""Per-user calibration of the kept share: keep what the user set in `acceptance.keepAccepted`.

The prior's thresholds keep the requested share of accepted suggestions on the training
users; a new user's scores sit elsewhere. Hidden suggestions have no outcome, so the share
this user actually keeps is estimated: accepted suggestions shown, against the expected
number of accepted among those hidden (the sum of their predicted probabilities). The
estimate starts at the target (pseudo-counts worth `PRIOR_WEIGHT` accepted suggestions),
so a new user gets the prior's thresholds and the hand-over to the user's own evidence is
gradual. The gate then aims at ``keep + margin + gain * (keep - estimate)``: a user kept
short gets thresholds that keep more, one kept over gets thresholds that hide more, within
`MAX_SHIFT`. ``margin`` is how much less than asked the prior's thresholds keep on users
they were not read off (measured on its training users' inner folds). The weight, the gain
and the margin ship with the prior (`gate.Rates`), chosen on its training users.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass
class KeepCalibration:
    keep: float
    accepted_shown: float = 0.0
    accepted_hidden: float = 0.0  # expected: sum of predicted probabilities of hidden ones
    prior_weight: float = PRIOR_WEIGHT
    gain: float = GAIN
    margin: float = 0.0

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
        target = min(self.keep + MAX_SHIFT, max(self.keep - MAX_SHIFT, target))
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
