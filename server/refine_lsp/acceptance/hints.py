"""Per-kind gating of refinement hints: kinds a user keeps ignoring fade away.

Each hint kind (e.g. a rule id) has a Beta posterior on its acceptance rate. A kind is
shown while its optimistic estimate (posterior mean plus `OPTIMISM` standard deviations)
is at least `floor`; a faded kind is still shown once every `explore_every` opportunities,
so a user whose habits change can bring it back. Old evidence decays (`forget`), so the
posterior follows the user's recent behaviour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

OPTIMISM = 1.0


@dataclass
class KindPosterior:
    accepted: float = 0.0
    rejected: float = 0.0
    skipped: int = 0  # opportunities not shown since the kind faded


@dataclass
class HintGate:
    prior_accepted: float = 1.0
    prior_rejected: float = 2.0
    floor: float = 0.1
    explore_every: int = 25
    forget: float = 0.98
    kinds: dict[str, KindPosterior] = field(default_factory=dict)

    def rate(self, kind: str) -> tuple[float, float]:
        """Posterior mean and standard deviation of the acceptance rate of ``kind``."""
        post = self.kinds.get(kind) or KindPosterior()
        a = self.prior_accepted + post.accepted
        b = self.prior_rejected + post.rejected
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        return mean, sd

    def should_show(self, kind: str) -> bool:
        """Decide for one opportunity to show a hint of ``kind`` (counts skips)."""
        mean, sd = self.rate(kind)
        if mean + OPTIMISM * sd >= self.floor:
            return True
        post = self.kinds.setdefault(kind, KindPosterior())
        post.skipped += 1
        if post.skipped >= self.explore_every:
            post.skipped = 0
            return True
        return False

    def record(self, kind: str, accepted: bool) -> None:
        """The user applied (``accepted``) or dismissed/ignored a shown hint of ``kind``."""
        post = self.kinds.setdefault(kind, KindPosterior())
        post.accepted *= self.forget
        post.rejected *= self.forget
        if accepted:
            post.accepted += 1.0
        else:
            post.rejected += 1.0

    def state(self) -> dict:
        return {k: [p.accepted, p.rejected] for k, p in self.kinds.items()}

    def load_state(self, state: Mapping) -> None:
        if not isinstance(state, Mapping):
            return
        for kind, value in state.items():
            try:
                a, r = (float(v) for v in value)
            except (TypeError, ValueError):
                continue
            if a >= 0 and r >= 0:
                self.kinds[str(kind)] = KindPosterior(a, r)
