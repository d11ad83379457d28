/**
 * OAuth for one configured remote server: the SessionAuth the MCP session uses. It holds the server's
 * stored state (tokens, registration, discovery), hands the transport a fetch that attaches tokens
 * (authFetch.ts), refreshes (refresh.ts), and runs interactive authorizations (interactive.ts) through the
 * shared prompt queue, one at a time per server. At most MAX_AUTHORIZATIONS_IN_A_ROW authorizations happen
 * without a request going through in between, so a server that refuses every token cannot loop the user.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { OAuthConfig, RemoteEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { AuthPreparation, PendingAuthorization, SessionAuth } from '../mcp/types.js';
import { createAuthFetch, type TokenSource } from './authFetch.js';
import { discover } from './discovery.js';
import { TooManyAuthorizationsError } from './errors.js';
import { runInteractiveAuthorization } from './interactive.js';
import { probeServer } from './probe.js';
import { promptKey, type BrowserPolicy, type PromptIo, type PromptQueue } from './prompts.js';
import { DEFAULT_OAUTH_REQUEST_TIMEOUT_MS, withRequestTimeout } from './requestTimeout.js';
import { refreshStoredTokens, type RefreshOutcome, type RefreshRetryOptions } from './refresh.js';
import { unionScopes, type BearerChallenge } from './scopes.js';
import { SingleFlight } from './singleFlight.js';
import type { StoredAuth, StoredDiscovery } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';
import { DEFAULT_REFRESH_MARGIN_MS, isExpired } from './store/tokens.js';
import type { StoreIdentity } from './stored.js';

/** Authorizations allowed in a row for one server before giving up (issue #3: at most 3 per operation). */
export const MAX_AUTHORIZATIONS_IN_A_ROW = 3;

export interface ServerAuthOptions {
  entry: RemoteEntry & { oauth: OAuthConfig };
  store: TokenStore;
  identity: StoreIdentity;
  queue: PromptQueue;
  io: PromptIo;
  logger: Logger;
  /** Plain fetch for mcpo's own OAuth requests (given a time limit), and for the MCP transport unless `transportFetch`. */
  fetch: FetchLike;
  /** Plain fetch for the MCP transport's requests, wrapped with the token. Default `fetch`. */
  transportFetch?: FetchLike;
  /** Time limit of one OAuth request (metadata, registration, token, probe). Default 15 s. */
  requestTimeoutMs?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Largest refresh margin. Default DEFAULT_REFRESH_MARGIN_MS (60 s); less for short-lived tokens (refreshMarginFor). */
  refreshMarginMs?: number;
  refreshRetry?: RefreshRetryOptions;
  /** Default 5 minutes. */
  callbackTimeoutMs?: number;
  /** Whether loopback flows launch the browser. Default LAUNCH_BROWSER. */
  browser?: BrowserPolicy;
}

interface Flow {
  url: string | undefined;
  promise: Promise<void>;
  controller: AbortController;
  /** False while queued behind another server's prompt: nothing of this flow has run yet. */
  started: boolean;
  /** Set for a step-up (403 insufficient_scope): the scopes asked for. */
  stepUp?: { scope: string | undefined };
}

