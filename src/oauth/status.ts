/** What `mcpo auth status` shows about saved tokens: state, expiry and scope, never token values. */
import type { StoredAuth } from './store/schema.js';

export interface TokenDescription {
  state: 'authorized' | 'expired (will refresh)' | 'expired' | 'not authorized';
  /** ISO time the access token expires, when known. */
  expiresAt?: string;
  scope?: string;
  refreshable: boolean;
  /** ISO time the access token was issued (the login or the last refresh), when its lifetime is known. */
  obtainedAt?: string;
}

export function describeTokens(stored: StoredAuth | undefined, now: number): TokenDescription {
  const tokens = stored?.tokens;
  if (!tokens) return { state: 'not authorized', refreshable: false };
  const refreshable = tokens.refresh_token !== undefined;
  const expired = tokens.expires_at !== undefined && tokens.expires_at <= now;
  return {
    state: expired ? (refreshable ? 'expired (will refresh)' : 'expired') : 'authorized',
    ...(tokens.expires_at === undefined ? {} : { expiresAt: new Date(tokens.expires_at).toISOString() }),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
    refreshable,
    ...(tokens.expires_at !== undefined && tokens.lifetime_seconds !== undefined
      ? { obtainedAt: new Date(tokens.expires_at - tokens.lifetime_seconds * 1000).toISOString() }
      : {}),
  };
}
