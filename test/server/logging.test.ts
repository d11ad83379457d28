import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, post, type TestApp } from './setup.js';

describe('request log', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.dispose();
  });

  it('writes exactly one info line per request with method, path, status and duration', async () => {
    t = await createTestApp();
    await post(t, '/alpha/echo', { text: 'hi' });
    await post(t, '/alpha/nothing', {});
    await t.request('/healthz');
    expect(t.logs).toHaveLength(3);
    expect(t.logs[0]).toMatch(/INFO  http request method=POST path=\/alpha\/echo status=200 ms=\d+(\.\d)?$/);
    expect(t.logs[1]).toContain('status=404');
    expect(t.logs[2]).toContain('path=/healthz status=200');
  });

  it('never logs arguments, results, query strings or credentials at info level', async () => {
    t = await createTestApp({ apiKey: 'k3y-value' });
    await post(t, '/alpha/echo?token=query-secret', { text: 'argument-value' }, { Authorization: 'Bearer k3y-value' });
    await post(t, '/alpha/echo', { text: 'argument-value' }, { Authorization: 'Bearer wrong-key-value' });
    const all = t.logs.join('\n');
    expect(t.logs).toHaveLength(2);
    for (const secret of ['argument-value', 'query-secret', 'k3y-value', 'wrong-key-value']) expect(all).not.toContain(secret);
    expect(t.logs[1]).toContain('status=401');
  });

  it('logs tool arguments at debug level, with secret-looking keys redacted', async () => {
    t = await createTestApp({ logLevel: 'debug' });
    await post(t, '/alpha/echo', { text: 'visible', apiKey: 'hidden-value' });
    const all = t.logs.join('\n');
    expect(all).toContain('"text":"visible"');
    expect(all).not.toContain('hidden-value');
  });

  it('redacts argument values by shape and by more key names at debug level (issue #14)', async () => {
    t = await createTestApp({ logLevel: 'debug' });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    await post(t, '/alpha/echo', { text: `Bearer bearer-value-123 ${jwt}`, db_pass: 'pass-value', otpCode: '123456', path: '/visible/path' });
    const all = t.logs.join('\n');
    for (const secret of ['bearer-value-123', jwt, 'pass-value', '123456']) expect(all).not.toContain(secret);
    expect(all).toContain('"path":"/visible/path"');
  });
});
