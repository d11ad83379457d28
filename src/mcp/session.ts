/**
 * One MCP client session for one configured server: connect, keep the tool list current, multiplex
 * tool calls over the one session, and recover: reconnect with backoff after a crash or a failed start,
 * re-initialize an expired streamable-HTTP session and retry that call once.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMER_MS } from '../config/schema.js';
import type { ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { CallLimiter, DEFAULT_MAX_CONCURRENT_CALLS } from './callLimiter.js';
import { callTimedOut, describeError, mapCallError, needsAuthorization, unavailable, withPendingAuthorization } from './callErrors.js';
import { SessionEndedError } from './http/eventStreams.js';
import { endSession, isDroppedSseStream, isExpiredSession, listAllTools, openClient } from './connect.js';
import { StderrTail } from './stderrTail.js';
import { Wakeup } from './wakeup.js';
import type { TransportContext } from './transport.js';
import type { McpoError } from '../errors.js';
import type { CallOptions, CallToolResult, PendingAuthorization, ServerHandle, ServerState, ServerStatus, Tool, TransportKind } from './types.js';

/** Default per-call timeout when the entry sets none: 60 s, as the SDK's own default. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** How long connecting (spawn + initialize + tools/list) may take before the attempt counts as failed. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How long a call made while the server is (re)connecting waits for it before answering 503. */
export const DEFAULT_CALL_WAIT_MS = 5_000;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_CONNECTION_MS = 30_000;

/** One tool call on its way: `deadline` is when its timeout runs out (performance.now() time). */
interface CallInProgress {
  tool: string;
  args: Record<string, unknown>;
  timeoutMs: number;
  deadline: number;
  signal?: AbortSignal;
}

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

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    // Capped: a timer longer than that fires at once (the config caps `timeout`, an option may not).
    const timeoutMs = Math.min(options.timeoutMs ?? this.defaultCallTimeoutMs(), MAX_TIMER_MS);
    // The waits for a turn and for a connection count towards the call's timeout: a call never takes longer than it says.
    const call: CallInProgress = { tool, args, timeoutMs, deadline: performance.now() + timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
    const release = await this.limiter.acquire({ maxWaitMs: timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }).catch((error: unknown) => {
      throw mapCallError(error, this.failureContext(call));
    });
    try {
      return await this.callOnce(await this.connectedClient(call), call);
    } finally {
      release();
    }
  }

  private async callOnce(client: Client, call: CallInProgress): Promise<CallToolResult> {
    try {
      return await this.request(client, call);
    } catch (error) {
      if (this.options.transport.auth?.credentialsRejected() && !this.stopping) {
        // The server refused our credentials and no refresh helped: a new authorization, then a new session.
        await this.restart(client, 'the server refused the credentials');
        throw this.state === 'needs_authorization' ? needsAuthorization(this.name, this.authorizationUrl()) : mapCallError(error, this.failureContext(call));
      }
      // Retry once, and only when the server refused the session before running anything (404).
      if (!isExpiredSession(error) || this.stopping) throw this.namingPendingAuthorization(mapCallError(error, this.failureContext(call)));
      this.options.logger.info('session expired; starting a new one and retrying the call once', { server: this.name });
      await this.restart(client, 'session expired');
      const fresh = await this.connectedClient(call);
      try {
        return await this.request(fresh, call);
      } catch (retryError) {
        throw mapCallError(retryError, this.failureContext(call));
      }
    }
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
    await Promise.all([cancelled, ended?.catch(() => {}), attempt?.close().catch(() => {})]);
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

  /** A call that failed (timed out, say) while a step-up waits for the user: the error says where to go. */
  private namingPendingAuthorization(error: McpoError): McpoError {
    return withPendingAuthorization(error, this.pendingAuthorization());
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
    if (this.client === client) {
      this.client = undefined;
      this.lastError = reason;
      await client.close().catch(() => {});
    }
    await this.connect();
  }

  /**
   * The connected client, waiting a bounded time while a (re)connect is under way; else 503. The wait
   * never passes the call's deadline, and ends (CANCELLED) when the call's client leaves.
   */
  private async connectedClient(call: CallInProgress): Promise<Client> {
    const { signal } = call;
    const deadline = this.now() + (this.options.callWaitMs ?? DEFAULT_CALL_WAIT_MS);
    // A call after a failed authorization starts a new one (its URL comes back in the 503).
    if (this.authorizationFailed && !this.connecting && !this.stopping) void this.connect();
    if (this.client && this.state === 'connected') return this.client;
    // A client that left must not keep its turn until the connection comes.
    const onAbort = () => this.wakeup.wakeAll();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!this.client || this.state !== 'connected') {
        if (signal?.aborted) throw mapCallError(signal.reason, this.failureContext(call));
        if (this.state === 'needs_authorization') throw needsAuthorization(this.name, this.authorizationUrl());
        const remaining = Math.min(deadline - this.now(), call.deadline - performance.now());
        // Wait only when a connection can come within the window: an attempt under way or due soon.
        const expected = this.state === 'connecting' || (this.nextAttemptAt !== undefined && this.nextAttemptAt < deadline);
        if (this.stopping || remaining <= 0 || !expected) throw this.notConnectedError();
        await this.wakeup.wait(remaining);
      }
      return this.client;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Sends the call with what is left of its timeout; nothing is sent once that is used up (it would only be cancelled). */
  private async request(client: Client, call: CallInProgress) {
    const left = Math.ceil(call.deadline - performance.now());
    if (left <= 0) throw callTimedOut(this.failureContext(call));
    // client.request rather than client.callTool: the proxy passes the server's result through as it is;
    // callTool's client-side outputSchema check would turn a server's bad output into a misleading -32602.
    return (await client.request({ method: 'tools/call', params: { name: call.tool, arguments: call.args } }, CallToolResultSchema, {
      timeout: Math.min(left, call.timeoutMs),
      ...(call.signal ? { signal: call.signal } : {}),
    })) as CallToolResult;
  }

  private async refreshTools(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const tools = await listAllTools(client);
    this.currentTools = tools.filter((tool) => !this.disabled.has(tool.name));
    this.options.onChange('tools');
  }

  private failureContext(call: CallInProgress) {
    return { server: this.name, tool: call.tool, timeoutMs: call.timeoutMs, ...(call.signal ? { signal: call.signal } : {}) };
  }

  private notConnectedError() {
    const retryIn = this.nextAttemptAt === undefined ? 5 : Math.max(1, Math.ceil((this.nextAttemptAt - this.now()) / 1000));
    const why = this.stopping ? 'the server was stopped' : this.state === 'failed' ? `failed: ${this.lastError ?? 'unknown error'}` : this.state === 'connecting' ? 'still connecting' : this.state;
    return unavailable(this.name, why, undefined, retryIn);
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
