/**
 * The Manager owns every Session: starts them all concurrently (a slow or failing server never delays
 * the others), answers the HTTP layer through the ServerRegistry contract, and stops them all.
 *
 * The session code is loaded on the first start(), not with this module: it brings the SDK's client (zod
 * schemas, ajv, the transports), which would otherwise be loaded before mcpo can listen. Until it is there,
 * each server is a StartingServer (connecting, no tools), replaced by its Session as soon as the code is.
 */
import type { ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { BackoffOptions } from './backoff.js';
import type { Session, SessionOptions } from './session.js';
import { PerUserServer } from './perUserServer.js';
import { StartingServer, type SessionOutcome } from './startingServer.js';
import type { TransportContext } from './transport.js';
import type { ChangeKind, ServerHandle, ServerRegistry } from './types.js';

type SessionModule = typeof import('./session.js');

/** The session code once loaded: from then on start() creates sessions synchronously. */
let sessionModule: SessionModule | undefined;
let sessionModuleLoading: Promise<SessionModule> | undefined;

function loadSessionModule(): Promise<SessionModule> {
  sessionModuleLoading ??= import('./session.js').then((module) => (sessionModule = module));
  return sessionModuleLoading;
}

export interface ManagerOptions {
  logger: Logger;
  /** The environment mcpo runs with; stdio children get only a safe subset plus their own `env`. */
  parentEnv: Readonly<Record<string, string | undefined>>;
  clientInfo: { name: string; version: string };
  /** Per-call timeout for entries without `timeout`. Default DEFAULT_CALL_TIMEOUT_MS (60 s). */
  defaultTimeoutMs?: number;
  /** Tool calls in flight per server for entries without `maxConcurrentCalls`. Default DEFAULT_MAX_CONCURRENT_CALLS. */
  defaultMaxConcurrentCalls?: number;
  /** Default DEFAULT_CONNECT_TIMEOUT_MS (30 s). */
  connectTimeoutMs?: number;
  /** Reconnect backoff (defaults in DEFAULT_BACKOFF). */
  backoff?: BackoffOptions;
  /** The backoff after a refused tool list (defaults in DEFAULT_REFUSED_LIST_BACKOFF). */
  refusedListBackoff?: BackoffOptions;
  /** Idle time before a remote session is pinged, for entries without `pingInterval`; 0 = never. Default DEFAULT_PING_INTERVAL_MS (60 s). */
  pingIntervalMs?: number;
  /** How long calls wait for a (re)connecting server before 503. Default DEFAULT_CALL_WAIT_MS (5 s). */
  callWaitMs?: number;
  /** mcpo has an API key: a REST request's Authorization is that key, never forwarded to a server. Default false. */
  apiKeyInAuthorization?: boolean;
  /**
   * Extra transport context per entry (the OAuth provider, for one); with `user`, for that user's session of a
   * per-user server (their own OAuth provider).
   */
  transportFor?: (entry: ServerEntry, user?: string) => Partial<TransportContext>;
}

export class Manager implements ServerRegistry {
  private readonly sessions = new Map<string, Session | StartingServer | PerUserServer>();
  private readonly listeners = new Set<(server: string, kind: ChangeKind) => void>();
  private readonly connecting = new Map<string, Promise<void>>();

  constructor(private readonly options: ManagerOptions) {}

  get(name: string): ServerHandle | undefined {
    return this.sessions.get(name);
  }

  list(): readonly ServerHandle[] {
    return [...this.sessions.values()];
  }

  onChange(listener: (server: string, kind: ChangeKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds and starts servers; returns at once. `settled()` resolves when every attempt has finished. */
  start(entries: readonly ServerEntry[]): void {
    for (const entry of entries) this.add(entry);
  }

  /**
   * Loads the session code (the SDK's client) if start() has not yet, and resolves once it is loaded and the
   * sessions of every server started so far exist. Rejects when the code cannot be loaded.
   */
  async loadSessionCode(): Promise<void> {
    await loadSessionModule();
  }

  /** Resolves when every connection attempt under way has finished (connected or failed). */
  async settled(): Promise<void> {
    while (this.connecting.size) await Promise.all(this.connecting.values());
  }

  /** Stops one server: its session closes (a stdio child is ended) and its routes disappear. */
  async remove(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    // A starting server has nothing to close: its session is never created (add() checks it is still the one here).
    if (!(session instanceof StartingServer)) await session.close();
    this.emit(name, 'removed');
  }

  /** Stops every server; every stdio child is ended. */
  async stop(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((name) => this.remove(name)));
  }

  private add(entry: ServerEntry): void {
    if (this.sessions.has(entry.name)) throw new Error(`server ${entry.name} is already running`);
    if (sessionModule) {
      this.open(entry, sessionModule);
      return;
    }
    let settle!: (outcome: SessionOutcome) => void;
    const starting = new StartingServer(entry, this.options.defaultMaxConcurrentCalls, new Promise((resolve) => (settle = resolve)));
    this.sessions.set(entry.name, starting);
    this.emit(entry.name, 'added');
    const attempt: Promise<void> = loadSessionModule().then(
      (module) => {
        if (this.sessions.get(entry.name) !== starting) return settle({ removed: true });
        const session = this.open(entry, module);
        settle({ session });
        return this.connecting.get(entry.name);
      },
      (error: unknown) => {
        const loadError = error instanceof Error ? error : new Error(String(error));
        this.options.logger.error('could not load the MCP client code', { server: entry.name, error: loadError });
        settle({ loadError });
        this.emit(entry.name, 'status');
      },
    );
    this.track(entry.name, attempt);
  }

  /**
   * Creates the session of `entry` (for a per-user server, its handle with the operator's session inside) in place
   * of whatever holds its name, and starts connecting it.
   */
  private open(entry: ServerEntry, { Session: SessionClass, DEFAULT_CALL_WAIT_MS }: SessionModule): Session | PerUserServer {
    const replacing = this.sessions.has(entry.name);
    const perUser = entry.kind === 'stdio' ? undefined : entry.oauth?.perUser;
    let handle: Session | PerUserServer;
    const onChange = (kind: 'tools' | 'status') => {
      if (this.sessions.get(entry.name) === handle) this.emit(entry.name, kind);
    };
    if (perUser) {
      let server: PerUserServer | undefined;
      const operator = new SessionClass(this.sessionOptions(entry, this.options.transportFor?.(entry) ?? {}, (kind) => server?.operatorChanged(kind)));
      server = new PerUserServer({
        entry,
        config: perUser,
        logger: this.options.logger,
        operator,
        openSession: (_user, auth, onUserChange) => new SessionClass(this.sessionOptions(entry, { auth }, onUserChange)),
        authFor: (user) => this.options.transportFor?.(entry, user).auth,
        onChange,
        callWaitMs: this.options.callWaitMs ?? DEFAULT_CALL_WAIT_MS,
      });
      handle = server;
    } else handle = new SessionClass(this.sessionOptions(entry, this.options.transportFor?.(entry) ?? {}, onChange));
    this.sessions.set(entry.name, handle);
    // Replacing a starting server: the HTTP layer already knows the name, only the handle behind it changed.
    this.emit(entry.name, replacing ? 'status' : 'added');
    this.track(entry.name, handle.connect());
    return handle;
  }

  private sessionOptions(entry: ServerEntry, extra: Partial<TransportContext>, onChange: SessionOptions['onChange']): SessionOptions {
    return {
      entry,
      logger: this.options.logger,
      transport: { parentEnv: this.options.parentEnv, ...extra },
      clientInfo: this.options.clientInfo,
      onChange,
      ...(this.options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: this.options.defaultTimeoutMs }),
      ...(this.options.defaultMaxConcurrentCalls === undefined ? {} : { defaultMaxConcurrentCalls: this.options.defaultMaxConcurrentCalls }),
      ...(this.options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.options.connectTimeoutMs }),
      ...(this.options.callWaitMs === undefined ? {} : { callWaitMs: this.options.callWaitMs }),
      ...(this.options.pingIntervalMs === undefined ? {} : { defaultPingIntervalMs: this.options.pingIntervalMs }),
      ...(this.options.apiKeyInAuthorization ? { apiKeyInAuthorization: true } : {}),
      ...(this.options.backoff === undefined ? {} : { backoff: this.options.backoff }),
      ...(this.options.refusedListBackoff === undefined ? {} : { refusedListBackoff: this.options.refusedListBackoff }),
    };
  }

  /** Keeps `attempt` in `connecting` until it ends, unless a newer attempt under the same name (hot reload) replaced it. */
  private track(name: string, attempt: Promise<void>): void {
    const tracked: Promise<void> = attempt.finally(() => {
      if (this.connecting.get(name) === tracked) this.connecting.delete(name);
    });
    this.connecting.set(name, tracked);
  }

  private emit(server: string, kind: ChangeKind): void {
    for (const listener of this.listeners) {
      try {
        listener(server, kind);
      } catch (error) {
        this.options.logger.error('change listener failed', { server, kind, error });
      }
    }
  }
}
