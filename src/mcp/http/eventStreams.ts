/**
 * The event streams of one streamable-HTTP transport (a POST's answer, the GET stream, a resumed stream):
 * reads each, resumes a dropped one after the server's `retry` delay or the backoff (MCP 2025-11-25,
 * "Resumability and Redelivery"), and settles the request waiting on a stream that is gone for good. The
 * transport does the HTTP: `open` GETs a stream.
 *
 * Reconnections in a row are counted across streams that end cleanly, not only across failed GETs: a server
 * that ends every GET stream at once would otherwise be polled every initialDelayMs for ever (the SDK's
 * transport does that: modelcontextprotocol/typescript-sdk#2682). The count starts again only when a stream
 * proved to work: it delivered a message, or stayed open for maxDelayMs (an idle timeout of a proxy, which
 * the SDK wrongly gives up on: typescript-sdk#2098). A response stream is given up after maxRetries in a row;
 * the GET stream, which carries the server's notifications for the session's whole life, is then only slowed
 * to one attempt per maxDelayMs. A stream that carried a `retry` field is the server's SSE polling (MCP
 * 2025-11-25): it is reopened after that delay (never less than MIN_SERVER_RETRY_MS) for as long as it asks.
 *
 * A response is taken only from the stream of its own request (spec: the server MUST send it there), or from the
 * GET stream for a request whose POST was answered 202 (admits()). Anywhere else it is dropped and reported as
 * MisplacedAnswerError: a server could otherwise answer one caller's call with what it makes up on another's stream.
 */
import type { Readable } from 'node:stream';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_TIMER_MS } from '../../config/schema.js';
import { McpoError } from '../../errors.js';
import { refusalAnswer, type AnswerBound } from '../answerBounds.js';
import { SseEventTooLargeError } from './sseParser.js';
import { readSseStream, type SseStreamEnd } from './sseStream.js';
import { SessionLostError } from '../sessionLoss.js';

/** How a dropped event stream is resumed; DEFAULT_RECONNECTION are the SDK transport's values. */
export interface ReconnectionOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  growFactor: number;
  /**
   * Reconnections in a row without proof that the stream works (a message, or maxDelayMs open) before the
   * stream is given up. A server's `retry` field sets the delay instead, and its polling is never given up.
   */
  maxRetries: number;
}

export const DEFAULT_RECONNECTION: Readonly<ReconnectionOptions> = { initialDelayMs: 1_000, maxDelayMs: 30_000, growFactor: 1.5, maxRetries: 2 };

/** A request whose answer is to come on an event stream. */
export interface AwaitedRequest {
  id: string | number;
  /** The SDK gave up on it (notifications/cancelled): its stream is neither read on nor resumed. */
  cancelled: boolean;
  /** The stream being read for it now, if any. */
  stream: Readable | undefined;
}

/** One stream's context: how to resume it, and which request waits for its answer on it. */
export interface StreamContext {
  resumptionToken?: string;
  onresumptiontoken?: (token: string) => void;
  replayMessageId?: string | number;
  /** None for the GET stream. */
  awaiting?: AwaitedRequest;
  /** The bound of the awaited request's answer, tighter than maxEventBytes: every event of the stream is held to it. */
  bound?: AnswerBound;
}

export interface EventStreamsOptions {
  reconnection: ReconnectionOptions;
  maxEventBytes: number;
  /** GETs a stream, after `context.resumptionToken` if given; undefined when the server offers none (405). */
  open(context: StreamContext): Promise<Readable | undefined>;
  deliver(message: JSONRPCMessage): void;
  report(error: Error): void;
}

const NOT_ANSWERED = { code: ErrorCode.ConnectionClosed, message: 'the server ended the response stream without answering the request' };

export class EventStreams {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests waiting on a stream, by id: what a cancellation looks up. */
  private readonly waiting = new Map<string | number, AwaitedRequest>();
  /** Requests whose POST was answered 202: their answers may come on the GET stream. */
  private readonly onGetStream = new Set<string | number>();
  /** The server's `retry` field, once it sent one: the delay before resuming any stream. */
  private retryMs: number | undefined;
  private closed = false;

  constructor(private readonly options: EventStreamsOptions) {}

  /** A request whose answer will come on an event stream. */
  await(id: string | number): AwaitedRequest {
    const request: AwaitedRequest = { id, cancelled: false, stream: undefined };
    this.waiting.set(id, request);
    return request;
  }

  /** The request waits on no stream (its answer came as JSON, or its POST failed). */
  forget(request: AwaitedRequest): void {
    if (this.waiting.get(request.id) === request) this.waiting.delete(request.id);
  }

  /** The POST of request `id` was answered 202 (no stream of its own): its answer may come on the GET stream. */
  expectOnGetStream(id: string | number): void {
    this.onGetStream.add(id);
  }

