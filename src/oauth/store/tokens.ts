/**
 * Conversions between the SDK's OAuthTokens / OAuthDiscoveryState (relative `expires_in`) and what the
 * store keeps (absolute `expires_at`), and the expiry test used to refresh a little before the server would refuse.
 */
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { StoredDiscovery, StoredTokens } from './schema.js';

/** Refresh at most this long before `expires_at`, to absorb request latency (and clock skew for old files). */
export const DEFAULT_REFRESH_MARGIN_MS = 60_000;

/**
 * For tokens whose issued lifetime is known, the margin is at most this fraction of it: a token living
 * 60 s or less would otherwise be "due" from the start and refresh before every request. 10% keeps 90% of
 * any lifetime usable (a 30 s token refreshes after 27 s), while 3 s still covers a token request's
 * latency; `expires_at` is computed from the relative `expires_in` on our own clock, so skew with the
 * server's clock does not eat into it. A token refused early still gets its 401 → refresh.
 */
export const REFRESH_MARGIN_FRACTION = 0.1;

/** Stored form of a token response received at `now` (epoch ms): `expires_in` becomes `expires_at`. */
export function tokensFromResponse(tokens: OAuthTokens, now: number): StoredTokens {
  const stored: StoredTokens = { access_token: tokens.access_token, token_type: tokens.token_type };
  if (tokens.refresh_token !== undefined) stored.refresh_token = tokens.refresh_token;
  if (tokens.scope !== undefined) stored.scope = tokens.scope;
  if (tokens.id_token !== undefined) stored.id_token = tokens.id_token;
  if (tokens.issuer !== undefined) stored.issuer = tokens.issuer;
  if (typeof tokens.expires_in === 'number' && Number.isFinite(tokens.expires_in)) {
    stored.expires_at = now + Math.max(0, Math.floor(tokens.expires_in * 1000));
    stored.lifetime_seconds = Math.max(0, tokens.expires_in);
  }
  return stored;
}

/** How long before `expires_at` to refresh: min(`maxMarginMs`, REFRESH_MARGIN_FRACTION of the issued lifetime). */
export function refreshMarginFor(tokens: StoredTokens, maxMarginMs = DEFAULT_REFRESH_MARGIN_MS): number {
  if (tokens.lifetime_seconds === undefined) return maxMarginMs;
  return Math.min(maxMarginMs, tokens.lifetime_seconds * 1000 * REFRESH_MARGIN_FRACTION);
}

/**
 * True when the access token expires within its refresh margin of `now` (or already has); `maxMarginMs`
 * caps the margin (see refreshMarginFor). Tokens without `expires_at` never count as expired: the
 * server's 401 is the only signal then.
 */
export function isExpired(tokens: StoredTokens, now: number, maxMarginMs = DEFAULT_REFRESH_MARGIN_MS): boolean {
  return tokens.expires_at !== undefined && tokens.expires_at - refreshMarginFor(tokens, maxMarginMs) <= now;
}

/** OAuthTokens for the SDK, with `expires_in` recomputed from `expires_at` at `now` (never negative). */
export function toOAuthTokens(stored: StoredTokens, now: number): OAuthTokens {
  const { expires_at, lifetime_seconds: _lifetime, ...rest } = stored;
  const tokens: OAuthTokens = { ...rest };
  if (expires_at !== undefined) tokens.expires_in = Math.max(0, Math.floor((expires_at - now) / 1000));
  return tokens;
}

/** Stored form of the SDK's discovery state, stamped with the time it was fetched. */
export function discoveryFromState(state: OAuthDiscoveryState, now: number): StoredDiscovery {
  return { ...state, fetchedAt: now };
}

/** The SDK's discovery state from its stored form. */
export function toDiscoveryState(stored: StoredDiscovery): OAuthDiscoveryState {
  const { fetchedAt: _fetchedAt, ...state } = stored;
  return state;
}
