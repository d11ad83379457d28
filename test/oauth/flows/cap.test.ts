import { describe, expect, it } from 'vitest';
import { TooManyAuthorizationsError } from '../../../src/oauth/errors.js';
import { MAX_AUTHORIZATIONS_IN_A_ROW } from '../../../src/oauth/serverAuth.js';
import { fetchBrowser, oauthEntry, oauthSupport, startServer, tempHome } from './harness.js';

describe('authorization cap', () => {
  it('stops after three authorizations in a row without a request going through, and allows more after one did', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const auth = support.forEntry(oauthEntry(server.mcpUrl))!;

    for (let i = 0; i < MAX_AUTHORIZATIONS_IN_A_ROW; i++) await auth.authorize({ reason: 'test' });
    await expect(auth.authorize({ reason: 'test' })).rejects.toBeInstanceOf(TooManyAuthorizationsError);
    expect(browser.opened).toHaveLength(3);

    const res = await auth.fetch(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
    });
    expect(res.status).toBe(200);
    await res.text();
    await auth.authorize({ reason: 'test' });
    expect(browser.opened).toHaveLength(4);
  });
});
