/**
 * Wiring: servers → Manager → tool route and Hono app → listening socket. The HTTP server listens before any MCP
 * session is up, so a slow or failing server never delays the others or the docs.
 */
import type { ServerEntry } from './config/types.js';
import type { UserEntry } from './config/users.js';
import type { Logger } from './log/logger.js';
import { Manager, type ManagerOptions } from './mcp/manager.js';
import type { ServiceAddress } from './oauth/service.js';
import type { OAuthSupport } from './oauth/setup.js';
import type { RecordCodec } from './oauth/store/codec/recordCodec.js';
import type { StoreSpec } from './oauth/store/redis/storeOption.js';
import { createApp, type AppOptions } from './server/app.js';
import { exposureWarning, forwardedTrustWarning, isLoopbackAddress } from './server/exposure.js';
import { LOOPBACK_HOST_NAMES } from './server/hostGuard.js';
import { listen, type ListenOptions } from './server/listen.js';
import { preloadOpenApiBuilders } from './server/openapiBuilders.js';
import { linkBase, resolvePublicAddress } from './server/publicUrl.js';
import { startHotReload, type ReloadedConfig } from './reload.js';
import { UserKeys } from './server/userKeys.js';
import { shutDown, type ShutdownOptions } from './shutdown.js';

/** What run() needs: the app's, the listener's and the Manager's options it passes on, and its own. */
export interface RunOptions
  extends Pick<AppOptions, 'mode' | 'info' | 'apiKey' | 'userHeader' | 'strictAuth' | 'corsAllowOrigins' | 'rootPath' | 'pathPrefix' | 'publicUrl' | 'forwardedAllowIps' | 'bodyLimitBytes'>,
    Pick<ListenOptions, 'host' | 'port' | 'tls'>,
    Pick<ManagerOptions, 'parentEnv' | 'defaultTimeoutMs' | 'defaultMaxConcurrentCalls'> {
  servers: readonly ServerEntry[];
  /** Callers with keys of their own (the config's `users`). Default: none. */
  users?: readonly UserEntry[];
  logger: Logger;
  /** The client name and version mcpo gives MCP servers. Default mcpo 0.0.0. */
  clientInfo?: ManagerOptions['clientInfo'];
  /**
   * Host names requests may be addressed to (DNS-rebinding protection), or '*' for any. Default: when
   * listening on a loopback address, the loopback names (localhost, 127.0.0.1, [::1]); otherwise any. The public
   * URL's host name is served as well (it is how mcpo was said to be reached).
   */
  allowedHosts?: readonly string[] | '*';
  /** --hot-reload: watch this config file and reconcile servers (and take its users) when it changes. */
  hotReload?: { file: string; load: () => Promise<ReloadedConfig>; debounceMs?: number };
  /** OAuth for entries with an `oauth` block. Default: tokens under MCPO_HOME (from parentEnv) or ~/.mcpo, prompts on stderr/stdin, the system browser. */
  oauth?: OAuthSupport;
  /** --no-browser: the default OAuth support prints authorization URLs and launches no browser. Default false. */
  noBrowser?: boolean;
  /** How token files are written and read (sealed with token keys, or plaintext). Default plaintext. */
  tokenCodec?: RecordCodec;
  /** --store: OAuth tokens in this shared store (Redis) instead of token files; mcpo does not start if it cannot reach it. */
  store?: StoreSpec | undefined;
  /** Bounds of close() (defaults in DEFAULT_SHUTDOWN: 3 s for calls in flight, 4.2 s in all). */
  shutdown?: Partial<ShutdownOptions>;
}

export interface Running {
  url: string;
  port: number;
  manager: Manager;
  /**
   * Stops accepting, gives calls in flight up to 3 s and answers the rest 503, closes every session (stdio
   * children end) and the socket: see src/shutdown.ts. Never rejects.
   */
  close(): Promise<void>;
}

