/**
 * A node:http request as the tool route's RequestView: headers read from the raw lines, the body read with a
 * limit, and the cheap disconnect-or-shutdown signal (disconnectSignal.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallSignal } from '../mcp/types.js';
import { responseCloseSignal } from './disconnectSignal.js';
import { BodyAbortedError, tooLarge } from './requestBody.js';
import type { RequestView } from './requestView.js';
import type { ShuttingDown } from './shuttingDown.js';

/**
 * Headers of which IncomingMessage.headers keeps only the first line, but that are read as every line, joined with
 * ", " (as the app reads them): a right API key followed by a wrong one is refused, a JSON type followed by a form
 * type from a browser is 415.
 */
const EVERY_LINE: ReadonlySet<string> = new Set(['authorization', 'content-type']);

/** Node's raw header list [name, value, name, value…] as pairs. */
function* headerPairs(raw: readonly string[]): Iterable<readonly [string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!, raw[i + 1]!];
}

/**
 * The body of `incoming`, at most `limitBytes` long: more (declared or sent) rejects with PAYLOAD_TOO_LARGE;
 * a connection closed before the end rejects with BodyAbortedError. Data past the limit is not buffered.
 */
function readNodeBody(incoming: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (error?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      // Node's parser stops at Content-Length, so only a chunked body can get here.
      if (total > limitBytes) finish(tooLarge(limitBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onClose = () => finish(new BodyAbortedError());
    incoming.on('data', onData).once('end', onEnd).once('error', onClose).once('close', onClose);
  });
}

export class NodeRequest implements RequestView {
  private closeSignal: CallSignal | undefined;

  constructor(
    private readonly incoming: IncomingMessage,
    private readonly outgoing: ServerResponse,
    private readonly shutdown: ShuttingDown,
  ) {}

  header(name: string): string | undefined {
    if (!EVERY_LINE.has(name)) {
      const value = this.incoming.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    }
    const raw = this.incoming.rawHeaders;
    let value: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const rawName = raw[i]!;
      if (rawName.length === name.length && rawName.toLowerCase() === name) value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
    }
    return value;
  }

  headerLines(): Iterable<readonly [string, string]> {
    return headerPairs(this.incoming.rawHeaders);
  }

  body(limitBytes: number): Promise<Uint8Array> {
    return readNodeBody(this.incoming, limitBytes);
  }

  signal(): CallSignal {
    return (this.closeSignal ??= responseCloseSignal(this.outgoing, this.shutdown));
  }
}
