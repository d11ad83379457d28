/** What goes wrong with the shared store (Redis): its failure reasons are OAuthFailureReason's `store_*`. */
import { McpoOAuthError } from '../../errors.js';

/** Seconds a caller is asked to wait when the shared store is down. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** `--store` names a Redis that does not answer when mcpo starts. */
export class StoreUnreachableError extends McpoOAuthError {
  constructor(store: string, cause?: unknown) {
    const why = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    super('store_unreachable', `Cannot reach the shared store ${store}${why}. Check the address and that Redis runs (--store / MCPO_STORE)`, { details: { store }, cause });
  }
}

/**
 * The shared store stopped answering while mcpo runs: what needed it (a refresh, a login, a status) waits for it,
 * 503 with Retry-After; tokens already held keep working.
 */
export class StoreUnavailableError extends McpoOAuthError {
  constructor(store: string, what: string, cause?: unknown) {
    const why = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    super('store_unavailable', `The shared store ${store} is unavailable: could not ${what}${why}`, {
      code: 'SERVER_UNAVAILABLE',
      details: { store },
      headers: { 'Retry-After': String(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS) },
      cause,
    });
  }
}

/**
 * A holder of a shared-store lock outlived its lease (it paused longer than the lease, or the store restarted):
 * another replica may hold the lock now, so this one's write is refused rather than allowed to overwrite theirs.
 */
export class StoreLockLostError extends McpoOAuthError {
  constructor(key: string) {
    super('store_lock_lost', `The lock on ${key} expired before the write; nothing was written (another mcpo may have refreshed meanwhile)`, {
      code: 'SERVER_UNAVAILABLE',
      details: { key },
      headers: { 'Retry-After': '1' },
    });
  }
}
