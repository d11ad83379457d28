/**
 * Logging out of one server: revoke the saved tokens at the RFC 7009 endpoint when the server advertises one,
 * then delete them, whatever the revocation's outcome. `mcpo auth logout` and the connections page's
 * Disconnect both do it this way.
 *
 * The saved revocation endpoint would receive the tokens (and a client secret): it is used only when the
 * server's live metadata still names it (discoveryMismatch), as for a refresh.
 *
 * All of it holds the store's lock, as a refresh does (refresh.ts): a refresh in this process or another one
 * either saved its tokens before (they are the ones revoked and deleted) or starts after (and finds none). Never
 * one that saves after the delete, which would connect the server again without anyone asking.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { OAuthConfig } from '../config/types.js';
import { discover, discoveryMismatch } from './discovery.js';
import { revokeStoredTokens, type RevocationOutcome } from './revoke.js';
import type { TokenStore } from './store/tokenStore.js';

/** What happened at the server; the saved tokens are deleted in every case. */
export type LogoutOutcome =
  | { revocation: RevocationOutcome }
  /** Not sent: the saved authorization server is not the server's any more, or revocation failed. */
  | { revocation: 'not_revoked'; why: string };

export interface LogoutOptions {
  serverUrl: string;
  config: OAuthConfig;
  store: TokenStore;
  /** For authorization-server requests (with a time limit). */
  fetch: FetchLike;
  now: () => number;
}

export function logOut(options: LogoutOptions): Promise<LogoutOutcome> {
  return options.store.withLock(() => logOutLocked(options));
}

async function logOutLocked(options: LogoutOptions): Promise<LogoutOutcome> {
  const { store, config } = options;
  const stored = await store.load();
  let outcome: LogoutOutcome;
  try {
    const mismatch =
      stored?.tokens && stored.discovery
        ? discoveryMismatch(
            stored.discovery,
            await discover({ serverUrl: options.serverUrl, fetch: options.fetch, now: options.now, ...(config.serverUrl ? { fallbackServerUrl: config.serverUrl } : {}) }),
          )
        : undefined;
    outcome = mismatch
      ? { revocation: 'not_revoked', why: `the saved ${mismatch.field} (${mismatch.saved}) is not the server's (${mismatch.live})` }
      : { revocation: await revokeStoredTokens(stored, config, options.fetch) };
  } catch (error) {
    outcome = { revocation: 'not_revoked', why: `revocation failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  await store.clear();
  return outcome;
}

/** One line for people: what logging out did at the server. */
export function describeLogout(outcome: LogoutOutcome): string {
  if (outcome.revocation === 'not_revoked') return outcome.why.startsWith('revocation failed') ? outcome.why : `not revoked: ${outcome.why}`;
  return { revoked: 'tokens revoked at the server', not_advertised: 'the server advertises no revocation endpoint', nothing_to_revoke: 'no saved tokens' }[outcome.revocation];
}
