/**
 * Issue #14, hardening: `X-Content-Type-Options: nosniff` on every answer, whoever writes it (the tool route and
 * the Hono app, successes and refusals, documents, the docs page and its assets, 404s and 405s).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { send } from './rawHttp.js';
import { createTestApp, type TestApp } from './setup.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.dispose();
});

describe('security headers', () => {
  it('every answer carries X-Content-Type-Options: nosniff, from the tool route and the app', async () => {
    t = await createTestApp({ apiKey: 'k', allowedHosts: ['127.0.0.1'] });
    const { port } = t;
    const auth = { authorization: 'Bearer k' };
    const toolAnswers = await Promise.all([
      send(port, { path: '/alpha/echo', headers: auth, body: '{"text":"hi"}' }),
      send(port, { path: '/alpha/echo', headers: auth, body: '{"text":5}' }),
      send(port, { path: '/alpha/echo', headers: auth, body: '{' }),
      send(port, { path: '/alpha/echo', body: '{"text":"hi"}' }),
      send(port, { path: '/alpha/nope', headers: auth, body: '{}' }),
      send(port, { path: '/alpha/echo', headers: { ...auth, host: 'evil.example' }, body: '{}' }),
    ]);
    expect(toolAnswers.map((res) => res.status)).toEqual([200, 422, 400, 401, 404, 403]);
    const appAnswers = await Promise.all(
      ['/healthz', '/openapi.json', '/alpha/openapi.json', '/docs', '/docs/assets/swagger-ui-bundle.js', '/alpha/docs', '/nowhere', '/alpha/echo'].map((path) =>
        send(port, { method: 'GET', path }),
      ),
    );
    expect(appAnswers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200, 404, 405]);
    for (const res of [...toolAnswers, ...appAnswers]) expect(res.headers['x-content-type-options'], `${res.status} ${res.body.slice(0, 80)}`).toBe('nosniff');
  });
});
