/**
 * A server-sent-events parser that works on the bytes as they arrive (WHATWG HTML, "Parsing an event
 * stream"), for the streamable-HTTP transport. It replaces the SDK's TextDecoderStream +
 * EventSourceParserStream pipeline: on Node 20 each web stream costs a transferable object, a promise per
 * chunk and an Error when it closes, which together were a quarter of mcpo's CPU per proxied HTTP call.
 *
 * Lines end at LF, CR or CRLF. Those bytes never occur inside a multi-byte UTF-8 sequence, so lines are
 * split on bytes and each value is decoded once, whole: a character split across two chunks decodes
 * correctly. Events are delivered as the SDK's parser delivers them: one per blank line that ends at
 * least one `data` line, with the `id` and `event` seen since the previous event.
 */
import { McpoError } from '../../errors.js';

export interface SseEvent {
  /** The event's `id` field, if it had one (an id containing NUL is ignored, as the standard says). */
  id?: string;
  /** The event's `event` field, if it had a non-empty one. */
  event?: string;
  /** The `data` lines, joined with "\n". */
  data: string;
}

export interface SseParserHandlers {
  onEvent(event: SseEvent): void;
  /** A `retry` field with a valid number of milliseconds. */
  onRetry?(ms: number): void;
}

export interface SseParserOptions {
  /** The most bytes one event (its unfinished line plus its data so far) may hold. Default DEFAULT_MAX_EVENT_BYTES. */
  maxEventBytes?: number;
}

/**
 * Far above any tool result a client could use, but a bound: a server that streams without ever ending an
 * event would otherwise grow mcpo's memory until it dies.
 */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024 * 1024;

/** One event of the stream was larger than the parser's limit; the stream is given up. */
export class SseEventTooLargeError extends McpoError {
  constructor(maxEventBytes: number) {
    super('UPSTREAM_ERROR', `the server sent an event larger than ${maxEventBytes} bytes`, { details: { maxEventBytes } });
  }
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

export class SseParser {
  private readonly maxEventBytes: number;
  /** The first bytes of the stream while they may still be a split byte-order mark. */
  private head: Buffer | undefined;
  /**
   * Pieces of a line whose end has not arrived yet, joined once when it does: joining them on every chunk
   * copied the whole line again each time, so a 16 MB answer in 16 KB chunks took seconds.
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The previous chunk ended with CR: an LF opening the next one belongs to it. */
  private afterCr = false;
  private start = true;
  private id: string | undefined;
  private event: string | undefined;
  private data: string[] = [];
  private dataBytes = 0;

  constructor(
    private readonly handlers: SseParserHandlers,
    options: SseParserOptions = {},
  ) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Feeds the next bytes of the stream. Throws SseEventTooLargeError past the limit. */
  push(chunk: Buffer): void {
    // An empty chunk must not clear `afterCr`: the LF after a CR may still come.
    if (chunk.length === 0) return;
    let bytes = chunk;
    if (this.start) {
      bytes = this.head ? Buffer.concat([this.head, bytes]) : bytes;
      // Wait for three bytes: a byte-order mark may be split too.
      if (bytes.length < 3 && isBomPrefix(bytes)) {
        this.head = bytes;
        return;
      }
      this.head = undefined;
      this.start = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    let from = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (bytes[0] === LF) from = 1;
    }
    // Most servers end lines with LF alone; a chunk without CR is split by indexOf alone.
    const find = bytes.includes(CR) ? nextLineEnd : nextLf;
    while (from < bytes.length) {
      const end = find(bytes, from);
      if (end < 0) break;
      if (this.pending.length > 0) {
        this.pending.push(bytes.subarray(from, end));
        const line = Buffer.concat(this.pending, this.pendingBytes + end - from);
        this.pending = [];
        this.pendingBytes = 0;
        this.line(line, 0, line.length);
      } else {
        this.line(bytes, from, end);
      }
      from = end + 1;
      if (bytes[end] === CR) {
        if (from === bytes.length) this.afterCr = true;
        else if (bytes[from] === LF) from++;
      }
    }
    if (from < bytes.length) {
      // Copied: the chunk's memory is the socket's to reuse.
      const rest = Buffer.from(bytes.subarray(from));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes + this.dataBytes > this.maxEventBytes) throw this.tooLarge();
    }
  }

  /** The stream ended: an event without its blank line is dropped, as the standard says. */
  end(): void {
    this.dropPending();
    this.reset();
  }

  private line(bytes: Buffer, from: number, end: number): void {
    if (from === end) return this.dispatch();
    const first = bytes[from];
    if (first === COLON) return; // a comment (servers send them as keep-alives)
    // Searched within the line only: indexOf would scan the rest of the chunk for every line without a colon.
    let colon = from;
    while (colon < end && bytes[colon] !== COLON) colon++;
    let valueFrom = colon + 1;
    if (valueFrom < end && bytes[valueFrom] === SPACE) valueFrom++;
    const field = bytes.toString('latin1', from, colon);
    switch (field) {
      case 'data': {
        const size = Math.max(0, end - valueFrom);
        this.dataBytes += size + 1;
        if (this.dataBytes > this.maxEventBytes) throw this.tooLarge();
        this.data.push(valueFrom < end ? bytes.toString('utf8', valueFrom, end) : '');
        return;
      }
      case 'event':
        this.event = valueFrom < end ? bytes.toString('utf8', valueFrom, end) : undefined;
        return;
      case 'id': {
        const id = valueFrom < end ? bytes.toString('utf8', valueFrom, end) : '';
        if (!id.includes('\0')) this.id = id;
        return;
      }
      case 'retry': {
        const value = valueFrom < end ? bytes.toString('latin1', valueFrom, end) : '';
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number.parseInt(value, 10));
        return;
      }
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.data.length > 0) {
      const event: SseEvent = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
      if (this.id !== undefined) event.id = this.id;
      if (this.event !== undefined) event.event = this.event;
      this.reset();
      this.handlers.onEvent(event);
      return;
    }
    this.reset();
  }

  private reset(): void {
    this.id = undefined;
    this.event = undefined;
    this.data = [];
    this.dataBytes = 0;
  }

  private dropPending(): void {
    this.head = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private tooLarge(): SseEventTooLargeError {
    this.dropPending();
    this.reset();
    return new SseEventTooLargeError(this.maxEventBytes);
  }
}

function nextLf(bytes: Buffer, from: number): number {
  return bytes.indexOf(LF, from);
}

/** Index of the first CR or LF at or after `from`, or -1. */
function nextLineEnd(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === LF || byte === CR) return i;
  }
  return -1;
}

function isBomPrefix(bytes: Buffer): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== bom[i]) return false;
  return true;
}
