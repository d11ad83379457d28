import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { MAX_BODY_DEPTH } from '../../src/server/requestBody.js';
import { createLogger } from '../../src/log/logger.js';
import type { ServerRegistry } from '../../src/mcp/types.js';
import { createFixtureServer, TINY_PNG_BASE64 } from '../helpers/inProcessRegistry.js';
import { createTestApp, post, requestThrough, serve, TEST_INFO, type TestApp } from './setup.js';

interface Envelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

describe('tool routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('calls a tool with the JSON body as arguments and answers 200 with its result', async () => {
    const res = await post(t, '/alpha/echo', { text: 'hello there' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toBe('hello there');
  });

  it('passes integer arguments through to the tool', async () => {
    const res = await post(t, '/beta/add', { a: 40, b: 2 });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(42);
  });

  it('treats an empty body as no arguments, so tools without parameters need no body', async () => {
    const res = await post(t, '/alpha/ping');
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('pong');
  });

  it('returns structured content of tools that declare an output schema', async () => {
    const res = await post(t, '/alpha/weather', { city: 'Oslo' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ city: 'Oslo', temperature: 21.5, conditions: 'sunny' });
  });

  it('returns image content with its MIME type and base64 data', async () => {
    const res = await post(t, '/alpha/image');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 'image', mimeType: 'image/png', data: TINY_PNG_BASE64 });
  });

  it('answers 424 TOOL_ERROR when the tool reports an error result', async () => {
    const res = await post(t, '/alpha/fail');
    expect(res.status).toBe(424);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('TOOL_ERROR');
    expect(body.error.message).toBe('the tool failed on purpose');
  });

  it('answers 400 BAD_REQUEST for a body that is not JSON', async () => {
    const res = await post(t, '/alpha/echo', '{"text": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/not valid JSON/);
  });

  it("accepts JSON sent with curl's default form content type, as `curl -d '{...}'` does", async () => {
    const res = await post(t, '/alpha/echo', '{"text":"from curl"}', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
  });

  it('refuses a form or text/plain body from a browser with 415 (cross-site form posts cannot call tools)', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      { 'Content-Type': 'text/plain', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' },
    ]) {
      const res = await post(t, '/alpha/echo', '{"text":"x"}', headers);
      expect(res.status).toBe(415);
      const body = (await res.json()) as Envelope;
      expect(body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(body.error.message).toContain('application/json');
    }
  });

  it('refuses a bodiless cross-site POST from a browser with 415, so a page cannot call a parameterless tool', async () => {
    // Regression: an empty body skipped the media-type check, so `<form method=post action=".../alpha/ping">`
    // on any web site called the tool on a local mcpo.
    for (const headers of <Array<Record<string, string>>>[
      { 'Content-Type': 'text/plain', Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'https://evil.example' },
      { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'null' },
    ]) {
      const res = await t.request('/alpha/ping', { method: 'POST', headers });
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect(((await res.json()) as Envelope).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('lets a browser call a parameterless tool with no body from the same origin or with a JSON content type', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { Origin: 'http://127.0.0.1:8000', 'Sec-Fetch-Site': 'same-origin' },
      { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:8000' },
    ]) {
      const res = await t.request('/alpha/ping', { method: 'POST', headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(await res.json()).toBe('pong');
    }
  });

  it('answers 400 for a form body that is not JSON', async () => {
    const res = await post(t, '/alpha/echo', 'text=hi', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
  });

  it('answers 400 for a body nested deeper than MAX_BODY_DEPTH, which the schema alone would let through', async () => {
    // Regression: `{"x": [[[…]]]}` 100000 levels deep passed validation (x is unconstrained), then
    // overflowed the stack while being sent upstream and came back as 502 UPSTREAM_ERROR.
    const deep = `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await post(t, '/alpha/ping', deep);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.details).toEqual({ maxDepth: MAX_BODY_DEPTH });
    const deepest = `{"x":${'['.repeat(MAX_BODY_DEPTH - 1)}${']'.repeat(MAX_BODY_DEPTH - 1)}}`;
    expect((await post(t, '/alpha/ping', deepest)).status).toBe(200);
  });

  it('does not count brackets inside strings (escaped quotes included) towards the nesting depth', async () => {
    const brackets = '['.repeat(MAX_BODY_DEPTH + 10);
    const inStrings = JSON.stringify({ x: brackets, y: `say \"${brackets}`, z: [{ w: `\\${brackets}` }] });
    expect((await post(t, '/alpha/ping', inStrings)).status).toBe(200);
    // After a string that ends in an escaped backslash, brackets count again.
    const after = `{"x":"\\\\","y":${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}}`;
    expect((await post(t, '/alpha/ping', after)).status).toBe(400);
  });

  it('answers 422 VALIDATION_FAILED for JSON that is not an object', async () => {
    for (const body of ['[1,2]', '"text"', 'null', '3']) {
      const res = await post(t, '/alpha/echo', body);
      expect(res.status).toBe(422);
      const envelope = (await res.json()) as Envelope;
      expect(envelope.error.code).toBe('VALIDATION_FAILED');
      expect(envelope.error.details?.problems).toEqual([{ path: '', message: expect.stringContaining('JSON object') }]);
    }
  });

  it('answers 422 with every schema problem before calling the tool', async () => {
    const res = await post(t, '/beta/add', { a: 1.5, b: 'two' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const problems = body.error.details?.problems as { path: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(['/a', '/b']);
  });

  it('answers 404 SERVER_NOT_FOUND for an unknown server and suggests a close name', async () => {
    const res = await post(t, '/alpah/echo', {});
    expect(res.status).toBe(404);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('SERVER_NOT_FOUND');
    expect(body.error.message).toContain('Did you mean: alpha?');
  });

  it('answers 404 TOOL_NOT_FOUND for an unknown tool and suggests a close name', async () => {
    const res = await post(t, '/alpha/ecko', { text: 'x' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('TOOL_NOT_FOUND');
    expect(body.error.message).toContain('Did you mean: echo?');
    expect(body.error.details).toEqual({ server: 'alpha', tool: 'ecko' });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const small = await createTestApp({ bodyLimitBytes: 64 });
    try {
      const res = await post(small, '/alpha/echo', { text: 'x'.repeat(100) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as Envelope).error.code).toBe('PAYLOAD_TOO_LARGE');
      const ok = await post(small, '/alpha/echo', { text: 'short' });
      expect(ok.status).toBe(200);
    } finally {
      await small.dispose();
    }
  });

  it('counts the bytes actually received when Content-Length is absent', async () => {
    const small = await createTestApp({ bodyLimitBytes: 64 });
    try {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('{"text":"xxxxxxxxxx"}'));
          controller.close();
        },
      });
      const res = await small.request('/alpha/echo', {
        method: 'POST',
        body: stream,
        headers: { 'Content-Type': 'application/json' },
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
    } finally {
      await small.dispose();
    }
  });

  it('answers 503 SERVER_UNAVAILABLE with Retry-After while a server is down', async () => {
    t.registry.setState('alpha', 'failed', { error: 'connection refused' });
    const res = await post(t, '/alpha/echo', { text: 'x' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as Envelope).error.code).toBe('SERVER_UNAVAILABLE');
  });

  it('answers 503 NEEDS_AUTHORIZATION while a server waits for OAuth', async () => {
    t.registry.setState('beta', 'needs_authorization', { authorizationUrl: 'https://auth.example/authorize?x=1' });
    const res = await post(t, '/beta/add', { a: 1, b: 2 });
    expect(res.status).toBe(503);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('NEEDS_AUTHORIZATION');
    expect(body.error.details?.authorizationUrl).toBe('https://auth.example/authorize?x=1');
  });

  it('answers 404 in the same envelope for paths that are no route', async () => {
    for (const [method, path, code] of [
      ['GET', '/nowhere', 'SERVER_NOT_FOUND'],
      ['GET', '/alpha/nothing', 'TOOL_NOT_FOUND'],
      ['POST', '/alpha', 'TOOL_NOT_FOUND'],
    ] as const) {
      const res = await t.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as Envelope;
      expect(body.error.code, `${method} ${path}`).toBe(code);
    }
  });

  it('answers another method on a tool with 405 METHOD_NOT_ALLOWED and Allow: POST, not TOOL_NOT_FOUND', async () => {
    // Regression: GET /alpha/echo said TOOL_NOT_FOUND, so a client branching on the code thought echo was gone.
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await t.request('/alpha/echo', { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow'), method).toBe('POST');
      const body = (await res.json()) as Envelope;
      expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(body.error.message).toContain('call it with POST');
      expect(body.error.details).toEqual({ method, path: '/alpha/echo', server: 'alpha', tool: 'echo' });
    }
  });

  it('answers 405 for another method on a tool in single mode too, where tools sit at the root', async () => {
    const single = await createTestApp({ mode: 'single', servers: { only: createFixtureServer() } });
    try {
      const res = await single.request('/echo');
      expect(res.status).toBe(405);
      expect(((await res.json()) as Envelope).error.details).toMatchObject({ server: 'only', tool: 'echo' });
      expect((await single.request('/nothing')).status).toBe(404);
    } finally {
      await single.dispose();
    }
  });

  it('tells a GET on a path that is no tool that tools are called with POST', async () => {
    const res = await t.request('/alpha/nothing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as Envelope).error.message).toContain('Tools are called with POST');
  });
});

describe('unexpected errors', () => {
  it('answers 500 INTERNAL with a generic message and logs the detail', async () => {
    const logs: string[] = [];
    const broken: ServerRegistry = {
      get() {
        throw new TypeError('registry exploded: secret detail');
      },
      list: () => [],
      onChange: () => () => {},
    };
    const created = createApp({
      registry: broken,
      logger: createLogger({ write: (l) => logs.push(l) }),
      info: TEST_INFO,
    });
    const listening = await serve(created);
    try {
      const res = await post({ request: (path, init) => requestThrough(listening.port, path, init) }, '/any/tool', {});
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
      expect(text).not.toContain('secret detail');
      expect(logs.some((l) => l.includes('ERROR') && l.includes('registry exploded'))).toBe(true);
    } finally {
      await listening.close();
      created.close();
    }
  });
});
