/**
 * Exponential backoff with full jitter for reconnecting sessions: a crashing or absent server is
 * retried, never in a hot loop. The attempt count resets only after a connection stayed up a while,
 * so a server that dies right after every start keeps backing off.
 */
export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Upper bound of a delay. Default 60 s. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Random source in [0, 1), injectable for tests. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 60_000, factor: 2 } as const;

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.factor = options.factor ?? DEFAULT_BACKOFF.factor;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt: half fixed, half random, so many servers don't retry in lockstep. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt += 1;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** How many attempts have been scheduled since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
