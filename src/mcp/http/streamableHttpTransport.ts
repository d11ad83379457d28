/**
 * mcpo's client transport for streamable-HTTP MCP servers (MCP 2025-11-25, "Transports: Streamable HTTP"),
 * in place of the SDK's StreamableHTTPClientTransport. Toward the server and the SDK Client it behaves as
 * the SDK's does (same headers, session id, 202 handling, GET stream, resumption with Last-Event-ID, the
 * same StreamableHTTPError codes mcpo's session recovery reads). What differs:
 *
 * - Response bodies are read as the Node streams they are (nodeResponse.ts, sseParser.ts): no Response,
 *   web stream or TextDecoderStream per call — a third of mcpo's CPU per proxied HTTP call went there.
 * - A request whose response stream ends without its answer and cannot be resumed (no event id, or the
 *   resumption attempts ran out), or whose JSON answer holds none, is answered at once with an error: a
 *   response comes only on its own stream (spec: the server MUST NOT send it on another), so waiting for
 *   the call's timeout would only make the caller wait for nothing.
 * - A request the SDK cancels (notifications/cancelled: its call timed out or its caller left) has its
 *   stream closed and never resumed (eventStreams.ts).
 * - Bodies are bounded: an event or a JSON answer by maxEventBytes, an error's text by 64 KiB, and an unread
 *   event stream is closed rather than read to an end that may never come (responseBody.ts). The answer to a
 *   request whose method has a bound of its own (tools/list: answerBounds.ts) is cut at that bound, before it is
 *   parsed, and the request alone fails with the bound's error; the session's other requests go on.
 * - A response is taken only from the stream (or JSON answer) of its own request, or from the GET stream for a
 *   request whose POST was answered 202; elsewhere it is dropped and reported (MisplacedAnswerError, eventStreams.ts).
 * - A GET answered with anything but an event stream or 405 is an error, not a stream reopened for ever.
 * - Messages are checked once (src/mcp/jsonRpcMessage.ts), not once here and again in the SDK's Protocol.
 * - No OAuth of its own: mcpo's OAuth lives in the fetch it is given (src/oauth/authFetch.ts).
 */
import type { Readable } from 'node:stream';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { FetchLike, Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetchWithinOrigin, unfollowedRedirect } from '../sdkInternals.js';
import { ErrorCode, McpError, type JSONRPCErrorResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_RECONNECTION, EventStreams, type AwaitedRequest, type ReconnectionOptions, type StreamContext } from './eventStreams.js';
import type { AnswerBound, AnswerBounds } from '../answerBounds.js';
import { asJsonRpcMessage, responseId } from '../jsonRpcMessage.js';
import { utf8Text, withNodeBody } from './nodeResponse.js';
import { discardBody, readBody, readErrorText, ResponseTooLargeError, takeBody } from './responseBody.js';
import { DEFAULT_MAX_EVENT_BYTES } from './sseParser.js';
import { isSessionGoneAnswer, SessionLostError } from '../sessionLoss.js';

export { DEFAULT_RECONNECTION, type ReconnectionOptions } from './eventStreams.js';

export interface StreamableHttpTransportOptions {
  /** Sends every request (httpFetch, or mcpo's OAuth fetch around it). */
  fetch: FetchLike;
  /** The entry's configured headers: sent with every request to the MCP server. */
  headers?: Readonly<Record<string, string>>;
  reconnection?: ReconnectionOptions;
  /** The most bytes one message may take: an SSE event (see SseParser) or a JSON answer. Default DEFAULT_MAX_EVENT_BYTES. */
  maxEventBytes?: number;
  /** The answers bounded more tightly than maxEventBytes, by their request's method. Default: none. */
  answerBounds?: AnswerBounds;
}

