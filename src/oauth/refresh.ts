/**
 * Refreshing an access token (RFC 6749 §6) so that many requests, and several mcpo processes sharing the
 * tokens folder, never spend one rotating refresh token twice (OAuth 2.1 §4.3.1: the loser would be logged
 * out). The sequence is: SingleFlight (one refresh per server in this process) → store lock (one across
 * processes) → load the file again → still due? (another holder may have refreshed meanwhile) → refresh →
 * save the new tokens, rotated refresh token included, before anyone uses them.
 *
 * Before the first credential goes out in this process, the saved authorization server (token endpoint
 * included) is compared with the server's live metadata (`liveDiscovery`): a token file is data anyone who
 * could write it chose, and its token_endpoint would receive the refresh token and the configured client
 * secret. A mismatch drops the saved tokens and client (a new authorization follows, against the live server).
 *
 * A sign-out (Disconnect) aborts `signal`: the refresh then stops where it is and saves nothing, not even the
 * tokens the endpoint may already have sent, and its outcome is 'reauthorize'.
 *
 * Failures: invalid_grant (revoked or expired grant) and client errors mean a new authorization; a 5xx,
 * `temporarily_unavailable`, 429 or a network error is retried with exponential backoff, then reported as
 * RefreshUnavailableError, never turned into a browser prompt (the SDK's auth() would start a new
 * authorization on a ServerError).
 */
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  InvalidClientError,
  OAuthError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UnauthorizedClientError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { OAuthConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { discoveryMismatch, resourceParameter } from './discovery.js';
import { OAuthAnswerTooLargeError, RefreshUnavailableError } from './errors.js';
import { resolveClient } from './provider.js';
import { scrubbedError } from './secrets.js';
import type { StoredAuth, StoredDiscovery } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';
import { DEFAULT_REFRESH_MARGIN_MS, isExpired, tokensFromResponse } from './store/tokens.js';

/** Attempts and backoff of a refresh whose token endpoint fails temporarily (total wait 3.5 s by default). */
export const DEFAULT_REFRESH_RETRY = { attempts: 4, initialDelayMs: 500, maxDelayMs: 4_000 } as const;

export interface RefreshRetryOptions {
  /** Requests in all. Default 4. */
  attempts?: number;
  /** Pause after the first failure, doubled after each. Default 500 ms. */
  initialDelayMs?: number;
  /** Default 4 s. */
  maxDelayMs?: number;
}

export interface RefreshContext {
  store: TokenStore;
  config: OAuthConfig;
  /** For authorization-server requests: never carries the entry's configured headers. */
  fetch: FetchLike;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  serverName: string;
  /** Largest refresh margin (see refreshMarginFor). Default DEFAULT_REFRESH_MARGIN_MS. */
  marginMs?: number;
  retry?: RefreshRetryOptions;
  /**
   * The server's discovery as fetched live (discovery.ts), at most once per process (the caller memoizes).
   * Default: the saved discovery is trusted (for callers that just fetched it themselves).
   */
  liveDiscovery?: () => Promise<StoredDiscovery>;
  /** Aborted when the user signs out: the refresh stops and saves nothing. Default: never aborted. */
  signal?: AbortSignal;
  /**
   * Tokens an earlier refresh got but could not save, and the refresh token it spent: while the store still holds
   * that spent token they are saved first (and used), so it is never presented again.
   */
  unsaved?: { auth: StoredAuth; spent: string } | undefined;
}

/**
 * Fresh tokens, or 'reauthorize' when only a new authorization can help. `unsaved`: set when they could not be saved
 * (the refresh token they replace is spent): the caller keeps them and passes them back (RefreshContext.unsaved).
 */
export type RefreshOutcome = { kind: 'tokens'; auth: StoredAuth; unsaved?: { spent: string } } | { kind: 'reauthorize' };

/**
 * Refreshes unless the stored tokens are already usable. `rejectedAccessToken`: the token the server just
 * refused with 401; a stored token equal to it is refreshed even when not yet due.
 */
export function refreshStoredTokens(ctx: RefreshContext, rejectedAccessToken?: string): Promise<RefreshOutcome> {
  return ctx.store.withLock(async () => {
    if (ctx.signal?.aborted) return { kind: 'reauthorize' };
    let current = await ctx.store.load();
    const { unsaved } = ctx;
    if (unsaved && current?.tokens?.refresh_token === unsaved.spent) {
      await ctx.store.save(unsaved.auth);
      current = unsaved.auth;
    }
    const tokens = current?.tokens;
    if (!current || !tokens) return { kind: 'reauthorize' };
    const stillGood = tokens.access_token !== rejectedAccessToken && !isExpired(tokens, ctx.now(), ctx.marginMs ?? DEFAULT_REFRESH_MARGIN_MS);
    if (stillGood) return { kind: 'tokens', auth: current };
    if (!tokens.refresh_token || !current.discovery) return dropTokens(ctx, current);
    if (ctx.liveDiscovery) {
      const live = await ctx.liveDiscovery();
      const mismatch = discoveryMismatch(current.discovery, live);
      if (mismatch) {
        ctx.logger.warn('the saved authorization server is not the one the server names now; its tokens are not used', { server: ctx.serverName, ...mismatch });
        return dropTokens(ctx, { ...current, discovery: live }, true);
      }
    }
    return refreshWithRetry(ctx, current, tokens.refresh_token);
  });
}

async function refreshWithRetry(ctx: RefreshContext, current: StoredAuth, refreshToken: string): Promise<RefreshOutcome> {
  const discovery = current.discovery!;
  const clientInformation = resolveClient(ctx.config, current);
  if (!clientInformation) return dropTokens(ctx, current);
  const resource = resourceParameter(discovery);
  const attempts = ctx.retry?.attempts ?? DEFAULT_REFRESH_RETRY.attempts;
  let delay = ctx.retry?.initialDelayMs ?? DEFAULT_REFRESH_RETRY.initialDelayMs;
  const maxDelay = ctx.retry?.maxDelayMs ?? DEFAULT_REFRESH_RETRY.maxDelayMs;
  // What the token endpoint says back may echo the request: never show these in a log line or an error.
  const shown = (error: unknown) => scrubbedError(error, [refreshToken, current.tokens?.access_token, 'client_secret' in clientInformation ? clientInformation.client_secret : undefined]);
  const { signal } = ctx;
  const fetchFn: FetchLike = signal ? (url, init) => ctx.fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }) : ctx.fetch;
  for (let attempt = 1; ; attempt++) {
    // A lock that lapsed (a paused process, a partition) may be another replica's now: it may be refreshing with this
    // very token. Checked (and the lease renewed) right before the token goes out; a lost lock is a 503, never a replay.
    await ctx.store.confirmLock?.();
    let fresh: Awaited<ReturnType<typeof refreshAuthorization>>;
    try {
      fresh = await refreshAuthorization(discovery.authorizationServerUrl, {
        ...(discovery.authorizationServerMetadata ? { metadata: discovery.authorizationServerMetadata } : {}),
        clientInformation,
        refreshToken,
        ...(resource === undefined ? {} : { resource: new URL(resource) }),
        fetchFn,
      });
    } catch (error) {
      if (signal?.aborted) return { kind: 'reauthorize' };
      // A token endpoint answering without end would answer so again: no retry, and the tokens stay for a later try.
      if (error instanceof OAuthAnswerTooLargeError) throw error;
      if (!isTemporary(error)) {
        ctx.logger.warn('refresh refused; a new authorization is needed', { server: ctx.serverName, error: shown(error).message });
        const dropClient = error instanceof InvalidClientError || error instanceof UnauthorizedClientError;
        return dropTokens(ctx, current, dropClient);
      }
      if (attempt >= attempts) throw new RefreshUnavailableError(attempt, shown(error));
      ctx.logger.warn('refresh failed; retrying', { server: ctx.serverName, attempt, inMs: delay, error: shown(error).message });
      await untilAborted(ctx.sleep(delay), signal);
      delay = Math.min(delay * 2, maxDelay);
      continue;
    }
    // The token endpoint answered: `refreshToken` is spent (rotation) and is never presented again, whatever the save does.
    if (signal?.aborted) return { kind: 'reauthorize' };
    const issuer = current.tokens?.issuer ?? discovery.authorizationServerUrl;
    const next: StoredAuth = { ...current, tokens: tokensFromResponse({ ...fresh, issuer }, ctx.now()) };
    const saved = await saveRefreshed(ctx, next);
    ctx.logger.info('access token refreshed', { server: ctx.serverName });
    return saved ? { kind: 'tokens', auth: next } : { kind: 'tokens', auth: next, unsaved: { spent: refreshToken } };
  }
}

