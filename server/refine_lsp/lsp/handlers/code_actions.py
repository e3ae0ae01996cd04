"""textDocument/codeAction (cheap listing) and codeAction/resolve (the edit)."""

from __future__ import annotations

import logging

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from refine_lsp.actions import ActionContext

from ..convert import domain_span
from ..resolve import ActionRefused, ActionStale, runs_as_command, to_code_action, with_edit
from ..server import RefineServer

log = logging.getLogger(__name__)


async def code_action(ls: RefineServer, params: lsp.CodeActionParams):
    s = ls.session
    doc = s.documents.get(params.text_document.uri)
    if doc is None or not doc.parsed:
        return []
    invoked = params.context.trigger_kind != lsp.CodeActionTriggerKind.Automatic
    span = domain_span(doc, params.range)
    hidden: tuple[dict, ...] = ()
    sug, ledger = s.suggestions_loaded, s.hint_ledgers.get(doc.uri)
    if sug is not None and ledger is not None and ledger.hidden_at(span.start.line):
        # (reading why costs a look at the events store: only where something is hidden)
        hidden = tuple(sug.hidden_hints_at(ledger, span.start.line))
    ctx = ActionContext(
        doc.snapshot(),
        span,
        s.current_findings(doc.uri, doc.version),
        s.settings,
        invoked=invoked,
        hidden_hints=hidden,
    )
    offers = s.registry.offers(ctx, params.context.only)
    actions = [
        to_code_action(doc, o) for o in offers if s.client.disabled_actions or not o.disabled_reason
    ]
    if s.client.resolve_edit:
        return actions
    # A client without resolve gets the edits now: slower, but it still works. What cannot
    # be computed is left out silently here: the user did not pick it.
    out = []
    for a in actions:
        if a.disabled or runs_as_command(a):
            out.append(a)
            continue
        try:
            out.append(await with_edit(ls, a))
        except JsonRpcException:
            continue
    return out


async def code_action_resolve(ls: RefineServer, action: lsp.CodeAction):
    try:
        return await with_edit(ls, action)
    except ActionStale:
        ls.notify(f"'{action.title}' was listed for an older version of the file; ask again")
        raise
    except ActionRefused as exc:
        ls.notify(f"'{action.title}' refused: {exc}", lsp.MessageType.Info)
        raise
