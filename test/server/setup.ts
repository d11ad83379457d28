/**
 * Shared scaffolding for the server tests: a real registry of in-process fixture servers, the app on top of
 * it served by the real listener (listen(), as run() serves it) on 127.0.0.1, and a logger whose lines the
 * test can read. Requests go over a real socket, so every test sees what a client sees.
 */
import { request as httpRequest } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createLogger, type Logger, type LogLevel } from '../../src/log/logger.js';
import { createApp, type AppOptions, type McpoApp } from '../../src/server/app.js';
import { listen, type Listening } from '../../src/server/listen.js';
import { createFixtureServer, createInProcessRegistry, type InProcessRegistry } from '../helpers/inProcessRegistry.js';

export interface TestApp extends McpoApp {
  registry: InProcessRegistry;
  logs: string[];
  logger: Logger;
  /** The listener serving the app, e.g. http://127.0.0.1:40123. */
  url: string;
  port: number;
  /** A request through the listener; see requestThrough. */
  request(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<AppOptions, 'registry' | 'logger'>> {
  servers?: Record<string, McpServer>;
  logLevel?: LogLevel;
}

export const TEST_INFO = { title: 'mcpo test', version: '9.9.9', description: 'Tools for tests' };

/** Serves `created` as run() does: the listener with the tool route in front of the Hono app. */
export function serve(created: McpoApp): Promise<Listening> {
  return listen(created.app, { host: '127.0.0.1', port: 0, toolRoute: created.toolRoute });
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { servers, logLevel, ...appOptions } = options;
  const registry = await createInProcessRegistry(servers ?? { alpha: createFixtureServer(), beta: createFixtureServer() });
  const logs: string[] = [];
  const logger = createLogger({ level: logLevel ?? 'info', write: (line) => logs.push(line) });
  let created: McpoApp;
  try {
    created = createApp({ registry, logger, info: TEST_INFO, ...appOptions });
  } catch (error) {
    await registry.close();
    throw error;
  }
  const listening = await serve(created);
  return {
    ...created,
    registry,
    logs,
    logger,
    url: listening.url,
    port: listening.port,
    request: (path, init) => requestThrough(listening.port, path, init),
    async dispose() {
      await listening.close();
      created.close();
      await registry.close();
    },
  };
}

/** Statuses whose responses have no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * Sends a request to 127.0.0.1:`port` over node:http, one connection per request, and reads the whole answer
 * into a Response. `path` is a path, or an absolute URL whose host is sent as the Host header (what a browser
 * sends for a name that resolves to 127.0.0.1). `init.body` may be a string, bytes or a ReadableStream (sent
 * chunked, one write per chunk).
 */
export async function requestThrough(port: number, path: string, init: RequestInit = {}): Promise<Response> {
  const absolute = /^https?:\/\//.test(path) ? new URL(path) : undefined;
  const headers: Record<string, string> = { host: absolute ? absolute.host : `127.0.0.1:${port}` };
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const { body } = init;
  let chunks: ReadableStream<Uint8Array> | undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) headers['content-length'] = String(Buffer.byteLength(body));
  else if (body instanceof ReadableStream) chunks = body as ReadableStream<Uint8Array>;
  else if (body != null) throw new TypeError('requestThrough takes a string, bytes or a ReadableStream as body');
  const target = absolute ? `${absolute.pathname}${absolute.search}` : path;
  const method = init.method ?? 'GET';
  return new Promise<Response>((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const received: Buffer[] = [];
      res.on('data', (chunk: Buffer) => received.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const answerHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answerHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 0;
        const content = NO_BODY.has(status) || method === 'HEAD' ? null : Buffer.concat(received);
        resolve(new Response(content, { status, headers: answerHeaders }));
      });
    });
    outgoing.on('error', reject);
    if (chunks === undefined) {
      outgoing.end(body as string | Uint8Array | undefined);
      return;
    }
    const reader = chunks.getReader();
    void (async () => {
      for (let next = await reader.read(); !next.done; next = await reader.read()) outgoing.write(next.value);
      outgoing.end();
    })().catch(reject);
  });
}

/** POST with a JSON body (or raw string / no body), through the listener. */
export function post(t: Pick<TestApp, 'request'>, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method: 'POST', headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  return t.request(path, init);
}
