/**
 * One tool call over a server's session: wait for a turn, wait for a connection, send with what is left of
 * the call's timeout, and retry once on a session the server no longer knows. The Session that owns the
 * connection (and its recovery) lends what a call needs through CallHost.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMER_MS } from '../config/schema.js';
import type { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { CallLimiter } from './callLimiter.js';
import { callTimedOut, mapCallError, needsAuthorization, withPendingAuthorization } from './callErrors.js';
import { isSessionLost } from './sessionLoss.js';
import { callAsTask } from './taskCall.js';
import { withForwardedHeaders, type RequestHeaders } from './forwardedHeaders.js';
import type { PhaseName } from './sessionPhase.js';
import { protocolSignal } from './sdkInternals.js';
import type { CallOptions, CallSignal, CallToolResult, PendingAuthorization } from './types.js';

/** What a call needs from the Session that owns the connection. */
export interface CallHost {
  /** The server's name, for errors and logs. */
  readonly server: string;
  readonly logger: Logger;
  /** Bounds the calls in flight; a call holds a turn from before it waits for a connection until it ends. */
  readonly limiter: CallLimiter;
  /** Per-call timeout when the caller sets none, ms. */
  readonly defaultTimeoutMs: number;
  /** How long a call waits for a (re)connecting server before 503, ms. */
  readonly callWaitMs: number;
  /** The ready client now, if the session is ready (no wait). */
  readyClient(): Client | undefined;
  /** The ready client, waiting up to `waitMs` for one on its way (Session.awaitReady). */
  awaitReady(waitMs: number, signal?: CallSignal): Promise<Client>;
  state(): PhaseName;
  /** The server no longer knows `client`'s session: a new one (once, however many calls found out), resolved when it is ready or failed. */
  replace(client: Client, reason: string): Promise<void>;
  /** Traffic on the session (the idle-time liveness check starts again). */
  touch(): void;
  /** The tool must be called as an MCP task (its execution.taskSupport is "required"). */
  runsAsTask(tool: string): boolean;
  /** The headers of the REST request that go on to the server with this call (client_header_forwarding), if any. */
  forwardedHeaders(request: RequestHeaders | undefined): Readonly<Record<string, string>> | undefined;
  /** The server refused our credentials and no refresh helped. */
  credentialsRejected(): boolean;
  authorizationUrl(): string | undefined;
  connectionsUrl(): string | undefined;
  pendingAuthorization(): PendingAuthorization | undefined;
}

/** One tool call on its way: `deadline` is when its timeout runs out (performance.now() time). */
interface CallInProgress {
  tool: string;
  args: Record<string, unknown>;
  timeoutMs: number;
  deadline: number;
  signal?: CallSignal;
  /** Sent with the call's HTTP requests (client_header_forwarding). */
  headers?: Readonly<Record<string, string>>;
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
    const headers = this.host.forwardedHeaders(options.requestHeaders);
    const call: CallInProgress = {
      tool,
      args,
      timeoutMs,
      deadline: performance.now() + timeoutMs,
      signal: options.signal,
      headers,
    };
    const release = await this.host.limiter.acquire({ maxWaitMs: timeoutMs, signal: options.signal }).catch((error: unknown) => {
      throw mapCallError(error, this.failureContext(call));
    });
    try {
      // The usual case, a ready session, without the promise and abort listener of a wait.
      return await this.callOnce(this.host.readyClient() ?? (await this.readyClient(call)), call);
    } finally {
      release();
    }
  }

  private async callOnce(client: Client, call: CallInProgress): Promise<CallToolResult> {
    const host = this.host;
    try {
      return await this.request(client, call);
    } catch (error) {
      if (host.credentialsRejected() && !this.stopping()) {
        // The server refused our credentials and no refresh helped: a new authorization, then a new session.
        await host.replace(client, 'the server refused the credentials');
        throw host.state() === 'needs_authorization' ? needsAuthorization(host.server, host.authorizationUrl(), host.connectionsUrl()) : mapCallError(error, this.failureContext(call));
      }
      // Retry once, and only when the server refused the session, which proves the call never ran.
      if (!isSessionLost(error) || this.stopping()) throw this.namingPendingAuthorization(mapCallError(error, this.failureContext(call)));
      host.logger.info('session lost; starting a new one and retrying the call once', { server: host.server });
      // Not awaited: the new session is waited for by readyClient, within the call's deadline and its caller's patience.
      void host.replace(client, 'session lost');
      const fresh = await this.readyClient(call, true);
      try {
        return await this.request(fresh, call);
      } catch (retryError) {
        throw this.namingPendingAuthorization(mapCallError(retryError, this.failureContext(call)));
      }
    }
  }

  /** The ready client, waiting a bounded time (never past the call's deadline) while a (re)connect is on its way; else 503. */
  private async readyClient(call: CallInProgress, retrying = false): Promise<Client> {
    const left = call.deadline - performance.now();
    const waitMs = Math.min(this.host.callWaitMs, left);
    return this.host.awaitReady(Math.max(0, waitMs), call.signal).catch((error: unknown) => {
      // A call already sent once (its session was lost) whose own timeout ended the wait for the new session timed
      // out (504). A first wait answers 503 instead: the server is still coming up, worth a retry by the client.
      // (The wait is timed on the session's clock, the deadline on performance.now(): a few ms apart.)
      const timedOut = left <= this.host.callWaitMs && performance.now() >= call.deadline - 25;
      if (retrying && timedOut && !call.signal?.aborted) throw callTimedOut(this.failureContext(call), error);
      throw mapCallError(error, this.failureContext(call));
    });
  }

  private stopping(): boolean {
    const state = this.host.state();
    return state === 'stopping' || state === 'stopped';
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
    this.host.touch();
    try {
      return await (call.headers ? withForwardedHeaders(call.headers, () => this.send(client, call, left)) : this.send(client, call, left));
    } finally {
      this.host.touch();
      if (--flight.count === 0) {
        this.inFlight.delete(client);
        flight.resolve?.();
      }
    }
  }

  private send(client: Client, call: CallInProgress, left: number): Promise<CallToolResult> {
    if (this.host.runsAsTask(call.tool)) {
      return callAsTask(client, { tool: call.tool, args: call.args, deadline: call.deadline, signal: call.signal });
    }
    // client.request rather than client.callTool: the proxy passes the server's result through as it is;
    // callTool's client-side outputSchema check would turn a server's bad output into a misleading -32602.
    return client.request({ method: 'tools/call', params: { name: call.tool, arguments: call.args } }, CallToolResultSchema, {
      timeout: Math.min(left, call.timeoutMs),
      signal: call.signal && protocolSignal(call.signal),
    }) as Promise<CallToolResult>;
  }

  /** A call that failed (timed out, say) while a step-up waits for the user: the error says where to go. */
  private namingPendingAuthorization(error: McpoError): McpoError {
    return withPendingAuthorization(error, this.host.pendingAuthorization());
  }

  private failureContext(call: CallInProgress) {
    return { server: this.host.server, tool: call.tool, timeoutMs: call.timeoutMs, signal: call.signal };
  }
}
