/**
 * The transport's ways with a response body: take it as a Node stream, or get rid of it without holding
 * its connection. Works on httpFetch's NodeBodyResponse and on a real Response (another fetch's).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { McpoError } from '../../errors.js';
import { collect, NodeBodyResponse, utf8Text } from './nodeResponse.js';

/**
 * The most bytes of an unwanted body read so that its connection can go back to the keep-alive pool;
 * past it the connection is closed instead (undici dumps bodies the same way, with 128 KiB).
 */
export const DISCARD_LIMIT_BYTES = 64 * 1024;

/** A JSON answer longer than the transport accepts (its maxEventBytes); the connection was closed. */
export class ResponseTooLargeError extends McpoError {
  constructor(maxBytes: number) {
    super('UPSTREAM_ERROR', `the server sent an answer larger than ${maxBytes} bytes`, { details: { maxBytes } });
  }
}

/** The body as a Node stream (the response is used after this); undefined for a response without one. */
export function takeBody(response: Response): Readable | undefined {
  const node = response as unknown;
  if (node instanceof NodeBodyResponse) return node.nodeBody();
  // A fetch other than httpFetch (a test's, or its fallback) answers with a real Response.
  return response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : undefined;
}

/**
 * Gets rid of a body the transport does not read. A short one is read to its end, so its connection is
 * reused; an event stream (which may never end) or a long body closes its connection instead: read to
 * the end, an open stream would hold its socket for as long as the server liked.
 */
export function discardBody(response: Response): void {
  const node = response as unknown;
  if (!(node instanceof NodeBodyResponse)) {
    if (!response.bodyUsed) void response.body?.cancel().catch(() => {});
    return;
  }
  if (node.bodyUsed) return;
  const stream = node.nodeBody();
  if (!stream) return;
  if (mediaTypeEssence(node.headers.get('content-type')) === 'text/event-stream') return void stream.destroy();
  let read = 0;
  stream.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > DISCARD_LIMIT_BYTES) stream.destroy();
  });
}

/**
 * The whole body, read from the Node stream as it comes. Past `maxBytes` the stream (and its connection)
 * is cut and ResponseTooLargeError thrown: read to its end, a body the server never stops sending would
 * grow mcpo's memory until it died.
 */
export async function readBody(stream: Readable, maxBytes: number): Promise<Buffer> {
  const { bytes, complete } = await collect(stream, maxBytes, 'drop');
  if (!complete) throw new ResponseTooLargeError(maxBytes);
  return bytes;
}

/** The start of an error answer's body, for its error message (at most DISCARD_LIMIT_BYTES; the rest is cut). */
export async function readErrorText(response: Response): Promise<string> {
  const stream = takeBody(response);
  if (!stream) return '';
  const { bytes } = await collect(stream, DISCARD_LIMIT_BYTES);
  return utf8Text(bytes.subarray(0, DISCARD_LIMIT_BYTES));
}
