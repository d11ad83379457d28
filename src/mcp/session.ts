/**
 * One MCP client session for one configured server: connect, keep the tool list current, and recover:
 * reconnect with backoff after a crash or a failed start, start a new session when the server ends one.
 * Tool calls multiplexed over the session (and their one retry on an expired session) are in sessionCalls.ts.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { CallLimiter, DEFAULT_MAX_CONCURRENT_CALLS } from './callLimiter.js';
import { describeError, unavailable } from './callErrors.js';
import { SessionEndedError } from './http/eventStreams.js';
import { endSession, isDroppedSseStream, listAllTools, openClient } from './connect.js';
import { SessionCalls, type CallHost } from './sessionCalls.js';
import { StderrTail } from './stderrTail.js';
import { Wakeup } from './wakeup.js';
import type { TransportContext } from './transport.js';
import type { CallOptions, CallToolResult, PendingAuthorization, ServerHandle, ServerState, ServerStatus, Tool, TransportKind } from './types.js';

/** Default per-call timeout when the entry sets none: 60 s, as the SDK's own default. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** How long connecting (spawn + initialize + tools/list) may take before the attempt counts as failed. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How long a call made while the server is (re)connecting waits for it before answering 503. */
export const DEFAULT_CALL_WAIT_MS = 5_000;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_CONNECTION_MS = 30_000;

export interface SessionOptions {
  entry: ServerEntry;
  logger: Logger;
  transport: Omit<TransportContext, 'onStderrLine'>;
  clientInfo: { name: string; version: string };
  defaultTimeoutMs?: number;
  /** Calls in flight at once unless the entry says otherwise. Default DEFAULT_MAX_CONCURRENT_CALLS. */
  defaultMaxConcurrentCalls?: number;
  connectTimeoutMs?: number;
  callWaitMs?: number;
  backoff?: BackoffOptions;
  /** Called after every change the HTTP layer must know about. */
  onChange: (kind: 'tools' | 'status') => void;
  now?: () => number;
}

export class Session implements ServerHandle {
  readonly name: string;
  private state: ServerState = 'connecting';
  private since: number;
  private lastError: string | undefined;
  private client: Client | undefined;
  private attempt: Client | undefined;
  private connecting: Promise<void> | undefined;
  private connectedAt = 0;
  private currentTools: readonly Tool[] = [];
  private transportKind: TransportKind | 'auto';
  private retryTimer: NodeJS.Timeout | undefined;
  private nextAttemptAt: number | undefined;
  private stopping = false;
  private readonly backoff: Backoff;
  private readonly stderrTail = new StderrTail();
  private readonly disabled: ReadonlySet<string>;
  private readonly wakeup = new Wakeup();
  private readonly limiter: CallLimiter;
  // The last attempt ended because the user did not complete an authorization: no automatic retry (it
  // would prompt again and again); the next tool call starts a new authorization instead.
  private authorizationFailed = false;
  private readonly unsubscribeAuth: (() => void) | undefined;
  private readonly calls: SessionCalls;
  /** Clients a restart replaced, still open for the calls in flight on them. */
  private readonly retired = new Set<Client>();

  constructor(private readonly options: SessionOptions) {
    this.name = options.entry.name;
    this.since = this.now();
    this.transportKind = options.entry.kind;
    this.disabled = new Set(options.entry.disabledTools);
    this.backoff = new Backoff(options.backoff);
    this.limiter = new CallLimiter(options.entry.maxConcurrentCalls ?? options.defaultMaxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS);
    this.unsubscribeAuth = options.transport.auth?.onChange(() => {
      this.options.onChange('status');
      this.wakeup.wakeAll();
    });
    this.calls = new SessionCalls(this.callHost());
  }

  status(): ServerStatus {
    return {
      name: this.name,
      state: this.state,
      transport: this.transportKind,
      tools: this.currentTools.length,
      since: new Date(this.since).toISOString(),
      ...(this.lastError === undefined ? {} : { error: this.lastError }),
      ...(this.authorizationUrl() === undefined ? {} : { authorizationUrl: this.authorizationUrl() }),
      ...(this.pendingAuthorization() === undefined ? {} : { pendingAuthorization: this.pendingAuthorization() }),
      ...(this.nextAttemptAt === undefined ? {} : { nextAttemptAt: new Date(this.nextAttemptAt).toISOString() }),
      calls: { ...this.limiter.load, limit: this.limiter.limit },
    };
  }

