"""textDocument/inlineCompletion (the cascade itself is acceptance/inline_gate.py), and the
notification that settles a suggestion as rejected (accepting is the item's command: lsp/commands/suggestions.py)."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as lsp

from refine_lsp.actions import kinds
from refine_lsp.text import offset_of

from ..server import RefineServer

log = logging.getLogger(__name__)

CACHE_SIZE = 64


async def inline_completion(ls: RefineServer, params: lsp.InlineCompletionParams):
    s = ls.session
    settings = s.settings
    if not settings.inline.enabled or not settings.model.solver:
        return None  # no model configured: nothing to suggest, nothing to call
    uri = params.text_document.uri
    doc = s.documents.get(uri)
    if doc is None:
        return None
    version = doc.version
    if params.context.trigger_kind == lsp.InlineCompletionTriggerKind.Automatic:
        await asyncio.sleep(settings.inline.debounce_ms / 1000)
        if doc.version != version:
            return None  # the user typed on; a newer request follows
    key = (uri, version, params.position.line, params.position.character)
    if key in s.inline_cache:
        cached = s.inline_cache[key]
        if not _settled(s, cached):
            return cached  # the same suggestion, still waiting for the user's decision
        del s.inline_cache[key]  # accepted or dismissed since: a new one gets a new id

    try:
        sug = s.suggestions()
    except Exception as exc:  # a broken prior or store: no suggestions rather than a crash
        log.exception("acceptance model unavailable")
        ls.notify(f"inline suggestions are off: the acceptance model could not load ({exc})")
        settings.inline.enabled = False
        return None
    snapshot = doc.snapshot()
    cursor = doc.from_client(params.position.line, params.position.character)
    from refine_lsp import llm
    from refine_lsp.acceptance.inline_gate import suggest

    def complete(prefix: str, suffix: str):
        return llm.acomplete_inline(
            prefix,
            suffix,
            config=settings.model,
            max_prefix_chars=settings.inline.max_prefix_chars,
            max_suffix_chars=settings.inline.max_suffix_chars,
        )

    try:
        outcome = await suggest(
            sug,
            uri=uri,
            text=snapshot.text,
            offset=offset_of(snapshot.text, cursor),
            cursor=cursor,
            tree=snapshot.tree,
            complete=complete,
            gate_on=settings.acceptance.enabled,
            current=lambda: doc.version == version,
        )
    except llm.ModelError as exc:
        cause = f"model:{type(exc).__name__}:{getattr(exc, 'status_code', None)}"
        ls.notify_once(cause, f"inline suggestions failed ({settings.model.solver}): {exc}")
        ls.status(modelError=str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
        return None
    if outcome.status == "skipped":
        return None  # stage 1: no model call was made, so the model's status is unchanged
    ls.status(modelError=None)
    if outcome.status in ("empty", "stale"):
        return None
    result = None
    if outcome.status == "shown":
        result = lsp.InlineCompletionList(
            items=[
                lsp.InlineCompletionItem(
                    insert_text=outcome.text,
                    range=lsp.Range(params.position, params.position),
                    command=lsp.Command(
                        title="Accept suggestion",
                        command=kinds.SUGGESTION_ACCEPTED,
                        arguments=[outcome.sid],
                    ),
                )
            ]
        )
    if len(s.inline_cache) >= CACHE_SIZE:
        s.inline_cache.pop(next(iter(s.inline_cache)))
    s.inline_cache[key] = result
    return result


def _settled(s, cached) -> bool:
    """Whether the suggestion a cached answer carries was accepted or dismissed since."""
    items = getattr(cached, "items", None) or []
    sids = [i.command.arguments[0] for i in items if i.command and i.command.arguments]
    loaded = s.suggestions_loaded
    return bool(sids) and (loaded is None or any(sid not in loaded.pending for sid in sids))


def suggestion_rejected(ls: RefineServer, params) -> None:
    sid = getattr(params, "id", None)
    if sid is None and isinstance(params, dict):
        sid = params.get("id")
    if not isinstance(sid, str):
        log.warning("%s without an id: %r", kinds.SUGGESTION_REJECTED, params)
        return
    ls.session.suggestions().settle(sid, "rejected")
