"""What a model call returned and what an action may still spend."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import BudgetExceeded

# Below this many tokens of room a completion is useless; refuse the call instead.
MIN_COMPLETION_TOKENS = 16


@dataclass
class Completion:
    """One choice of one call. Summing the usage fields over the list a call returned gives
    the call's usage (prompt tokens and cost sit on the first choice)."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    logprobs: list[float] | None = None
    finish_reason: str | None = None
    seconds: float = 0.0

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    def code(self, language: str = "python", *, entry_point: str | None = None) -> str | None:
        """The code in this answer, or None when there is none or the model was cut off.
        An answer that ended on its own (finish_reason "stop": end of text or a stop
        sequence such as the closing fence) may leave its last fence unclosed."""
        if self.truncated:
            return None
        from .extract import extract_code

        ended = self.finish_reason == "stop"
        return extract_code(self.text, language, entry_point=entry_point, allow_unclosed=ended)


def estimate_tokens(text: str) -> int:
    # About four characters per token for code and English; only used to reserve budget
    # (a real tokenizer could mean a download, and this must stay offline).
    return len(text) // 4 + 1


class Budget:
    """Calls, tokens and cost one action may spend. Thread- and task-safe: concurrent calls
    reserve room before they start, so together they cannot overshoot the token limit."""

    def __init__(
        self,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        max_calls: int | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.max_calls = max_calls
        self.calls = 0
        self.failed_calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0
        self._reserved_tokens = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    @classmethod
    def for_action(cls, config: object, max_calls: int | None = None) -> Budget:
        """A budget from settings.Model's per-action limits (and e.g. Refine.max_model_calls)."""
        return cls(
            max_tokens=getattr(config, "max_tokens_per_action", None),
            max_cost_usd=getattr(config, "max_cost_per_action", None),
            max_calls=max_calls,
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def remaining_tokens(self) -> int | None:
        if self.max_tokens is None:
            return None
        with self._lock:
            return max(0, self.max_tokens - self.tokens - self._reserved_tokens)

    def admit(
        self, prompt_tokens: int, max_tokens: int, n: int = 1, worst_cost_usd: float = 0.0
    ) -> int:
        """Reserve room for one call; returns the max_tokens it may ask for (possibly fewer
        than requested). Raises BudgetExceeded, making no reservation, when there is no room."""
        n = max(1, n)
        with self._lock:
            if self.max_calls is not None and self.calls + self._in_flight >= self.max_calls:
                raise BudgetExceeded(f"model call budget spent ({self.max_calls} calls)")
            if self.max_cost_usd is not None:
                if self.cost_usd + worst_cost_usd > self.max_cost_usd:
                    raise BudgetExceeded(
                        f"cost budget: ${self.cost_usd:.4f} spent of ${self.max_cost_usd:.4f}"
                    )
            allowed = max_tokens
            if self.max_tokens is not None:
                room = self.max_tokens - self.tokens - self._reserved_tokens - prompt_tokens
                allowed = min(max_tokens, room // n)
                if allowed < min(MIN_COMPLETION_TOKENS, max_tokens):
                    raise BudgetExceeded(
                        f"token budget: {self.tokens} spent of {self.max_tokens}, "
                        f"call needs about {prompt_tokens} + completion"
                    )
            self._reserved_tokens += prompt_tokens + allowed * n
            self._in_flight += 1
            return allowed

    def settle(self, reserved: int, completions: Iterable[Completion] | None) -> None:
        """Release a reservation made by ``admit`` and charge what the call really used
        (``None``: the call failed)."""
        with self._lock:
            self._reserved_tokens = max(0, self._reserved_tokens - reserved)
            self._in_flight = max(0, self._in_flight - 1)
        if completions is None:
            with self._lock:
                self.failed_calls += 1
        else:
            self.charge(completions)

    def charge(self, completions: Completion | Iterable[Completion]) -> None:
        """Count one call and add its usage (one Completion, or all the choices of a call)."""
        items = [completions] if isinstance(completions, Completion) else list(completions)
        with self._lock:
            self.calls += 1
            for c in items:
                self.prompt_tokens += c.prompt_tokens
                self.completion_tokens += c.completion_tokens
                self.cost_usd += c.cost_usd

    def summary(self) -> dict:
        return {
            "calls": self.calls,
            "failed_calls": self.failed_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens": self.tokens,
            "cost_usd": round(self.cost_usd, 6),
        }
