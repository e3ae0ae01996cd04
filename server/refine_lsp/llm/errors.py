"""What can go wrong with a model call, as exceptions callers can tell apart.

Messages are redacted before they are built, so an exception may be logged as it is.
"""

from __future__ import annotations


class ModelError(Exception):
    """A model call failed; ``status_code`` is the provider's HTTP status when there was one."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ModelUnavailable(ModelError):
    """No model configured, key missing or refused, provider or local model not installed."""


class ModelTimeout(ModelError):
    """Every attempt ran past ``timeout_s``."""


class ModelRateLimited(ModelError):
    """The provider still answered 429 after every retry."""


class BudgetExceeded(ModelError):
    """The action's call, token or cost budget would be exceeded: no call was made."""


class BadModelOutput(ModelError):
    """The provider answered, but with nothing usable (empty, malformed)."""


class ModelCancelled(ModelError):
    """The caller's cancel event was set (sync API; the async API raises CancelledError)."""


class ModelProcessDied(ModelError):
    """The local model's process ended mid-call (a signal, an exit); the next call starts a
    new one. ``signal`` or ``exit_status`` says how it ended."""

    def __init__(
        self, message: str, *, signal: str | None = None, exit_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.signal = signal
        self.exit_status = exit_status


class ModelProcessHung(ModelTimeout):
    """The local model's process did not answer within the call's timeout and was killed;
    the next call starts a new one."""