  tools(): readonly Tool[] {
    return this.currentTools;
  }

  /** Connects and lists tools; one attempt at a time. Never throws: failure is a state, then a retry. */
  connect(): Promise<void> {
    // A reconnect already on its way when close() ran (a restart, say) must not bring a stopped session back.
    if (this.stopping) return Promise.resolve();
    this.connecting ??= this.attemptConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private defaultCallTimeoutMs(): number {
    return this.options.entry.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    return this.calls.callTool(tool, args, options);
  }

  /** What the call path (sessionCalls.ts) reads and may do: a live view of the connection and the ways to recover it. */
  private callHost(): CallHost {
    return {
      server: this.name,
      logger: this.options.logger,
      limiter: this.limiter,
      wakeup: this.wakeup,
      defaultTimeoutMs: this.defaultCallTimeoutMs(),
      callWaitMs: this.options.callWaitMs ?? DEFAULT_CALL_WAIT_MS,
      now: () => this.now(),
      connection: () => ({
        client: this.client,
        state: this.state,
        connecting: this.connecting !== undefined,
        stopping: this.stopping,
        nextAttemptAt: this.nextAttemptAt,
        lastError: this.lastError,
        authorizationFailed: this.authorizationFailed,
      }),
      connect: () => this.connect(),
      restart: (client, reason) => this.restart(client, reason),
      credentialsRejected: () => this.options.transport.auth?.credentialsRejected() ?? false,
      authorizationUrl: () => this.authorizationUrl(),
      pendingAuthorization: () => this.pendingAuthorization(),
    };
  }

  async close(): Promise<void> {
    this.stopping = true;
    // Calls waiting for a turn are answered now, not when the calls ahead of them end.
    this.limiter.close(unavailable(this.name, 'the server was stopped'));
    this.unsubscribeAuth?.();
    // Waited for: a cancelled authorization must not register, exchange or write tokens after close().
    const cancelled = this.options.transport.auth?.cancel?.();
    clearTimeout(this.retryTimer);
    this.nextAttemptAt = undefined;
    const [connected, attempt] = [this.client, this.attempt];
    this.client = undefined;
    // The server is told its session is over (spec: clients SHOULD), within a bound, before the connection closes.
    const ended = connected ? endSession(connected).then(() => connected.close()) : undefined;
    await Promise.all([cancelled, ended?.catch(() => {}), attempt?.close().catch(() => {}), ...[...this.retired].map((client) => this.retire(client))]);
    this.setState('stopped');
    this.wakeup.wakeAll();
  }

  private async attemptConnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.nextAttemptAt = undefined;
    this.setState('connecting');
    this.authorizationFailed = false;
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let prepared = false;
    try {
      const readiness = await this.options.transport.auth?.prepare();
      if (readiness && !readiness.ready) return this.awaitAuthorization(readiness.completion);
      prepared = true;
      const opening = openClient({
        entry: this.options.entry,
        context: { ...this.options.transport, callTimeoutMs: this.defaultCallTimeoutMs(), onStderrLine: (line) => this.recordStderr(line) },
        clientInfo: this.options.clientInfo,
        onToolListChanged: () => void this.refreshTools().catch((e) => this.warn('could not refresh the tool list', e)),
        onClose: (client) => this.handleClose(client),
        onTransportError: (client, error) => {
          if (this.client !== client || this.stopping) return;
          if (isDroppedSseStream(error)) {
            this.options.logger.info('SSE stream dropped; starting a new session', { server: this.name });
            this.handleClose(client);
            void client.close().catch(() => {});
          } else if (error instanceof SessionEndedError) {
            // The server's event stream came back 404 (it restarted, or expired the session): a new session now,
            // rather than at the next call, so its notifications and tool list are current meanwhile.
            this.options.logger.info('the server ended the session; starting a new one', { server: this.name });
            void this.restart(client, 'session expired');
          }
        },
        onAttempt: (client) => (this.attempt = client),
        onFallback: () => this.options.logger.info('server answered like a legacy SSE server; using SSE', { server: this.name }),
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The attempt may still finish in the background: close what it opened, so no child is left behind.
          void this.attempt?.close().catch(() => {});
          void opening.then((opened) => opened.client.close()).catch(() => {});
          reject(new Error(`connecting took longer than ${timeoutMs / 1000} s`));
        }, timeoutMs);
      });
      const { client, kind } = await Promise.race([opening, timeout]);
      if (this.stopping) return void (await client.close());
      this.client = client;
      this.transportKind = kind;
      await this.refreshTools();
      this.lastError = undefined;
      this.connectedAt = this.now();
      this.setState('connected');
    } catch (error) {
      const client = this.client;
      this.client = undefined;
      await client?.close().catch(() => {});
      if (this.stopping) return;
      this.lastError = this.describe(error);
      this.setState('failed');
      // Refused credentials: authorize at once rather than after a backoff delay.
      this.scheduleReconnect(prepared && this.options.transport.auth?.credentialsRejected() ? 0 : undefined);
    } finally {
      clearTimeout(timer);
      this.wakeup.wakeAll();
    }
  }

  /** Waits (without blocking anything else) for the user to authorize, then connects. */
  private awaitAuthorization(completion: Promise<void>): void {
    this.lastError = undefined;
    this.setState('needs_authorization');
    completion.then(
      () => {
        if (!this.stopping) void this.connect();
      },
      (error: unknown) => {
        if (this.stopping) return;
        this.lastError = `authorization failed: ${this.describe(error)}`;
        this.authorizationFailed = true;
        this.setState('failed');
        this.wakeup.wakeAll();
      },
    );
  }

  private pendingAuthorization(): PendingAuthorization | undefined {
    return this.options.transport.auth?.pendingAuthorization?.();
  }

  private authorizationUrl(): string | undefined {
    return this.options.transport.auth?.authorizationUrl();
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.stopping) return;
    const delay = delayMs ?? this.backoff.next();
    this.nextAttemptAt = this.now() + delay;
    this.options.logger.info('reconnect scheduled', { server: this.name, inMs: delay, attempt: this.backoff.attempts });
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref?.();
    this.options.onChange('status');
  }

  private handleClose(client: Client): void {
    if (this.stopping || this.client !== client) return;
    this.client = undefined;
    if (this.now() - this.connectedAt >= STABLE_CONNECTION_MS) this.backoff.reset();
    this.lastError = `connection closed${this.stderrTail.suffix()}`;
    this.setState('failed');
    this.scheduleReconnect();
  }

  /** Closes a client that went bad and reconnects at once (an expired session is not a crash). */
  private async restart(client: Client, reason: string): Promise<void> {
    // Already replaced (another call's 404 came first): the new connection is there or on its way. Connecting
    // again would open one more session per late 404 and drop the current client without closing it.
    if (this.client !== client) return void (await this.connecting);
    this.client = undefined;
    this.lastError = reason;
    // Closed once the calls still in flight on it have their own answers (on an expired session, a 404 each,
    // which they retry on the new one): closing it now failed them with 503 though the server never ran them.
    this.retired.add(client);
    void this.calls.idle(client).then(() => this.retire(client));
    await this.connect();
  }

  private async retire(client: Client): Promise<void> {
    if (!this.retired.delete(client)) return;
    await client.close().catch(() => {});
  }

  private async refreshTools(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const tools = await listAllTools(client);
    this.currentTools = tools.filter((tool) => !this.disabled.has(tool.name));
    this.options.onChange('tools');
  }

  private recordStderr(line: string): void {
    this.stderrTail.push(line);
    this.options.logger.debug('server stderr', { server: this.name, line });
  }

  private describe(error: unknown): string {
    return describeError(error) + this.stderrTail.suffix();
  }

  private warn(message: string, error: unknown): void {
    this.options.logger.warn(message, { server: this.name, error: this.describe(error) });
  }

  private setState(state: ServerState): void {
    const previous = this.state;
    this.state = state;
    this.since = this.now();
    if (previous !== state) {
      const fields = { server: this.name, state, ...(state === 'failed' ? { error: this.lastError } : {}) };
      if (state === 'failed') this.options.logger.warn('server state changed', fields);
      else this.options.logger.info('server state changed', fields);
    }
    this.options.onChange('status');
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
