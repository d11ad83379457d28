/**
 * One MCP client session for one configured server, as an explicit state machine (sessionPhase.ts):
 * connect and list tools, keep the list current, and recover — a new session at once when the server no
 * longer knows ours, reconnection with backoff when the server crashed, closed or cannot be reached, and
 * idle-time pings (liveness.ts) so an outage is found before a user's call finds it. Every change of state
 * goes through transition(), which logs it once and wakes the calls waiting in awaitReady().
 * The tool-call path (with its one retry on a lost session) is in sessionCalls.ts.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerEntry } from '../config/types.js';
import type { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ReconnectBackoff, type BackoffOptions } from './backoff.js';
import { CallLimiter, DEFAULT_MAX_CONCURRENT_CALLS } from './callLimiter.js';
import { describeError, needsAuthorization, unavailable } from './callErrors.js';
import { MisplacedAnswerError, SessionEndedError, StreamSlowedError } from './http/eventStreams.js';
import { CoalescedRuns } from './coalescedRuns.js';
import { endSession, isDroppedSseStream } from './connect.js';
import { forwardingRules, outsideForwarding, selectForwardedHeaders, type ForwardingRules, type RequestHeaders } from './forwardedHeaders.js';
import { DEFAULT_PING_INTERVAL_MS, Liveness, PING_TIMEOUT_MS } from './liveness.js';
import { SessionCalls, type CallHost } from './sessionCalls.js';
import { isAnswer, isSessionLost, isUnreachable } from './sessionLoss.js';
import { LIVE_PHASES, publicState, whyNotReady, type PhaseName, type SessionPhase } from './sessionPhase.js';
import { StderrTail } from './stderrTail.js';
import { openWithin, type OpenedAndListed } from './openWithin.js';
import { listAllTools, toolListOptions } from './toolList.js';
import { isRefusedList } from './toolListError.js';
import { Wakeup } from './wakeup.js';
import { sdkTransportLimits, type TransportContext } from './transport.js';
import type { CallOptions, CallSignal, CallToolResult, PendingAuthorization, ServerHandle, ServerStatus, Tool, TransportKind } from './types.js';

/** Default per-call timeout when the entry sets none: 60 s, as the SDK's own default. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/**
 * How long connecting (spawn + initialize + tools/list) may take before the attempt counts as failed; also how long
 * a refresh of the tool list (after notifications/tools/list_changed) may take.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How long a call made while the server is (re)connecting waits for it before answering 503. */
export const DEFAULT_CALL_WAIT_MS = 5_000;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_CONNECTION_MS = 30_000;
/**
 * A call to a reconnecting server starts an attempt now, rather than waiting for a backoff that may have grown
 * to a minute, when the last attempt began at least this long ago: a server that is back answers the next call,
 * and one that is still down is tried no more often than this however many calls come.
 */
export const ON_DEMAND_ATTEMPT_SPACING_MS = 2_000;

export interface SessionOptions {
  entry: ServerEntry;
  logger: Logger;
  transport: Omit<TransportContext, 'onStderrLine'>;
  clientInfo: { name: string; version: string };
  defaultTimeoutMs?: number;
  /** Calls in flight at once unless the entry says otherwise. Default DEFAULT_MAX_CONCURRENT_CALLS. */
  defaultMaxConcurrentCalls?: number;
  /** Idle time before a remote session is pinged, unless the entry says otherwise; 0 = never. Default DEFAULT_PING_INTERVAL_MS. */
  defaultPingIntervalMs?: number;
  connectTimeoutMs?: number;
  callWaitMs?: number;
  /** mcpo has an API key: a REST request's Authorization is that key, never forwarded. Default false. */
  apiKeyInAuthorization?: boolean;
  backoff?: BackoffOptions;
  /** The backoff after a refused tool list (over its bounds), and the least delay it sets. Default DEFAULT_REFUSED_LIST_BACKOFF. */
  refusedListBackoff?: BackoffOptions;
  /** Called after every change the HTTP layer must know about. */
  onChange: (kind: 'tools' | 'status') => void;
  now?: () => number;
}

