/**
 * Collapses concurrent calls with the same key into one: while a call for `key` is in flight, later
 * callers get the same promise. Used so that many requests hitting an expired token in one process
 * trigger a single refresh request (which, with rotating refresh tokens, must happen only once).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** Runs `fn` unless a call for `key` is already running, in which case its result is shared. */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    const promise = (async () => {
      try {
        return await fn();
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, promise);
    return promise;
  }

  /** True while a call for `key` is running. */
  has(key: string): boolean {
    return this.inFlight.has(key);
  }
}
