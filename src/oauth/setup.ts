/**
 * Wiring: one ServerAuth per OAuth entry, its token store (file under the mcpo home, or memory), and the
 * prompt queue and terminal/browser shared by all of them. run.ts and the `mcpo auth` commands use this.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { OAuthConfig, RemoteEntry, ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { PromptQueue, type BrowserPolicy, type PromptIo } from './prompts.js';
import type { RefreshRetryOptions } from './refresh.js';
import { ServerAuth } from './serverAuth.js';
import { DYNAMIC_CLIENT_IDENTITY, FileTokenStore } from './store/fileTokenStore.js';
import { MemoryTokenStore } from './store/memoryTokenStore.js';
import type { RedisConnection } from './store/redis/redisConnection.js';
import { RedisLoginRelay } from './store/redis/loginRelay.js';
import { RedisTokenStore } from './store/redis/redisTokenStore.js';
import type { TokenStore } from './store/tokenStore.js';
import type { RecordCodec } from './store/codec/recordCodec.js';
import type { StoreIdentity } from './stored.js';
import { mcpHttpFetch } from '../mcp/httpFetch.js';
import type { ServerRegistry } from '../mcp/types.js';
import type { OAuthEndpoints } from '../server/oauthRoutes.js';
import { createOAuthEndpoints } from './connections.js';
import { ConnectLinks } from './connectLinks.js';
import { PendingLogins } from './pendingLogins.js';
import { connectionsUrlOf, type OAuthService, type ServiceAddress } from './service.js';

/** A remote entry with an `oauth` block. */
export type OAuthEntry = RemoteEntry & { oauth: OAuthConfig };

export function isOAuthEntry(entry: ServerEntry): entry is OAuthEntry {
  return entry.kind !== 'stdio' && entry.oauth !== undefined;
}

export interface OAuthDeps {
  /** The mcpo home folder (resolveMcpoHome); token files go to `<mcpoHome>/tokens`. */
  mcpoHome: string;
  logger: Logger;
  io: PromptIo;
  /** Default globalThis.fetch; when given, MCP transport requests go through it too (tests observe them). */
  fetch?: FetchLike;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
  /** Default: a setTimeout pause. */
  sleep?: (ms: number) => Promise<void>;
  refreshMarginMs?: number;
  refreshRetry?: RefreshRetryOptions;
  /** Default 5 minutes. */
  callbackTimeoutMs?: number;
  /** Time limit of one OAuth request. Default DEFAULT_OAUTH_REQUEST_TIMEOUT_MS (15 s). */
  requestTimeoutMs?: number;
  /** Whether loopback flows launch the browser. Default LAUNCH_BROWSER (defaultOAuthDeps decides for real runs). */
  browser?: BrowserPolicy;
  /** How token files are written and read: sealed with token keys, or plaintext. Default plainRecordCodec. */
  codec?: RecordCodec;
  /** A serving mcpo's address: logins may then come back to its own port and start from its connections page. Default: none. */
  service?: ServiceAddress;
  /** --store: tokens live in this shared store (Redis) instead of token files. */
  sharedStore?: RedisConnection | undefined;
  /** The key per-user connect links are signed with (the shared store's, so any replica opens them). Default: random per process. */
  linkKey?: Buffer | undefined;
}

/**
 * Which client (and, on a per-user server, which user) a token file belongs to: the configured client_id, the CIMD
 * URL, or a dynamic registration. `user` undefined: the operator's, named as before users existed.
 */
export function storeIdentity(entry: OAuthEntry, user?: string): StoreIdentity {
  const identity = { serverUrl: entry.url, clientIdentity: entry.oauth.clientId ?? entry.oauth.clientMetadataUrl ?? DYNAMIC_CLIENT_IDENTITY };
  return user === undefined ? identity : { ...identity, user };
}

/**
 * The token store of an entry (for `user`, that user's own): memory when storage_type says so, else the shared store
 * when there is one, else a token file.
 */
export function createTokenStore(entry: OAuthEntry, deps: Pick<OAuthDeps, 'mcpoHome' | 'logger' | 'now' | 'codec' | 'sharedStore'>, user?: string): TokenStore {
  if (entry.oauth.storageType === 'memory') return new MemoryTokenStore();
  const identity = storeIdentity(entry, user);
  if (deps.sharedStore) return new RedisTokenStore({ connection: deps.sharedStore, ...identity, logger: deps.logger, now: deps.now, codec: deps.codec });
  return new FileTokenStore({
    mcpoHome: deps.mcpoHome,
    ...identity,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.codec ? { codec: deps.codec } : {}),
  });
}

