// Glue between VS Code's inline completions and the server: every item's accept command is
// routed through ACCEPT_COMMAND so we know it was accepted (then the server's own command runs),
// and every answer tells the tracker what is on screen so dismissals get reported.

import * as vscode from 'vscode';
// Not re-exported from the package root in vscode-languageclient 9.
import type { ProvideInlineCompletionItemsSignature } from 'vscode-languageclient/lib/common/inlineCompletion';
import { InlineSuggestionTracker, lspTriggerKind, suggestionId } from './inlineTracker';

export const ACCEPT_COMMAND = 'refineLsp.inlineSuggestionAccepted';
export const REJECTED_NOTIFICATION = 'refineLsp/suggestionRejected';

/** Rewrites the item's command to ACCEPT_COMMAND(id, serverCommand, serverArgs); returns the id. */
export function routeAccept(item: vscode.InlineCompletionItem): string | undefined {
  const cmd = item.command;
  if (!cmd) return undefined;
  if (cmd.command === ACCEPT_COMMAND) return cmd.arguments?.[0] as string | undefined;
  const id = suggestionId({ command: cmd.command, arguments: cmd.arguments });
  item.command = {
    title: cmd.title,
    command: ACCEPT_COMMAND,
    arguments: [id, cmd.command, cmd.arguments ?? []],
  };
  return id;
}

/**
 * vscode-languageclient 9 copies VS Code's trigger kind (Invoke = 0, Automatic = 1) into the
 * request unchanged, from the 3.17.5 proposal; LSP 3.18, which the server implements, has
 * Invoked = 1, Automatic = 2. Shifted here, before the library converts the context.
 */
export function lspInlineContext(context: vscode.InlineCompletionContext): vscode.InlineCompletionContext {
  return { ...context, triggerKind: lspTriggerKind(context.triggerKind) as vscode.InlineCompletionTriggerKind };
}

export async function provideInlineCompletionItems(
  tracker: InlineSuggestionTracker,
  document: vscode.TextDocument,
  position: vscode.Position,
  context: vscode.InlineCompletionContext,
  token: vscode.CancellationToken,
  next: ProvideInlineCompletionItemsSignature,
): Promise<vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined> {
  const result = await next(document, position, lspInlineContext(context), token);
  // A cancelled request was never shown.
  if (!result || token.isCancellationRequested) return result;
  const items = Array.isArray(result) ? result : result.items;
  tracker.shown(document.uri.toString(), items.map(routeAccept));
  return result;
}
