import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './setup.js';

describe('/healthz', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it('reports ok with every server connected and its tool count', async () => {
    t = await createTestApp();
    const res = await t.request('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { status: string; servers: Record<string, { state: string; tools: number }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.servers)).toEqual(['alpha', 'beta']);
    expect(body.servers.alpha).toMatchObject({ name: 'alpha', state: 'connected', tools: 7 });
  });

  it('stays 200 but reports degraded, with the reason, when a server is down', async () => {
    t = await createTestApp();
    t.registry.setState('beta', 'failed', { error: 'spawn ENOENT', nextAttemptAt: '2030-01-01T00:00:00.000Z' });
    const res = await t.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; servers: Record<string, object> };
    expect(body.status).toBe('degraded');
    expect(body.servers.beta).toMatchObject({ state: 'failed', error: 'spawn ENOENT', tools: 0 });
  });

  it('is served under the path prefix', async () => {
    t = await createTestApp({ pathPrefix: '/api/' });
    expect((await t.request('/api/healthz')).status).toBe(200);
    expect((await t.request('/healthz')).status).toBe(404);
  });
});