export class ServerAuth implements SessionAuth, TokenSource {
  readonly fetch: FetchLike;
  /** For mcpo's own OAuth requests: never carries the entry's headers, and gives up after a while. */
  private readonly oauthFetch: FetchLike;
  private state: StoredAuth | undefined;
  private loaded = false;
  private challenge: BearerChallenge | undefined;
  private rejected = false;
  private flow: Flow | undefined;
  private inARow = 0;
  private readonly refreshes = new SingleFlight<RefreshOutcome>();
  private liveDiscovery: Promise<StoredDiscovery> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: ServerAuthOptions) {
    this.fetch = createAuthFetch(this, options.transportFetch ?? options.fetch, options.entry.url);
    this.oauthFetch = withRequestTimeout(options.fetch, options.requestTimeoutMs ?? DEFAULT_OAUTH_REQUEST_TIMEOUT_MS);
  }

  get name(): string {
    return this.options.entry.name;
  }

  async prepare(): Promise<AuthPreparation> {
    if (this.flow) return { ready: false, completion: this.flow.promise };
    if (!this.rejected && (await this.accessToken()) !== undefined) return { ready: true };
    if (!this.challenge) {
      const probe = await probeServer(this.options.entry, this.oauthFetch);
      if (!probe.protected) return { ready: true };
      this.challenge = probe.challenge;
    }
    const reason = this.state?.tokens ? 'the server refused the saved credentials' : 'first login';
    return { ready: false, completion: this.authorize({ reason }) };
  }

  /** For `mcpo auth login`: authorizes unless a usable token is held (always, with `force`). */
  async login(force = false): Promise<'already_authorized' | 'authorized'> {
    if (!force) {
      const readiness = await this.prepare();
      if (readiness.ready) return 'already_authorized';
      await readiness.completion;
      return 'authorized';
    }
    if (!this.challenge) {
      const probe = await probeServer(this.options.entry, this.oauthFetch);
      if (probe.protected) this.challenge = probe.challenge;
    }
    await this.authorize({ reason: 'mcpo auth login' });
    return 'authorized';
  }

  authorizationUrl(): string | undefined {
    return this.flow?.url;
  }

  pendingAuthorization(): PendingAuthorization | undefined {
    const flow = this.flow;
    if (!flow?.stepUp) return undefined;
    return { reason: 'insufficient_scope', ...(flow.url ? { url: flow.url } : {}), ...(flow.stepUp.scope ? { scope: flow.stepUp.scope } : {}) };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  credentialsRejected(): boolean {
    return this.rejected;
  }

  /** The stored state as last read (tokens never leave this object except as a bearer header). */
  async stored(): Promise<StoredAuth | undefined> {
    if (!this.loaded) {
      this.state = await this.options.store.load();
      this.loaded = true;
    }
    return this.state;
  }

  async accessToken(): Promise<string | undefined> {
    const tokens = (await this.stored())?.tokens;
    if (!tokens) return undefined;
    if (!isExpired(tokens, this.options.now(), this.marginMs)) return tokens.access_token;
    const outcome = await this.refresh();
    return outcome.kind === 'tokens' ? outcome.auth.tokens?.access_token : undefined;
  }

  async unauthorized(token: string | undefined, challenge: BearerChallenge): Promise<string | undefined> {
    this.challenge = { ...this.challenge, ...challenge };
    if (token !== undefined) {
      const outcome = await this.refresh(token);
      if (outcome.kind === 'tokens' && outcome.auth.tokens && outcome.auth.tokens.access_token !== token) {
        return outcome.auth.tokens.access_token;
      }
    }
    this.rejected = true;
    return undefined;
  }

  async insufficientScope(challenge: BearerChallenge, signal?: AbortSignal): Promise<string | undefined> {
    const held = (await this.stored())?.tokens?.scope;
    const scope = unionScopes(challenge.scope, held, this.options.entry.oauth.scope);
    this.challenge = { ...this.challenge, ...challenge };
    const done = this.authorize({ reason: `the server asks for more scopes: ${challenge.scope ?? 'unspecified'}`, stepUp: true, ...(scope ? { scope } : {}) });
    await (signal ? abortable(done, signal) : done);
    return this.accessToken();
  }

  accepted(): void {
    this.inARow = 0;
  }

  /** Starts (or joins) the interactive authorization; settles when it finished. */
  authorize(request: { reason: string; scope?: string; stepUp?: boolean }): Promise<void> {
    if (this.flow) return this.flow.promise;
    if (this.inARow >= MAX_AUTHORIZATIONS_IN_A_ROW) return Promise.reject(new TooManyAuthorizationsError(MAX_AUTHORIZATIONS_IN_A_ROW));
    this.inARow++;
    const { entry, queue } = this.options;
    const scope = request.scope ?? entry.oauth.scope ?? this.challenge?.scope;
    const flow: Flow = { url: undefined, promise: Promise.resolve(), controller: new AbortController(), started: false, ...(request.stepUp ? { stepUp: { scope } } : {}) };
    flow.promise = queue
      .run(promptKey(entry.oauth.useLoopback, entry.oauth.callbackPort), () => {
        flow.started = true;
        return runInteractiveAuthorization({
          serverName: entry.name,
          serverUrl: entry.url,
          config: entry.oauth,
          store: this.options.store,
          identity: this.options.identity,
          fetch: this.oauthFetch,
          now: this.options.now,
          io: this.options.io,
          logger: this.options.logger,
          reason: request.reason,
          ...(this.challenge ? { challenge: this.challenge } : {}),
          ...(scope ? { scope } : {}),
          ...(this.options.callbackTimeoutMs === undefined ? {} : { timeoutMs: this.options.callbackTimeoutMs }),
          ...(this.options.browser ? { browser: this.options.browser } : {}),
          signal: flow.controller.signal,
          onAuthorizationUrl: (url) => {
            flow.url = url;
            this.emit();
          },
        });
      })
      .then((state) => {
        this.state = state;
        this.loaded = true;
        this.rejected = false;
      })
      .finally(() => {
        this.flow = undefined;
        this.emit();
      });
    this.flow = flow;
    flow.promise.catch(() => {}); // the caller handles it; an unobserved copy must not crash the process
    this.emit();
    return flow.promise;
  }

  /**
   * Abandons the authorization under way (its loopback listener closes, its prompt ends, its request in
   * flight is cut off). Settles once the flow has stopped, so nothing (registration, code exchange, token
   * file write) happens after it; a flow still queued behind another server's prompt has done nothing and
   * stops without running when its turn comes.
   */
  cancel(): Promise<void> {
    const flow = this.flow;
    if (!flow) return Promise.resolve();
    flow.controller.abort();
    return flow.started ? flow.promise.then(noop, noop) : Promise.resolve();
  }

  private refresh(rejectedToken?: string): Promise<RefreshOutcome> {
    // One refresh per server at a time in this process: whatever a refresh under way yields is at least
    // as new as what a joining caller held, so it answers them too.
    return this.refreshes.run('refresh', async () => {
      const outcome = await refreshStoredTokens(
        {
          store: this.options.store,
          config: this.options.entry.oauth,
          fetch: this.oauthFetch,
          now: this.options.now,
          sleep: this.options.sleep,
          logger: this.options.logger,
          serverName: this.name,
          marginMs: this.marginMs,
          liveDiscovery: () => this.discoverOnce(),
          ...(this.options.refreshRetry ? { retry: this.options.refreshRetry } : {}),
        },
        rejectedToken,
      );
      this.state = outcome.kind === 'tokens' ? outcome.auth : await this.options.store.load();
      this.loaded = true;
      return outcome;
    });
  }

  /** The server's live discovery, fetched once per process (again after a failure). */
  private discoverOnce(): Promise<StoredDiscovery> {
    const { entry } = this.options;
    this.liveDiscovery ??= discover({
      serverUrl: entry.url,
      fetch: this.oauthFetch,
      now: this.options.now,
      ...(this.challenge ? { challenge: this.challenge } : {}),
      ...(entry.oauth.serverUrl ? { fallbackServerUrl: entry.oauth.serverUrl } : {}),
    }).catch((error: unknown) => {
      this.liveDiscovery = undefined;
      throw error;
    });
    return this.liveDiscovery;
  }

  private get marginMs(): number {
    return this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function noop(): void {}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
