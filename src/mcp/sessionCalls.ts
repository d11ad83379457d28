/**
 * One tool call over a server's session: wait for a turn, wait for a connection, send with what is left of
 * the call's timeout, and retry once on an expired streamable-HTTP session. The Session that owns the
 * connection (and its recovery) lends what a call needs through CallHost.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMER_MS } from '../config/schema.js';
import type { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { CallLimiter } from './callLimiter.js';
import { callTimedOut, mapCallError, needsAuthorization, unavailable, withPendingAuthorization } from './callErrors.js';
import { isExpiredSession } from './connect.js';
import type { Wakeup } from './wakeup.js';
import type { CallOptions, CallToolResult, PendingAuthorization, ServerState } from './types.js';

/** The session's connection as it is at one moment; a call reads it again after every wait. */
export interface ConnectionView {
  client: Client | undefined;
  state: ServerState;
  /** A connect attempt is under way. */
  connecting: boolean;
  /** close() ran: nothing connects again. */
  stopping: boolean;
  /** When the scheduled reconnect runs (the host's now() time), if one is scheduled. */
  nextAttemptAt: number | undefined;
  lastError: string | undefined;
  /** The last attempt ended because the user did not complete an authorization. */
  authorizationFailed: boolean;
}

/** What a call needs from the Session that owns the connection. */
export interface CallHost {
  /** The server's name, for errors and logs. */
  readonly server: string;
  readonly logger: Logger;
  /** Bounds the calls in flight; a call holds a turn from before it waits for a connection until it ends. */
  readonly limiter: CallLimiter;
  /** Woken on every change of the connection, so waiting calls look again. */
  readonly wakeup: Wakeup;
  /** Per-call timeout when the caller sets none, ms. */
  readonly defaultTimeoutMs: number;
  /** How long a call waits for a (re)connecting server before 503, ms. */
  readonly callWaitMs: number;
  /** The session's clock (ms); deadlines of calls use performance.now() instead. */
  now(): number;
  connection(): ConnectionView;
  /** Starts a connect attempt unless one is under way; resolves when it is over (never throws). */
  connect(): Promise<void>;
  /** Replaces `client` if it is still the current one (closed once its calls are answered) and reconnects; else waits for the connection under way. */
  restart(client: Client, reason: string): Promise<void>;
  /** The server refused our credentials and no refresh helped. */
  credentialsRejected(): boolean;
  authorizationUrl(): string | undefined;
  pendingAuthorization(): PendingAuthorization | undefined;
}

/** One tool call on its way: `deadline` is when its timeout runs out (performance.now() time). */
interface CallInProgress {
  tool: string;
  args: Record<string, unknown>;
  timeoutMs: number;
  deadline: number;
  signal?: AbortSignal;
}

/** The tool-call path of one Session. */
export class SessionCalls {
  /** Calls in flight per client: a client retired by a restart is closed once its own are answered. */
  private readonly inFlight = new Map<Client, { count: number; idle?: Promise<void>; resolve?: () => void }>();
  constructor(private readonly host: CallHost) {}

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    // Capped: a timer longer than that fires at once (the config caps `timeout`, an option may not).
    const timeoutMs = Math.min(options.timeoutMs ?? this.host.defaultTimeoutMs, MAX_TIMER_MS);
    // The waits for a turn and for a connection count towards the call's timeout: a call never takes longer than it says.
    const call: CallInProgress = { tool, args, timeoutMs, deadline: performance.now() + timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
    const release = await this.host.limiter.acquire({ maxWaitMs: timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }).catch((error: unknown) => {
      throw mapCallError(error, this.failureContext(call));
    });
    try {
      return await this.callOnce(await this.connectedClient(call), call);
    } finally {
      release();
    }
  }

