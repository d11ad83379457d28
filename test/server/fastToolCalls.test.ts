/**
 * The node:http fast path for tool calls (src/server/fastToolCalls.ts) must answer exactly like the Hono app,
 * and take only the requests it can answer that way. Each case is sent over real sockets to two listeners on the
 * same app: one with the fast path in front, one without. Status, headers and body must match, and the fast path
 * must have taken the request or passed it on as the case says (so the comparison is never Hono against itself).
 * Connection handling (refusals that close, clients that leave, pipelining): fastToolCallsConnections.test.ts.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOOPBACK_HOST_NAMES } from '../../src/server/app.js';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { disposePairs, pair, pipeline, same } from './fastPathPair.js';
import { createTestApp } from './setup.js';

afterEach(disposePairs);

describe('the tool-call fast path', () => {
  it('takes ordinary calls and answers them exactly as the app does: results, tool errors, bad bodies', async () => {
    const p = await pair();
    const ok = await same(p, { path: '/alpha/echo', body: '{"text":"héllo"}' }, true);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toBe('héllo');
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(ok.headers['cache-control']).toBe('no-store');

    expect((await same(p, { path: '/alpha/ping' }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/ping', body: '  \n' }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/weather', body: '{"city":"Oslo"}' }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/image' }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/fail' }, true)).status).toBe(424);
    expect((await same(p, { path: '/alpha/echo', body: '{"text":5}' }, true)).status).toBe(422);
    expect((await same(p, { path: '/alpha/echo', body: '[1]' }, true)).status).toBe(422);
    expect((await same(p, { path: '/alpha/echo', body: '{"text":' }, true)).status).toBe(400);
    expect((await same(p, { path: '/alpha/echo', body: Buffer.from([0x7b, 0xff, 0x7d]) }, true)).status).toBe(400);
    expect((await same(p, { path: '/alpha/echo', body: `{"text":"x","deep":${'['.repeat(300)}${']'.repeat(300)}}` }, true)).status).toBe(400);
    // curl's default form type is read as JSON; the same from a browser is refused (no preflight protects it).
    expect((await same(p, { path: '/alpha/echo', body: '{"text":"x"}', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/echo', body: '{"text":"x"}', headers: { 'content-type': 'text/plain', origin: 'http://evil.example' } }, true)).status).toBe(415);
    expect((await same(p, { path: '/alpha/echo', chunks: ['{"text":', '"chunked"}'] }, true)).body).toBe('"chunked"');
  });

  it('answers 413 for a body over the limit, declared or sent chunked', async () => {
    const p = await pair({ bodyLimitBytes: 64 });
    const big = JSON.stringify({ text: 'x'.repeat(100) });
    expect((await same(p, { path: '/alpha/echo', body: big }, true)).status).toBe(413);
    expect((await same(p, { path: '/alpha/echo', chunks: [big.slice(0, 50), big.slice(50)] }, true)).status).toBe(413);
    expect((await same(p, { path: '/alpha/echo', body: JSON.stringify({ text: 'x'.repeat(40) }) }, true)).status).toBe(200);
    const atLimit = JSON.stringify({ text: 'x'.repeat(53) });
    expect(atLimit).toHaveLength(64);
    expect((await same(p, { path: '/alpha/echo', body: atLimit }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/echo', chunks: [atLimit.slice(0, 30), atLimit.slice(30)] }, true)).status).toBe(200);
    expect((await same(p, { path: '/alpha/echo', body: `${atLimit} ` }, true)).status).toBe(413);
    expect((await same(p, { path: '/alpha/echo', body: atLimit, headers: { expect: '100-continue' } }, true)).status).toBe(200);
  });

  it('passes on everything it does not answer itself: unknown names, other methods, encoded or unusual paths', async () => {
    const p = await pair();
    expect((await same(p, { path: '/alpha/nope', body: '{}' }, false)).status).toBe(404);
    expect((await same(p, { path: '/gamma/echo', body: '{}' }, false)).status).toBe(404);
    expect((await same(p, { path: '/alpha', body: '{}' }, false)).status).toBe(404);
    expect((await same(p, { path: '/alpha/', body: '{}' }, false)).status).toBe(404);
    expect((await same(p, { path: '/alpha/echo/', body: '{}' }, false)).status).toBe(404);
    expect((await same(p, { method: 'GET', path: '/alpha/echo' }, false)).status).toBe(405);
    expect((await same(p, { method: 'GET', path: '/healthz' }, false)).status).toBe(200);
    // The app decodes these to /alpha/echo; the fast path leaves them to it rather than decode them itself.
    expect((await same(p, { path: '/alpha/ec%68o', body: '{"text":"x"}' }, false)).status).toBe(200);
    expect((await same(p, { path: '/alpha/echo?x=1', body: '{"text":"x"}' }, false)).status).toBe(200);
    expect((await same(p, { path: '/alpha/./echo', body: '{"text":"x"}' }, false)).status).toBe(200);
    expect((await same(p, { path: '/beta/../alpha/echo', body: '{"text":"x"}' }, false)).status).toBe(200);
    expect((await same(p, { path: '//alpha/echo', body: '{"text":"x"}' }, false)).status).toBe(404);
    expect((await same(p, { path: '/alpha//echo', body: '{"text":"x"}' }, false)).status).toBe(404);
    expect((await same(p, { method: 'HEAD', path: '/alpha/echo' }, false)).status).toBe(405);
    expect((await same(p, { method: 'OPTIONS', path: '/alpha/echo' }, false)).status).toBe(405);
  });

  it('routes tool names that contain a slash, as the app does', async () => {
    const server = new McpServer({ name: 'slashes', version: '1.0.0' });
    server.registerTool('files/read', { inputSchema: { path: z.string() } }, ({ path }) => ({ content: [{ type: 'text', text: `read ${path}` }] }));
    // A name with a dot segment: the app's URL parsing removes it from the path, so this tool is unreachable.
    server.registerTool('files/./read', { inputSchema: { path: z.string() } }, () => ({ content: [{ type: 'text', text: 'dot tool' }] }));
    const p = await pair({ servers: { fs: server } });
    expect((await same(p, { path: '/fs/files/read', body: '{"path":"/etc"}' }, true)).body).toBe('"read /etc"');
    expect((await same(p, { path: '/fs/files/./read', body: '{"path":"/tmp"}' }, false)).body).toBe('"read /tmp"');
  });

  it('leaves refused hosts to the host guard, and reads the Host header as the guard does', async () => {
    const p = await pair({ allowedHosts: LOOPBACK_HOST_NAMES });
    const body = '{"text":"x"}';
    expect((await same(p, { path: '/alpha/echo', body, headers: { host: 'evil.example' } }, false)).status).toBe(403);
    expect((await same(p, { path: '/alpha/echo', body, headers: { host: 'evil.example:80' } }, false)).status).toBe(403);
    expect((await same(p, { path: '/alpha/echo', body, headers: { host: 'localhost.evil.example' } }, false)).status).toBe(403);
    // A user part would make "localhost" the URL's host name: @hono/node-server refuses such a Host.
    expect((await same(p, { path: '/alpha/echo', body, headers: { host: 'evil@localhost' } }, false)).status).toBe(400);
    // Of two Host lines, Node keeps the first, and the app builds its URL from that one too.
    for (const [first, second, status, taken] of [['localhost', 'evil.example', '200', true], ['evil.example', 'localhost', '403', false]] as const) {
      const raw = `POST /alpha/echo HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
      for (const port of [p.fast.port, p.plain.port]) expect((await pipeline(port, [raw]).received).slice(9, 12), `${first} ${port}`).toBe(status);
      expect(p.taken.at(-1)).toBe(taken);
    }
    // An absolute-form target names its own host, which the guard judges instead of the Host header.
    expect((await same(p, { path: 'http://evil.example/alpha/echo', body }, false)).status).toBe(403);
    for (const host of ['localhost', 'LOCALHOST:1234', '127.0.0.1:8000', '[::1]:8000']) {
      expect((await same(p, { path: '/alpha/echo', body, headers: { host } }, true)).status, host).toBe(200);
    }
    // Regression: a Host that URL parsing rewrites to an allowed name ([0:0::1] → [::1], 0X7F.1 → 127.0.0.1) is
    // refused by @hono/node-server (400), but the fast path took it. It now takes a Host only when it names itself.
    for (const host of ['[0:0::1]', '[0:0::1]:8000', '0X7F.1', '0X7F.1:8000']) {
      expect((await same(p, { path: '/alpha/echo', body, headers: { host } }, false)).status, host).toBe(400);
    }
    // Accepted by @hono/node-server as written and by the guard as 127.0.0.1: left to them.
    expect((await same(p, { path: '/alpha/echo', body, headers: { host: '127.1' } }, false)).status).toBe(200);
    const anyHost = await pair();
    expect((await same(anyHost, { path: '/alpha/echo', body, headers: { host: '[::ffff:127.0.0.1]' } }, false)).status).toBe(400);
    expect((await same(anyHost, { path: '/alpha/echo', body, headers: { host: 'Mcpo.Example:8000' } }, true)).status).toBe(200);
  });

  it('takes calls with the right API key only, under strictAuth too', async () => {
    for (const strictAuth of [false, true]) {
      const p = await pair({ apiKey: 's3cret', strictAuth });
      const body = '{"text":"x"}';
      expect((await same(p, { path: '/alpha/echo', body, headers: { authorization: 'Bearer s3cret' } }, true)).status).toBe(200);
      const basic = `Basic ${Buffer.from('me:s3cret').toString('base64')}`;
      expect((await same(p, { path: '/alpha/echo', body, headers: { authorization: basic } }, true)).status).toBe(200);
      const wrong = await same(p, { path: '/alpha/echo', body, headers: { authorization: 'Bearer nope' } }, false);
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toContain('Bearer');
      expect((await same(p, { path: '/alpha/echo', body }, false)).status).toBe(401);
    }
  });

  // Regression: Node's IncomingMessage.headers keeps only the first Authorization and Content-Type line, while the
  // app reads every line (joined with ", "); the fast path took a right key followed by a wrong one, which the app
  // refuses, and a browser's JSON type followed by a form type, which the app answers with 415.
  it('reads repeated Authorization and Content-Type headers as the app does: every line, not the first', async () => {
    const keyed = await pair({ apiKey: 's3cret' });
    const body = '{"text":"x"}';
    const twoKeys = await same(keyed, { path: '/alpha/echo', body, headers: { authorization: ['Bearer s3cret', 'Bearer nope'] } }, false);
    expect(twoKeys.status).toBe(401);
    expect((await same(keyed, { path: '/alpha/echo', body, headers: { authorization: ['Bearer nope', 'Bearer s3cret'] } }, false)).status).toBe(401);
    const open = await pair();
    const twoTypes = { 'content-type': ['application/json', 'text/plain'], origin: 'http://evil.example' };
    expect((await same(open, { path: '/alpha/echo', body, headers: twoTypes }, true)).status).toBe(415);
    expect((await same(open, { path: '/alpha/echo', body, headers: { 'content-type': ['application/json', 'text/plain'] } }, true)).status).toBe(200);
  });

  // Regression: the fast path runs inside node:http's request event, where a throw is an uncaught exception that
  // ends the process; the app answers the same fault with 500.
  it('leaves a request it fails to judge to the app, which answers 500, rather than crashing the process', async () => {
    const p = await pair({ logLevel: 'error' });
    const get = p.t.registry.get.bind(p.t.registry);
    p.t.registry.get = (name) => {
      if (name === 'alpha') throw new Error('registry fault');
      return get(name);
    };
    const res = await same(p, { path: '/alpha/echo', body: '{"text":"x"}' }, false);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'INTERNAL' } });
    expect((await same(p, { path: '/beta/echo', body: '{"text":"x"}' }, true)).status).toBe(200);
  });

  it('serves under a path prefix, and in single-server mode at the root', async () => {
    const prefixed = await pair({ pathPrefix: '/api' });
    expect((await same(prefixed, { path: '/api/alpha/echo', body: '{"text":"x"}' }, true)).status).toBe(200);
    expect((await same(prefixed, { path: '/alpha/echo', body: '{"text":"x"}' }, false)).status).toBe(404);
    const single = await pair({ mode: 'single', servers: { solo: createFixtureServer() } });
    expect((await same(single, { path: '/echo', body: '{"text":"x"}' }, true)).body).toBe('"x"');
    expect((await same(single, { path: '/solo/echo', body: '{"text":"x"}' }, false)).status).toBe(404);
  });

  it('writes the same request log line as the app', async () => {
    const p = await pair({ logLevel: 'info' });
    await same(p, { path: '/alpha/echo', body: '{"text":"x"}' }, true);
    await same(p, { path: '/alpha/echo', body: '{"text":1}' }, true);
    const lines = p.t.logs.filter((l) => l.includes('http request')).map((l) => l.replace(/^\S+ /, '').replace(/ms=[\d.]+/, 'ms=0'));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toEqual(lines[1]);
    expect(lines[2]).toEqual(lines[3]);
    expect(lines[0]).toBe('INFO  http request method=POST path=/alpha/echo status=200 ms=0');
    expect(lines[2]).toBe('INFO  http request method=POST path=/alpha/echo status=422 ms=0');
  });

  it('gives answers the CORS headers the app gives them, for any origin or a list of them', async () => {
    const body = '{"text":"x"}';
    const browser = (origin: string) => ({ origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' });
    const any = await pair({ corsAllowOrigins: ['*'] });
    const ok = await same(any, { path: '/alpha/echo', body, headers: browser('https://app.example') }, true);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toBe('Retry-After,WWW-Authenticate,ETag');
    expect((await same(any, { path: '/alpha/echo', body }, true)).headers['access-control-allow-origin']).toBe('*');
    expect((await same(any, { path: '/alpha/echo', body: '{"text":1}', headers: browser('https://app.example') }, true)).status).toBe(422);
    // A cross-site form post is still refused, with CORS headers that let the page read why.
    const form = await same(any, { path: '/alpha/echo', body, headers: { ...browser('https://app.example'), 'content-type': 'text/plain' } }, true);
    expect(form.status).toBe(415);
    expect(form.headers['access-control-allow-origin']).toBe('*');
    // Preflights are the app's.
    expect((await same(any, { method: 'OPTIONS', path: '/alpha/echo', headers: { ...browser('https://app.example'), 'access-control-request-method': 'POST' } }, false)).status).toBe(204);

    const listed = await pair({ corsAllowOrigins: ['https://app.example', 'https://other.example'] });
    const allowed = await same(listed, { path: '/alpha/echo', body, headers: browser('https://other.example') }, true);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://other.example');
    expect(allowed.headers.vary).toBe('Origin');
    const stranger = await same(listed, { path: '/alpha/echo', body, headers: browser('https://evil.example') }, true);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect((await same(listed, { path: '/alpha/fail', body: '{}', headers: browser('https://app.example') }, true)).status).toBe(424);
    expect((await same(listed, { path: '/alpha/echo', body }, true)).headers.vary).toBe('Origin');
  });
});
