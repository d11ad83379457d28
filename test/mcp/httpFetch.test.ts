/**
 * The node:http fetch MCP transports send through (src/mcp/httpFetch.ts), against a real HTTP server on
 * loopback. What the SDK transports rely on: headers and bodies both ways, streamed event-stream bodies,
 * manual redirects, aborts before and after the response, and errors shaped like the global fetch's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getEventListeners, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpFetch, createKeepAliveAgents, DEFAULT_IDLE_SOCKET_MS, ServerSilentError, withIdleLimit } from '../../src/mcp/httpFetch.js';
import { waitersOn } from '../../src/mcp/abortFanout.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let handler: Handler;
const httpFetch = createHttpFetch({ fallback: () => Promise.reject(new Error('fallback used')) });

beforeEach(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const post = (init: RequestInit = {}): RequestInit => ({ method: 'POST', redirect: 'manual', ...init });

describe('httpFetch', () => {
  it('sends the method, headers and string body, and returns status, headers and a readable JSON body', async () => {
    let seen: { method?: string; type?: string; session?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = { method: req.method, type: req.headers['content-type'], session: req.headers['mcp-session-id'] as string, body };
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'abc' }).end('{"ok":true}');
    };
    const response = await httpFetch(`${base}/mcp`, post({ headers: { 'Content-Type': 'application/json', 'mcp-session-id': 's1' }, body: '{"jsonrpc":"2.0"}' }));
    expect(seen).toEqual({ method: 'POST', type: 'application/json', session: 's1', body: '{"jsonrpc":"2.0"}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBe('abc');
    expect(response.url).toBe(`${base}/mcp`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('names itself in User-Agent unless the request already does', async () => {
    const agents: (string | undefined)[] = [];
    handler = (req, res) => {
      agents.push(req.headers['user-agent']);
      res.writeHead(202).end();
    };
    await httpFetch(`${base}/mcp`, post({ body: '{}' }));
    await httpFetch(`${base}/mcp`, post({ body: '{}', headers: { 'User-Agent': 'configured/1.0' } }));
    expect(agents).toEqual(['mcpo', 'configured/1.0']);
  });

  it('delivers an event stream as it arrives, not when it ends', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void released.then(() => res.end('data: second\n\n'));
    };
    const response = await httpFetch(`${base}/mcp`, post({ body: '{}' }));
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe('data: first\n\n');
    release();
    expect((await reader.read()).value).toBe('data: second\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('returns redirects unfollowed in manual mode and refuses them in error mode', async () => {
    handler = (_req, res) => res.writeHead(307, { location: '/elsewhere' }).end();
    const manual = await httpFetch(`${base}/mcp`, post({ body: '{}' }));
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe('/elsewhere');
    await expect(httpFetch(`${base}/mcp`, post({ body: '{}', redirect: 'error' }))).rejects.toThrow(TypeError);
  });

  it('in error mode refuses only what the fetch standard calls a redirect (not 300 or 304)', async () => {
    let status = 300;
    handler = (_req, res) => res.writeHead(status, { location: '/elsewhere' }).end();
    expect((await httpFetch(`${base}/mcp`, post({ body: '{}', redirect: 'error' }))).status).toBe(300);
    status = 304;
    expect((await httpFetch(`${base}/mcp`, post({ body: '{}', redirect: 'error' }))).status).toBe(304);
    for (status of [301, 302, 303, 308]) {
      await expect(httpFetch(`${base}/mcp`, post({ body: '{}', redirect: 'error' }))).rejects.toThrow(TypeError);
    }
  });

  it('hands requests it does not implement (following redirects) to the fallback fetch', async () => {
    await expect(httpFetch(`${base}/mcp`, { method: 'GET' })).rejects.toThrow('fallback used');
  });

  it('reads a gzip body that ends before its trailer as far as it goes, as the global fetch does', async () => {
    const zipped = gzipSync('{"zipped":"truncated"}');
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zipped.subarray(0, zipped.length - 8));
    expect(await (await httpFetch(`${base}/mcp`, post({ body: '{}' }))).json()).toEqual({ zipped: 'truncated' });
  });

  it('undoes a gzip Content-Encoding the server applied unasked', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":1}'));
    expect(await (await httpFetch(`${base}/mcp`, post({ body: '{}' }))).json()).toEqual({ zipped: 1 });
  });

  it('gives 202 and 204 answers an empty body', async () => {
    handler = (req, res) => res.writeHead(req.url === '/a' ? 202 : 204).end();
    expect(await (await httpFetch(`${base}/a`, post({ body: '{}' }))).text()).toBe('');
    expect((await httpFetch(`${base}/b`, post({ body: '{}' }))).body).toBeNull();
  });

  it('rejects like the global fetch when nothing listens: TypeError "fetch failed" with the cause', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const error = await httpFetch(`http://127.0.0.1:${port}/mcp`, post({ body: '{}' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('fetch failed');
    expect(((error as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('aborts a request still waiting for its response, and the server sees the connection go', async () => {
    const gone = new Promise<void>((resolve) => {
      handler = (req) => req.socket.once('close', () => resolve());
    });
    const controller = new AbortController();
    const pending = httpFetch(`${base}/mcp`, post({ body: '{}', signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await gone;
  });

  it('aborts a body being streamed', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    };
    const controller = new AbortController();
    const response = await httpFetch(`${base}/mcp`, post({ body: '{}', signal: controller.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it('rejects at once with the reason when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('closed before sending'));
    await expect(httpFetch(`${base}/mcp`, post({ body: '{}', signal: controller.signal }))).rejects.toThrow('closed before sending');
  });

  it('keeps one listener on a shared signal however many requests are in flight, and none once they are done', async () => {
    // Regression: with the global fetch every request added a listener to the transport's signal that only
    // the garbage collector removed; under load Node printed MaxListenersExceededWarning by the thousand.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const held: ServerResponse[] = [];
      handler = (_req, res) => held.push(res);
      const shared = new AbortController();
      const calls = Array.from({ length: 50 }, () => httpFetch(`${base}/mcp`, post({ body: '{}', signal: shared.signal })).then((r) => r.text()));
      await expect.poll(() => held.length).toBe(50);
      expect(waitersOn(shared.signal)).toBe(50);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
      held.forEach((res, i) => res.writeHead(200, { 'content-type': 'application/json' }).end(String(i)));
      expect(await Promise.all(calls)).toHaveLength(50);
      await expect.poll(() => waitersOn(shared.signal)).toBe(0);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('does not reuse a connection left idle long enough for the server to be closing it (no "socket hang up")', async () => {
    // A server like uvicorn: closes connections idle for a while and announces no Keep-Alive timeout. A request
    // that arrives as its timer fires finds the connection closing; modelled here as reset instead of answered.
    const serverIdleMs = 300;
    const lastUsed = new WeakMap<object, number>();
    let connections = 0;
    server.keepAliveTimeout = 0;
    server.on('connection', () => connections++);
    handler = (req, res) => {
      const used = lastUsed.get(req.socket);
      if (used !== undefined && performance.now() - used >= serverIdleMs) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}', () => lastUsed.set(req.socket, performance.now()));
    };
    const agents = createKeepAliveAgents(100);
    try {
      const pooled = createHttpFetch({ agents });
      expect((await pooled(`${base}/mcp`, post({ body: '{}' }))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, serverIdleMs + 100));
      const again = await pooled(`${base}/mcp`, post({ body: '{}' }));
      expect(again.status).toBe(200);
      expect(connections).toBe(2);
    } finally {
      agents.http.destroy();
    }
    // The default closes before the 5 s idle limit of uvicorn, as the global fetch does.
    expect(DEFAULT_IDLE_SOCKET_MS).toBeLessThan(5_000);
  });

  it('keeps a connection in use open while its response or stream is silent for longer than the pool idle time', async () => {
    handler = (req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), 300);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      setTimeout(() => res.end('data: second\n\n'), 300);
    };
    const agents = createKeepAliveAgents(100);
    try {
      const pooled = createHttpFetch({ agents });
      expect(await (await pooled(`${base}/slow`, post({ body: '{}' }))).json()).toEqual({ late: true });
      expect(await (await pooled(`${base}/sse`, { method: 'GET', redirect: 'manual' })).text()).toBe('data: first\n\ndata: second\n\n');
    } finally {
      agents.http.destroy();
    }
  });

  it('gives up a request the server never answers once it has been silent for requestIdleMs, and closes its connection', async () => {
    // Regression: a call to a tool that never answers kept its connection open after the call had timed out,
    // one more per call, until the transport closed (the global fetch gives up after 300 s).
    const gone = new Promise<void>((resolve) => {
      handler = (req) => req.socket.once('close', () => resolve());
    });
    const shared = new AbortController();
    const silent = createHttpFetch({ requestIdleMs: 150 });
    const error = await silent(`${base}/mcp`, post({ body: '{}', signal: shared.signal })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toBeInstanceOf(ServerSilentError);
    await gone;
    expect(waitersOn(shared.signal)).toBe(0);
  });

  it('errors a body that goes silent for requestIdleMs, so the SDK sees the stream fail', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    };
    const silent = createHttpFetch({ requestIdleMs: 150 });
    const reader = (await silent(`${base}/mcp`, post({ body: '{}' }))).body!.getReader();
    await reader.read();
    await expect(reader.read()).rejects.toBeInstanceOf(ServerSilentError);
  });

  it('lets a request wrapped by withIdleLimit stay silent longer, through the init copies of the layers between', async () => {
    // An entry whose tool calls may run 10 minutes must not have them cut at the fetch's 5 minutes.
    handler = (_req, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), 400);
    const strict = createHttpFetch({ requestIdleMs: 150 });
    // What authFetch and the SDK's fetchWithinOrigin do to init on the way down.
    const copying: typeof strict = (url, init) => strict(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: 'Bearer t' } });
    const patient = withIdleLimit(copying, 2_000);
    expect(await (await patient(`${base}/mcp`, post({ body: '{}' }))).json()).toEqual({ late: true });
    const error = await copying(`${base}/mcp`, post({ body: '{}' })).catch((e: unknown) => e);
    expect((error as TypeError).cause).toBeInstanceOf(ServerSilentError);
  });
});
