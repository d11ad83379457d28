/**
 * The size bound of one event on a legacy SSE stream. The SDK's SSEClientTransport reads its stream with the
 * `eventsource` package, whose parser keeps an event's unfinished line and data without limit: a server that
 * streams without ever ending an event grew mcpo until it died. mcpo's own streamable-HTTP parser has the bound
 * (sseParser.ts); this puts the same one in front of the SDK's parser, by counting the bytes since the last blank
 * line of each event-stream response the SSE transport's fetch returns.
 */
import { DEFAULT_MAX_EVENT_BYTES, SseEventTooLargeError } from './sseParser.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const LF = 0x0a;
const CR = 0x0d;

/** Passes an event stream's bytes on unchanged, and errors it once one event (from blank line to blank line) passes `maxEventBytes`. */
export function eventSizeGuard(maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES): TransformStream<Uint8Array, Uint8Array> {
  let eventBytes = 0;
  /** The last byte ended a line (or nothing came yet): a line end now is a blank line, which ends the event. */
  let atLineStart = true;
  /** The last byte was CR: an LF now is the same line end (CRLF). */
  let afterCr = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF && afterCr) {
          afterCr = false;
          continue;
        }
        afterCr = byte === CR;
        if (byte === LF || byte === CR) {
          if (atLineStart) eventBytes = 0;
          atLineStart = true;
        } else {
          atLineStart = false;
          if (++eventBytes > maxEventBytes) return controller.error(new SseEventTooLargeError(maxEventBytes));
        }
      }
      controller.enqueue(chunk);
    },
  });
}

/** `fetch` whose text/event-stream answers pass through eventSizeGuard; other answers are returned as they are. */
export function boundedEventStreams(fetch: Fetch, maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES): Fetch {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
    const bounded = new Response(response.body.pipeThrough(eventSizeGuard(maxEventBytes)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // What EventSource reads besides the body (the origin of its events); a new Response has neither.
    return Object.defineProperties(bounded, { url: { value: response.url }, redirected: { value: response.redirected } });
  };
}
