"""One user's feature state: the object the server and the offline replay both drive.

The server calls `record_change` on every didChange, `stage1_features` when it could ask a
model, `stage2_features` once the model answered, and `record_decision` when the user
accepts or rejects. The replay in `cups.py` makes exactly the same calls from telemetry.
"""

from __future__ import annotations

import math
import re
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
from refine_lsp.acceptance.state import DecisionHistory, TypingState, log_gap
from refine_lsp.text import Pos, offset_of

# Suggestions shown within this many seconds count as "recent" (suggestion churn).
CHURN_WINDOW_S = 30.0
# How much of the prefix a shown suggestion is remembered with (the server keeps the last
# 200 characters); the next request is related to it through that tail alone.
SHOWN_TAIL = 200
# Typing since the last shown suggestion is followed this far; past it the cursor is
# "elsewhere" (another line, another part of the document).
MAX_TYPED = 200
_WORD = re.compile(r"\w+")


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
        """A suggestion was displayed (after `stage2` said so); only the prefix's tail is kept."""
        self.last_shown = (at, prefix[-SHOWN_TAIL:], suggestion)
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
        out.update(self._since_last_shown(text[: offset_of(text, cursor)]))
        recent = sum(1 for t in self.shown_times if 0 <= now - t <= CHURN_WINDOW_S)
        since = None if self.last_shown is None else now - self.last_shown[0]
        out["r_shown_recent"] = math.log1p(recent)
        out["r_since_shown"] = log_gap(since)
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

    def typed_since_shown(self, prefix: str) -> str | None:
        """What the user typed at the cursor since the last suggestion was shown: the text
        after the last shown prefix's tail, found near the end of ``prefix``; None when the
        cursor is elsewhere (moved, deleted back past it) or nothing was shown yet."""
        if self.last_shown is None:
            return None
        tail = self.last_shown[1]
        if not tail:
            return prefix if len(prefix) <= MAX_TYPED else None
        window = prefix[-(len(tail) + MAX_TYPED) :]
        at = window.rfind(tail)
        return None if at < 0 else window[at + len(tail) :]

    def _since_last_shown(self, prefix: str) -> dict[str, float]:
        """Stage 1: how the cursor moved since the last shown suggestion (no suggestion yet).

        Re-asking at the very prefix a suggestion was just shown at, or typing on in another
        direction than it said, are known before any model call."""
        typed = self.typed_since_shown(prefix)
        along = bool(typed) and self.last_shown is not None and self.last_shown[2].startswith(typed)
        return {
            "r_same_prefix": 1.0 if typed == "" else 0.0,
            "r_typed_along": 1.0 if along else 0.0,
            "r_diverged": 1.0 if typed and not along else 0.0,
            "r_typed_since_shown": math.log1p(MAX_TYPED if typed is None else len(typed)),
        }

    def _relation_to_last_shown(self, prefix: str, suggestion: str) -> dict[str, float]:
        """Stage 2: how this suggestion relates to the previous one shown to the user."""
        if self.last_shown is None:
            return {"r_same_completion": 0.0, "s_overlap_last_shown": 0.0}
        last_suggestion = self.last_shown[2]
        typed = self.typed_since_shown(prefix)
        same_completion = typed is not None and (
            (typed + suggestion).rstrip() == last_suggestion.rstrip()
        )
        # Word overlap with the suggestion shown before: a model that keeps offering the
        # same idea the user did not take.
        a, b = set(_WORD.findall(last_suggestion)), set(_WORD.findall(suggestion))
        return {
            "r_same_completion": 1.0 if same_completion else 0.0,
            "s_overlap_last_shown": len(a & b) / len(a | b) if a | b else 0.0,
        }
