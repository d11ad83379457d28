/**
 * The tool route (src/server/toolRoute.ts) through the real listener, with raw HTTP clients that control every
 * header line: results and refusals, how a request target is read (encoded, dot segments, absolute-form, double
 * slashes), the Host rule, the API key, repeated headers, CORS headers and the request log. Which requests are
 * the tool route's and which the app's is pinned here too (a GET on a tool path is the app's 405).
 * Connection handling (refusals that close, clients that leave, pipelining): toolRouteConnections.test.ts.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOOPBACK_HOST_NAMES } from '../../src/server/app.js';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { pipeline, send, type RawRequest } from './rawHttp.js';
import { createTestApp, type TestApp, type TestAppOptions } from './setup.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.dispose();
});

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestApp(options);
  apps.push(t);
  return t;
}

const code = (body: string): string => (JSON.parse(body) as { error: { code: string } }).error.code;

describe('the tool route', () => {
  it('answers calls: results, tool errors and bad bodies, with their headers', async () => {
    const t = await start();
    const call = (req: RawRequest) => send(t.port, req);
    const ok = await call({ path: '/alpha/echo', body: '{"text":"héllo"}' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toBe('héllo');
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.headers['content-length']).toBe(String(Buffer.byteLength(ok.body)));

    expect((await call({ path: '/alpha/ping' })).status).toBe(200);
    expect((await call({ path: '/alpha/ping', body: '  \n' })).status).toBe(200);
    expect((await call({ path: '/alpha/weather', body: '{"city":"Oslo"}' })).status).toBe(200);
    expect((await call({ path: '/alpha/image' })).status).toBe(200);
    const failed = await call({ path: '/alpha/fail' });
    expect(failed.status).toBe(424);
    expect(failed.headers['content-type']).toBe('application/json');
    expect(failed.headers['cache-control']).toBe('no-store');
    expect((await call({ path: '/alpha/echo', body: '{"text":5}' })).status).toBe(422);
    expect((await call({ path: '/alpha/echo', body: '[1]' })).status).toBe(422);
    expect((await call({ path: '/alpha/echo', body: '{"text":' })).status).toBe(400);
    expect((await call({ path: '/alpha/echo', body: Buffer.from([0x7b, 0xff, 0x7d]) })).status).toBe(400);
    expect((await call({ path: '/alpha/echo', body: `{"text":"x","deep":${'['.repeat(300)}${']'.repeat(300)}}` })).status).toBe(400);
    // curl's default form type is read as JSON; the same from a browser is refused (no preflight protects it).
    expect((await call({ path: '/alpha/echo', body: '{"text":"x"}', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(200);
    expect((await call({ path: '/alpha/echo', body: '{"text":"x"}', headers: { 'content-type': 'text/plain', origin: 'http://evil.example' } })).status).toBe(415);
    expect((await call({ path: '/alpha/echo', chunks: ['{"text":', '"chunked"}'] })).body).toBe('"chunked"');
  });

  it('answers 413 for a body over the limit, declared or sent chunked', async () => {
    const t = await start({ bodyLimitBytes: 64 });
    const call = (req: RawRequest) => send(t.port, req);
    const big = JSON.stringify({ text: 'x'.repeat(100) });
    const declared = await call({ path: '/alpha/echo', body: big });
    expect(declared.status).toBe(413);
    expect(code(declared.body)).toBe('PAYLOAD_TOO_LARGE');
    expect((await call({ path: '/alpha/echo', chunks: [big.slice(0, 50), big.slice(50)] })).status).toBe(413);
    expect((await call({ path: '/alpha/echo', body: JSON.stringify({ text: 'x'.repeat(40) }) })).status).toBe(200);
    const atLimit = JSON.stringify({ text: 'x'.repeat(53) });
    expect(atLimit).toHaveLength(64);
    expect((await call({ path: '/alpha/echo', body: atLimit })).status).toBe(200);
    expect((await call({ path: '/alpha/echo', chunks: [atLimit.slice(0, 30), atLimit.slice(30)] })).status).toBe(200);
    expect((await call({ path: '/alpha/echo', body: `${atLimit} ` })).status).toBe(413);
    expect((await call({ path: '/alpha/echo', body: atLimit, headers: { expect: '100-continue' } })).status).toBe(200);
  });

  it('reads encoded, dot-segment, query and double-slash paths itself: decoded, resolved or refused', async () => {
    const t = await start();
    const call = (path: string) => send(t.port, { path, body: '{"text":"x"}' });
    for (const path of ['/alpha/ec%68o', '/%61lpha/echo', '/alpha/echo?x=1', '/alpha/./echo', '/beta/../alpha/echo', '/alpha/%2e/echo', '/beta/%2E%2E/alpha/echo', '/x/../../alpha/echo']) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toBe('"x"');
    }
    const doubleFirst = await call('//alpha/echo');
    expect([doubleFirst.status, code(doubleFirst.body)]).toEqual([404, 'SERVER_NOT_FOUND']);
    const doubleInner = await call('/alpha//echo');
    expect([doubleInner.status, code(doubleInner.body)]).toEqual([404, 'TOOL_NOT_FOUND']);
    expect(JSON.parse(doubleInner.body).error.message).toContain('Did you mean: echo?');
    for (const [path, expected] of [['/alpha/nope', 'TOOL_NOT_FOUND'], ['/gamma/echo', 'SERVER_NOT_FOUND'], ['/alpha', 'TOOL_NOT_FOUND'], ['/alpha/', 'TOOL_NOT_FOUND'], ['/alpha/echo/', 'TOOL_NOT_FOUND'], ['/', 'SERVER_NOT_FOUND']] as const) {
      const res = await call(path);
      expect([res.status, code(res.body)], path).toEqual([404, expected]);
    }
    // Refused rather than guessed: an escape that is not UTF-8, a backslash (read as "/" by URL parsing).
    for (const path of ['/alpha/%E0%A4', '/alpha/%zz', '/alpha\\echo']) {
      const res = await call(path);
      expect([res.status, code(res.body)], path).toEqual([400, 'BAD_REQUEST']);
    }
  });

  it('leaves every other method to the app: 405 on a tool path, preflights, documents', async () => {
    const t = await start();
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) {
      const res = await send(t.port, { method, path: '/alpha/echo' });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow, method).toBe('POST');
    }
    expect((await send(t.port, { method: 'GET', path: '/healthz' })).status).toBe(200);
    expect((await send(t.port, { method: 'GET', path: '/alpha/openapi.json' })).status).toBe(200);
  });

  it('routes tool names that contain a slash, written as itself or as %2F', async () => {
    const server = new McpServer({ name: 'slashes', version: '1.0.0' });
    server.registerTool('files/read', { inputSchema: { path: z.string() } }, ({ path }) => ({ content: [{ type: 'text', text: `read ${path}` }] }));
    // A name with a dot segment: the path is resolved before it is read, so this tool is unreachable.
    server.registerTool('files/./read', { inputSchema: { path: z.string() } }, () => ({ content: [{ type: 'text', text: 'dot tool' }] }));
    const t = await start({ servers: { fs: server } });
    expect((await send(t.port, { path: '/fs/files/read', body: '{"path":"/etc"}' })).body).toBe('"read /etc"');
    expect((await send(t.port, { path: '/fs/files%2Fread', body: '{"path":"/x"}' })).body).toBe('"read /x"');
    expect((await send(t.port, { path: '/fs/files/./read', body: '{"path":"/tmp"}' })).body).toBe('"read /tmp"');
  });

  it('refuses hosts that are not served, judging the Host header or an absolute-form target', async () => {
    const t = await start({ allowedHosts: LOOPBACK_HOST_NAMES });
    const body = '{"text":"x"}';
    const withHost = (host: string) => send(t.port, { path: '/alpha/echo', body, headers: { host } });
    for (const host of ['evil.example', 'evil.example:80', 'localhost.evil.example']) {
      const res = await withHost(host);
      expect([res.status, code(res.body)], host).toEqual([403, 'HOST_NOT_ALLOWED']);
    }
    // A user part would make "localhost" the URL's host name: not a Host value at all.
    const userPart = await withHost('evil@localhost');
    expect([userPart.status, code(userPart.body)]).toEqual([400, 'BAD_REQUEST']);
    // Of two Host lines, Node keeps the first, and the route judges that one.
    for (const [first, second, status] of [['localhost', 'evil.example', '200'], ['evil.example', 'localhost', '403']] as const) {
      const raw = `POST /alpha/echo HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
      expect((await pipeline(t.port, [raw]).received).slice(9, 12), first).toBe(status);
    }
    // An absolute-form target names its own host, which stands for the Host header (RFC 9112 §3.2.2).
    const absolute = await send(t.port, { path: 'http://evil.example/alpha/echo', body });
    expect([absolute.status, JSON.parse(absolute.body).error.details]).toEqual([403, { host: 'evil.example' }]);
    expect((await send(t.port, { path: `http://localhost:${t.port}/alpha/echo`, body, headers: { host: 'evil.example' } })).status).toBe(200);
    const withUser = await send(t.port, { path: 'http://evil@localhost/alpha/echo', body });
    expect([withUser.status, code(withUser.body)]).toEqual([400, 'BAD_REQUEST']);
    // Names are compared as URL parsing reads them: any case and port, IP addresses in any spelling URLs accept.
    for (const host of ['localhost', 'LOCALHOST:1234', '127.0.0.1:8000', '[::1]:8000', '127.1', '0X7F.1:8000', '[0:0::1]']) {
      expect((await withHost(host)).status, host).toBe(200);
    }
    const anyHost = await start();
    for (const host of ['Mcpo.Example:8000', '[::ffff:127.0.0.1]']) {
      expect((await send(anyHost.port, { path: '/alpha/echo', body, headers: { host } })).status, host).toBe(200);
    }
  });

  it('answers 400 to a request without a Host header (HTTP/1.0), whatever hosts are served', async () => {
    const t = await start();
    const body = '{"text":"x"}';
    const raw = `POST /alpha/echo HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const answer = await pipeline(t.port, [raw]).received;
    expect(answer.slice(9, 12)).toBe('400');
    expect(answer).toContain('Missing Host header');
  });

  it('takes calls with the right API key only, under strictAuth too, before saying whether a name exists', async () => {
    for (const strictAuth of [false, true]) {
      const t = await start({ apiKey: 's3cret', strictAuth });
      const body = '{"text":"x"}';
      const call = (headers: Record<string, string> = {}, path = '/alpha/echo') => send(t.port, { path, body, headers });
      expect((await call({ authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await call({ authorization: `Basic ${Buffer.from('me:s3cret').toString('base64')}` })).status).toBe(200);
      const wrong = await call({ authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe('Bearer realm="mcpo"');
      expect((await call()).status).toBe(401);
      for (const path of ['/nope/nothing', '/alpha', '/']) expect((await call({}, path)).status, path).toBe(401);
      // A form posted by a page, navigating to the tool: the browser's own login dialog is the way to send the key.
      const navigation = await call({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
      expect(navigation.headers['www-authenticate']).toBe('Basic realm="mcpo", Bearer realm="mcpo"');
    }
  });

  // Regression: Node's IncomingMessage.headers keeps only the first Authorization and Content-Type line, so a right
  // key followed by a wrong one passed, and a browser's JSON type followed by a form type escaped the 415.
  it('reads repeated Authorization and Content-Type headers as every line, not the first', async () => {
    const keyed = await start({ apiKey: 's3cret' });
    const body = '{"text":"x"}';
    for (const lines of [['Bearer s3cret', 'Bearer nope'], ['Bearer nope', 'Bearer s3cret']]) {
      expect((await send(keyed.port, { path: '/alpha/echo', body, headers: { authorization: lines } })).status, lines[0]).toBe(401);
    }
    const open = await start();
    const twoTypes = { 'content-type': ['application/json', 'text/plain'], origin: 'http://evil.example' };
    expect((await send(open.port, { path: '/alpha/echo', body, headers: twoTypes })).status).toBe(415);
    expect((await send(open.port, { path: '/alpha/echo', body, headers: { 'content-type': ['application/json', 'text/plain'] } })).status).toBe(200);
  });

  // Regression: a fault thrown while judging a request inside node:http's request event ended the process.
  it('answers a fault while judging a call with 500, logged, and goes on serving', async () => {
    const t = await start({ logLevel: 'error' });
    const get = t.registry.get.bind(t.registry);
    t.registry.get = (name) => {
      if (name === 'alpha') throw new Error('registry fault');
      return get(name);
    };
    const res = await send(t.port, { path: '/alpha/echo', body: '{"text":"x"}' });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    expect(t.logs.some((line) => line.includes('ERROR') && line.includes('registry fault'))).toBe(true);
    expect((await send(t.port, { path: '/beta/echo', body: '{"text":"x"}' })).status).toBe(200);
  });

  it('serves under a path prefix (written encoded too), and in single-server mode at the root', async () => {
    const prefixed = await start({ pathPrefix: '/api' });
    const body = '{"text":"x"}';
    expect((await send(prefixed.port, { path: '/api/alpha/echo', body })).status).toBe(200);
    expect((await send(prefixed.port, { path: '/ap%69/alpha/echo', body })).status).toBe(200);
    // Outside the prefix a POST is the app's: 404, and no tool route.
    const outside = await send(prefixed.port, { path: '/alpha/echo', body });
    expect(outside.status).toBe(404);
    expect(JSON.parse(outside.body).error.message).toContain('No route POST /alpha/echo');
    const atPrefix = await send(prefixed.port, { path: '/api', body });
    expect([atPrefix.status, code(atPrefix.body)]).toEqual([404, 'SERVER_NOT_FOUND']);
    expect(JSON.parse(atPrefix.body).error.message).toContain('POST /api/{server}/{tool}');
    const single = await start({ mode: 'single', servers: { solo: createFixtureServer() } });
    expect((await send(single.port, { path: '/echo', body })).body).toBe('"x"');
    expect((await send(single.port, { path: '/solo/echo', body })).status).toBe(404);
    const noTool = await send(single.port, { path: '/', body });
    expect([noTool.status, code(noTool.body)]).toEqual([404, 'TOOL_NOT_FOUND']);
  });

  it('waits for the tool list of a server that is connecting, and then lets the server answer', async () => {
    const t = await start();
    t.registry.setState('alpha', 'connecting');
    let settled = false;
    const answer = send(t.port, { path: '/alpha/echo', body: '{"text":"x"}' }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await t.registry.refreshTools('alpha');
    const res = await answer;
    // Still connecting when its list came: the server's own 503 (with Retry-After), not a 404 for an unknown tool.
    expect([res.status, code(res.body), res.headers['retry-after']]).toEqual([503, 'SERVER_UNAVAILABLE', '5']);
  });

  it('writes one request log line per call: method, path without query, status', async () => {
    const t = await start({ logLevel: 'info' });
    await send(t.port, { path: '/alpha/echo?token=query-secret', body: '{"text":"x"}' });
    await send(t.port, { path: '/alpha/echo', body: '{"text":1}' });
    await send(t.port, { path: '/alpha/%2e/echo', body: '{"text":1}' });
    const lines = t.logs.filter((l) => l.includes('http request')).map((l) => l.replace(/^\S+ /, '').replace(/ms=[\d.]+/, 'ms=0'));
    expect(lines).toEqual([
      'INFO  http request method=POST path=/alpha/echo status=200 ms=0',
      'INFO  http request method=POST path=/alpha/echo status=422 ms=0',
      'INFO  http request method=POST path=/alpha/echo status=422 ms=0',
    ]);
  });

  it('gives every answer the CORS headers, for any origin or a list of them', async () => {
    const body = '{"text":"x"}';
    const browser = (origin: string) => ({ origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' });
    const any = await start({ corsAllowOrigins: ['*'] });
    const ok = await send(any.port, { path: '/alpha/echo', body, headers: browser('https://app.example') });
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toBe('Retry-After,WWW-Authenticate,ETag');
    expect(ok.headers.vary).toBeUndefined();
    expect((await send(any.port, { path: '/alpha/echo', body })).headers['access-control-allow-origin']).toBe('*');
    const invalid = await send(any.port, { path: '/alpha/echo', body: '{"text":1}', headers: browser('https://app.example') });
    expect([invalid.status, invalid.headers['access-control-allow-origin']]).toEqual([422, '*']);
    // A cross-site form post is still refused, with CORS headers that let the page read why.
    const form = await send(any.port, { path: '/alpha/echo', body, headers: { ...browser('https://app.example'), 'content-type': 'text/plain' } });
    expect([form.status, form.headers['access-control-allow-origin']]).toEqual([415, '*']);
    // Preflights are the app's.
    const preflight = await send(any.port, { method: 'OPTIONS', path: '/alpha/echo', headers: { ...browser('https://app.example'), 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');

    const listed = await start({ corsAllowOrigins: ['https://app.example', 'https://other.example'] });
    const allowed = await send(listed.port, { path: '/alpha/echo', body, headers: browser('https://other.example') });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://other.example');
    expect(allowed.headers.vary).toBe('Origin');
    const stranger = await send(listed.port, { path: '/alpha/echo', body, headers: browser('https://evil.example') });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(stranger.headers.vary).toBe('Origin');
    const failed = await send(listed.port, { path: '/alpha/fail', body: '{}', headers: browser('https://app.example') });
    expect([failed.status, failed.headers['access-control-allow-origin']]).toEqual([424, 'https://app.example']);
    expect((await send(listed.port, { path: '/alpha/echo', body })).headers.vary).toBe('Origin');
  });
});
