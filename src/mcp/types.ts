/**
 * The contract between the MCP layer (sessions, manager) and everything that serves them over HTTP.
 * The HTTP layer sees servers only through these interfaces, so it can be tested with real in-process
 * MCP servers behind a real Manager, and the Manager can change without touching routes.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

import type { RequestHeaders } from './forwardedHeaders.js';

export type { CallToolResult, Tool };

/**
 * connecting: an attempt is under way; connected: calls are served; reconnecting: the last attempt failed or the
 * connection was lost, another is scheduled (`nextAttemptAt`); needs_authorization: waiting for the user's OAuth
 * approval; failed: no automatic retry (the next call starts one); stopping/stopped: mcpo is ending the session.
 */
export type ServerState = 'connecting' | 'connected' | 'reconnecting' | 'needs_authorization' | 'failed' | 'stopping' | 'stopped';

export type TransportKind = 'stdio' | 'streamable-http' | 'sse';

/** What /healthz shows for one server. Never contains tokens or secret headers. */
export interface ServerStatus {
  name: string;
  state: ServerState;
  /** The transport in use (for a url without type: the one that worked, once known). */
  transport: TransportKind | 'auto';
  /** Number of tools served (after disabledTools). */
  tools: number;
  /** Why the server is not connected: the last error, until a connection succeeds again. */
  error?: string;
  /** When reconnecting: the number of the attempt scheduled (1 for the first retry). */
  attempt?: number;
  /** When state is needs_authorization: the URL the user must open. */
  authorizationUrl?: string;
  /** OAuth servers: mcpo's connections page, where the server is connected or disconnected from a browser. */
  connectionsUrl?: string;
  /**
   * An authorization the user must complete while the server may stay `connected`: a step-up to wider
   * scopes (403 insufficient_scope) that calls needing those scopes are waiting for. `url` is absent for
   * a moment while the authorization is being prepared.
   */
  pendingAuthorization?: PendingAuthorization;
  /** ISO time of the last state change. */
  since: string;
  /** ISO time of the next reconnect attempt, when one is scheduled. */
  nextAttemptAt?: string;
  /** Tool calls in flight and waiting for a turn, and the limit (maxConcurrentCalls); sessions always report it. */
  calls?: { inFlight: number; waiting: number; limit: number };
  /** A per-user server: its users' sessions open now, and how many may be (never who they are). */
  perUser?: { sessions: number; limit: number };
}

/** See ServerStatus.pendingAuthorization. */
export interface PendingAuthorization {
  url?: string;
  reason: 'insufficient_scope';
  /** The scopes asked for. */
  scope?: string;
}

/**
 * What a call's abort signal must have: the members the SDK's Protocol.request reads of its `signal` option and
 * mcpo's own waits use. An AbortSignal has them; so has the HTTP layer's lighter stand-in, built without an
 * AbortController per request (src/server/disconnectSignal.ts). It reaches the SDK through protocolSignal()
 * in sdkInternals.ts, whose test fails if Protocol.request starts reading anything else.
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  /** `once` changes nothing: a signal aborts at most once. */
  addEventListener(type: 'abort', listener: (event: Event) => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: (event: Event) => void): void;
}

export interface CallOptions {
  /**
   * Aborts the upstream call (sends notifications/cancelled). The call then rejects with CANCELLED, or with the
   * abort's reason when that is an McpoError (how a shutdown answers calls 503).
   */
  signal?: CallSignal;
  /** Overrides the server's configured per-call timeout, in milliseconds. */
  timeoutMs?: number;
  /** The REST request's headers: a server with client_header_forwarding passes the allowed ones on. */
  requestHeaders?: RequestHeaders;
  /**
   * The mcpo user the call is made for (src/server/caller.ts); undefined for the operator. Only per-user OAuth
   * servers look at it: they call with that user's session and tokens.
   */
  user?: string;
}

/** One configured MCP server as the HTTP layer sees it. */
export interface ServerHandle {
  readonly name: string;
  status(): ServerStatus;
  /** Tools currently served, with disabledTools removed. Empty until connected. */
  tools(): readonly Tool[];
  /**
   * Calls a tool. Resolves with the raw MCP result (isError results included: mapping is the caller's job).
   * Rejects with McpoError: SERVER_UNAVAILABLE / NEEDS_AUTHORIZATION when not connected, TIMEOUT,
   * CANCELLED, INVALID_ARGUMENTS (JSON-RPC -32602), UPSTREAM_ERROR (other JSON-RPC or transport errors).
   */
  callTool(tool: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>;
}

/** How a connection attempt may proceed as far as OAuth is concerned. */
export type AuthPreparation =
  | { ready: true }
  /** The user must authorize first; `completion` settles when they did (or the authorization failed). */
  | { ready: false; completion: Promise<void> };

/**
 * OAuth for one remote server, as the MCP layer sees it (implemented by src/oauth). The transport sends
 * every request through `fetch`, which attaches the access token and refreshes or steps it up as needed.
 */
export interface SessionAuth {
  readonly fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * Called before each connection attempt: ready when a usable token is held (refreshed when due);
   * otherwise starts, or joins, the interactive authorization. Rejects on temporary failures (the
   * token endpoint is down), which the session retries with backoff, never with a browser prompt.
   */
  prepare(): Promise<AuthPreparation>;
  /** The URL the user must open for the authorization under way (or the connections page, where it starts), if any. */
  authorizationUrl(): string | undefined;
  /** mcpo's connections page (known once mcpo listens); for a user of a per-user server, their own link to connect. */
  connectionsUrl?(): string | undefined;
  /** Whether credentials are saved at all (a per-user server opens a user's session only when they are). */
  hasCredentials?(): Promise<boolean>;
  /** The step-up authorization under way, if any (calls that need it are waiting). */
  pendingAuthorization?(): PendingAuthorization | undefined;
  /**
   * Subscribes to changes of authorizationUrl() and of the credentials: 'authorized' when an authorization
   * completed (the session connects, whatever state it is in), 'signed_out' when the tokens were revoked and
   * deleted (a ready session is closed and waits for a new authorization). Returns the unsubscribe function.
   */
  onChange(listener: (event?: AuthEvent) => void): () => void;
  /** True when the server refused the credentials and refreshing could not fix it: authorize again. */
  credentialsRejected(): boolean;
  /** Abandons an authorization under way (the session is closing); settles once it has stopped. */
  cancel?(): Promise<void> | void;
}

/** See SessionAuth.onChange. */
export type AuthEvent = 'authorized' | 'signed_out';

export type ChangeKind = 'tools' | 'status' | 'added' | 'removed';

/** All servers. Emits changes so documents and routes can be rebuilt only when something changed. */
export interface ServerRegistry {
  get(name: string): ServerHandle | undefined;
  list(): readonly ServerHandle[];
  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(listener: (server: string, kind: ChangeKind) => void): () => void;
}
