/**
 * mcpo's client transport for streamable-HTTP MCP servers (MCP 2025-11-25, "Transports: Streamable HTTP"),
 * in place of the SDK's StreamableHTTPClientTransport. Toward the server and the SDK Client it behaves as
 * the SDK's does (same headers, session id, 202 handling, GET stream, resumption with Last-Event-ID, the
 * same StreamableHTTPError codes mcpo's session recovery reads). What differs:
 *
 * - Response bodies are read as the Node streams they are (nodeResponse.ts, sseParser.ts): no Response,
 *   web stream or TextDecoderStream per call — a third of mcpo's CPU per proxied HTTP call went there.
 * - A request whose response stream ends without its answer and cannot be resumed (no event id, or the
 *   resumption attempts ran out) is answered at once with a ConnectionClosed error: a response comes
 *   only on its own stream (spec: the server MUST NOT send it on another), so waiting for the call's
 *   timeout would only make the caller wait for nothing.
 * - Messages get a structural JSON-RPC check here; the SDK's Protocol validates them fully (jsonRpcMessage.ts).
 * - No OAuth of its own: mcpo's OAuth lives in the fetch it is given (src/oauth/authFetch.ts).
 */
import type { Readable } from 'node:stream';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { fetchWithinOrigin, unfollowedRedirect, type FetchLike, type Transport, type TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMER_MS } from '../../config/schema.js';
import { asJsonRpcMessage } from './jsonRpcMessage.js';
import { utf8Text, withNodeBody } from './nodeResponse.js';
import { discardBody, readBody, readErrorText, takeBody } from './responseBody.js';
import { DEFAULT_MAX_EVENT_BYTES, SseEventTooLargeError } from './sseParser.js';
import { readSseStream, type SseStreamEnd } from './sseStream.js';

/** How a dropped event stream is resumed; DEFAULT_RECONNECTION are the SDK transport's values. */
export interface ReconnectionOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  growFactor: number;
  /** Attempts in a row before the stream is given up (a server's `retry` field sets the delay instead). */
  maxRetries: number;
}

export const DEFAULT_RECONNECTION: Readonly<ReconnectionOptions> = { initialDelayMs: 1_000, maxDelayMs: 30_000, growFactor: 1.5, maxRetries: 2 };

export interface StreamableHttpTransportOptions {
  /** Sends every request (httpFetch, or mcpo's OAuth fetch around it). */
  fetch: FetchLike;
  /** The entry's configured headers: sent with every request to the MCP server. */
  headers?: Readonly<Record<string, string>>;
  reconnection?: ReconnectionOptions;
  /** The most bytes one message may take: an SSE event (see SseParser) or a JSON answer. Default DEFAULT_MAX_EVENT_BYTES. */
  maxEventBytes?: number;
}

/** One stream's context: how to resume it, and which requests wait for an answer on it. */
interface StreamContext {
  resumptionToken?: string;
  onresumptiontoken?: (token: string) => void;
  replayMessageId?: string | number;
  awaiting?: Array<string | number>;
}

