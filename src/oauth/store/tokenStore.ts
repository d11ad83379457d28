/**
 * Where an OAuthClientProvider keeps what it learns about one MCP server: tokens, the registered client,
 * cached discovery. Implementations: FileTokenStore (owner-only files shared by mcpo processes) and
 * MemoryTokenStore (nothing on disk).
 */
import type { StoredAuth } from './schema.js';

export interface TokenStore {
  /** The saved state, or undefined when there is none (or the saved state was unusable: see the implementation). */
  load(): Promise<StoredAuth | undefined>;
  /** Replaces the saved state. Rejects (without saving) when `state` does not match StoredAuthSchema. */
  save(state: StoredAuth): Promise<void>;
  /** Forgets the saved state (logout). */
  clear(): Promise<void>;
  /**
   * Runs `fn` holding this store's lock, exclusive across callers in this process and, for stores shared
   * between processes, across processes. A refresh does load() → refresh if still needed → save() inside it:
   * re-reading is essential, another holder may have refreshed meanwhile. Not reentrant.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Inside withLock, just before a credential only one holder may present goes out (a rotating refresh token): throws
   * if the lock was lost meanwhile. Stores whose lock cannot be lost (a process's own, a file's while it lives) have none.
   */
  confirmLock?(): Promise<void>;
  /** Human-readable location of the saved state (a file path), for messages; undefined for memory. */
  readonly location?: string;
  /**
   * Stores shared between machines (Redis): calls `listener` when another mcpo changed the saved state, so what this
   * process holds is re-read rather than trusted. Stores without it are re-read on the next refresh only.
   */
  onExternalChange?(listener: () => void): () => void;
}
