"""textDocument/codeAction (cheap listing) and codeAction/resolve (the edit)."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcException

from refine_lsp.actions import ActionContext, ActionOffer, Refused
from refine_lsp.documents import Document
from refine_lsp.lsp_convert import domain_span, lsp_diagnostic, lsp_workspace_edit
from refine_lsp.server import RefineLanguageServer

log = logging.getLogger(__name__)


class RequestFailed(JsonRpcException):
    CODE = -32803  # LSP RequestFailed


def _to_code_action(ls: RefineLanguageServer, doc: Document, offer: ActionOffer) -> lsp.CodeAction:
    data = {"uri": doc.uri, "version": doc.version, "provider": offer.provider, "args": offer.args}
    action = lsp.CodeAction(
        title=offer.title,
        kind=offer.kind,
        diagnostics=[lsp_diagnostic(doc, f) for f in offer.findings] or None,
        is_preferred=offer.preferred or None,
        data=data,
    )
    if offer.disabled_reason:
        action.disabled = lsp.CodeActionDisabled(reason=offer.disabled_reason)
    if offer.command:
        action.command = lsp.Command(title=offer.title, command=offer.command, arguments=[data])
    elif offer.args.get("suggestion_id"):
        # Runs after the editor applies the edit: the hint was taken.
        action.command = lsp.Command(
            title="Record",
            command="refineLsp.suggestionAccepted",
            arguments=[offer.args["suggestion_id"], "applied"],
        )
    return action


async def resolve_action(ls: RefineLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    if action.command is not None and action.command.command == "refineLsp.runLoop":
        return action  # long work runs when the editor executes the command
    data = action.data if isinstance(action.data, dict) else {}
    uri, version = data.get("uri"), data.get("version")
    provider, args = data.get("provider"), data.get("args") or {}
    doc = ls.documents.get(uri) if isinstance(uri, str) else None
    if doc is None or provider is None:
        raise RequestFailed("this code action no longer applies: its document is not open")
    if version != doc.version:
        ls.notify(f"'{action.title}' was listed for an older version of the file; ask again")
        raise JsonRpcContentModified(
            f"document changed (action for version {version}, document at {doc.version})"
        )
    snapshot = doc.snapshot()

    try:  # off the event loop: even the diff of a big file is not free
        changes = await asyncio.to_thread(
            ls.registry.resolve_edits, provider, snapshot, ls.settings, args
        )
    except Refused as exc:
        ls.notify(f"'{action.title}' refused: {exc}", lsp.MessageType.Info)
        raise RequestFailed(str(exc)) from exc
    if doc.version != snapshot.version:
        raise JsonRpcContentModified("document changed while the edit was computed")
    action.edit = lsp_workspace_edit(doc, changes, ls.versioned_edits)
    return action


def register(server: RefineLanguageServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(
            code_action_kinds=[
                lsp.CodeActionKind.QuickFix,
                lsp.CodeActionKind.RefactorExtract,
                lsp.CodeActionKind.RefactorInline,
                lsp.CodeActionKind.RefactorRewrite,
                lsp.CodeActionKind.SourceOrganizeImports,
                "source.fixAll.refine",
                "refactor.rewrite.refine",
            ],
            resolve_provider=True,
        ),
    )
    async def code_action(ls: RefineLanguageServer, params: lsp.CodeActionParams):
        doc = ls.documents.get(params.text_document.uri)
        if doc is None or not doc.parsed:
            return []
        cached = ls.findings.get(doc.uri)
        findings = cached[1] if cached and cached[0] == doc.version else []
        ctx = ActionContext(doc.snapshot(), domain_span(doc, params.range), findings, ls.settings)
        offers = ls.registry.offers(ctx, params.context.only)
        disabled_ok = ls.supports("text_document.code_action.disabled_support")
        actions = [
            _to_code_action(ls, doc, o) for o in offers if disabled_ok or not o.disabled_reason
        ]
        if not ls.resolve_supports_edit():
            # A client without resolve gets the edits now: slower, but it still works.
            out = []
            for a in actions:
                if a.disabled or (a.command and a.command.command == "refineLsp.runLoop"):
                    out.append(a)
                    continue
                try:
                    out.append(await resolve_action(ls, a))
                except JsonRpcException:
                    continue
            return out
        return actions

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: RefineLanguageServer, action: lsp.CodeAction):
        return await resolve_action(ls, action)
