/**
 * In-process mutual exclusion: a FIFO mutex, and a family of them keyed by name (one per token file),
 * so two store instances for the same file in one process also exclude each other.
 */

/** A FIFO async mutex. Not reentrant: calling run() from inside run() on the same mutex deadlocks. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** Runs `fn` once every earlier caller has finished (whether it resolved or rejected). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.pending++;
    try {
      await previous;
      return await fn();
    } finally {
      this.pending--;
      release();
    }
  }

  /** True when nobody holds or waits for the mutex. */
  get idle(): boolean {
    return this.pending === 0;
  }
}

/** Mutexes by key, created on demand and dropped when idle. */
export class KeyedMutex {
  private readonly mutexes = new Map<string, Mutex>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let mutex = this.mutexes.get(key);
    if (!mutex) {
      mutex = new Mutex();
      this.mutexes.set(key, mutex);
    }
    try {
      return await mutex.run(fn);
    } finally {
      if (mutex.idle && this.mutexes.get(key) === mutex) this.mutexes.delete(key);
    }
  }

  /** Number of keys currently held or awaited (for tests and diagnostics). */
  get size(): number {
    return this.mutexes.size;
  }
}
