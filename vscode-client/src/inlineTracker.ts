// Which inline suggestion is on screen, so that a suggestion shown but not accepted is reported
// to the server as rejected (refineLsp/suggestionRejected) exactly once. Pure.
//
// VS Code (stable API) has no "suggestion dismissed" event. What we can see: the items a
// provider call returned (VS Code shows the first one), the accept command running, the next
// provider call after the user typed on, Escape (our keybinding) and editor switches.

export interface LspCommandLike {
  command: string;
  arguments?: unknown[];
}

/** The suggestion id the server put in the item's command: a string or {id} first argument. */
export function suggestionId(command: LspCommandLike | undefined): string | undefined {
  const first = command?.arguments?.[0];
  if (typeof first === 'string' || typeof first === 'number') return String(first);
  if (first && typeof first === 'object' && 'id' in first) {
    const id = (first as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return undefined;
}

/** VS Code's InlineCompletionTriggerKind (Invoke 0, Automatic 1) as LSP 3.18's (1, 2). */
export function lspTriggerKind(vscodeKind: number): number {
  return vscodeKind === 0 ? 1 : vscodeKind === 1 ? 2 : vscodeKind;
}

/** Ids settled (accepted or rejected) are remembered so none is ever reported twice. */
const SETTLED_MEMORY = 1000;

export class InlineSuggestionTracker {
  /** The suggestion on screen, per document uri. */
  private readonly shownByDoc = new Map<string, string>();
  private readonly settled = new Set<string>();

  constructor(private readonly reportRejected: (id: string) => void) {}

  private settle(id: string): void {
    this.settled.add(id);
    if (this.settled.size > SETTLED_MEMORY) {
      const oldest = this.settled.values().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
  }

  private reject(id: string): void {
    if (this.settled.has(id)) return;
    this.settle(id);
    this.reportRejected(id);
  }

  /**
   * A provider call for `uri` returned items whose ids are `ids` (VS Code shows the first). A
   * different suggestion replacing the one on screen means the user typed on: rejected. An
   * empty answer changes nothing, because VS Code keeps showing a suggestion the user is typing
   * through; that one is settled later by accept, Escape, leaving, or the next suggestion.
   */
  shown(uri: string, ids: readonly (string | undefined)[]): void {
    const next = ids.find((id) => id !== undefined && !this.settled.has(id));
    if (next === undefined) return;
    const previous = this.shownByDoc.get(uri);
    if (previous !== undefined && previous !== next) this.reject(previous);
    this.shownByDoc.set(uri, next);
  }

  /** The accept command ran for `id`. */
  accepted(id: string): void {
    for (const [uri, shownId] of this.shownByDoc) {
      if (shownId === id) this.shownByDoc.delete(uri);
    }
    this.settle(id);
  }

  /** Escape in `uri` (or everywhere when undefined): whatever was shown is rejected. */
  dismiss(uri?: string): void {
    for (const [doc, id] of [...this.shownByDoc]) {
      if (uri !== undefined && doc !== uri) continue;
      this.shownByDoc.delete(doc);
      this.reject(id);
    }
  }

  /** The user left the editor of `uri` (switched editor, closed the document). */
  left(uri: string): void {
    this.dismiss(uri);
  }

  /** The server restarted: its ids mean nothing to the new process, so drop them unreported. */
  forgetAll(): void {
    this.shownByDoc.clear();
  }

  /** Ids currently on screen (for tests and the log). */
  pending(): string[] {
    return [...this.shownByDoc.values()];
  }
}
