/**
 * Idle-time liveness for a remote session: hosted servers drop sessions after minutes without traffic and
 * a server can vanish between calls, so a session idle for `intervalMs` is checked (MCP ping) before a
 * user's call has to find out. Started when a session becomes ready, stopped when it stops being so.
 */

/** Default idle time before a remote session is pinged: 60 s. */
export const DEFAULT_PING_INTERVAL_MS = 60_000;
/** A ping unanswered for this long (or the interval, if shorter) counts as failed. */
export const PING_TIMEOUT_MS = 10_000;

export interface LivenessOptions {
  intervalMs: number;
  /** Checks the session; settles when the check is over (its outcome is the caller's to act on). */
  probe: () => Promise<void>;
  /** True while calls are in flight: a busy session needs no check. */
  busy: () => boolean;
  now: () => number;
}

export class Liveness {
  private lastActivity: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LivenessOptions) {
    this.lastActivity = options.now();
    this.schedule(options.intervalMs);
  }

  /** Traffic on the session: the idle clock starts again. */
  touch(): void {
    this.lastActivity = this.options.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), Math.max(delayMs, 1));
    // Never what keeps the process alive.
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    const { intervalMs, now, busy, probe } = this.options;
    const idleFor = now() - this.lastActivity;
    if (busy() || idleFor < intervalMs) return this.schedule(busy() ? intervalMs : intervalMs - idleFor);
    await probe().catch(() => {});
    this.touch();
    this.schedule(intervalMs);
  }
}