export async function run(options: RunOptions): Promise<Running> {
  const address = resolvePublicAddress(options);
  /** The base of mcpo's links: the public URL, or once listening, the listening URL with the prefixes. */
  let base = address.publicUrl;
  const { oauth, closeStore } = await oauthSupport(options, { linkBase: () => base, publicUrl: address.publicUrl !== undefined });
  const manager = new Manager({
    logger: options.logger,
    parentEnv: options.parentEnv,
    clientInfo: options.clientInfo ?? { name: 'mcpo', version: '0.0.0' },
    transportFor: oauth?.transportFor ?? (() => ({})),
    apiKeyInAuthorization: options.apiKey !== undefined,
    defaultTimeoutMs: options.defaultTimeoutMs,
    defaultMaxConcurrentCalls: options.defaultMaxConcurrentCalls,
  });
  // Every OAuth entry gets its ServerAuth now, not when its session is made after the SDK loads (~0.3-1 s, more
  // under load): until then the connections page said no server used OAuth and Connect found nothing to start.
  for (const entry of options.servers) oauth?.forEntry(entry);
  const endpoints = oauth?.endpoints(manager);
  const users = new UserKeys(options.users);
  const { app, toolRoute, stopCalls, close: closeApp } = createApp({
    registry: manager,
    logger: options.logger,
    mode: options.mode,
    info: options.info,
    apiKey: options.apiKey,
    users,
    userHeader: options.userHeader,
    strictAuth: options.strictAuth,
    corsAllowOrigins: options.corsAllowOrigins,
    rootPath: address.rootPath,
    pathPrefix: address.pathPrefix,
    publicUrl: address.publicUrl,
    forwardedAllowIps: options.forwardedAllowIps,
    bodyLimitBytes: options.bodyLimitBytes,
    allowedHosts: allowedHostsFor(options.host, options.allowedHosts, address.publicUrl),
    oauth: endpoints,
  });
  const server = await listen(app, { host: options.host, port: options.port, tls: options.tls, toolRoute });
  base ??= linkBase(address, server.url);
  options.logger.info('listening', { url: server.url, publicUrl: address.publicUrl, servers: options.servers.length });
  const exposure = exposureWarning({ host: options.host, port: server.port, apiKey: options.apiKey, allowedHosts: options.allowedHosts });
  if (exposure) options.logger.warn(exposure);
  const trust = forwardedTrustWarning({ forwardedAllowIps: options.forwardedAllowIps, apiKey: options.apiKey });
  if (trust) options.logger.warn(trust);
  manager.start(options.servers);
  // While the servers boot: the catalogs need these once tools arrive. After the session code, which spawns the servers.
  manager.loadSessionCode().then(preloadOpenApiBuilders, () => {});
  const reloader = options.hotReload
    ? startHotReload({ ...options.hotReload, manager, users, initial: options.servers, logger: options.logger })
    : undefined;

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    manager,
    close: () =>
      (closing ??= (async () => {
        reloader?.close();
        const stopSessions = () => {
          // The routes stop following the registry first: removing every server need not rebuild their documents.
          closeApp();
          return manager.stop();
        };
        await shutDown({ server, stopCalls, stopSessions }, options.shutdown);
        await closeStore();
      })()),
  };
}

/**
 * OAuth for the entries that have an `oauth` block. Its modules (with the SDK's auth client and the `open`
 * package) take about 50 ms to load, so they are loaded only when an entry may need them: one has `oauth` now,
 * or a hot reload may add one later (transportFor is synchronous, so it cannot wait for them then).
 */
async function oauthSupport(options: RunOptions, address: ServiceAddress): Promise<{ oauth: OAuthSupport | undefined; closeStore: () => Promise<void> }> {
  const nothingToClose = async () => {};
  if (options.oauth) {
    options.oauth.useService(address);
    return { oauth: options.oauth, closeStore: nothingToClose };
  }
  // The test OAuthSupport.forEntry applies (isOAuthEntry): only remote entries take an `oauth` block.
  const needed = options.hotReload !== undefined || options.servers.some((entry) => entry.kind !== 'stdio' && entry.oauth !== undefined);
  if (!needed) {
    if (options.store) options.logger.warn('--store is not used: no server in this configuration uses OAuth', { store: options.store.address.shown });
    return { oauth: undefined, closeStore: nothingToClose };
  }
  const { createDefaultOAuthSupport } = await import('./oauth/defaults.js');
  const codec = options.tokenCodec;
  const sharedStore = options.store ? await openSharedStore(options.store, options.logger, codec) : undefined;
  // Per-user connect links signed with the store's key open on any replica (else a key random per process).
  const linkKey = sharedStore ? await sharedStore.sharedLinkKey() : undefined;
  const oauth = createDefaultOAuthSupport({ env: options.parentEnv, logger: options.logger, noBrowser: options.noBrowser, overrides: { service: address, sharedStore, linkKey, ...(codec ? { codec } : {}) } });
  return { oauth, closeStore: sharedStore ? () => sharedStore.close() : nothingToClose };
}

async function openSharedStore(store: StoreSpec, logger: Logger, codec: RecordCodec | undefined) {
  const { RedisConnection } = await import('./oauth/store/redis/redisConnection.js');
  const connection = await RedisConnection.open({ ...store, logger });
  logger.info('tokens are kept in the shared store', { store: store.address.shown, prefix: store.prefix });
  if (!codec || codec.keyIds.length === 0) {
    // Loud on purpose: a Redis is read by whoever reaches it (its other users, its backups, a MONITOR), not one folder of one user.
    logger.warn(
      'OAUTH TOKENS IN THE SHARED STORE ARE NOT ENCRYPTED: whoever can read this Redis (its other clients, its backups) can use them. Set MCPO_TOKEN_KEY (or --token-key-file) on every replica',
      { store: store.address.shown },
    );
  }
  return connection;
}

/**
 * A loopback listener only answers requests addressed to loopback names, unless told otherwise; the public URL's
 * host name is always served (it is how mcpo was said to be reached).
 */
function allowedHostsFor(host: string, allowedHosts: RunOptions['allowedHosts'], publicUrl: string | undefined): readonly string[] | undefined {
  if (allowedHosts === '*') return undefined;
  const listed = allowedHosts ?? (isLoopbackAddress(host) ? LOOPBACK_HOST_NAMES : undefined);
  if (!listed || publicUrl === undefined) return listed;
  const publicHost = new URL(publicUrl).hostname;
  return listed.includes(publicHost) ? listed : [...listed, publicHost];
}
