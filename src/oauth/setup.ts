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
import type { TokenStore } from './store/tokenStore.js';
import type { StoreIdentity } from './stored.js';
import { mcpHttpFetch } from '../mcp/httpFetch.js';
import type { ServerRegistry } from '../mcp/types.js';
import type { OAuthEndpoints } from '../server/oauthRoutes.js';
import { createOAuthEndpoints } from './connections.js';
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
  /** A serving mcpo's address: logins may then come back to its own port and start from its connections page. Default: none. */
  service?: ServiceAddress;
}

/** Which client a token file belongs to: the configured client_id, the CIMD URL, or a dynamic registration. */
export function storeIdentity(entry: OAuthEntry): StoreIdentity {
  return { serverUrl: entry.url, clientIdentity: entry.oauth.clientId ?? entry.oauth.clientMetadataUrl ?? DYNAMIC_CLIENT_IDENTITY };
}

/** The token store of an entry: FileTokenStore unless storage_type is memory. */
export function createTokenStore(entry: OAuthEntry, deps: Pick<OAuthDeps, 'mcpoHome' | 'logger' | 'now'>): TokenStore {
  if (entry.oauth.storageType === 'memory') return new MemoryTokenStore();
  const identity = storeIdentity(entry);
  return new FileTokenStore({ mcpoHome: deps.mcpoHome, ...identity, logger: deps.logger, ...(deps.now ? { now: deps.now } : {}) });
}

/** Creates ServerAuths sharing one prompt queue; one per entry (reconnects keep the same one). */
export class OAuthSupport {
  private readonly queue = new PromptQueue();
  private readonly byName = new Map<string, ServerAuth>();
  /** The ServerAuth an entry name was last given (what the connections page acts on). */
  private readonly latest = new Map<string, ServerAuth>();
  private service: OAuthService | undefined;

  constructor(private readonly deps: OAuthDeps) {
    if (deps.service) this.useService(deps.service);
  }

  /** Serving: logins may come back to mcpo's port. Call before the first forEntry(). */
  useService(address: ServiceAddress): OAuthService {
    this.service = { ...address, logins: new PendingLogins({ connectionsUrl: () => connectionsUrlOf(address) }) };
    return this.service;
  }

  /** What mcpo's HTTP server answers for OAuth (callback, connections page); undefined unless serving. */
  endpoints(registry: ServerRegistry): OAuthEndpoints | undefined {
    return this.service && createOAuthEndpoints({ service: this.service, registry, authFor: (name) => this.latest.get(name) });
  }

  /** The ServerAuth of an OAuth entry (created on first use), undefined for other entries. */
  forEntry(entry: ServerEntry): ServerAuth | undefined {
    if (!isOAuthEntry(entry)) return undefined;
    // Keyed by what the state belongs to, so a reloaded entry with another URL or client starts afresh; and by the
    // fetch its transport uses underneath (sdkTransport), which is fixed when it is made.
    const key = JSON.stringify([entry.name, entry.url, storeIdentity(entry).clientIdentity, entry.oauth.storageType, entry.sdkTransport === true]);
    let auth = this.byName.get(key);
    if (!auth) {
      const { deps } = this;
      auth = new ServerAuth({
        entry,
        store: createTokenStore(entry, deps),
        identity: storeIdentity(entry),
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
    this.latest.set(entry.name, auth);
    return auth;
  }

  /** For ManagerOptions.transportFor. */
  transportFor = (entry: ServerEntry): { auth?: ServerAuth } => {
    const auth = this.forEntry(entry);
    return auth ? { auth } : {};
  };
}