export class StreamableHttpTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly fetch: FetchLike;
  private readonly configured: Record<string, string> = {};
  private readonly reconnection: ReconnectionOptions;
  private readonly maxEventBytes: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Made with the transport, not by start(): close() must also end what was sent before start(). */
  private readonly controller = new AbortController();
  private started = false;
  private closed = false;
  private session: string | undefined;
  private protocol: string | undefined;
  /** The server's `retry` field, once it sent one: the delay before resuming any stream. */
  private retryMs: number | undefined;

  constructor(
    private readonly url: URL,
    options: StreamableHttpTransportOptions,
  ) {
    // Redirects are followed only within the server's origin, as the SDK's transport does.
    this.fetch = fetchWithinOrigin(options.fetch);
    for (const [name, value] of Object.entries(options.headers ?? {})) this.configured[name.toLowerCase()] = value;
    this.reconnection = options.reconnection ?? DEFAULT_RECONNECTION;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  get sessionId(): string | undefined {
    return this.session;
  }

  get protocolVersion(): string | undefined {
    return this.protocol;
  }

  setProtocolVersion(version: string): void {
    this.protocol = version;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StreamableHttpTransport already started');
    this.started = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.controller.abort();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // Nothing goes out once closed: not even the OAuth fetch's token refresh before the abort would stop it.
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'the transport is closed');
    try {
      if (options?.resumptionToken) {
        const id = requestId(message);
        const context: StreamContext = { resumptionToken: options.resumptionToken, ...(options.onresumptiontoken ? { onresumptiontoken: options.onresumptiontoken } : {}) };
        if (id !== undefined) Object.assign(context, { replayMessageId: id, awaiting: [id] });
        this.openStream(context).catch((error: unknown) => this.report(error));
        return;
      }
      await this.post(message, options?.onresumptiontoken);
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  /** Ends the session on the server (DELETE); a 405 means the server does not let clients do that. */
  async terminateSession(): Promise<void> {
    if (!this.session) return;
    try {
      const response = await this.fetch(this.url, withNodeBody({ method: 'DELETE', headers: this.headers(), ...this.signal() }));
      discardBody(response);
      if (!response.ok && response.status !== 405) {
        throw new StreamableHTTPError(response.status, `Failed to terminate session: ${this.unfollowed(response) ?? response.statusText}`);
      }
      this.session = undefined;
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  /** Resumes a stream after `lastEventId` (the SDK transport's public method of the same name). */
  async resumeStream(lastEventId: string, options?: { onresumptiontoken?: (token: string) => void }): Promise<void> {
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'the transport is closed');
    await this.openStream({ resumptionToken: lastEventId, ...(options?.onresumptiontoken ? { onresumptiontoken: options.onresumptiontoken } : {}) });
  }

  private async post(message: JSONRPCMessage, onresumptiontoken: ((token: string) => void) | undefined): Promise<void> {
    const headers = this.headers();
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json, text/event-stream';
    const response = await this.fetch(this.url, withNodeBody({ method: 'POST', headers, body: JSON.stringify(message), ...this.signal() }));
    const sessionId = response.headers.get('mcp-session-id');
    if (sessionId) this.session = sessionId;
    if (!response.ok) {
      const text = await readErrorText(response).catch(() => null);
      throw new StreamableHTTPError(response.status, `Error POSTing to endpoint: ${this.unfollowed(response) ?? text}`);
    }
    if (response.status === 202) {
      discardBody(response);
      // The server may offer a stream for its own requests and notifications once the session is initialized.
      if ('method' in message && message.method === 'notifications/initialized') this.openStream({}).catch((error: unknown) => this.report(error));
      return;
    }
    const id = requestId(message);
    if (id === undefined) {
      discardBody(response);
      return;
    }
    const contentType = response.headers.get('content-type');
    const mediaType = mediaTypeEssence(contentType);
    if (mediaType === 'text/event-stream') {
      this.consume(takeBody(response), { ...(onresumptiontoken ? { onresumptiontoken } : {}), awaiting: [id] }, false);
    } else if (mediaType === 'application/json') {
      const body = takeBody(response);
      const data: unknown = body ? JSON.parse(utf8Text(await readBody(body, this.maxEventBytes))) : undefined;
      for (const item of Array.isArray(data) ? data : [data]) this.onmessage?.(asJsonRpcMessage(item));
    } else {
      discardBody(response);
      throw new StreamableHTTPError(-1, `Unexpected content type: ${contentType}`);
    }
  }

  /** Opens the GET event stream, resuming after `context.resumptionToken` if given. false: the server offers none (405). */
  private async openStream(context: StreamContext): Promise<boolean> {
    const headers = this.headers();
    headers.accept = 'text/event-stream';
    if (context.resumptionToken) headers['last-event-id'] = context.resumptionToken;
    const response = await this.fetch(this.url, withNodeBody({ method: 'GET', headers, ...this.signal() }));
    if (!response.ok) {
      discardBody(response);
      if (response.status === 405) return false;
      throw new StreamableHTTPError(response.status, `Failed to open SSE stream: ${this.unfollowed(response) ?? response.statusText}`);
    }
    // The spec allows an event stream or 405 here. Read as a stream, anything else (an HTML page) would end at
    // once and be reopened after every delay, for as long as the transport lives.
    const contentType = response.headers.get('content-type');
    if (mediaTypeEssence(contentType) !== 'text/event-stream') {
      discardBody(response);
      throw new StreamableHTTPError(-1, `Unexpected content type for the SSE stream: ${contentType}`);
    }
    this.consume(takeBody(response), context, true);
    return true;
  }

  private consume(stream: Readable | undefined, context: StreamContext, reconnectable: boolean): void {
    if (!stream) return this.unanswered(context);
    void readSseStream(
      stream,
      {
        onMessage: (message) => this.onmessage?.(message),
        onBadEvent: (error) => this.onerror?.(error),
        onRetry: (ms) => (this.retryMs = ms),
        ...(context.onresumptiontoken ? { onEventId: context.onresumptiontoken } : {}),
      },
      { maxEventBytes: this.maxEventBytes, ...(context.replayMessageId === undefined ? {} : { replayMessageId: context.replayMessageId }) },
    ).then((end) => this.streamEnded(end, context, reconnectable));
  }

  private streamEnded(end: SseStreamEnd, context: StreamContext, reconnectable: boolean): void {
    if (this.closed) return; // our own close() cut it
    if (end.error instanceof SseEventTooLargeError) {
      // Never resumed: the event never counted as received, so the server would send it again, for ever.
      this.onerror?.(end.error);
      return this.unanswered(context, { code: ErrorCode.InternalError, message: `mcpo refused the answer: ${end.error.message}` });
    }
    if (end.error) this.onerror?.(new Error(`SSE stream disconnected: ${end.error.message}`, { cause: end.error }));
    if (end.answered) return;
    // A stream with an event id can be resumed; the GET stream is reopened even without one.
    if (reconnectable || end.lastEventId !== undefined) {
      this.reconnect({ ...context, ...(end.lastEventId === undefined ? {} : { resumptionToken: end.lastEventId }) }, 0);
    } else {
      this.unanswered(context);
    }
  }

  private reconnect(context: StreamContext, attempt: number): void {
    const { maxRetries, initialDelayMs, growFactor, maxDelayMs } = this.reconnection;
    if (attempt >= maxRetries) {
      this.onerror?.(new Error(`Maximum reconnection attempts (${maxRetries}) exceeded.`));
      return this.unanswered(context);
    }
    // Capped: a longer delay overflows Node's timer, which then fires after 1 ms (and warns on stderr).
    const delay = Math.min(this.retryMs ?? Math.min(initialDelayMs * growFactor ** attempt, maxDelayMs), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.openStream(context).then(
        (opened) => {
          if (!opened) this.unanswered(context);
        },
        (error: unknown) => {
          if (this.closed) return;
          this.onerror?.(new Error(`Failed to reconnect SSE stream: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
          this.reconnect(context, attempt + 1);
        },
      );
    }, delay);
    this.timers.add(timer);
  }

  /** The requests waiting on a stream that is gone for good get their answer now: the connection closed. */
  private unanswered(context: StreamContext, error: { code: number; message: string } = NOT_ANSWERED): void {
    if (this.closed) return;
    for (const id of context.awaiting ?? []) this.onmessage?.({ jsonrpc: '2.0', id, error });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.session) headers['mcp-session-id'] = this.session;
    if (this.protocol) headers['mcp-protocol-version'] = this.protocol;
    // Configured headers win, as with the SDK's transport.
    return Object.assign(headers, this.configured);
  }

  private signal(): { signal: AbortSignal } {
    return { signal: this.controller.signal };
  }

  private unfollowed(response: Response): string | undefined {
    return unfollowedRedirect(response, this.url);
  }

  private report(error: unknown): void {
    if (!this.closed) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
}

const NOT_ANSWERED = { code: ErrorCode.ConnectionClosed, message: 'the server ended the response stream without answering the request' };

/** The id of a request (not a notification or response), or undefined. */
function requestId(message: JSONRPCMessage): string | number | undefined {
  return 'method' in message && 'id' in message ? message.id : undefined;
}
