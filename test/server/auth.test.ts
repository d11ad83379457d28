import { afterEach, describe, expect, it } from 'vitest';
import { presentedKey } from '../../src/server/auth.js';
import { createTestApp, post, type TestApp } from './setup.js';

const KEY = 'top-secret-key';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('API key', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('lets a tool call through with the key as a Bearer token', async () => {
    t = await createTestApp({ apiKey: KEY });
    const res = await post(t, '/alpha/echo', { text: 'hi' }, { Authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
  });

  it('lets a tool call through with the key as the Basic password, whatever the user name', async () => {
    t = await createTestApp({ apiKey: KEY });
    for (const user of ['', 'anyone', 'x']) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { Authorization: basic(user, KEY) });
      expect(res.status).toBe(200);
    }
  });

  it('answers 401 with a Bearer challenge only when the key is missing or wrong, so browsers show no password dialog', async () => {
    // Regression: "Basic realm=..., Bearer ..." made the browser put its own login dialog over Swagger UI
    // whenever "Try it out" was used without the key.
    t = await createTestApp({ apiKey: KEY });
    for (const authorization of [undefined, 'Bearer wrong', `Token ${KEY}`]) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, authorization ? { Authorization: authorization } : {});
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate'), authorization).toBe('Bearer realm="mcpo"');
    }
    const res = await post(t, '/alpha/echo', { text: 'hi' });
    expect(await res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringContaining('Missing API key') } });
  });

  it('offers Basic again to a request that tried Basic, so the user can retype the key', async () => {
    t = await createTestApp({ apiKey: KEY });
    for (const authorization of [basic('me', 'wrong'), 'Basic bm8tY29sb24=', 'basic']) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { Authorization: authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate'), authorization).toBe('Basic realm="mcpo", Bearer realm="mcpo"');
    }
  });

  it('answers 401 for a wrong key, a key with extra characters, or an unsupported scheme', async () => {
    t = await createTestApp({ apiKey: KEY });
    for (const authorization of [`Bearer ${KEY}x`, 'Bearer wrong', basic(KEY, 'wrong'), `Token ${KEY}`, KEY]) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { Authorization: authorization });
      expect(res.status, authorization).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('says the Authorization header is unsupported, not missing, when it uses another scheme or no scheme', async () => {
    t = await createTestApp({ apiKey: KEY });
    for (const authorization of [`Token ${KEY}`, KEY, 'Basic bm8tY29sb24=']) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { Authorization: authorization });
      const { message } = ((await res.json()) as { error: { message: string } }).error;
      expect(message, authorization).toBe('Unsupported Authorization header: send "Authorization: Bearer <key>"');
      expect(message).not.toContain(KEY);
    }
  });

  it('checks the key before revealing whether a server or tool exists', async () => {
    t = await createTestApp({ apiKey: KEY });
    expect((await post(t, '/nope/nothing', {})).status).toBe(401);
    expect((await post(t, '/nope/nothing', {}, { Authorization: `Bearer ${KEY}` })).status).toBe(404);
  });

  it('leaves docs, documents and health public without strictAuth', async () => {
    t = await createTestApp({ apiKey: KEY });
    for (const path of ['/docs', '/openapi.json', '/alpha/openapi.json', '/alpha/docs', '/healthz', '/docs/assets/swagger-ui.css']) {
      expect((await t.request(path)).status, path).toBe(200);
    }
  });

  it('protects docs, documents, health and assets with strictAuth, and lets the key in', async () => {
    t = await createTestApp({ apiKey: KEY, strictAuth: true });
    for (const path of ['/docs', '/openapi.json', '/alpha/openapi.json', '/alpha/docs', '/healthz', '/docs/assets/swagger-ui.css', '/unknown']) {
      const denied = await t.request(path);
      expect(denied.status, path).toBe(401);
      expect(denied.headers.get('www-authenticate'), path).toBe('Bearer realm="mcpo"');
      // Typed into the address bar, the browser's login dialog is the only way to present the key.
      const navigation = await t.request(path, { headers: { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } });
      expect(navigation.status, path).toBe(401);
      expect(navigation.headers.get('www-authenticate'), path).toBe('Basic realm="mcpo", Bearer realm="mcpo"');
      const allowed = await t.request(path, { headers: { Authorization: basic('me', KEY) } });
      expect(allowed.status, path).toBe(path === '/unknown' ? 404 : 200);
    }
    expect((await post(t, '/alpha/echo', { text: 'x' }, { Authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await post(t, '/alpha/echo', { text: 'x' })).status).toBe(401);
  });

  it('declares the bearer scheme in the documents when a key is set', async () => {
    t = await createTestApp({ apiKey: KEY });
    const doc = (await (await t.request('/openapi.json')).json()) as { components?: { securitySchemes?: object } };
    expect(Object.keys(doc.components?.securitySchemes ?? {})).not.toHaveLength(0);
    expect(JSON.stringify(doc)).not.toContain(KEY);
  });

  it('refuses strictAuth without a key and an empty key', async () => {
    await expect(createTestApp({ strictAuth: true })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(createTestApp({ apiKey: '' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('presentedKey', () => {
  it('reads Bearer tokens and Basic passwords (which may contain colons) and nothing else', () => {
    expect(presentedKey('Bearer abc')).toBe('abc');
    expect(presentedKey('bearer  abc ')).toBe('abc');
    expect(presentedKey(basic('u', 'p:with:colons'))).toBe('p:with:colons');
    expect(presentedKey('Basic bm9jb2xvbg==')).toBeUndefined();
    expect(presentedKey('Digest abc')).toBeUndefined();
    expect(presentedKey(undefined)).toBeUndefined();
    expect(presentedKey('Bearer')).toBeUndefined();
    expect(presentedKey('  Bearer \t a b  ')).toBe('a b');
  });

  it('reads a header padded with spaces in linear time (an unauthenticated client sends it; issue #14)', () => {
    const padded = `Bearer x${' '.repeat(64_000)}y`;
    const start = performance.now();
    expect(presentedKey(padded)).toBe(`x${' '.repeat(64_000)}y`);
    expect(performance.now() - start).toBeLessThan(100);
  });
});

describe('CORS', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('sends no CORS headers unless origins are configured', async () => {
    t = await createTestApp();
    const res = await post(t, '/alpha/echo', { text: 'x' }, { Origin: 'https://app.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights for allowed origins, before and without the API key, even under strictAuth', async () => {
    t = await createTestApp({ apiKey: KEY, strictAuth: true, corsAllowOrigins: ['https://app.example'] });
    const res = await t.request('/alpha/echo', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('does not allow an origin that is not listed', async () => {
    t = await createTestApp({ corsAllowOrigins: ['https://app.example'] });
    const res = await post(t, '/alpha/echo', { text: 'x' }, { Origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin with "*", on errors too', async () => {
    t = await createTestApp({ corsAllowOrigins: ['*'] });
    const ok = await post(t, '/alpha/echo', { text: 'x' }, { Origin: 'https://a.example' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const missing = await post(t, '/alpha/nothing', {}, { Origin: 'https://a.example' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
  });
});
