/**
 * Read-modify-write of one server's StoredAuth under the store's lock, so concurrent writers (this
 * process or another mcpo sharing the tokens folder) never lose each other's fields.
 */
import { OAuthCancelledError } from './errors.js';
import type { StoredAuth } from './store/schema.js';
import { STORED_AUTH_VERSION } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';

/** Which server and client a store belongs to: the fields a fresh StoredAuth starts with. */
export interface StoreIdentity {
  serverUrl: string;
  clientIdentity: string;
  /** The mcpo user of a per-user server's store (it names the file, it is not written into it); undefined: the operator. */
  user?: string | undefined;
}

export function emptyStoredAuth(identity: StoreIdentity): StoredAuth {
  return { version: STORED_AUTH_VERSION, serverUrl: identity.serverUrl, clientIdentity: identity.clientIdentity };
}

/**
 * Loads, applies `change`, saves, all under the lock; returns what was saved. An aborted `signal` (the
 * authorization was cancelled) rejects with OAuthCancelledError instead of writing.
 */
export function updateStored(
  store: TokenStore,
  identity: StoreIdentity,
  change: (current: StoredAuth) => StoredAuth,
  signal?: AbortSignal,
): Promise<StoredAuth> {
  if (signal?.aborted) return Promise.reject(new OAuthCancelledError(undefined, signal.reason));
  return store.withLock(async () => {
    const next = change((await store.load()) ?? emptyStoredAuth(identity));
    if (signal?.aborted) throw new OAuthCancelledError(undefined, signal.reason);
    await store.save(next);
    return next;
  });
}