/** Creates ServerAuths sharing one prompt queue; one per entry (reconnects keep the same one). */
export class OAuthSupport {
  private readonly queue = new PromptQueue();
  private readonly byName = new Map<string, ServerAuth>();
  /** The ServerAuth an entry name was last given (what the connections page acts on). */
  private readonly latest = new Map<string, ServerAuth>();
  /** Per-user servers: the ServerAuth each user was last given, by entry name. */
  private readonly latestByUser = new Map<string, Map<string, ServerAuth>>();
  /** The entry each name was last given (a user's ServerAuth is made from it when their link is opened first). */
  private readonly latestEntry = new Map<string, OAuthEntry>();
  private service: OAuthService | undefined;

  constructor(private readonly deps: OAuthDeps) {
    if (deps.service) this.useService(deps.service);
  }

  /** Serving: logins may come back to mcpo's port. Call before the first forEntry(). */
  useService(address: ServiceAddress): OAuthService {
    const logins = new PendingLogins({ connectionsUrl: () => connectionsUrlOf(address) });
    // Replicas sharing a store: a callback may reach another replica than the one where Connect was clicked.
    if (this.deps.sharedStore) logins.useRelay(new RedisLoginRelay(this.deps.sharedStore, this.deps.logger));
    this.service = { ...address, logins, connectLinks: new ConnectLinks(this.deps.linkKey ? { key: this.deps.linkKey } : {}) };
    return this.service;
  }

  /** What mcpo's HTTP server answers for OAuth (callback, connections page); undefined unless serving. */
  endpoints(registry: ServerRegistry): OAuthEndpoints | undefined {
    return (
      this.service &&
      createOAuthEndpoints({
        service: this.service,
        registry,
        authFor: (name) => this.latest.get(name),
        userAuthFor: (name, user) => {
          const entry = this.latestEntry.get(name);
          return entry && this.forEntry(entry, user);
        },
      })
    );
  }

  /**
   * The ServerAuth of an OAuth entry (created on first use), undefined for other entries. With `user` (per-user
   * servers only), that user's own: their own token file, logins and refreshes, never shared with anyone else.
   */
  forEntry(entry: ServerEntry, user?: string): ServerAuth | undefined {
    if (!isOAuthEntry(entry)) return undefined;
    if (user !== undefined && !entry.oauth.perUser) return undefined;
    // Keyed by what the state belongs to, so a reloaded entry with another URL or client starts afresh; and by the
    // fetch its transport uses underneath (sdkTransport), which is fixed when it is made.
    const key = JSON.stringify([entry.name, entry.url, storeIdentity(entry).clientIdentity, entry.oauth.storageType, entry.sdkTransport === true, user ?? null]);
    let auth = this.byName.get(key);
    if (!auth) {
      const { deps } = this;
      auth = new ServerAuth({
        entry,
        store: createTokenStore(entry, deps, user),
        identity: storeIdentity(entry, user),
        ...(user === undefined ? {} : { user }),
        queue: this.queue,
        io: deps.io,
        logger: deps.logger,
        fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
        // MCP requests take the node:http fetch every other HTTP server's transport uses (src/mcp/httpFetch.ts);
        // with the SDK's transports (sdkTransport), the global fetch they use by default.
        transportFetch: deps.fetch ?? (entry.sdkTransport ? undefined : mcpHttpFetch),
        now: deps.now ?? Date.now,
        sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        ...(deps.refreshMarginMs === undefined ? {} : { refreshMarginMs: deps.refreshMarginMs }),
        ...(deps.refreshRetry === undefined ? {} : { refreshRetry: deps.refreshRetry }),
        ...(deps.callbackTimeoutMs === undefined ? {} : { callbackTimeoutMs: deps.callbackTimeoutMs }),
        ...(deps.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: deps.requestTimeoutMs }),
        ...(deps.browser === undefined ? {} : { browser: deps.browser }),
        ...(this.service ? { service: this.service } : {}),
      });
      this.byName.set(key, auth);
    }
    if (user === undefined) {
      this.latest.set(entry.name, auth);
      this.latestEntry.set(entry.name, entry);
    }
    else {
      let users = this.latestByUser.get(entry.name);
      if (!users) this.latestByUser.set(entry.name, (users = new Map()));
      users.set(user, auth);
    }
    return auth;
  }

  /** The ServerAuth `user` was last given for the server `name`, if they ever called it (or opened their link). */
  userAuth(name: string, user: string): ServerAuth | undefined {
    return this.latestByUser.get(name)?.get(user);
  }

  /** For ManagerOptions.transportFor: with `user`, the transport of that user's session of a per-user server. */
  transportFor = (entry: ServerEntry, user?: string): { auth?: ServerAuth } => {
    const auth = this.forEntry(entry, user);
    return auth ? { auth } : {};
  };
}