export class Session implements ServerHandle {
  readonly name: string;
  private phase: SessionPhase = { state: 'connecting' };
  private since: number;
  /** Why the server is not connected, kept across attempts until one succeeds. */
  private lastError: string | undefined;
  /** The connect attempt under way; one at a time. */
  private attemptRun: Promise<void> | undefined;
  /** The attempt's client while it connects, so a timeout or close() can close it. */
  private opening: Client | undefined;
  /** Attempts that failed so far: a call waits for the outcome of one attempt, not for a series of them. */
  private failedAttempts = 0;
  /** When the last attempt began (the session's clock). */
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private connectedAt = 0;
  private currentTools: readonly Tool[] = [];
  /** Tools the server runs only as tasks (execution.taskSupport "required"). */
  private taskTools: ReadonlySet<string> = new Set();
  private transportKind: TransportKind | 'auto';
  private retryTimer: NodeJS.Timeout | undefined;
  private liveness: Liveness | undefined;
  /** The ping under way for the ready client, if any: one check at a time. */
  private probing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly backoff: ReconnectBackoff;
  private readonly stderrTail = new StderrTail();
  private readonly disabled: ReadonlySet<string>;
  private readonly wakeup = new Wakeup();
  private readonly limiter: CallLimiter;
  private readonly unsubscribeAuth: (() => void) | undefined;
  private readonly calls: SessionCalls;
  /** Clients a new session replaced, still open for the calls in flight on them. */
  private readonly retired = new Set<Client>();
  /** What of a REST request goes on to this server (client_header_forwarding), for remote servers that set it. */
  private readonly forwarding: ForwardingRules | undefined;
  /** Refreshes of the tool list: one in flight and one queued at most, however many list_changed notifications come. */
  private readonly toolRefresh = new CoalescedRuns(() => this.refreshTools());

