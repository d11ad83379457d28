/**
 * Issue #14, hardening: `X-Content-Type-Options: nosniff` on every answer, whichever path writes it (the node:http
 * fast path and the Hono app, successes and refusals, documents, the docs page and its assets, 404s).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { disposePairs, pair, same, send } from './fastPathPair.js';

afterEach(disposePairs);

describe('security headers', () => {
  it('every answer carries X-Content-Type-Options: nosniff, on both paths', async () => {
    const p = await pair({ apiKey: 'k' });
    const auth = { authorization: 'Bearer k' };
    const fastAnswers = [
      await same(p, { path: '/alpha/echo', headers: auth, body: '{"text":"hi"}' }, true),
      await same(p, { path: '/alpha/echo', headers: auth, body: '{"text":5}' }, true),
      await same(p, { path: '/alpha/echo', headers: auth, body: '{' }, true),
      await same(p, { path: '/alpha/echo', body: '{"text":"hi"}' }, false),
      await same(p, { path: '/alpha/nope', headers: auth, body: '{}' }, false),
    ];
    const appAnswers = await Promise.all(
      ['/healthz', '/openapi.json', '/alpha/openapi.json', '/docs', '/docs/assets/swagger-ui-bundle.js', '/alpha/docs', '/nowhere'].map((path) =>
        send(p.plain.port, { method: 'GET', path }),
      ),
    );
    expect(appAnswers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200, 404]);
    for (const res of [...fastAnswers, ...appAnswers]) expect(res.headers['x-content-type-options'], `${res.status} ${res.body.slice(0, 80)}`).toBe('nosniff');
  });
});
