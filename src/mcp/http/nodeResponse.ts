/**
 * A Response whose body stays a Node stream until someone asks for a web stream. mcpo's streamable-HTTP
 * transport reads the stream as it is (see sseParser.ts for why web streams are avoided); code written
 * for the fetch API (the OAuth fetch wrapper, the SDK's redirect helpers) still finds `status`, `ok`,
 * `headers`, `url`, `body`, `text()` and `json()` where it expects them.
 *
 * httpFetch returns one only for requests that ask with `withNodeBody(init)`; everything else gets a
 * real Response.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { finished, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

const NODE_BODY = Symbol('mcpo.nodeBody');
type InitWithNodeBody = RequestInit & { [NODE_BODY]?: true };

/**
 * `init` marked so that httpFetch answers with a NodeBodyResponse. A symbol key survives the `{ ...init }`
 * copies of wrappers between the transport and httpFetch (the OAuth fetch adds its header that way).
 */
export function withNodeBody(init: RequestInit): RequestInit {
  return { ...init, [NODE_BODY]: true } as InitWithNodeBody;
}

export function wantsNodeBody(init: RequestInit | undefined): boolean {
  return (init as InitWithNodeBody | undefined)?.[NODE_BODY] === true;
}

/** The read-only part of Headers, over the header object Node has already parsed (names in lower case). */
export class NodeHeaders {
  constructor(private readonly headers: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.headers[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    return this.headers['set-cookie'] ?? [];
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.headers).sort()) yield [name, this.get(name)!];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

export interface NodeResponseInit {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  url: string;
  /** undefined for statuses without a body. */
  body: Readable | undefined;
}

export class NodeBodyResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: NodeHeaders;
  readonly url: string;
  readonly type = 'basic';
  readonly redirected = false;
  private stream: Readable | undefined;
  private web: ReadableStream<Uint8Array> | null | undefined;
  private used = false;
  private cancelled = false;

  constructor(init: NodeResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.ok = init.status >= 200 && init.status <= 299;
    this.headers = new NodeHeaders(init.headers);
    this.url = init.url;
    this.stream = init.body;
    // A body nobody reads can still fail (an abort, a reset, a gzip stream cut short); with no listener that
    // error would be thrown from the event loop and end the process.
    this.stream?.on('error', ignore);
  }

  /** As fetch's: true once the body was read or cancelled (or a reader holds it), not when `body` was only looked at. */
  get bodyUsed(): boolean {
    return this.used || this.cancelled || (this.web?.locked ?? false);
  }

  /** The body as a web stream, made on first use (the fetch API's `body`); looking at it does not use the body. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.web !== undefined) return this.web;
    // Already read another way: like a disturbed Response, nothing is left to stream.
    if (this.used) return null;
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return (this.web = null);
    const web = Readable.toWeb(stream) as ReadableStream<Uint8Array>;
    const cancel = web.cancel.bind(web);
    web.cancel = (reason?: unknown) => {
      this.cancelled = true;
      return cancel(reason);
    };
    return (this.web = web);
  }

  /** The body as the Node stream it is; the response is used after this. undefined for a response without a body. */
  nodeBody(): Readable | undefined {
    return this.take();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    const stream = this.take();
    return stream ? (await collect(stream)).bytes : new Uint8Array(0);
  }

  async text(): Promise<string> {
    return utf8Text(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  clone(): never {
    throw new TypeError('this response cannot be cloned (its body is read as a Node stream)');
  }

  private take(): Readable | undefined {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    // `body` was looked at (by the OAuth fetch, say) but not read: the web stream holds what is left.
    if (this.web) return Readable.fromWeb(this.web as WebReadableStream<Uint8Array>);
    const stream = this.stream;
    this.stream = undefined;
    return stream;
  }
}

/**
 * Reads `stream` to its end, or until more than `maxBytes` have come (the stream, and its connection, are then
 * destroyed): the bytes read, and whether they are the whole body. Past `maxBytes`, `partial: 'drop'` returns no
 * bytes rather than join all that was read (for a caller that refuses the body anyway: joining 32 MiB held the
 * event loop for a quarter of a second on a loaded machine). Read with 'data' events, not an async iterator:
 * each read() of the iterator joins the chunks buffered since the last one, a copy for nothing.
 */
export function collect(stream: Readable, maxBytes = Number.POSITIVE_INFINITY, partial: 'keep' | 'drop' = 'keep'): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let length = 0;
    // An error, or a close before the end (a connection cut mid-body), rejects as the async iterator did.
    const stopWatching = finished(stream, (error) => (error ? reject(error) : resolve({ bytes: Buffer.concat(chunks, length), complete: true })));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length <= maxBytes) return;
      stream.off('data', onData);
      stopWatching();
      stream.on('error', ignore);
      stream.destroy();
      if (partial === 'drop') chunks = [];
      resolve({ bytes: Buffer.concat(chunks), complete: false });
    };
    stream.on('data', onData);
  });
}

/** UTF-8 text as the fetch API decodes a body: a leading byte-order mark is dropped (Buffer's toString keeps it). */
export function utf8Text(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}

/** The cast in one place: NodeBodyResponse has what mcpo's code and the SDK's helpers read of a Response. */
export function asResponse(response: NodeBodyResponse): Response {
  return response as unknown as Response;
}

function ignore(): void {}
