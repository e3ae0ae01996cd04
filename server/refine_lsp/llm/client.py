"""complete() and acomplete(): one model call through litellm, with retries, a timeout,
a budget and usage accounting.

The API key is read from the environment variable the settings name, at call time, and
handed to litellm only; it is registered with the redactor so no message built here can
carry it.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from .budget import Budget, Completion, estimate_tokens
from .errors import (
    ModelCancelled,
    ModelError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from .redact import redact, register_secret
from .response import price, to_completions
from .runtime import litellm, loaded

ROLES = ("solver", "reviewer", "refiner")
_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 20.0
# litellm enforces timeout_s on the HTTP request; this backstop, for providers that ignore it,
# is generous because litellm's first call also loads its provider modules (seconds).
_GRACE_S = 5.0


def _backstop(timeout_s: float) -> float:
    return 2 * timeout_s + _GRACE_S


def model_for(role: str, config: Any) -> str:
    """The litellm model name for a role; reviewer and refiner fall back to the solver."""
    if role not in ROLES:
        raise ValueError(f"unknown model role {role!r}, expected one of {ROLES}")
    name = getattr(config, role, None) or getattr(config, "solver", None)
    if not name:
        raise ModelUnavailable("no model configured: set refineLsp.model.solver")
    return name


def _api_key(config: Any) -> str | None:
    env = getattr(config, "api_key_env", None)
    if not env:
        return None
    key = os.environ.get(env)
    if not key:
        raise ModelUnavailable(f"environment variable {env} (refineLsp.model.apiKeyEnv) is not set")
    register_secret(key)
    return key


def call_kwargs(
    model: str, config: Any, max_tokens: int, temperature: float, n: int, stop: Any, logprobs: bool
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "timeout": float(config.timeout_s),
        # Retries are ours (below), so the OpenAI SDK's and litellm's are turned off.
        "max_retries": 0,
        "num_retries": 0,
    }
    if n != 1:
        kwargs["n"] = n
    if stop:
        kwargs["stop"] = stop
    if logprobs:
        kwargs["logprobs"] = True
    if config.api_base:
        kwargs["api_base"] = config.api_base
    key = _api_key(config)
    if key is not None:
        kwargs["api_key"] = key
    elif config.api_base and model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
        # A local OpenAI-compatible server (vLLM, llama.cpp, LM Studio) needs no key, but the
        # OpenAI SDK refuses to send a request without one.
        kwargs["api_key"] = "no-key-configured"
    return kwargs


def _status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _is_timeout(exc: BaseException) -> bool:
    lm = litellm()
    return isinstance(exc, (lm.Timeout, TimeoutError, asyncio.TimeoutError))


def _inner_model_error(exc: BaseException | None) -> ModelError | None:
    """A ModelError raised inside a custom provider (the local model process), which
    litellm re-raises wrapped in an APIConnectionError."""
    for _ in range(4):
        if exc is None or isinstance(exc, ModelError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _retryable(exc: BaseException) -> bool:
    inner = _inner_model_error(exc)
    if inner is not None:
        # A hung model process was restarted: try again. A dead one is not retried here (a
        # SIGILL would only repeat); the next call starts a new process.
        return isinstance(inner, ModelTimeout)
    lm = litellm()
    if _is_timeout(exc) or isinstance(exc, lm.APIConnectionError):
        return True
    return _status(exc) in _RETRY_STATUS


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    try:
        value = headers.get("retry-after") if headers is not None else None
        return min(float(value), _MAX_BACKOFF_S) if value else None
    except (TypeError, ValueError):
        return None


def _backoff(attempt: int, base_s: float, exc: BaseException) -> float:
    hinted = _retry_after(exc)
    if hinted is not None:
        return hinted
    # Exponential with jitter, so parallel candidates do not retry in lockstep.
    return min(_MAX_BACKOFF_S, base_s * (2**attempt)) * random.uniform(0.8, 1.2)


def _to_model_error(exc: BaseException, model: str, attempts: int) -> ModelError:
    inner = _inner_model_error(exc)
    if inner is not None:
        return inner
    lm = litellm()
    status = _status(exc)
    what = f"{model}: {redact(exc)}"
    if _is_timeout(exc):
        return ModelTimeout(f"{model}: timed out after {attempts} attempt(s)", status_code=status)
    if status == 429:
        return ModelRateLimited(
            f"rate limited after {attempts} attempt(s): {what}", status_code=429
        )
    unavailable = (lm.AuthenticationError, lm.NotFoundError, lm.PermissionDeniedError)
    if isinstance(exc, unavailable) or status in (401, 403, 404):
        return ModelUnavailable(what, status_code=status)
    # litellm reports a refused connection as a 500 "Connection error."
    if "Connection error" in str(exc) or (isinstance(exc, lm.APIConnectionError) and not status):
        return ModelUnavailable(f"cannot reach the model: {what}")
    if "LLM Provider NOT provided" in str(exc):
        return ModelUnavailable(f"unknown model name (use litellm's provider/model form): {what}")
    return ModelError(what, status_code=status)


def _prompt_size(messages: list[dict]) -> int:
    return sum(estimate_tokens(str(m.get("content") or "")) + 4 for m in messages)


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages must be a non-empty list of {'role', 'content'} dicts")
    for m in messages:
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise ValueError(f"bad message {m!r}: expected {{'role': ..., 'content': ...}}")


class Call:
    """The parts of a call shared by the sync and async paths."""

    def __init__(
        self,
        prompt_tokens: int,
        role: str,
        config: Any,
        budget: Budget | None,
        max_tokens: int,
        n: int,
    ) -> None:
        self.model = model_for(role, config)
        self.config = config
        self.budget = budget
        self.n = n
        self.retries = max(0, int(getattr(config, "retries", 0)))
        self.max_tokens = max_tokens
        self.reserved = 0
        self.prompt_tokens = prompt_tokens

    def admit(self) -> None:
        if self.budget is not None:
            worst = price(self.model, self.prompt_tokens, self.max_tokens * self.n)
            self.max_tokens = self.budget.admit(
                self.prompt_tokens, self.max_tokens, self.n, worst_cost_usd=worst
            )
            self.reserved = self.prompt_tokens + self.max_tokens * self.n

    def settle(self, result: list[Completion] | None) -> None:
        if self.budget is not None:
            self.budget.settle(self.reserved, result)


def _sync_attempt(fn: Callable[[], Any], timeout_s: float, cancel: threading.Event | None):
    """Run one blocking litellm call on a worker thread so that a cancel, or a provider that
    ignores its timeout, does not hold the caller; an abandoned call ends on its own timeout."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="model-call", daemon=True).start()
    deadline = time.monotonic() + _backstop(timeout_s)
    while not done.wait(0.05):
        if cancel is not None and cancel.is_set():
            raise ModelCancelled("model call cancelled")
        if time.monotonic() > deadline:
            raise TimeoutError("model call did not return within its timeout")
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_sync(
    call: Call,
    invoke: Callable[[Any], Any],
    cancel_event: threading.Event | None,
    backoff_s: float,
) -> list[Completion]:
    """The retry loop around ``invoke(litellm_module)``; settles the budget either way."""
    result: list[Completion] | None = None
    try:
        lm = litellm()
        for attempt in range(call.retries + 1):
            if cancel_event is not None and cancel_event.is_set():
                raise ModelCancelled("model call cancelled")
            start = time.monotonic()
            try:
                response = _sync_attempt(
                    lambda: invoke(lm), float(call.config.timeout_s), cancel_event
                )
            except ModelError:
                raise
            except Exception as exc:
                if attempt >= call.retries or not _retryable(exc):
                    raise _to_model_error(exc, call.model, attempt + 1) from None
                wait = _backoff(attempt, backoff_s, exc)
                if cancel_event is None:
                    time.sleep(wait)
                elif cancel_event.wait(wait):
                    raise ModelCancelled("model call cancelled") from None
                continue
            result = to_completions(response, call.model, time.monotonic() - start)
            return result
        raise AssertionError("unreachable")  # the loop returns or raises
    finally:
        call.settle(result)


