/**
 * Raw HTTP clients for the route tests: exact headers (repeated lines included), chunked bodies, bodies that never
 * end, clients that leave mid-body, pipelined requests on one connection.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawRequest {
  method?: string;
  path: string;
  /** An array sends the header once per value, as separate lines. */
  headers?: Record<string, string | string[]>;
  /** Sent with Content-Length unless `chunks` is given. */
  body?: string | Buffer;
  /** Sent chunked, one write each. */
  chunks?: string[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `req` (POST unless it says otherwise; JSON content type and Host 127.0.0.1:port unless it sets them). */
export function send(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const outgoing = request({ host: '127.0.0.1', port, method: req.method ?? 'POST', path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    if (req.chunks) for (const chunk of req.chunks) outgoing.write(chunk);
    outgoing.end(req.body);
  });
}

/** Streams a chunked body that never ends; reports the answer and whether the server closed the connection (2 s at most). */
export function sendWithoutEnd(port: number): Promise<{ status?: number; connection?: string; socketClosed: boolean }> {
  return new Promise((resolve) => {
    let answer: { status?: number; connection?: string } = {};
    const outgoing = request({ host: '127.0.0.1', port, method: 'POST', path: '/alpha/echo', headers: { 'content-type': 'application/json' } });
    outgoing.on('error', () => {});
    // The client keeps sending after the answer; the server must not keep reading.
    const more = setInterval(() => outgoing.write('x'.repeat(100)), 10);
    const stop = (socketClosed: boolean) => {
      clearInterval(more);
      clearTimeout(limit);
      resolve({ ...answer, socketClosed });
    };
    const limit = setTimeout(() => stop(false), 2_000);
    outgoing.on('response', (res) => {
      res.resume();
      answer = { status: res.statusCode, connection: res.headers.connection };
    });
    outgoing.on('close', () => stop(true));
    outgoing.write(`{"text":"${'x'.repeat(100)}`);
  });
}

/** Sends the head of a request and part of its body over a raw socket, then closes the connection. */
export function leaveMidBody(port: number, head: string, partialBody: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\n\r\n${partialBody}`);
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

/** Writes `requests` (raw HTTP/1.1 text) back to back on one connection, without waiting for answers. */
export function pipeline(port: number, requests: string[]): { socket: ReturnType<typeof connect>; received: Promise<string> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(requests.join('')));
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { socket, received: new Promise((resolve) => socket.on('close', () => resolve(text))) };
}

export const rawCall = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;