export class StreamableHttpTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly fetch: FetchLike;
  private readonly configured: Record<string, string> = {};
  private readonly maxEventBytes: number;
  private readonly answerBounds: AnswerBounds | undefined;
  private readonly streams: EventStreams;
  /** Made with the transport, not by start(): close() must also end what was sent before start(). */
  private readonly controller = new AbortController();
  private started = false;
  private closed = false;
  private session: string | undefined;
  private protocol: string | undefined;

  constructor(
    private readonly url: URL,
    options: StreamableHttpTransportOptions,
  ) {
    // Redirects are followed only within the server's origin, as the SDK's transport does.
    this.fetch = fetchWithinOrigin(options.fetch);
    for (const [name, value] of Object.entries(options.headers ?? {})) this.configured[name.toLowerCase()] = value;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.answerBounds = options.answerBounds;
    this.streams = new EventStreams({
      reconnection: options.reconnection ?? DEFAULT_RECONNECTION,
      maxEventBytes: this.maxEventBytes,
      open: (context) => this.get(context),
      deliver: (message) => this.onmessage?.(message),
      report: (error) => this.report(error),
    });
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
    this.streams.close();
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
        if (id !== undefined) Object.assign(context, { replayMessageId: id, awaiting: this.streams.await(id) });
        const bound = this.boundOf(message);
        if (bound) context.bound = bound;
        this.streams.openDetached(context);
        return;
      }
      await this.post(message, options?.onresumptiontoken);
    } catch (error) {
      this.report(error);
      throw error;
    } finally {
      // After the server was told (spec: cancel explicitly; a disconnection alone is no cancellation).
      const cancelled = cancelledRequestId(message);
      if (cancelled !== undefined) this.streams.cancel(cancelled);
    }
  }

  /** Ends the session on the server (DELETE); a 405 means the server does not let clients do that. */
  async terminateSession(): Promise<void> {
    if (!this.session) return;
    try {
      const response = await this.fetch(this.url, withNodeBody({ method: 'DELETE', headers: this.headers(), signal: this.controller.signal }));
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
    try {
      await this.streams.open({ resumptionToken: lastEventId, ...(options?.onresumptiontoken ? { onresumptiontoken: options.onresumptiontoken } : {}) });
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  private async post(message: JSONRPCMessage, onresumptiontoken: ((token: string) => void) | undefined): Promise<void> {
    const id = requestId(message);
    // Registered before the request goes out: the SDK may cancel it before the answer's headers arrive.
    const awaiting = id === undefined ? undefined : this.streams.await(id);
    try {
      const headers = this.headers();
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json, text/event-stream';
      const response = await this.fetch(this.url, withNodeBody({ method: 'POST', headers, body: JSON.stringify(message), signal: this.controller.signal }));
      const sessionId = response.headers.get('mcp-session-id');
      if (sessionId) this.session = sessionId;
      if (!response.ok) {
        const text = await readErrorText(response).catch(() => null);
        throw this.refusal(response, headers, text, `Error POSTing to endpoint: ${this.unfollowed(response) ?? text}`);
      }
      if (response.status === 202) {
        discardBody(response);
        // No stream of its own: the answer to a request may then come on the GET stream (and only there).
        if (awaiting) this.streams.expectOnGetStream(awaiting.id);
        // The server may offer a stream for its own requests and notifications once the session is initialized.
        if ('method' in message && message.method === 'notifications/initialized') this.streams.openDetached({});
        return;
      }
      if (!awaiting) return discardBody(response);
      await this.answer(response, awaiting, this.boundOf(message), onresumptiontoken);
    } finally {
      // Unless its stream is being read, the request waits on none.
      if (awaiting && !awaiting.stream) this.streams.forget(awaiting);
    }
  }

  /**
   * The 200 answer to a request: an event stream to read, or JSON. With a `bound`, every event of the stream and
   * the JSON body are cut past its bytes (the connection is closed, nothing more is read) and the request fails
   * with the bound's error: thrown for JSON, answered for a stream (eventStreams.ts).
   */
  private async answer(
    response: Response,
    awaiting: AwaitedRequest,
    bound: AnswerBound | undefined,
    onresumptiontoken: ((token: string) => void) | undefined,
  ): Promise<void> {
    const contentType = response.headers.get('content-type');
    const mediaType = mediaTypeEssence(contentType);
    if (mediaType === 'text/event-stream') {
      // Cancelled while the headers were on their way: the SDK has stopped listening.
      if (awaiting.cancelled) return discardBody(response);
      this.streams.read(takeBody(response), { ...(onresumptiontoken ? { onresumptiontoken } : {}), awaiting, ...(bound ? { bound } : {}) });
    } else if (mediaType === 'application/json') {
      const body = takeBody(response);
      const bytes = body
        ? await readBody(body, bound?.maxBytes ?? this.maxEventBytes).catch((error: unknown) => {
            throw bound && error instanceof ResponseTooLargeError ? bound.refusal() : error;
          })
        : undefined;
      const data: unknown = bytes ? JSON.parse(utf8Text(bytes)) : undefined;
      const messages = (Array.isArray(data) ? data : [data]).map(asJsonRpcMessage);
      for (const message of messages) {
        const id = responseId(message);
        if (id === undefined || this.streams.admits(id, { awaiting })) this.onmessage?.(message);
      }
      // The answer comes in this body or nowhere (the spec allows no other stream for it): without one, the
      // call would only wait for its timeout. An error the server could not tie to a request is likely its.
      if (!messages.some((message) => responseId(message) === awaiting.id)) {
        const anonymous = messages.find((message) => 'error' in message && responseId(message) === undefined) as JSONRPCErrorResponse | undefined;
        this.onmessage?.({ jsonrpc: '2.0', id: awaiting.id, error: anonymous?.error ?? NO_JSON_ANSWER });
      }
    } else {
      discardBody(response);
      throw new StreamableHTTPError(-1, `Unexpected content type: ${contentType}`);
    }
  }

  /** GETs an event stream, after `context.resumptionToken` if given; undefined when the server offers none (405). */
  private async get(context: StreamContext): Promise<Readable | undefined> {
    const headers = this.headers();
    headers.accept = 'text/event-stream';
    if (context.resumptionToken) headers['last-event-id'] = context.resumptionToken;
    const response = await this.fetch(this.url, withNodeBody({ method: 'GET', headers, signal: this.controller.signal }));
    if (!response.ok) {
      if (response.status === 405) return void discardBody(response);
      const text = await readErrorText(response).catch(() => null);
      throw this.refusal(response, headers, text, `Failed to open SSE stream: ${this.unfollowed(response) ?? (text || response.statusText)}`);
    }
    // The spec allows an event stream or 405 here. Read as a stream, anything else (an HTML page) would end at
    // once and be reopened after every delay, for as long as the transport lives.
    const contentType = response.headers.get('content-type');
    if (mediaTypeEssence(contentType) !== 'text/event-stream') {
      discardBody(response);
      throw new StreamableHTTPError(-1, `Unexpected content type for the SSE stream: ${contentType}`);
    }
    return takeBody(response);
  }

  /** The bound of `message`'s answer when it is tighter than maxEventBytes (which bounds every message anyway). */
  private boundOf(message: JSONRPCMessage): AnswerBound | undefined {
    const bound = this.answerBounds?.of(message);
    return bound && bound.maxBytes < this.maxEventBytes ? bound : undefined;
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.session) headers['mcp-session-id'] = this.session;
    if (this.protocol) headers['mcp-protocol-version'] = this.protocol;
    // Configured headers win, as with the SDK's transport.
    return Object.assign(headers, this.configured);
  }

  /** The error for a refused request: SessionLostError when it carried our session id and the answer says the session is gone. */
  private refusal(response: Response, sent: Record<string, string>, text: string | null, message: string): StreamableHTTPError {
    const lost = sent['mcp-session-id'] !== undefined && isSessionGoneAnswer(response.status, text, response.headers);
    return lost ? new SessionLostError(response.status, message) : new StreamableHTTPError(response.status, message);
  }

  private unfollowed(response: Response): string | undefined {
    return unfollowedRedirect(response, this.url);
  }

  private report(error: unknown): void {
    if (!this.closed) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
}

const NO_JSON_ANSWER = { code: ErrorCode.InternalError, message: 'the server answered with JSON that holds no response to the request' };

/** The id of a request (not a notification or response), or undefined. */
function requestId(message: JSONRPCMessage): string | number | undefined {
  return 'method' in message && 'id' in message ? message.id : undefined;
}

/** The request a notifications/cancelled names, or undefined for any other message. */
function cancelledRequestId(message: JSONRPCMessage): string | number | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) return undefined;
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
