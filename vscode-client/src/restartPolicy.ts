// When the server process dies, restart it, but not forever: a server that crashes on start would
// otherwise loop. Each restart waits longer than the last (backoff), so a crash that is caused by
// something outside (a file being rewritten, a busy machine) has time to pass. Pure: the clock is
// injected so the window can be tested.

export interface CrashDecision {
  restart: boolean;
  /** Crashes counted inside the window, this one included. */
  crashes: number;
  /** How long to wait before starting it again (0 when not restarting). */
  delayMs: number;
  message: string;
}

export class RestartPolicy {
  private crashTimes: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
    readonly baseDelayMs = 250,
    readonly maxDelayMs = 8_000,
  ) {}

  /** Records a crash and says whether (and after how long) to start the server again. */
  onCrash(): CrashDecision {
    const t = this.now();
    this.crashTimes = this.crashTimes.filter((c) => t - c < this.windowMs);
    this.crashTimes.push(t);
    const crashes = this.crashTimes.length;
    const minutes = Math.round(this.windowMs / 60_000);
    if (crashes <= this.maxRestarts) {
      const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (crashes - 1));
      return {
        restart: true,
        crashes,
        delayMs,
        message:
          `The refine-lsp server stopped unexpectedly; restarting it in ${formatDelay(delayMs)} ` +
          `(${crashes} of ${this.maxRestarts} restarts allowed in ${minutes} min).`,
      };
    }
    return {
      restart: false,
      crashes,
      delayMs: 0,
      message:
        `The refine-lsp server crashed ${crashes} times in ${minutes} min and will not be restarted ` +
        'automatically. "Show Log" has its output; "Restart Server" tries again.',
    };
  }

  /** A deliberate restart (command, settings change) starts with a clean slate. */
  reset(): void {
    this.crashTimes = [];
  }
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
