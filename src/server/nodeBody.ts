/**
 * Reads a Node request's body with a size limit: for the tool-call fast path, which skips the web Request
 * that readArguments reads from. Same limits and errors as requestBody.ts.
 */
import type { IncomingMessage } from 'node:http';
import { BodyAbortedError, tooLarge } from './requestBody.js';

/**
 * The body of `incoming`, at most `limitBytes` long: more (declared or sent) rejects with PAYLOAD_TOO_LARGE;
 * a connection closed before the end rejects with BodyAbortedError. Data past the limit is not buffered.
 */
export function readNodeBody(incoming: IncomingMessage, limitBytes: number): Promise<Buffer> {
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