  private async callOnce(client: Client, call: CallInProgress): Promise<CallToolResult> {
    const host = this.host;
    try {
      return await this.request(client, call);
    } catch (error) {
      if (host.credentialsRejected() && !host.connection().stopping) {
        // The server refused our credentials and no refresh helped: a new authorization, then a new session.
        await host.restart(client, 'the server refused the credentials');
        throw host.connection().state === 'needs_authorization' ? needsAuthorization(host.server, host.authorizationUrl()) : mapCallError(error, this.failureContext(call));
      }
      // Retry once, and only when the server refused the session before running anything (404).
      if (!isExpiredSession(error) || host.connection().stopping) throw this.namingPendingAuthorization(mapCallError(error, this.failureContext(call)));
      host.logger.info('session expired; starting a new one and retrying the call once', { server: host.server });
      await host.restart(client, 'session expired');
      const fresh = await this.connectedClient(call);
      try {
        return await this.request(fresh, call);
      } catch (retryError) {
        throw this.namingPendingAuthorization(mapCallError(retryError, this.failureContext(call)));
      }
    }
  }

  /**
   * The connected client, waiting a bounded time while a (re)connect is under way; else 503. The wait
   * never passes the call's deadline, and ends (CANCELLED) when the call's client leaves.
   */
  private async connectedClient(call: CallInProgress): Promise<Client> {
    const { signal } = call;
    const host = this.host;
    const deadline = host.now() + host.callWaitMs;
    const before = host.connection();
    // A call after a failed authorization starts a new one (its URL comes back in the 503).
    if (before.authorizationFailed && !before.connecting && !before.stopping) void host.connect();
    const current = host.connection();
    if (current.client && current.state === 'connected') return current.client;
    // A client that left must not keep its turn until the connection comes.
    const onAbort = () => host.wakeup.wakeAll();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const connection = host.connection();
        if (connection.client && connection.state === 'connected') return connection.client;
        if (signal?.aborted) throw mapCallError(signal.reason, this.failureContext(call));
        if (connection.state === 'needs_authorization') throw needsAuthorization(host.server, host.authorizationUrl());
        const remaining = Math.min(deadline - host.now(), call.deadline - performance.now());
        // Wait only when a connection can come within the window: an attempt under way or due soon.
        const expected = connection.state === 'connecting' || (connection.nextAttemptAt !== undefined && connection.nextAttemptAt < deadline);
        if (connection.stopping || remaining <= 0 || !expected) throw this.notConnectedError(connection);
        await host.wakeup.wait(remaining);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves once no call is in flight on `client` (at once if none is). */
  idle(client: Client): Promise<void> {
    const flight = this.inFlight.get(client);
    if (!flight) return Promise.resolve();
    flight.idle ??= new Promise((resolve) => (flight.resolve = resolve));
    return flight.idle;
  }

  /** Sends the call with what is left of its timeout; nothing is sent once that is used up (it would only be cancelled). */
  private async request(client: Client, call: CallInProgress) {
    const left = Math.ceil(call.deadline - performance.now());
    if (left <= 0) throw callTimedOut(this.failureContext(call));
    const flight = this.inFlight.get(client) ?? { count: 0 };
    flight.count++;
    this.inFlight.set(client, flight);
    try {
      // client.request rather than client.callTool: the proxy passes the server's result through as it is;
      // callTool's client-side outputSchema check would turn a server's bad output into a misleading -32602.
      return (await client.request({ method: 'tools/call', params: { name: call.tool, arguments: call.args } }, CallToolResultSchema, {
        timeout: Math.min(left, call.timeoutMs),
        ...(call.signal ? { signal: call.signal } : {}),
      })) as CallToolResult;
    } finally {
      if (--flight.count === 0) {
        this.inFlight.delete(client);
        flight.resolve?.();
      }
    }
  }

  /** A call that failed (timed out, say) while a step-up waits for the user: the error says where to go. */
  private namingPendingAuthorization(error: McpoError): McpoError {
    return withPendingAuthorization(error, this.host.pendingAuthorization());
  }

  private failureContext(call: CallInProgress) {
    return { server: this.host.server, tool: call.tool, timeoutMs: call.timeoutMs, ...(call.signal ? { signal: call.signal } : {}) };
  }

  private notConnectedError(connection: ConnectionView) {
    const { nextAttemptAt, stopping, state, lastError } = connection;
    const retryIn = nextAttemptAt === undefined ? 5 : Math.max(1, Math.ceil((nextAttemptAt - this.host.now()) / 1000));
    const why = stopping ? 'the server was stopped' : state === 'failed' ? `failed: ${lastError ?? 'unknown error'}` : state === 'connecting' ? 'still connecting' : state;
    return unavailable(this.host.server, why, undefined, retryIn);
  }
}
