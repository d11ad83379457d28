/** A TokenStore that keeps its state in memory only: nothing touches the disk, everything is gone at exit. */
import { Mutex } from './mutex.js';
import { StoredAuthSchema, type StoredAuth } from './schema.js';
import type { TokenStore } from './tokenStore.js';

export class MemoryTokenStore implements TokenStore {
  readonly location = undefined;
  private state: StoredAuth | undefined;
  private readonly mutex = new Mutex();

  constructor(initial?: StoredAuth) {
    this.state = initial === undefined ? undefined : StoredAuthSchema.parse(initial);
  }

  // Copies in and out, so callers mutating their objects cannot change what is stored.
  async load(): Promise<StoredAuth | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }

  async save(state: StoredAuth): Promise<void> {
    this.state = StoredAuthSchema.parse(structuredClone(state));
  }

  async clear(): Promise<void> {
    this.state = undefined;
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }
}
