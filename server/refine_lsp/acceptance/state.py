"""Per-user state the timing and history features are computed from.

`TypingState` is fed from didChange timestamps; `DecisionHistory` from accept/reject
events. Both keep only a bounded window, so a long session costs constant memory.
Times are seconds (any monotonic or epoch clock, as long as one clock is used throughout).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

# Changes closer together than this belong to one typing burst.
BURST_GAP_S = 1.0
# Typing speed is measured over this window.
SPEED_WINDOW_S = 10.0
# A gap longer than this is treated as "long ago": the log features saturate here.
LONG_AGO_S = 600.0
# Prior for the running acceptance rate (Beta pseudo-counts): mean 0.3, weight 4 decisions,
# close to the rate seen in published Copilot studies, so early decisions do not swing it.
RATE_PRIOR_ACCEPTED = 1.2
RATE_PRIOR_REJECTED = 2.8
# An acceptance this recent means the user is in a run of taking suggestions.
JUST_NOW_S = 10.0
# Knots of the piecewise-linear basis of a gap (seconds): acceptance does not move with the
# time since the last keystroke in one direction (typing up to the request, a pause of a
# few seconds and a request minutes after the last change each mean something else; on
# CUPS 35%, 6-12% and 78% accepted), which a log gap's one weight cannot say.
GAP_KNOTS_S = (2.0, 20.0, 120.0)


def log_gap(seconds: float | None) -> float:
    """log1p of a gap in seconds, saturating at `LONG_AGO_S` (None: never)."""
    if seconds is None:
        return math.log1p(LONG_AGO_S)
    return math.log1p(min(max(seconds, 0.0), LONG_AGO_S))


def gap_features(name: str, seconds: float | None) -> dict[str, float]:
    """``name``: the log gap; ``name_<k>s``: how far it lies above each knot of
    `GAP_KNOTS_S` (hinges), so that a linear model can bend it."""
    value = log_gap(seconds)
    out = {name: value}
    for knot in GAP_KNOTS_S:
        out[f"{name}_{knot:g}s"] = max(value - math.log1p(knot), 0.0)
    return out


@dataclass
class TypingState:
    """Recent document changes of one user: (time, characters inserted or deleted)."""

    changes: deque = field(default_factory=lambda: deque(maxlen=256))

    def record_change(self, at: float, chars: int = 1) -> None:
        """Record a didChange at time ``at`` touching ``chars`` characters."""
        if self.changes and at < self.changes[-1][0]:
            at = self.changes[-1][0]  # clocks may jitter; keep the deque ordered
        self.changes.append((at, max(int(chars), 0)))

    def features(self, now: float) -> dict[str, float]:
        """Timing features at time ``now`` (the moment a request would be made)."""
        if not self.changes:
            return {
                **gap_features("t_since_key", None),
                "t_speed": 0.0,
                "t_burst_chars": 0.0,
                "t_pause_before_burst": log_gap(None),
            }
        last = self.changes[-1][0]
        recent = sum(c for t, c in self.changes if now - t <= SPEED_WINDOW_S)
        # Walk back through the current burst to find the pause that preceded it.
        burst_chars = 0
        pause = None
        prev_t = None
        for t, c in reversed(self.changes):
            if prev_t is not None and prev_t - t > BURST_GAP_S:
                pause = prev_t - t
                break
            burst_chars += c
            prev_t = t
        return {
            **gap_features("t_since_key", now - last),
            "t_speed": math.log1p(recent / SPEED_WINDOW_S),
            "t_burst_chars": math.log1p(burst_chars),
            "t_pause_before_burst": log_gap(pause),
        }


@dataclass
class DecisionHistory:
    """The user's recent accept/reject decisions, plus texts recently rejected."""

    outcomes: deque = field(default_factory=lambda: deque(maxlen=50))
    rejected_texts: deque = field(default_factory=lambda: deque(maxlen=50))
    accepted: int = 0
    rejected: int = 0
    last_at: float | None = None

    def record(self, at: float, accepted: bool, text: str | None = None) -> None:
        self.outcomes.append(1 if accepted else 0)
        if accepted:
            self.accepted += 1
        else:
            self.rejected += 1
            if text:
                self.rejected_texts.append(text.strip())
        self.last_at = at if self.last_at is None else max(self.last_at, at)

    def running_rate(self) -> float:
        total = self.accepted + self.rejected + RATE_PRIOR_ACCEPTED + RATE_PRIOR_REJECTED
        return (self.accepted + RATE_PRIOR_ACCEPTED) / total

    def features(self, now: float) -> dict[str, float]:
        recent = list(self.outcomes)[-10:]
        streak = 0
        for outcome in reversed(self.outcomes):
            if outcome:
                break
            streak += 1
        since = None if self.last_at is None else now - self.last_at
        return {
            "h_prev_accepted": float(recent[-1]) if recent else 0.0,
            "h_accepted_just_now": 1.0
            if recent and recent[-1] and since is not None and since < JUST_NOW_S
            else 0.0,
            "h_recent_rate": (sum(recent) + RATE_PRIOR_ACCEPTED)
            / (len(recent) + RATE_PRIOR_ACCEPTED + RATE_PRIOR_REJECTED),
            "h_running_rate": self.running_rate(),
            "h_reject_streak": math.log1p(streak),
            "h_since_decision": log_gap(since),
            "h_decisions": math.log1p(self.accepted + self.rejected),
        }

    def was_rejected(self, text: str) -> bool:
        stripped = text.strip()
        return bool(stripped) and stripped in self.rejected_texts
