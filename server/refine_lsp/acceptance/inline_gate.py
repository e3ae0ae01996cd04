"""The inline-completion cascade, with no LSP in it.

Stage 1 decides from the context alone whether a model call is worth making; stage 2 decides,
once the suggestion exists, whether to show it. What was shown waits in ``Suggestions`` for the
user's decision. The LSP handler only converts positions, debounces, caches and reports model
errors; the CLI and benchmarks can run the same cascade.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .suggestions import Pending, Suggestions


@dataclass(frozen=True)
class Outcome:
    """``shown`` (with its id and text), ``skipped`` by stage 1 (no model call), ``hidden`` by
    stage 2, ``empty`` (the model had nothing) or ``stale`` (the document moved on)."""

    status: str
    sid: str | None = None
    text: str = ""


async def suggest(
    sug: Suggestions,
    *,
    uri: str,
    text: str,
    offset: int,
    cursor,
    tree,
    complete: Callable[[str, str], Awaitable],
    gate_on: bool = True,
    current: Callable[[], bool] = lambda: True,
    kind: str = "inline_completion",
) -> Outcome:
    """Run the cascade at ``offset`` of ``text``. ``complete(prefix, suffix)`` calls the model
    and returns None or an answer with ``text`` and
    ``logprobs`` (its errors pass through to the caller); ``current()`` says whether the document is still
    the one the request was made on."""
    from .features import LogProbs

    sug.expire(uri)  # a new request settles the one shown before
    f1 = sug.session.stage1_features(text, cursor, time.time(), tree=tree)
    if gate_on and not sug.gate.stage1(f1).show:
        sug.stats["stage1_skipped"] += 1
        return Outcome("skipped")  # unlikely to be accepted here: no model call at all
    prefix, suffix = text[:offset], text[offset:]
    sug.stats["model_calls"] += 1
    completion = await complete(prefix, suffix)
    if completion is None:
        return Outcome("empty")
    if not current():
        return Outcome("stale")
    lp = LogProbs.from_tokens(completion.logprobs) if completion.logprobs else None
    f2 = sug.session.stage2_features(f1, prefix, completion.text, suffix, lp)
    sid = sug.new_id()
    sug.record(sid, kind, "generated", f2, completion.text)
    if gate_on and not sug.gate.stage2(f2).show:
        sug.stats["stage2_hidden"] += 1
        return Outcome("hidden", sid, completion.text)
    sug.shown(sid, Pending(kind, f2, time.time(), uri, prefix[-200:], completion.text))
    return Outcome("shown", sid, completion.text)
