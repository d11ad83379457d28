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

/**
 * The backoff after a server's tool list was refused for its size or shape (toolListError.ts): 30-60 s, doubling
 * to 7.5-15 min, since each attempt costs mcpo reading (and, within the bounds, parsing) up to the bound.
 */
export const DEFAULT_REFUSED_LIST_BACKOFF = { initialMs: 60_000, maxMs: 15 * 60_000, factor: 2 } as const;

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

/**
 * A session's delays between connect attempts: the backoff, and after a refused tool list the longer of it and
 * the refused-list backoff, which grows only with refusals. Both start over together (a connection that stayed up).
 */
export class ReconnectBackoff {
  private readonly failures: Backoff;
  private readonly refusals: Backoff;

  constructor(options: { backoff?: BackoffOptions; refusedList?: BackoffOptions } = {}) {
    this.failures = new Backoff(options.backoff);
    this.refusals = new Backoff(options.refusedList ?? DEFAULT_REFUSED_LIST_BACKOFF);
  }

  /** The delay before the next attempt, after a failure, or after a `refused` tool list. */
  next(refused: boolean): number {
    const delay = this.failures.next();
    return refused ? Math.max(delay, this.refusals.next()) : delay;
  }

  /** Attempts scheduled since the last reset, refused ones included. */
  get attempts(): number {
    return this.failures.attempts;
  }

  reset(): void {
    this.failures.reset();
    this.refusals.reset();
  }
}
