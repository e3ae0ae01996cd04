"""One user's feature state: the object the server and the offline replay both drive.

The server calls `record_change` on every didChange, `stage1_features` when it could ask a
model, `stage2_features` once the model answered, and `record_decision` when the user
accepts or rejects. The replay in `cups.py` makes exactly the same calls from telemetry.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from refine_lsp.acceptance.features import (
    LogProbs,
    context_features,
    history_features,
    suggestion_features,
    timing_features,
)
from refine_lsp.acceptance.state import LONG_AGO_S, DecisionHistory, TypingState
from refine_lsp.text import Pos

# Suggestions shown within this many seconds count as "recent" (suggestion churn).
CHURN_WINDOW_S = 30.0


@dataclass
class UserSession:
    typing: TypingState = field(default_factory=TypingState)
    history: DecisionHistory = field(default_factory=DecisionHistory)
    # The last suggestion shown, as (time, prefix, suggestion): how the user's typing since
    # then relates to it is known before the next decision.
    last_shown: tuple[float, str, str] | None = None
    shown_times: deque = field(default_factory=lambda: deque(maxlen=64))

    def record_change(self, at: float, chars: int = 1) -> None:
        self.typing.record_change(at, chars)

    def record_shown(self, at: float, prefix: str, suggestion: str) -> None:
        """A suggestion was displayed (after `stage2` said so)."""
        self.last_shown = (at, prefix, suggestion)
        self.shown_times.append(at)

    def record_decision(self, at: float, accepted: bool, text: str | None = None) -> None:
        self.history.record(at, accepted, text)

    def stage1_features(
        self,
        text: str,
        cursor: Pos,
        now: float,
        tree: Any = None,
        document_shape: tuple[int, int] | None = None,
    ) -> dict[str, float]:
        """Context, timing and history features: everything known before a model call."""
        out = context_features(text, cursor, tree, document_shape=document_shape)
        out.update(timing_features(self.typing, now))
        out.update(history_features(self.history, now))
        recent = sum(1 for t in self.shown_times if 0 <= now - t <= CHURN_WINDOW_S)
        since = None if self.last_shown is None else now - self.last_shown[0]
        out["r_shown_recent"] = math.log1p(recent)
        out["r_since_shown"] = (
            math.log1p(min(max(since, 0.0), LONG_AGO_S))
            if since is not None
            else math.log1p(LONG_AGO_S)
        )
        return out

    def stage2_features(
        self,
        stage1: dict[str, float],
        prefix: str,
        suggestion: str,
        suffix: str = "",
        logprobs: LogProbs | None = None,
    ) -> dict[str, float]:
        """Stage-1 features plus those of the suggestion the model returned."""
        out = dict(stage1)
        out.update(suggestion_features(prefix, suggestion, suffix, logprobs, self.history))
        out.update(self._relation_to_last_shown(prefix, suggestion))
        return out

    def _relation_to_last_shown(self, prefix: str, suggestion: str) -> dict[str, float]:
        """How this suggestion relates to the previous one shown to the user."""
        if self.last_shown is None:
            return {"r_same_prefix": 0.0, "r_typed_along": 0.0, "r_same_completion": 0.0}
        _, last_prefix, last_suggestion = self.last_shown
        last_full = last_prefix + last_suggestion
        # The user typed on from the last prefix exactly as the last suggestion said.
        typed_along = (
            len(prefix) > len(last_prefix)
            and prefix.startswith(last_prefix)
            and last_full.startswith(prefix)
        )
        same_completion = (prefix + suggestion).rstrip() == last_full.rstrip()
        return {
            "r_same_prefix": 1.0 if prefix == last_prefix else 0.0,
            "r_typed_along": 1.0 if typed_along else 0.0,
            "r_same_completion": 1.0 if same_completion else 0.0,
        }
