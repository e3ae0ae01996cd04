// The loop commands (Refine with checks, Fix failing tests, ...) ask the server for code actions
// of one kind at the cursor. Pure: builds the LSP params and picks from the answer, so the Node
// launch test sends the very same request.

import type {
  CodeAction,
  CodeActionParams,
  Command,
  Diagnostic,
  Range,
} from 'vscode-languageserver-protocol';

export const REFINE_KIND = 'refactor.rewrite.refine';

export interface RefineCommand {
  command: string;
  kind: string;
  title: string;
  /** Shown when the server offers nothing of this kind at the cursor. */
  hint: string;
}

export const REFINE_COMMANDS: readonly RefineCommand[] = [
  {
    command: 'refineLsp.refineWithChecks',
    kind: `${REFINE_KIND}.refine`,
    title: 'Refine with checks',
    hint: 'put the cursor inside a function that has tests',
  },
  {
    command: 'refineLsp.fixFailingTests',
    kind: `${REFINE_KIND}.fix`,
    title: 'Fix failing tests',
    hint: 'it is offered where a failing test reaches the function: run "Run tests for this function" first',
  },
  {
    command: 'refineLsp.runTestsForFunction',
    kind: `${REFINE_KIND}.tests`,
    title: 'Run tests for this function',
    hint: 'put the cursor inside a function',
  },
  {
    command: 'refineLsp.makeFaster',
    kind: `${REFINE_KIND}.faster`,
    title: 'Make faster',
    hint: 'put the cursor inside a function with passing tests',
  },
  {
    command: 'refineLsp.addPropertyTests',
    kind: `${REFINE_KIND}.properties`,
    title: 'Add property tests',
    hint: 'put the cursor inside a function',
  },
];

/** CodeActionTriggerKind.Invoked: the user asked explicitly. */
const INVOKED = 1;

export function codeActionParams(
  uri: string,
  range: Range,
  only: readonly string[] | undefined,
  diagnostics: Diagnostic[] = [],
): CodeActionParams {
  return {
    textDocument: { uri },
    range,
    context: {
      diagnostics,
      ...(only ? { only: [...only] } : {}),
      triggerKind: INVOKED,
    },
  };
}

/** Whether `kind` is `wanted` or a sub-kind of it (LSP kinds are dot-separated hierarchies). */
export function kindMatches(kind: string | undefined, wanted: string): boolean {
  return kind !== undefined && (kind === wanted || kind.startsWith(wanted + '.'));
}

function isCodeAction(item: Command | CodeAction): item is CodeAction {
  return typeof (item as Command).command !== 'string';
}

/** The code actions of `wanted` kind in a textDocument/codeAction answer, preferred first. */
export function pickActions(
  answer: readonly (Command | CodeAction)[] | null | undefined,
  wanted: string,
): CodeAction[] {
  const actions = (answer ?? []).filter(isCodeAction).filter((a) => kindMatches(a.kind, wanted));
  return actions
    .filter((a) => !a.disabled)
    .sort((a, b) => Number(b.isPreferred ?? false) - Number(a.isPreferred ?? false));
}

/** Markdown for the result of the server command refineLsp.acceptanceStats. */
export function formatAcceptanceStats(result: unknown): string {
  const lines = ['# Refine: acceptance statistics', ''];
  if (result === null || result === undefined) {
    lines.push('The server returned no statistics (is `refineLsp.acceptance.enabled` on?).');
  } else if (typeof result === 'object' && !Array.isArray(result)) {
    const entries = Object.entries(result as Record<string, unknown>);
    const scalar = entries.filter(([, v]) => v === null || typeof v !== 'object');
    const nested = entries.filter(([, v]) => v !== null && typeof v === 'object');
    if (scalar.length) {
      lines.push('| statistic | value |', '| --- | --- |');
      for (const [k, v] of scalar) lines.push(`| ${k} | ${formatValue(v)} |`);
      lines.push('');
    }
    for (const [k, v] of nested) {
      lines.push(`## ${k}`, '', '```json', JSON.stringify(v, null, 2), '```', '');
    }
  } else {
    lines.push('```json', JSON.stringify(result, null, 2), '```');
  }
  return lines.join('\n') + '\n';
}

function formatValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(3);
  return String(v);
}