async def run_async(call: Call, invoke: Callable[[Any], Any], backoff_s: float) -> list[Completion]:
    """Async retry loop around ``await invoke(litellm_module)``."""
    result: list[Completion] | None = None
    try:
        lm = litellm() if loaded() else await asyncio.to_thread(litellm)  # first import: seconds
        for attempt in range(call.retries + 1):
            start = time.monotonic()
            try:
                response = await asyncio.wait_for(
                    invoke(lm), _backstop(float(call.config.timeout_s))
                )
            except Exception as exc:
                if attempt >= call.retries or not _retryable(exc):
                    raise _to_model_error(exc, call.model, attempt + 1) from None
                await asyncio.sleep(_backoff(attempt, backoff_s, exc))
                continue
            result = to_completions(response, call.model, time.monotonic() - start)
            return result
        raise AssertionError("unreachable")
    finally:
        call.settle(result)


def complete(
    messages: list[dict],
    *,
    role: str = "solver",
    config: Any,
    budget: Budget | None = None,
    max_tokens: int = 512,
    temperature: float = 0.0,
    n: int = 1,
    stop: str | list[str] | None = None,
    cancel_event: threading.Event | None = None,
    logprobs: bool = False,
    backoff_s: float = 0.5,
) -> list[Completion]:
    """Chat completion for ``role`` with retries on 429/5xx/timeouts; one Completion per choice.

    Raises ModelUnavailable, ModelTimeout, ModelRateLimited, BudgetExceeded, BadModelOutput,
    ModelCancelled (all ModelError) and ValueError for malformed messages."""
    _check_messages(messages)
    call = Call(_prompt_size(messages), role, config, budget, max_tokens, n)
    call.admit()
    try:
        kwargs = call_kwargs(call.model, config, call.max_tokens, temperature, n, stop, logprobs)
    except BaseException:
        call.settle(None)
        raise
    return run_sync(
        call, lambda lm: lm.completion(messages=messages, **kwargs), cancel_event, backoff_s
    )


async def acomplete(
    messages: list[dict],
    *,
    role: str = "solver",
    config: Any,
    budget: Budget | None = None,
    max_tokens: int = 512,
    temperature: float = 0.0,
    n: int = 1,
    stop: str | list[str] | None = None,
    logprobs: bool = False,
    backoff_s: float = 0.5,
) -> list[Completion]:
    """Async ``complete``; cancel the awaiting task to cancel the call (the HTTP request is
    closed, the budget reservation released)."""
    _check_messages(messages)
    call = Call(_prompt_size(messages), role, config, budget, max_tokens, n)
    call.admit()
    try:
        kwargs = call_kwargs(call.model, config, call.max_tokens, temperature, n, stop, logprobs)
    except BaseException:
        call.settle(None)
        raise
    return await run_async(call, lambda lm: lm.acompletion(messages=messages, **kwargs), backoff_s)
