/**
 * Read-modify-write of one server's StoredAuth under the store's lock, so concurrent writers (this
 * process or another mcpo sharing the tokens folder) never lose each other's fields.
 */
import type { StoredAuth } from './store/schema.js';
import { STORED_AUTH_VERSION } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';

/** Which server and client a store belongs to: the fields a fresh StoredAuth starts with. */
export interface StoreIdentity {
  serverUrl: string;
  clientIdentity: string;
}

export function emptyStoredAuth(identity: StoreIdentity): StoredAuth {
  return { version: STORED_AUTH_VERSION, serverUrl: identity.serverUrl, clientIdentity: identity.clientIdentity };
}

/** Loads, applies `change`, saves, all under the lock; returns what was saved. */
export function updateStored(store: TokenStore, identity: StoreIdentity, change: (current: StoredAuth) => StoredAuth): Promise<StoredAuth> {
  return store.withLock(async () => {
    const next = change((await store.load()) ?? emptyStoredAuth(identity));
    await store.save(next);
    return next;
  });
}
