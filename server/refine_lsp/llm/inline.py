"""Inline completion: the code that goes at the cursor, from the text around it.

Fill-in-the-middle (litellm.text_completion with ``suffix``) for models whose litellm name
says they use a completions endpoint (``text-completion-openai/...``,
``text-completion-codestral/...``); chat with a cursor marker for every other model.
"""

from __future__ import annotations

import threading
from typing import Any

from .budget import Budget, Completion, estimate_tokens
from .client import Call, call_kwargs, model_for, run_async, run_sync

CURSOR = "<CURSOR>"
_FIM_PREFIXES = ("text-completion-openai/", "text-completion-codestral/")
_SYSTEM = (
    "You are a code completion engine. Reply with only the code to insert at "
    f"{CURSOR}: no explanation, no markdown fences, no repetition of the code around it."
)


def supports_fim(model: str) -> bool:
    return model.startswith(_FIM_PREFIXES)


def trim_context(
    prefix: str, suffix: str, max_prefix_chars: int = 6000, max_suffix_chars: int = 2000
) -> tuple[str, str]:
    """Keep the text nearest the cursor: the end of the prefix and the start of the suffix,
    cut at line boundaries where that loses less than a line."""
    if len(prefix) > max_prefix_chars:
        cut = prefix[len(prefix) - max_prefix_chars :]
        nl = cut.find("\n")
        prefix = cut[nl + 1 :] if 0 <= nl < len(cut) - 1 else cut
    if len(suffix) > max_suffix_chars:
        cut = suffix[:max_suffix_chars]
        nl = cut.rfind("\n")
        suffix = cut[: nl + 1] if nl > 0 else cut
    return prefix, suffix


def _strip_fences(text: str) -> str:
    lines = text.split("\n")
    if lines and lines[0].lstrip().startswith("```"):
        lines = lines[1:]
        if lines and lines[-1].strip().startswith("```"):
            lines = lines[:-1]
        elif len(lines) > 1 and lines[-2].strip().startswith("```") and not lines[-1].strip():
            lines = lines[:-2]
    return "\n".join(lines)


def clean_insertion(text: str, prefix: str, suffix: str) -> str:
    """What a chat model said, reduced to the insertion: no fences, no echo of the line
    before the cursor, no repetition of the text after it."""
    text = _strip_fences(text.replace(CURSOR, ""))
    current_line = prefix.rsplit("\n", 1)[-1]
    if current_line.strip() and text.startswith(current_line):
        text = text[len(current_line) :]
    # Whole trailing lines that repeat the code after the cursor (never part of a line:
    # "f()" before a suffix ")" is a legitimate answer).
    following = [ln.strip() for ln in suffix.split("\n") if ln.strip()][:3]
    lines = text.rstrip().split("\n")
    while len(lines) > 1 and following and lines[-1].strip() == following[0]:
        lines.pop()
    text = "\n".join(lines)
    return text.rstrip()


class _Inline:
    def __init__(self, prefix, suffix, config, budget, max_tokens, max_prefix, max_suffix, role):
        self.prefix, self.suffix = trim_context(prefix, suffix, max_prefix, max_suffix)
        self.model = model_for(role, config)
        self.fim = supports_fim(self.model)
        prompt = self.prefix + self.suffix
        self.call = Call(estimate_tokens(prompt) + 40, role, config, budget, max_tokens, 1)
        self.call.admit()
        try:
            self.kwargs = call_kwargs(self.model, config, self.call.max_tokens, 0.0, 1, None, True)
        except BaseException:
            self.call.settle(None)
            raise
        if self.fim:
            self.kwargs["logprobs"] = 1  # the completions API wants a count
            self.kwargs.update(prompt=self.prefix, suffix=self.suffix)
        else:
            user = f"{self.prefix}{CURSOR}{self.suffix}"
            self.kwargs["messages"] = [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": user},
            ]

    def invoke(self, lm: Any) -> Any:
        return lm.text_completion(**self.kwargs) if self.fim else lm.completion(**self.kwargs)

    def ainvoke(self, lm: Any) -> Any:
        return lm.atext_completion(**self.kwargs) if self.fim else lm.acompletion(**self.kwargs)

    def result(self, completions: list[Completion]) -> Completion | None:
        first = completions[0]
        if not self.fim:
            first.text = clean_insertion(first.text, self.prefix, self.suffix)
        return first if first.text.strip() else None


def complete_inline(
    prefix: str,
    suffix: str,
    *,
    config: Any,
    budget: Budget | None = None,
    max_tokens: int = 64,
    max_prefix_chars: int = 6000,
    max_suffix_chars: int = 2000,
    cancel_event: threading.Event | None = None,
    role: str = "solver",
) -> Completion | None:
    """The text to insert at the cursor (solver model), or None when the model offered
    nothing. ``logprobs`` is filled when the provider returns them. Raises ModelError."""
    job = _Inline(
        prefix, suffix, config, budget, max_tokens, max_prefix_chars, max_suffix_chars, role
    )
    # One attempt: a late inline completion is worse than none.
    job.call.retries = 0
    return job.result(run_sync(job.call, job.invoke, cancel_event, 0.0))


async def acomplete_inline(
    prefix: str,
    suffix: str,
    *,
    config: Any,
    budget: Budget | None = None,
    max_tokens: int = 64,
    max_prefix_chars: int = 6000,
    max_suffix_chars: int = 2000,
    role: str = "solver",
) -> Completion | None:
    """Async ``complete_inline``; cancel the task when the request goes stale."""
    job = _Inline(
        prefix, suffix, config, budget, max_tokens, max_prefix_chars, max_suffix_chars, role
    )
    job.call.retries = 0
    return job.result(await run_async(job.call, job.ainvoke, 0.0))
