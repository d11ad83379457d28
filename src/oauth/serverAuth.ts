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
import type { AuthEvent, AuthPreparation, PendingAuthorization, SessionAuth } from '../mcp/types.js';
import { createAuthFetch, type TokenSource } from './authFetch.js';
import { discover } from './discovery.js';
import type { BrowserBinding, CodeReceiver, PublishedLogin } from './codeReceiver.js';
import { AuthorizationFailedError, OAuthCancelledError, TooManyAuthorizationsError } from './errors.js';
import { runInteractiveAuthorization, type ReceiverExpectations } from './interactive.js';
import { logOut, type LogoutOutcome } from './logout.js';
import { startServerReceiver } from './serverReceiver.js';
import { connectionsUrlOf, redirectMode, userConnectLinkOf, type OAuthService, type RedirectMode } from './service.js';
import { describeTokens, type TokenDescription } from './status.js';
import { probeServer } from './probe.js';
import { promptKey, type BrowserPolicy, type PromptIo, type PromptQueue } from './prompts.js';
import { withAnswerLimit } from './requestLimits.js';
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
  /** A serving mcpo's pending logins and link base (service.ts). Default: none (logins come back on loopback). */
  service?: OAuthService;
  /**
   * The mcpo user these credentials belong to (a per-user server); undefined: the operator's. A user's logins start
   * from their signed link (connectLinks.ts), which is where they are sent to connect.
   */
  user?: string;
}

interface Flow {
  url: string | undefined;
  promise: Promise<void>;
  /** Resolves once the login is published (for a loopback or server receiver; the paste flow never publishes). */
  published: Promise<PublishedLogin>;
  controller: AbortController;
  /** False while queued behind another server's prompt: nothing of this flow has run yet. */
  started: boolean;
  /** Set for a step-up (403 insufficient_scope): the scopes asked for. */
  stepUp?: { scope: string | undefined };
  /** Another mcpo sharing the store finished a login meanwhile: this flow was stopped, and these are the tokens. */
  authorizedElsewhere?: StoredAuth;
  /**
   * The user asked for this login (Connect, `mcpo auth login --force`): only they end it, not tokens appearing in
   * the store. Else: the access token held when it began, so only tokens that are new count as a login elsewhere.
   */
  userStarted: boolean;
  tokenAtStart: string | undefined;
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
  /** Refreshed tokens the store would not take, and the refresh token they replaced (spent): saved by the next refresh. */
  private unsaved: { auth: StoredAuth; spent: string } | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private liveDiscovery: Promise<StoredDiscovery> | undefined;
  private readonly listeners = new Set<(event?: AuthEvent) => void>();
  /** How this entry's logins get their code back. */
  readonly mode: RedirectMode;
  /**
   * Set while the server waits for someone to click Connect on the connections page, with no login running: always
   * so for logins on mcpo's port, which start from the page, and after Disconnect. Settles with the next login that succeeds.
   */
  private waitingForConnect: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Disconnect was clicked: no login starts by itself until Connect is. */
  private signedOut = false;
  /**
   * The tokens' lifetime, as far as this process knows: Disconnect aborts it and starts another, so a refresh begun
   * before the sign-out stops, saves nothing and hands its tokens to no one (refresh.ts).
   */
  private signIn = new AbortController();
  /** Why the last login failed (not a cancellation), for the connections page; cleared by a success. */
  private lastFailure: { message: string; at: number } | undefined;

  constructor(private readonly options: ServerAuthOptions) {
    this.fetch = createAuthFetch(this, options.transportFetch ?? options.fetch, options.entry.url);
    this.oauthFetch = withAnswerLimit(withRequestTimeout(options.fetch, options.requestTimeoutMs ?? DEFAULT_OAUTH_REQUEST_TIMEOUT_MS));
    this.mode = redirectMode(options.entry.oauth, options.service);
    options.store.onExternalChange?.(() => this.reloadSoon());
  }

  get name(): string {
    return this.options.entry.name;
  }

  /** See ServerAuthOptions.user. */
  get user(): string | undefined {
    return this.options.user;
  }