  /**
   * Whether the response to request `id` may be taken from the stream of `context` (or the JSON answer of its
   * POST): the stream of that very request; a resumed request's stream, whose replayed answer carries the id of
   * the request it resumes (readSseStream gives it the new one); or the GET stream, once, for a request whose POST
   * was answered 202. Otherwise the answer is reported as MisplacedAnswerError and must be dropped.
   */
  admits(id: string | number, context: StreamContext): boolean {
    const awaited = context.awaiting;
    const rightful = context.replayMessageId !== undefined || (awaited ? awaited.id === id : this.onGetStream.delete(id));
    if (!rightful) this.report(new MisplacedAnswerError(id, awaited?.id));
    return rightful;
  }

  /** Reads a POST's event stream; it is resumed only if it carried an event id. */
  read(stream: Readable | undefined, context: StreamContext): void {
    if (!stream) return this.unanswered(context);
    this.consume(stream, context, false);
  }

  /** GETs a stream and reads it; false when the server offers none. Throws what the GET threw. */
  open(context: StreamContext): Promise<boolean> {
    return this.reopen(context, 0);
  }

  /** As open(), for the `attempt`th reconnection in a row without proof that the stream works. */
  private async reopen(context: StreamContext, attempt: number): Promise<boolean> {
    const stream = await this.options.open(context);
    if (!stream) return false;
    this.consume(stream, context, true, attempt);
    return true;
  }

  /** Opens a stream in the background: a failure is reported, and the request waiting on it answered. */
  openDetached(context: StreamContext): void {
    this.detached(
      this.open(context).then(
        (opened) => opened || this.unanswered(context),
        (error: unknown) => {
          this.report(error);
          this.unanswered(context);
        },
      ),
    );
  }

  /** The SDK cancelled request `id`: its stream is closed, not resumed (spec: cancel first, then disconnect). */
  cancel(id: string | number): void {
    this.onGetStream.delete(id);
    const request = this.waiting.get(id);
    if (!request) return;
    this.waiting.delete(id);
    request.cancelled = true;
    request.stream?.destroy();
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.clear();
    this.onGetStream.clear();
  }

  /** Reads `stream`; `attempt` counts the reconnections in a row that led to it without proof of a working stream. */
  private consume(stream: Readable, context: StreamContext, reconnectable: boolean, attempt = 0): void {
    if (context.awaiting) context.awaiting.stream = stream;
    const openedAt = Date.now();
    const reading = readSseStream(
      stream,
      {
        onMessage: (message) => this.options.deliver(message),
        admits: (id) => this.admits(id, context),
        onBadEvent: (error) => this.report(error),
        onRetry: (ms) => (this.retryMs = ms),
        ...(context.onresumptiontoken ? { onEventId: context.onresumptiontoken } : {}),
      },
      { maxEventBytes: context.bound?.maxBytes ?? this.options.maxEventBytes, ...(context.replayMessageId === undefined ? {} : { replayMessageId: context.replayMessageId }) },
    );
    this.detached(reading.then((end) => this.ended(end, context, reconnectable, this.worked(end, openedAt) ? 0 : attempt)));
  }

  /** Whether a stream that ended restarts the count of reconnections in a row (see the top of this file). */
  private worked(end: SseStreamEnd, openedAt: number): boolean {
    return end.delivered || end.retried || Date.now() - openedAt >= this.options.reconnection.maxDelayMs;
  }

  private ended(end: SseStreamEnd, context: StreamContext, reconnectable: boolean, attempt: number): void {
    const request = context.awaiting;
    if (request) request.stream = undefined;
    if (this.closed || request?.cancelled) return; // our own close() or cancel() cut it
    if (end.error instanceof SseEventTooLargeError) {
      // Never resumed: the event never counted as received, so the server would send it again, for ever.
      if (request && context.bound) return this.unanswered(context, refusalAnswer(request.id, context.bound).error);
      this.report(end.error);
      return this.unanswered(context, { code: ErrorCode.InternalError, message: `mcpo refused the answer: ${end.error.message}` });
    }
    if (end.error) this.report(new Error(`SSE stream disconnected: ${end.error.message}`, { cause: end.error }));
    if (end.answered) {
      if (request) this.waiting.delete(request.id);
      return;
    }
    // A stream with an event id can be resumed; the GET stream is reopened even without one.
    if (reconnectable || end.lastEventId !== undefined) {
      this.reconnect({ ...context, ...(end.lastEventId === undefined ? {} : { resumptionToken: end.lastEventId }) }, attempt);
    } else {
      this.unanswered(context);
    }
  }

