"""litellm's responses as Completions, with usage and cost."""

from __future__ import annotations

from typing import Any

from .budget import Completion
from .errors import BadModelOutput
from .redact import redact
from .runtime import litellm


def price(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Worst-case cost of a call, 0 when litellm does not know the model's price."""
    try:
        p, c = litellm().cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
        return float(p) + float(c)
    except Exception:
        return 0.0


def _cost(response: Any, model: str) -> float:
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if isinstance(cost, (int, float)):
        return float(cost)
    try:
        return float(litellm().completion_cost(completion_response=response, model=model) or 0.0)
    except Exception:  # unknown price (local or self-hosted model)
        return 0.0


def _choice_logprobs(choice: Any) -> list[float] | None:
    lp = getattr(choice, "logprobs", None)
    if lp is None and isinstance(choice, dict):
        lp = choice.get("logprobs")
    if lp is None:
        return None
    if isinstance(lp, dict):
        content, token_lps = lp.get("content"), lp.get("token_logprobs")
    else:
        content, token_lps = getattr(lp, "content", None), getattr(lp, "token_logprobs", None)
    if content:
        out = [
            getattr(t, "logprob", None) if not isinstance(t, dict) else t.get("logprob")
            for t in content
        ]
    elif token_lps:
        out = list(token_lps)
    else:
        return None
    return [float(x) for x in out if isinstance(x, (int, float))] or None


def _choice_text(choice: Any) -> str:
    message = getattr(choice, "message", None)
    if message is not None:
        return getattr(message, "content", None) or ""
    text = getattr(choice, "text", None)
    if text is None and isinstance(choice, dict):
        text = choice.get("text")
    return text or ""


def to_completions(response: Any, model: str, seconds: float) -> list[Completion]:
    """litellm's response as Completions; usage and cost sit on the first choice."""
    choices = list(getattr(response, "choices", None) or [])
    if not choices:
        raise BadModelOutput(f"{model}: the response had no choices")
    usage = getattr(response, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    total_completion = int(getattr(usage, "completion_tokens", 0) or 0)
    cost = _cost(response, model)
    share, rest = divmod(total_completion, len(choices))
    out = []
    for i, choice in enumerate(choices):
        out.append(
            Completion(
                # A model can echo a key it saw: nothing it says is stored or logged with it.
                text=redact(_choice_text(choice)),
                model=model,
                prompt_tokens=prompt if i == 0 else 0,
                completion_tokens=share + (rest if i == 0 else 0),
                cost_usd=cost if i == 0 else 0.0,
                logprobs=_choice_logprobs(choice),
                finish_reason=getattr(choice, "finish_reason", None),
                seconds=seconds,
            )
        )
    return out