  constructor(private readonly options: SessionOptions) {
    this.name = options.entry.name;
    this.since = this.now();
    this.transportKind = options.entry.kind;
    this.disabled = new Set(options.entry.disabledTools);
    this.backoff = new ReconnectBackoff({
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.refusedListBackoff ? { refusedList: options.refusedListBackoff } : {}),
    });
    this.limiter = new CallLimiter(options.entry.maxConcurrentCalls ?? options.defaultMaxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS);
    this.unsubscribeAuth = options.transport.auth?.onChange((event) => {
      this.options.onChange('status');
      this.wakeup.wakeAll();
      if (event === 'authorized') this.authorized();
      else if (event === 'signed_out') this.signedOut();
    });
    this.calls = new SessionCalls(this.callHost());
    this.forwarding = forwardingRules(options.entry, options.apiKeyInAuthorization === true, options.logger);
    if (options.entry.sdkTransport) options.logger.warn(sdkTransportLimits(options.entry), { server: this.name });
  }

  status(): ServerStatus {
    const phase = this.phase;
    const authorizationUrl = this.authorizationUrl();
    const connectionsUrl = this.connectionsUrl();
    const pendingAuthorization = this.pendingAuthorization();
    return {
      name: this.name,
      state: publicState(phase),
      transport: this.transportKind,
      tools: this.currentTools.length,
      since: new Date(this.since).toISOString(),
      ...(phase.state !== 'ready' && this.lastError !== undefined ? { error: this.lastError } : {}),
      ...(phase.state === 'reconnecting' ? { attempt: phase.attempt, nextAttemptAt: new Date(phase.nextAttemptAt).toISOString() } : {}),
      ...(authorizationUrl === undefined ? {} : { authorizationUrl }),
      ...(connectionsUrl === undefined ? {} : { connectionsUrl }),
      ...(pendingAuthorization === undefined ? {} : { pendingAuthorization }),
      calls: { ...this.limiter.load, limit: this.limiter.limit },
    };
  }

  tools(): readonly Tool[] {
    return this.currentTools;
  }

  /** Connects and lists tools; one attempt at a time. Never throws: failure is a state, then a retry. */
  connect(): Promise<void> {
    if (this.is('stopping', 'stopped')) return Promise.resolve();
    // Started from a call (a lost session, say): the new session must not carry that caller's forwarded headers.
    if (this.attemptRun) return this.attemptRun;
    const run: Promise<void> = outsideForwarding(() => this.attempt()).finally(() => {
      if (this.attemptRun === run) this.attemptRun = undefined;
    });
    // Unless the attempt already ended (it found the session ready, or stopped), it is the one under way.
    if (this.is('connecting')) this.attemptRun = run;
    return run;
  }

  callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    return this.calls.callTool(tool, args, options);
  }

  /**
   * The ready client for a call, waiting up to `waitMs` while a connection is on its way: an attempt under
   * way, or one due within the wait. A call waits for the outcome of one attempt at most (a server that
   * stays unreachable answers 503 at once, not after a series of retries). Rejects with an McpoError (503
   * SERVER_UNAVAILABLE with Retry-After, NEEDS_AUTHORIZATION), or with the signal's reason when it aborts.
   */
  async awaitReady(waitMs: number, signal?: CallSignal): Promise<Client> {
    // The user did not complete an authorization: a call starts a new one (its URL comes back in the 503).
    if (this.phase.state === 'failed') void this.connect();
    else if (this.phase.state === 'reconnecting' && this.phase.onDemand && this.now() - this.lastAttemptAt >= ON_DEMAND_ATTEMPT_SPACING_MS) void this.connect();
    const deadline = this.now() + waitMs;
    const failuresBefore = this.failedAttempts;
    const onAbort = () => this.wakeup.wakeAll();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const phase = this.phase;
        if (signal?.aborted) throw signal.reason;
        if (phase.state === 'ready') return phase.client;
        if (phase.state === 'needs_authorization') throw needsAuthorization(this.name, this.authorizationUrl(), this.connectionsUrl());
        const remaining = deadline - this.now();
        const expected =
          this.failedAttempts === failuresBefore &&
          (phase.state === 'connecting' || (phase.state === 'reconnecting' && phase.nextAttemptAt < deadline));
        if (remaining <= 0 || !expected) throw this.notReady();
        await this.wakeup.wait(remaining);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const phase = this.phase;
    const client = phase.state === 'ready' ? phase.client : undefined;
    this.transition(LIVE_PHASES, { state: 'stopping' });
    // Calls waiting for a turn are answered now, not when the calls ahead of them end.
    this.limiter.close(unavailable(this.name, 'the server was stopped'));
    this.unsubscribeAuth?.();
    // Waited for: a cancelled authorization must not register, exchange or write tokens after close().
    const cancelled = this.options.transport.auth?.cancel?.();
    // The server is told its session is over (spec: clients SHOULD), within a bound, before the connection closes.
    const ended = client ? endSession(client).then(() => client.close()) : undefined;
    const attempt = this.opening;
    await Promise.all([cancelled, ended?.catch(() => {}), attempt?.close().catch(() => {}), ...[...this.retired].map((old) => this.retire(old))]);
    this.transition(['stopping'], { state: 'stopped' });
  }

  /** What the call path (sessionCalls.ts) may read and do. */
  private callHost(): CallHost {
    return {
      server: this.name,
      logger: this.options.logger,
      limiter: this.limiter,
      defaultTimeoutMs: this.defaultCallTimeoutMs(),
      callWaitMs: this.options.callWaitMs ?? DEFAULT_CALL_WAIT_MS,
      awaitReady: (waitMs, signal) => this.awaitReady(waitMs, signal),
      readyClient: () => (this.phase.state === 'ready' ? this.phase.client : undefined),
      state: () => this.phase.state,
      replace: (client, reason) => this.replace(client, reason),
      touch: () => this.liveness?.touch(),
      runsAsTask: (tool) => this.taskTools.has(tool),
      forwardedHeaders: (request) => this.forwardedHeaders(request),
      credentialsRejected: () => this.options.transport.auth?.credentialsRejected() ?? false,
      authorizationUrl: () => this.authorizationUrl(),
      connectionsUrl: () => this.connectionsUrl(),
      pendingAuthorization: () => this.pendingAuthorization(),
    };
  }

  /** One connect attempt: authorization if needed, then transport + initialize + tools/list within the connect timeout. */
  private async attempt(): Promise<void> {
    if (!this.transition(['connecting', 'reconnecting', 'failed', 'needs_authorization'], { state: 'connecting' })) return;
    this.lastAttemptAt = this.now();
    this.stderrTail.clear();
    let prepared = false;
    try {
      const readiness = await this.options.transport.auth?.prepare();
      if (!this.is('connecting')) return;
      if (readiness && !readiness.ready) return this.awaitAuthorization(readiness.completion);
      prepared = true;
      const { client, kind, tools } = await this.open();
      if (!this.is('connecting')) return void (await client.close().catch(() => {}));
      this.transportKind = kind;
      this.setTools(tools);
      this.lastError = undefined;
      this.connectedAt = this.now();
      this.transition(['connecting'], { state: 'ready', client });
    } catch (error) {
      if (!this.is('connecting')) return;
      this.failedAttempts++;
      const refused = isRefusedList(error);
      // Refused credentials: authorize at once rather than after a backoff delay.
      const delay = prepared && this.options.transport.auth?.credentialsRejected() ? 0 : this.backoff.next(refused);
      this.scheduleRetry(refused ? `tool list refused: ${this.describe(error)}` : this.describe(error), delay, refused);
    }
  }

  /** Opens a client and lists its tools within the connect timeout (openWithin.ts). */
  private async open(): Promise<OpenedAndListed> {
    const timeoutMs = this.connectTimeoutMs();
    try {
      return await openWithin(
        timeoutMs,
        {
          entry: this.options.entry,
          context: { ...this.options.transport, callTimeoutMs: this.defaultCallTimeoutMs(), onStderrLine: (line) => this.recordStderr(line) },
          clientInfo: this.options.clientInfo,
          onToolListChanged: () => this.toolRefresh.request(),
          onClose: (client) => this.lost(client, `connection closed${this.stderrTail.suffix()}`),
          onTransportError: (client, error) => this.transportError(client, error),
          // Kept until open() settles, not only while initialize runs: a close() during tools/list must end the child too.
          onAttempt: (client) => {
            if (client) this.opening = client;
          },
          onFallback: () => this.options.logger.info('server answered like a legacy SSE server; using SSE', { server: this.name }),
        },
        (client, signal) => listAllTools(client, toolListOptions(this.options.entry, timeoutMs, signal)),
      );
    } finally {
      this.opening = undefined;
    }
  }

  /** Waits (without blocking anything else) for the user to authorize, then connects. */
  private awaitAuthorization(completion: Promise<void>): void {
    this.lastError = undefined;
    this.transition(['connecting'], { state: 'needs_authorization' });
    completion.then(
      () => {
        if (this.is('needs_authorization')) void this.connect();
      },
      (error: unknown) => {
        this.lastError = `authorization failed: ${this.describe(error)}`;
        this.transition(['needs_authorization'], { state: 'failed', error: this.lastError });
      },
    );
  }

  /**
   * An authorization completed outside this session's own wait (Connect on the connections page after a failed
   * one, or while backing off): connect now. An attempt under way or a ready session is left alone.
   */
  private authorized(): void {
    if (this.is('failed', 'needs_authorization', 'reconnecting')) void this.connect();
  }

  /**
   * The tokens were revoked and deleted (Disconnect): the ready session is closed and a new attempt finds no
   * token, so the server waits for an authorization, rather than failing a user's call first.
   */
  private signedOut(): void {
    const phase = this.phase;
    if (phase.state === 'ready') {
      this.lastError = 'disconnected on the connections page';
      const client = phase.client;
      this.transition(['ready'], { state: 'connecting' });
      void client.close().catch(() => {});
      void this.connect();
    } else if (this.is('failed', 'reconnecting')) void this.connect();
  }

  /** What the transport reports outside any request's answer. */
  private transportError(client: Client, error: Error): void {
    if (error instanceof MisplacedAnswerError) {
      // Dropped by the transport; said even while connecting, since it is the server misbehaving, not a lost connection.
      this.options.logger.warn('dropped an answer the server sent on another request\'s stream', { server: this.name, error: error.message });
      return;
    }
    if (!this.isReadyWith(client)) return;
    if (isDroppedSseStream(error)) {
      // A legacy SSE stream that dropped: the server's session behind it is gone, so the whole client starts over.
      this.options.logger.info('SSE stream dropped; starting a new session', { server: this.name });
      this.lost(client, `SSE stream dropped: ${describeError(error)}`);
    } else if (error instanceof SessionEndedError) {
      // The server's event stream says it no longer knows the session (it restarted, or expired it): a new one now,
      // rather than at the next call, so its notifications and tool list are current meanwhile.
      this.options.logger.info('the server ended the session; starting a new one', { server: this.name });
      void this.replace(client, 'session ended by the server');
    } else if (error instanceof StreamSlowedError) {
      // The session itself still works (calls, idle pings); only what the server sends on its own may come late.
      this.options.logger.info('event stream slowed: the server\'s notifications (tools/list_changed) may come late', {
        server: this.name,
        error: error.message,
      });
    } else if (isUnreachable(error)) {
      // A request or the event stream could not reach the server: find out whether the session still works.
      void this.probe(client, `the server cannot be reached: ${describeError(error)}`);
    }
  }

  /**
   * The server no longer knows `client`'s session: a new session at once (no backoff: nothing crashed). The
   * session is `connecting` when this returns its promise (synchronously), so a caller may wait in awaitReady.
   */
  private async replace(client: Client, reason: string): Promise<void> {
    // Another call's refusal came first: the new connection is there or on its way. Connecting again would open
    // one more session per late refusal.
    if (!this.isReadyWith(client)) return void (await this.attemptRun);
    this.lastError = reason;
    // Closed once the calls still in flight on it have their own answers (on a lost session, a refusal each,
    // which they retry on the new one): closing it now would fail them with 503 though the server never ran them.
    this.retired.add(client);
    void this.calls.idle(client).then(() => this.retire(client));
    this.transition(['ready'], { state: 'connecting' });
    await this.connect();
  }

  /**
   * `client`'s connection is gone, the server is unreachable, or its tool list was `refused`: close it and
   * reconnect with backoff.
   */
  private lost(client: Client, reason: string, refused = false): void {
    if (!this.isReadyWith(client)) return;
    if (this.now() - this.connectedAt >= STABLE_CONNECTION_MS) this.backoff.reset();
    this.scheduleRetry(reason, this.backoff.next(refused), refused);
    // Calls still waiting on it answer now (503) rather than at their timeouts.
    void client.close().catch(() => {});
  }

  /**
   * Checks the ready session with an MCP ping. A JSON-RPC answer of any kind shows the server is there; a
   * lost session starts a new one; no answer (refused, reset, timed out) means the server is unreachable.
   */
  private probe(client: Client, reason?: string): Promise<void> {
    this.probing ??= outsideForwarding(() => client.ping({ timeout: Math.min(PING_TIMEOUT_MS, this.pingIntervalMs() || PING_TIMEOUT_MS) }))
      .then(
        () => {},
        (error: unknown) => {
          if (!this.isReadyWith(client) || isAnswer(error)) return;
          if (isSessionLost(error)) return this.replace(client, 'session lost (found by ping)');
          this.lost(client, reason ?? `ping failed: ${describeError(error)}`);
        },
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /**
   * Schedules the next attempt. After a `refused` tool list no call may start it sooner (each attempt costs mcpo
   * reading up to the bound: a hostile server must not make it do that every few seconds), and the error says so.
   */
  private scheduleRetry(reason: string, delay: number, refused = false): void {
    const error = refused ? `${reason}; a server whose tool list was refused is retried less often: the next attempt ${Math.ceil(delay / 1000)} s after this refusal` : reason;
    this.lastError = error;
    this.transition(['connecting', 'ready'], { state: 'reconnecting', attempt: this.backoff.attempts, nextAttemptAt: this.now() + delay, onDemand: !refused, error });
    this.options.logger.info('reconnect scheduled', { server: this.name, inMs: delay, attempt: this.backoff.attempts });
  }

  /**
   * Moves to `to` if the session is in one of `from`; false (nothing done) otherwise. Runs the exit action of
   * the state left and the entry action of the state entered, logs the change once, and wakes waiting calls.
   */
  private transition(from: readonly PhaseName[], to: SessionPhase): boolean {
    const previous = this.phase;
    if (!from.includes(previous.state)) return false;
    this.exit(previous);
    this.phase = to;
    this.since = this.now();
    this.enter(to);
    if (previous.state !== to.state) {
      const fields = { server: this.name, state: publicState(to), ...('error' in to ? { error: to.error } : {}) };
      if (to.state === 'reconnecting' || to.state === 'failed') this.options.logger.warn('server state changed', fields);
      else this.options.logger.info('server state changed', fields);
    }
    this.options.onChange('status');
    this.wakeup.wakeAll();
    return true;
  }

  private enter(phase: SessionPhase): void {
    if (phase.state === 'reconnecting') {
      this.retryTimer = setTimeout(() => void this.connect(), Math.max(0, phase.nextAttemptAt - this.now()));
      this.retryTimer.unref?.();
    } else if (phase.state === 'ready' && this.options.entry.kind !== 'stdio' && this.pingIntervalMs() > 0) {
      const client = phase.client;
      this.liveness = new Liveness({
        intervalMs: this.pingIntervalMs(),
        probe: () => this.probe(client),
        busy: () => this.limiter.load.inFlight > 0,
        now: () => this.now(),
      });
    }
  }

  private exit(phase: SessionPhase): void {
    // The attempt is over the moment the session leaves `connecting`, not when its promise settles a few
    // microtasks later: a lost session found in between must start a new attempt, not join the finished one.
    if (phase.state === 'connecting') this.attemptRun = undefined;
    if (phase.state === 'reconnecting') clearTimeout(this.retryTimer);
    if (phase.state === 'ready') {
      this.liveness?.stop();
      this.liveness = undefined;
    }
  }

  private async retire(client: Client): Promise<void> {
    if (!this.retired.delete(client)) return;
    await client.close().catch(() => {});
  }

  /** Run by toolRefresh only. Never throws: a failed refresh keeps the list; one over the bounds fails the server. */
  private async refreshTools(): Promise<void> {
    if (this.phase.state !== 'ready') return;
    const client = this.phase.client;
    try {
      const tools = await listAllTools(client, toolListOptions(this.options.entry, this.connectTimeoutMs()));
      if (this.isReadyWith(client)) this.setTools(tools);
    } catch (error) {
      // A list that does not end or is too big is the server's fault, not a slow answer's: it fails (and is retried) alone.
      if (isRefusedList(error)) this.lost(client, `tool list refused: ${this.describe(error)}`, true);
      else this.warn('could not refresh the tool list', error);
    }
  }

  private setTools(tools: readonly Tool[]): void {
    this.currentTools = tools.filter((tool) => !this.disabled.has(tool.name));
    this.taskTools = new Set(this.currentTools.filter((tool) => tool.execution?.taskSupport === 'required').map((tool) => tool.name));
    this.options.onChange('tools');
  }

  /** 503 for a call that cannot be served now, with Retry-After until the next attempt. */
  private notReady(): McpoError {
    const phase = this.phase;
    const retryIn = phase.state === 'reconnecting' ? Math.max(1, Math.ceil((phase.nextAttemptAt - this.now()) / 1000)) : 5;
    return unavailable(this.name, whyNotReady(phase), undefined, retryIn);
  }

  private is(...states: PhaseName[]): boolean {
    return states.includes(this.phase.state);
  }

  private isReadyWith(client: Client): boolean {
    return this.phase.state === 'ready' && this.phase.client === client;
  }

  private connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  private defaultCallTimeoutMs(): number {
    return this.options.entry.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  private pingIntervalMs(): number {
    const entry = this.options.entry;
    return (entry.kind === 'stdio' ? undefined : entry.pingIntervalMs) ?? this.options.defaultPingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  }

  private forwardedHeaders(request: RequestHeaders | undefined): Readonly<Record<string, string>> | undefined {
    if (!this.forwarding || !request) return undefined;
    const headers = selectForwardedHeaders(request, this.forwarding);
    if (headers && this.forwarding.rules.logNames) this.options.logger.debug('forwarding headers', { server: this.name, headers: Object.keys(headers).join(',') });
    return headers;
  }

  private pendingAuthorization(): PendingAuthorization | undefined {
    return this.options.transport.auth?.pendingAuthorization?.();
  }

  private authorizationUrl(): string | undefined {
    return this.options.transport.auth?.authorizationUrl();
  }

  private connectionsUrl(): string | undefined {
    return this.options.transport.auth?.connectionsUrl?.();
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

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