  private reconnect(context: StreamContext, attempt: number): void {
    const { maxRetries, initialDelayMs, growFactor, maxDelayMs } = this.options.reconnection;
    const getStream = context.awaiting === undefined;
    if (attempt >= maxRetries && !getStream) {
      this.report(new StreamGivenUpError(maxRetries));
      return this.unanswered(context);
    }
    // The GET stream carries the server's notifications for as long as the session lives: never given up, only
    // slowed to one attempt per maxDelayMs (a proxy that cuts streams just short of that would otherwise end them).
    if (attempt === maxRetries) this.report(new StreamSlowedError(maxRetries, maxDelayMs));
    const backoff = attempt >= maxRetries ? maxDelayMs : Math.min(initialDelayMs * growFactor ** attempt, maxDelayMs);
    // A server's `retry` is honoured, but not below a floor: `retry: 0` would be a hot loop of GETs.
    const asked = this.retryMs === undefined ? backoff : Math.max(this.retryMs, getStream ? MIN_SERVER_RETRY_MS : MIN_RESPONSE_RETRY_MS);
    // Capped: a longer delay overflows Node's timer, which then fires after 1 ms (and warns on stderr).
    const delay = Math.min(asked, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (context.awaiting?.cancelled) return;
      const reopening = this.reopen(context, attempt + 1).then(
        (opened) => opened || this.unanswered(context),
        (error: unknown) => {
          if (this.closed) return;
          if (error instanceof SessionLostError) {
            // Spec (Session Management): a 404 to a request with the session id means the session is over and the
            // client MUST start a new one (servers in the field say so with a 400 too: sessionLoss.ts). Trying
            // again cannot help. Only here, where the stream was open before:
            // a server that answers the first GET with 404 merely has no stream to offer, and a new session would
            // get the same answer.
            this.report(new SessionEndedError(error));
            return this.unanswered(context);
          }
          this.report(new Error(`Failed to reconnect SSE stream: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
          this.reconnect(context, attempt + 1);
        },
      );
      this.detached(reopening);
    }, delay);
    this.timers.add(timer);
  }

  /** The request waiting on a stream that is gone for good gets its answer now: the connection closed. */
  private unanswered(context: StreamContext, error: { code: number; message: string; data?: unknown } = NOT_ANSWERED): void {
    const request = context.awaiting;
    if (this.closed || !request || request.cancelled) return;
    this.waiting.delete(request.id);
    this.options.deliver({ jsonrpc: '2.0', id: request.id, error });
  }

  private report(error: unknown): void {
    if (!this.closed) this.options.report(error instanceof Error ? error : new Error(String(error)));
  }

  /**
   * Ends a chain nobody awaits. A handler that throws (onmessage, onerror) would otherwise make it an
   * unhandled rejection, which ends the process; reported instead, or dropped if reporting throws too.
   */
  private detached(chain: Promise<unknown>): void {
    chain.catch((error: unknown) => {
      try {
        this.report(error);
      } catch {
        // The error handler itself threw: there is nowhere left to say so.
      }
    });
  }
}

/** A response stream was given up after maxRetries reconnections in a row that brought no message (its request fails). */
export class StreamGivenUpError extends McpoError {
  constructor(maxRetries: number) {
    super('UPSTREAM_ERROR', `Maximum reconnection attempts (${maxRetries}) exceeded: gave up a response event stream after ${maxRetries} reconnections in a row that brought no message`, {
      details: { maxRetries },
    });
  }
}

/** How much of a request id a message quotes (the server chose it). */
const MAX_QUOTED_ID_CHARS = 100;

/**
 * A response arrived on a stream that did not carry its request (another request's POST stream, or the GET stream
 * for a request that has a stream of its own): dropped. The request it names still gets the answer on its own
 * stream, or fails as any unanswered request does.
 */
export class MisplacedAnswerError extends McpoError {
  readonly id: string | number;
  /** The request whose stream carried it; undefined for the GET stream. */
  readonly carrier: string | number | undefined;
  constructor(id: string | number, carrier: string | number | undefined) {
    const quote = (value: string | number) => JSON.stringify(value).slice(0, MAX_QUOTED_ID_CHARS);
    const where = carrier === undefined ? 'the GET event stream, where it was not awaited' : `the response stream of request ${quote(carrier)}`;
    super('UPSTREAM_ERROR', `the server sent the answer to request ${quote(id)} on ${where}; dropped it (an answer comes only on its own request's stream)`, {
      details: { id: quote(id), ...(carrier === undefined ? {} : { carrier: quote(carrier) }) },
    });
    this.id = id;
    this.carrier = carrier;
  }
}

/** The least delay taken from a server's `retry` field for the GET stream, which is reopened for the session's whole life. */
export const MIN_SERVER_RETRY_MS = 250;
/** The same for a call's response stream, which its call's timeout bounds anyway: a server polled for one answer. */
export const MIN_RESPONSE_RETRY_MS = 50;

/**
 * The GET stream needed maxRetries reconnections in a row without proof that it works: from now on it is reopened
 * once per maxDelayMs (until a stream works again), so the server's notifications may come late.
 */
export class StreamSlowedError extends McpoError {
  constructor(maxRetries: number, maxDelayMs: number) {
    super('UPSTREAM_ERROR', `the GET event stream ended ${maxRetries} times in a row without a message: reopened every ${maxDelayMs / 1000} s from now on`, {
      details: { maxRetries, maxDelayMs },
    });
  }
}

/** The event stream could not be resumed: the server no longer knows the session it belonged to. */
export class SessionEndedError extends McpoError {
  constructor(cause: StreamableHTTPError) {
    super('SERVER_UNAVAILABLE', `the server ended the session (its event stream came back ${cause.code})`, { cause });
  }
}