  /** Whether tokens are saved (usable or to be refreshed): a per-user server opens a user's session only then. */
  async hasCredentials(): Promise<boolean> {
    return (await this.stored())?.tokens !== undefined;
  }

  async prepare(): Promise<AuthPreparation> {
    if (this.flow) return { ready: false, completion: this.flow.promise };
    if (!this.rejected && (await this.accessToken()) !== undefined) return { ready: true };
    if (!this.challenge) {
      const probe = await probeServer(this.options.entry, this.oauthFetch);
      if (!probe.protected) return { ready: true };
      this.challenge = probe.challenge;
    }
    if (this.mode === 'server' || this.signedOut) return { ready: false, completion: this.untilConnected() };
    const reason = this.state?.tokens ? 'the server refused the saved credentials' : 'first login';
    return { ready: false, completion: this.authorize({ reason }) };
  }

  /** Settles when a login succeeds; until then the server waits for Connect (said once in the log). */
  private untilConnected(): Promise<void> {
    if (!this.waitingForConnect) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.waitingForConnect = { promise, resolve };
      const url = this.connectionsUrl();
      // A user's link is theirs to open (a capability): the log names them, not it.
      if (this.options.user !== undefined) this.options.logger.warn('a user\'s credentials for a server need a new authorization', { server: this.name, user: this.options.user });
      else this.options.logger.warn('server needs authorization: connect it on the connections page', { server: this.name, ...(url ? { url } : {}) });
      this.emit();
    }
    return this.waitingForConnect.promise;
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
    await this.authorize({ reason: 'mcpo auth login', userStarted: true });
    return 'authorized';
  }

  authorizationUrl(): string | undefined {
    return this.flow?.url ?? (this.waitingForConnect ? this.connectionsUrl() : undefined);
  }

  /** mcpo's connections page; for a user, their own signed link to connect this server. */
  connectionsUrl(): string | undefined {
    if (this.options.user !== undefined) return userConnectLinkOf(this.options.service, this.name, this.options.user);
    return connectionsUrlOf(this.options.service);
  }

  /**
   * Connect on the connections page: joins the login under way or starts one, and says how the clicking browser
   * continues. A click is the user's own request, so it does not count towards MAX_AUTHORIZATIONS_IN_A_ROW.
   */
  async connect(waitMs = CONNECT_WAIT_MS): Promise<ConnectOutcome> {
    if (!this.flow) {
      this.inARow = 0;
      // The clicking browser is sent to the login: a browser mcpo launched as well would race it for the link.
      this.authorize({ reason: 'Connect on the connections page', browser: { launch: false, reason: 'the login was started from the connections page' }, userStarted: true }).catch(() => {});
    }
    const flow = this.flow;
    if (!flow) return { kind: 'failed', why: this.lastFailure?.message ?? 'the login could not start' };
    if (this.mode === 'paste') return { kind: 'terminal' };
    let timer: NodeJS.Timeout | undefined;
    const published = await Promise.race([
      flow.published,
      flow.promise.then(noop, noop),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]).finally(() => clearTimeout(timer));
    if (!published) {
      if (this.flow === flow) return { kind: 'failed', why: 'the login is still being prepared (the authorization server is slow, or another login on the same callback port goes first); try again in a moment' };
      return { kind: 'failed', why: this.lastFailure?.message ?? 'the login ended before it could start' };
    }
    if (published.bindBrowser) return { kind: 'redirect', binding: published.bindBrowser() };
    return { kind: 'link', href: published.link };
  }

  /**
   * Disconnect on the connections page: stops a login under way, revokes the tokens where the server advertises
   * revocation, deletes them; the session is closed and the server waits for Connect.
   */
  async disconnect(): Promise<LogoutOutcome> {
    this.signedOut = true;
    this.signIn.abort();
    this.signIn = new AbortController();
    // No call takes the tokens being revoked from memory meanwhile.
    this.state = undefined;
    this.loaded = true;
    await this.cancel();
    const outcome = await logOut({
      serverUrl: this.options.entry.url,
      config: this.options.entry.oauth,
      store: this.options.store,
      fetch: this.oauthFetch,
      now: this.options.now,
    });
    this.state = undefined;
    this.loaded = true;
    this.rejected = false;
    this.lastFailure = undefined;
    this.emit('signed_out');
    return outcome;
  }

  /** What the connections page shows about the credentials: never a token. */
  async details(): Promise<ConnectionDetails> {
    const stored = await this.stored();
    return {
      mode: this.mode,
      tokens: stored?.tokens ? describeTokens(stored, this.options.now()) : undefined,
      loginUnderWay: this.flow !== undefined,
      ...(this.flow?.stepUp ? { stepUp: { scope: this.flow.stepUp.scope } } : {}),
      ...(this.lastFailure ? { lastFailure: { ...this.lastFailure } } : {}),
    };
  }

  pendingAuthorization(): PendingAuthorization | undefined {
    const flow = this.flow;
    if (!flow?.stepUp) return undefined;
    return { reason: 'insufficient_scope', ...(flow.url ? { url: flow.url } : {}), ...(flow.stepUp.scope ? { scope: flow.stepUp.scope } : {}) };
  }

  onChange(listener: (event?: AuthEvent) => void): () => void {
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
  authorize(request: { reason: string; scope?: string; stepUp?: boolean; browser?: BrowserPolicy; userStarted?: boolean }): Promise<void> {
    if (this.flow) return this.flow.promise;
    if (this.inARow >= MAX_AUTHORIZATIONS_IN_A_ROW) return Promise.reject(new TooManyAuthorizationsError(MAX_AUTHORIZATIONS_IN_A_ROW));
    this.inARow++;
    const { entry, queue } = this.options;
    const scope = request.scope ?? entry.oauth.scope ?? this.challenge?.scope;
    let publish!: (login: PublishedLogin) => void;
    const published = new Promise<PublishedLogin>((resolve) => (publish = resolve));
    const flow: Flow = {
      url: undefined,
      promise: Promise.resolve(),
      published,
      controller: new AbortController(),
      started: false,
      userStarted: request.userStarted === true,
      tokenAtStart: this.state?.tokens?.access_token,
      ...(request.stepUp ? { stepUp: { scope } } : {}),
    };
    const { service } = this.options;
    // Logins on mcpo's port each have their own state and cookie: nothing to take turns for.
    const key = this.mode === 'server' ? undefined : promptKey(entry.oauth.useLoopback, entry.oauth.callbackPort);
    const browser = request.browser ?? this.options.browser;
    let succeeded = false;
    flow.promise = queue
      .run(key, () => {
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
          ...(browser ? { browser } : {}),
          signal: flow.controller.signal,
          onAuthorizationUrl: (url) => {
            flow.url = url;
            this.emit();
          },
          onPublished: publish,
          ...(this.mode === 'server' && service ? { startReceiver: (expected: ReceiverExpectations) => this.serverReceiver(service, expected) } : {}),
        });
      })
      .then(
        (state) => {
          this.state = state;
          this.loaded = true;
          this.rejected = false;
          this.signedOut = false;
          this.lastFailure = undefined;
          succeeded = true;
        },
        (error: unknown) => {
          if (error instanceof OAuthCancelledError && flow.authorizedElsewhere) {
            this.options.logger.info('authorized by another mcpo sharing the store; this login is not needed', { server: entry.name });
            this.state = flow.authorizedElsewhere;
            this.loaded = true;
            this.rejected = false;
            this.signedOut = false;
            this.lastFailure = undefined;
            succeeded = true;
            return;
          }
          if (!(error instanceof OAuthCancelledError)) this.lastFailure = { message: describeFailure(error), at: this.options.now() };
          throw error;
        },
      )
      .finally(() => {
        this.flow = undefined;
        if (succeeded && this.waitingForConnect) {
          this.waitingForConnect.resolve();
          this.waitingForConnect = undefined;
        }
        this.emit(succeeded ? 'authorized' : undefined);
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

  /** One re-read at a time, however many announcements arrive meanwhile (one more after it, if any did). */
  private reloadSoon(): void {
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = this.storeChanged().finally(() => {
      this.reloading = undefined;
      if (!this.reloadAgain) return;
      this.reloadAgain = false;
      this.reloadSoon();
    });
  }

  /**
   * Another mcpo changed this server's saved state in the shared store: a login finished there (this one stops
   * waiting for Connect), a Disconnect (this one signs out too), a refresh (this one uses the new token).
   */
  private async storeChanged(): Promise<void> {
    let fresh: StoredAuth | undefined;
    try {
      fresh = await this.options.store.load();
    } catch {
      return; // the store is down: the next refresh reads it again
    }
    const flow = this.flow;
    if (flow) {
      // The user approved on another replica: this one's login (its link, its loopback listener) is not needed any
      // more. Not for a step-up, which asks for scopes the other replica's tokens may not have.
      if (fresh?.tokens && !flow.stepUp && !flow.userStarted && !flow.authorizedElsewhere && fresh.tokens.access_token !== flow.tokenAtStart) {
        flow.authorizedElsewhere = fresh;
        flow.controller.abort();
      }
      return;
    }
    // Tokens this process refreshed but could not save are newer than a record still holding the refresh token they spent.
    if (this.unsaved && fresh?.tokens?.refresh_token === this.unsaved.spent) fresh = this.unsaved.auth;
    const had = this.state?.tokens !== undefined;
    this.state = fresh;
    this.loaded = true;
    if (fresh?.tokens && (this.waitingForConnect || this.rejected || this.signedOut)) {
      this.options.logger.info('authorized by another mcpo sharing the store', { server: this.name });
      this.rejected = false;
      this.signedOut = false;
      this.lastFailure = undefined;
      this.inARow = 0;
      this.waitingForConnect?.resolve();
      this.waitingForConnect = undefined;
      this.emit('authorized');
    } else if (fresh === undefined && had) {
      this.options.logger.info('signed out by another mcpo sharing the store', { server: this.name });
      this.signedOut = true;
      this.emit('signed_out');
    } else {
      this.emit();
    }
  }

  private refresh(rejectedToken?: string): Promise<RefreshOutcome> {
    // One refresh per server at a time in this process: whatever a refresh under way yields is at least
    // as new as what a joining caller held, so it answers them too.
    return this.refreshes.run('refresh', async () => {
      const { signal } = this.signIn;
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
          signal,
          unsaved: this.unsaved,
        },
        rejectedToken,
      );
      // Signed out meanwhile: what this refresh learnt is about tokens that no longer exist.
      if (signal.aborted) return { kind: 'reauthorize' };
      if (outcome.kind === 'tokens') this.unsaved = outcome.unsaved ? { auth: outcome.auth, spent: outcome.unsaved.spent } : undefined;
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

  /** A receiver on mcpo's port for one login (the base is known: sessions start once mcpo listens). */
  private serverReceiver(service: OAuthService, expected: ReceiverExpectations): CodeReceiver {
    const base = service.linkBase();
    if (base === undefined) throw new AuthorizationFailedError(new Error('mcpo is not listening yet: no address for the callback'));
    return startServerReceiver({
      logins: service.logins,
      base,
      expectedState: expected.state,
      expectedIssuer: expected.issuer,
      timeoutMs: expected.timeoutMs,
      ...(expected.signal ? { signal: expected.signal } : {}),
    });
  }

  private emit(event?: AuthEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** How long Connect waits for the login to be published (discovery and registration happen first): 15 s. */
export const CONNECT_WAIT_MS = 15_000;

/** How the browser that clicked Connect continues. */
export type ConnectOutcome =
  /** A login on mcpo's port: this answer binds the browser and sends it to the authorization server. */
  | { kind: 'redirect'; binding: BrowserBinding }
  /** A loopback login: the browser opens mcpo's login link (on 127.0.0.1, so only a browser on mcpo's machine gets further). */
  | { kind: 'link'; href: string }
  /** The copy/paste flow: the URL is on mcpo's terminal, where the code is pasted. */
  | { kind: 'terminal' }
  | { kind: 'failed'; why: string };

/** What the connections page shows about one server's credentials. */
export interface ConnectionDetails {
  mode: RedirectMode;
  /** Undefined: no tokens saved. */
  tokens: TokenDescription | undefined;
  loginUnderWay: boolean;
  /** The login under way asks for wider scopes (403 insufficient_scope). */
  stepUp?: { scope: string | undefined };
  lastFailure?: { message: string; at: number };
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
