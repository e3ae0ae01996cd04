"""create_server: a Session and one table binding every LSP method and command to its handler."""

from __future__ import annotations

from lsprotocol import types as lsp

from refine_lsp.actions import kinds

from .commands import review_workspace, run_loop, suggestions
from .handlers import code_actions, diagnostics, files, inline, lifecycle, rename, stats, sync
from .server import RefineServer

METHODS = (
    (lsp.INITIALIZE, lifecycle.initialize, None),
    (lsp.INITIALIZED, lifecycle.initialized, None),
    (lsp.SHUTDOWN, lifecycle.shutdown, None),
    (lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, lifecycle.did_change_configuration, None),
    (lsp.TEXT_DOCUMENT_DID_OPEN, sync.did_open, None),
    (lsp.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, None),
    (lsp.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, None),
    (lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, files.did_change_watched_files, None),
    (
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        diagnostics.pull,
        lsp.DiagnosticOptions(
            identifier="refine-lsp", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    ),
    (
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        code_actions.code_action,
        lsp.CodeActionOptions(
            code_action_kinds=list(kinds.CODE_ACTION_KINDS), resolve_provider=True
        ),
    ),
    (lsp.CODE_ACTION_RESOLVE, code_actions.code_action_resolve, None),
    (lsp.TEXT_DOCUMENT_INLINE_COMPLETION, inline.inline_completion, lsp.InlineCompletionOptions()),
    (lsp.TEXT_DOCUMENT_PREPARE_RENAME, rename.prepare_rename, None),
    (lsp.TEXT_DOCUMENT_RENAME, rename.rename, lsp.RenameOptions(prepare_provider=True)),
    (kinds.SUGGESTION_REJECTED, inline.suggestion_rejected, None),
    (kinds.SERVER_STATS, stats.server_stats, None),
)

COMMANDS = {
    kinds.RUN_LOOP: run_loop.run_loop,
    kinds.RUN_TESTS: run_loop.run_tests,
    kinds.REVIEW_WORKSPACE: review_workspace.review_workspace,
    kinds.SUGGESTION_ACCEPTED: suggestions.suggestion_accepted,
    kinds.ACCEPTANCE_STATS: suggestions.acceptance_stats,
    kinds.ACCEPTANCE_RESET: suggestions.acceptance_reset,
    kinds.HIDE_HINTS: suggestions.hide_hints,
}


def create_server() -> RefineServer:
    server = RefineServer()
    for method, handler, options in METHODS:
        server.feature(method, options)(handler)
    for command, handler in COMMANDS.items():
        server.command(command)(handler)
    return server
