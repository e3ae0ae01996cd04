"""The acceptance events: what happened to a suggestion the server could show."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KINDS = ("inline_completion", "refinement_hint", "code_action")
EVENTS = (
    "generated",
    "shown",
    "accepted",
    "partially_accepted",
    "rejected",
    "applied",
    "dismissed",
)
# Events that settle a shown suggestion, and whether each counts as an acceptance.
OUTCOMES = {
    "accepted": True,
    "partially_accepted": True,
    "applied": True,
    "rejected": False,
    "dismissed": False,  # "Hide hints like this": a rejection the user made explicit
}


@dataclass(frozen=True)
class AcceptanceEvent:
    """One event in a suggestion's life. ``features`` are numbers only; ``source`` (the
    suggestion text) is kept by the store only when the user opted in."""

    suggestion_id: str
    kind: str
    event: str
    timestamp: float
    features: dict[str, float] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.suggestion_id, str) or not self.suggestion_id:
            raise ValueError("acceptance event: suggestion_id must be a non-empty string")
        if self.kind not in KINDS:
            raise ValueError(f"acceptance event: kind {self.kind!r} is not one of {KINDS}")
        if self.event not in EVENTS:
            raise ValueError(f"acceptance event: event {self.event!r} is not one of {EVENTS}")
        if not isinstance(self.timestamp, (int, float)) or not math.isfinite(self.timestamp):
            raise ValueError("acceptance event: timestamp must be a finite number")

    @property
    def outcome(self) -> bool | None:
        """True/False for an accepting/rejecting event, None for generated/shown."""
        return OUTCOMES.get(self.event)
