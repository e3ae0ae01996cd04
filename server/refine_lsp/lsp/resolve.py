"""Offers to lsprotocol CodeActions, and the edit of one: shared by codeAction (for clients
without resolve support) and codeAction/resolve. Errors carry the reason; only the resolve
handler shows it to the user, so listing never pops up messages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcException

from refine_lsp.actions import Offer, Refused, kinds
from refine_lsp.text.document import Document
from refine_lsp.tools.ruff import RuffFailed, RuffUnavailable, encode_source

from .convert import lsp_diagnostic, lsp_workspace_edit

if TYPE_CHECKING:
    from .server import RefineServer


class RequestFailed(JsonRpcException):
    CODE = -32803  # LSP RequestFailed


class ActionRefused(RequestFailed):
    """The provider refused; str() is its reason."""


class ActionStale(JsonRpcContentModified):
    """The action was listed for another version of the document, or other content."""


def to_code_action(doc: Document, offer: Offer) -> lsp.CodeAction:
    # The revision ties the action to the text it was listed for: a client may reuse a
    # version number after closing and reopening the file.
    data = {
        "uri": doc.uri,
        "version": doc.version,
        "revision": doc.revision,
        "provider": offer.provider,
        "args": offer.args,
    }
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
            command=kinds.SUGGESTION_ACCEPTED,
            arguments=[offer.args["suggestion_id"], "applied"],
        )
    return action


def runs_as_command(action: lsp.CodeAction) -> bool:
    return action.command is not None and action.command.command in kinds.COMMAND_ACTIONS


async def with_edit(ls: RefineServer, action: lsp.CodeAction) -> lsp.CodeAction:
    """The action with its edit; raises RequestFailed, ActionRefused or ActionStale."""
    if runs_as_command(action):
        return action  # long work runs when the editor executes the command
    s = ls.session
    data = action.data if isinstance(action.data, dict) else {}
    uri, version = data.get("uri"), data.get("version")
    provider, args = data.get("provider"), data.get("args") or {}
    doc = s.documents.get(uri) if isinstance(uri, str) else None
    if doc is None or provider is None:
        raise RequestFailed("this code action no longer applies: its document is not open")
    if version != doc.version:
        raise ActionStale(
            f"document changed (action for version {version}, document at {doc.version})"
        )
    if data.get("revision") != doc.revision:
        raise ActionStale(
            "document changed (its text is not the one this action was listed for, "
            f"though the version is still {version})"
        )
    snapshot = doc.snapshot()
    if getattr(s.registry.providers.get(provider), "edits_workspace", False):
        from .workspace_edit import with_workspace_edit  # a move: several files, maybe a new one

        return await with_workspace_edit(ls, action, snapshot, provider, args)
    try:  # off the event loop: even the diff of a big file is not free
        changes = await asyncio.to_thread(
            s.registry.resolve_edits, provider, snapshot, s.settings, args
        )
    except Refused as exc:
        raise ActionRefused(str(exc)) from exc
    except (RuffFailed, RuffUnavailable) as exc:
        raise ActionRefused(str(exc)) from exc
    except UnicodeError as exc:  # a tool fed the text that no encoding can carry
        raise ActionRefused(_unencodable(snapshot.text, exc)) from exc
    if s.documents.get(doc.uri) is not doc or doc.revision != snapshot.revision:
        raise ActionStale("document changed while the edit was computed")
    action.edit = lsp_workspace_edit(doc, changes, s.client.versioned_edits)
    return action


def _unencodable(text: str, exc: UnicodeError) -> str:
    """The reason, in the ruff runner's words when it is a lone surrogate."""
    try:
        encode_source(text)
    except RuffFailed as reason:
        return str(reason)
    return f"the text cannot be encoded: {exc}"
