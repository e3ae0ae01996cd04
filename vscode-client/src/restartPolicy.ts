// When the server process dies, restart it, but not forever: a server that crashes on start would
// otherwise loop. Pure: the clock is injected so the window can be tested.

export interface CrashDecision {
  restart: boolean;
  /** Crashes counted inside the window, this one included. */
  crashes: number;
  message: string;
}

export class RestartPolicy {
  private crashTimes: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and says whether to start the server again. */
  onCrash(): CrashDecision {
    const t = this.now();
    this.crashTimes = this.crashTimes.filter((c) => t - c < this.windowMs);
    this.crashTimes.push(t);
    const crashes = this.crashTimes.length;
    const minutes = Math.round(this.windowMs / 60_000);
    if (crashes <= this.maxRestarts) {
      return {
        restart: true,
        crashes,
        message: `The refine-lsp server stopped unexpectedly; restarting it (${crashes} of ${this.maxRestarts} restarts allowed in ${minutes} min).`,
      };
    }
    return {
      restart: false,
      crashes,
      message:
        `The refine-lsp server crashed ${crashes} times in ${minutes} min and will not be restarted. ` +
        'See "Refine: Open Server Log", then run "Refine: Restart Server".',
    };
  }

  /** A deliberate restart (command, settings change) starts with a clean slate. */
  reset(): void {
    this.crashTimes = [];
  }
}
