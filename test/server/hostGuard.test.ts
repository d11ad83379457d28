/**
 * DNS-rebinding protection: a page whose name was made to resolve to 127.0.0.1 still sends its own name
 * as Host, and must not reach tools, documents or health.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK_HOST_NAMES } from '../../src/server/app.js';
import { createTestApp, type TestApp } from './setup.js';

const call = (t: TestApp, url: string, init: RequestInit = {}) =>
  t.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"x"}', ...init });

describe('allowed hosts', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it('refuses requests addressed to another host with 403 HOST_NOT_ALLOWED, on every route', async () => {
    t = await createTestApp({ allowedHosts: LOOPBACK_HOST_NAMES });
    for (const [method, path] of [['POST', '/alpha/echo'], ['GET', '/openapi.json'], ['GET', '/healthz'], ['GET', '/docs']] as const) {
      const res = await t.request(`http://evil.example:8000${path}`, method === 'POST' ? { method, body: '{}', headers: { 'Content-Type': 'application/json' } } : {});
      expect(res.status, path).toBe(403);
      expect(await res.json(), path).toEqual({
        error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('"evil.example"'), details: { host: 'evil.example' } },
      });
    }
  });

  it('serves the loopback names with any port and in any case', async () => {
    t = await createTestApp({ allowedHosts: LOOPBACK_HOST_NAMES });
    for (const base of ['http://127.0.0.1:8000', 'http://LOCALHOST:1234', 'http://[::1]:8000', 'http://localhost']) {
      const res = await call(t, `${base}/alpha/echo`);
      expect(res.status, base).toBe(200);
    }
  });

  it('serves any host when no list is given, as behind a reverse proxy that keeps the public Host', async () => {
    t = await createTestApp();
    expect((await call(t, 'http://mcpo.example.com/alpha/echo')).status).toBe(200);
  });

  it('refuses before the API key is checked, so a rebinding page learns nothing about the key', async () => {
    t = await createTestApp({ allowedHosts: ['mcpo.internal'], apiKey: 'k' });
    expect((await call(t, 'http://evil.example/alpha/echo')).status).toBe(403);
    expect((await call(t, 'http://mcpo.internal/alpha/echo')).status).toBe(401);
  });

  it('reads the Host header of a real connection to 127.0.0.1, as a rebinding browser sends it', async () => {
    t = await createTestApp({ allowedHosts: LOOPBACK_HOST_NAMES });
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: t.port, path: '/healthz', headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusFor(`evil.example:${t.port}`)).toBe(403);
    expect(await statusFor(`127.0.0.1:${t.port}`)).toBe(200);
  });
});