/** Attempts at saving refreshed tokens before they are served from memory only. */
const SAVE_ATTEMPTS = 3;

/**
 * Saves refreshed tokens, trying again a few times (a store that stalls, a disk that is full). If it still fails the
 * tokens are served from memory (they are the only valid ones: the old refresh token is spent) and the failure is
 * logged: other processes sharing the store hold the spent refresh token until this one's next successful save.
 */
async function saveRefreshed(ctx: RefreshContext, next: StoredAuth): Promise<boolean> {
  let delay = ctx.retry?.initialDelayMs ?? DEFAULT_REFRESH_RETRY.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.store.save(next);
      return true;
    } catch (error) {
      if (attempt >= SAVE_ATTEMPTS) {
        ctx.logger.error('refreshed tokens could not be saved; serving them from memory until the next refresh saves them', {
          server: ctx.serverName,
          error: error instanceof Error ? error.message : String(error),
        });
        return false;
      }
      await ctx.sleep(delay);
      delay *= 2;
    }
  }
}

/** A 5xx, temporarily_unavailable, 429, or no HTTP answer at all (network). */
function isTemporary(error: unknown): boolean {
  if (error instanceof ServerError || error instanceof TemporarilyUnavailableError || error instanceof TooManyRequestsError) return true;
  return !(error instanceof OAuthError);
}

/** `pause`, cut short when `signal` aborts (the next step then sees the abort). */
function untilAborted(pause: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return pause;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void pause.then(done, done);
  });
}

async function dropTokens(ctx: RefreshContext, current: StoredAuth, dropClient = false): Promise<RefreshOutcome> {
  if (ctx.signal?.aborted) return { kind: 'reauthorize' };
  const { tokens: _tokens, client, ...rest } = current;
  await ctx.store.save({ ...rest, ...(dropClient || client === undefined ? {} : { client }) });
  return { kind: 'reauthorize' };
}
