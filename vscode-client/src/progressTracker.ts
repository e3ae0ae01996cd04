// Counts work-done progress in flight (server-initiated and our own requests) so the status bar
// can spin while anything runs. Pure.

export type ProgressToken = string | number;

export class ProgressTracker {
  private readonly active = new Set<string>();

  constructor(private readonly onChange: (busy: boolean, count: number) => void = () => {}) {}

  private key(token: ProgressToken): string {
    return `${typeof token}:${token}`;
  }

  /** Feeds one $/progress value ({kind: 'begin' | 'report' | 'end'}). */
  handle(token: ProgressToken, value: { kind?: string } | undefined): void {
    if (value?.kind === 'begin') this.begin(token);
    else if (value?.kind === 'end') this.end(token);
  }

  begin(token: ProgressToken): void {
    const before = this.active.size;
    this.active.add(this.key(token));
    if (this.active.size !== before) this.onChange(true, this.active.size);
  }

  end(token: ProgressToken): void {
    if (this.active.delete(this.key(token))) this.onChange(this.active.size > 0, this.active.size);
  }

  /** The server went away: its progress will never end. */
  clear(): void {
    if (this.active.size === 0) return;
    this.active.clear();
    this.onChange(false, 0);
  }

  get count(): number {
    return this.active.size;
  }
}
