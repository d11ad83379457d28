/**
 * The size bound of one event on a legacy SSE stream. The SDK's SSEClientTransport reads its stream with the
 * `eventsource` package, whose parser keeps an event's unfinished line and data without limit: a server that
 * streams without ever ending an event grew mcpo until it died. mcpo's own streamable-HTTP parser has the bound
 * (sseParser.ts); this puts the same one in front of the SDK's parser, by counting the bytes since the last blank
 * line of each event-stream response the SSE transport's fetch returns.
 *
 * An event past maxEventBytes errors the stream (the session starts over). An event past a tighter bound, while
 * one is set (a tools/list answer's, legacySseTransport.ts), is cut instead: the part already passed on is made
 * an event of a type nobody listens to, the rest is dropped up to the event's end, and the text the tighter bound
 * gives (the refusals of the requests it bounded) takes its place. The stream and its other events go on.
 */
import { DEFAULT_MAX_EVENT_BYTES, SseEventTooLargeError } from './sseParser.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A bound tighter than maxEventBytes on the next event, for as long as `bound()` says. */
export interface TighterEventBound {
  /** The most bytes the next event may take, or undefined for none but maxEventBytes. Asked once per chunk. */
  bound(): number | undefined;
  /** An event went past bound(): the event-stream text (whole events) delivered in its place. */
  cut(): string;
}

export interface EventSizeGuardOptions {
  /** Default DEFAULT_MAX_EVENT_BYTES. */
  maxEventBytes?: number;
  tighter?: TighterEventBound;
}

const LF = 0x0a;
const CR = 0x0d;
/** Ends the line that was cut and dispatches what was passed on of its event as an event the SDK ignores. */
const DISCARD = '\nevent: mcpo-discarded\n\n';

/** Passes an event stream's bytes on unchanged, and errors it once one event (from blank line to blank line) passes `maxEventBytes`. */
export function eventSizeGuard(options: EventSizeGuardOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const encoder = new TextEncoder();
  let eventBytes = 0;
  /** The last byte ended a line (or nothing came yet): a line end now is a blank line, which ends the event. */
  let atLineStart = true;
  /** The last byte was CR: an LF now is the same line end (CRLF). */
  let afterCr = false;
  /** The event under way was cut: its bytes are dropped up to its end. */
  let skipping = false;
  return new TransformStream({
    transform(chunk, controller) {
      const tighter = options.tighter?.bound();
      const limit = tighter !== undefined && tighter < maxEventBytes ? tighter : maxEventBytes;
      /** Where the bytes to pass on begin in this chunk; -1 while skipping. */
      let from = skipping ? -1 : 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF && afterCr) {
          afterCr = false;
          continue;
        }
        afterCr = byte === CR;
        if (byte === LF || byte === CR) {
          if (atLineStart) {
            eventBytes = 0;
            if (skipping) {
              skipping = false;
              from = i + 1;
            }
          }
          atLineStart = true;
        } else {
          atLineStart = false;
          if (skipping || ++eventBytes <= limit) continue;
          if (limit === maxEventBytes) return controller.error(new SseEventTooLargeError(maxEventBytes));
          if (i > from) controller.enqueue(chunk.subarray(from, i));
          controller.enqueue(encoder.encode(DISCARD + options.tighter!.cut()));
          skipping = true;
          from = -1;
        }
      }
      if (from >= 0 && from < chunk.length) controller.enqueue(from === 0 ? chunk : chunk.subarray(from));
    },
  });
}

/** `fetch` whose text/event-stream answers pass through eventSizeGuard; other answers are returned as they are. */
export function boundedEventStreams(fetch: Fetch, options: EventSizeGuardOptions = {}): Fetch {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
    const bounded = new Response(response.body.pipeThrough(eventSizeGuard(options)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // What EventSource reads besides the body (the origin of its events); a new Response has neither.
    return Object.defineProperties(bounded, { url: { value: response.url }, redirected: { value: response.redirected } });
  };
}
