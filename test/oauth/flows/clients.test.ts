import { describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, freePort, oauthEntry, oauthSupport, recordingFetch, startManager, startServer, tempHome, text } from './harness.js';

describe('client identity and what goes where', () => {
  it('uses a pre-registered confidential client with client_secret_basic, without registering', async () => {
    const port = await freePort();
    const redirect = `http://127.0.0.1:${port}/callback`;
    const server = await startServer({
      clients: [
        {
          client_id: 'mcpo-static',
          client_secret: 'static-secret',
          client_name: 'mcpo (static)',
          redirect_uris: [redirect],
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
    const home = await tempHome();
    const recorder = recordingFetch();
    const entry = oauthEntry(
      server.mcpUrl,
      {},
      { callbackPort: port, clientId: 'mcpo-static', clientSecret: 'static-secret', clientMetadata: { tokenEndpointAuthMethod: 'client_secret_basic' } },
    );
    const { support } = oauthSupport(home, fetchBrowser(), { fetch: recorder });
    const manager = startManager(support, [entry]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'static' }))).toBe('static');

    expect(server.stats().registrations).toBe(0);
    const token = recorder.requests.find((r) => r.url === `${server.url}/token`)!;
    expect(token.headers.get('authorization')).toBe(`Basic ${Buffer.from('mcpo-static:static-secret').toString('base64')}`);
    expect(token.body).not.toContain('static-secret');
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    expect(storeIdentity(entry).clientIdentity).toBe('mcpo-static');
    expect((await store.load())?.tokens).toBeDefined();
  });

  it('sends configured headers to the MCP server only, never to authorization-server endpoints', async () => {
    const server = await startServer();
    const home = await tempHome();
    const recorder = recordingFetch();
    const entry = oauthEntry(server.mcpUrl, { headers: { 'X-Tenant': 'tenant-secret' } });
    const { support } = oauthSupport(home, fetchBrowser(), { fetch: recorder });
    const manager = startManager(support, [entry]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    await manager.get('secure')!.callTool('echo', { message: 'x' });

    const toMcp = recorder.requests.filter((r) => r.url === server.mcpUrl);
    const toAs = recorder.requests.filter((r) => r.url !== server.mcpUrl);
    expect(toMcp.length).toBeGreaterThan(2);
    expect(toMcp.every((r) => r.headers.get('x-tenant') === 'tenant-secret')).toBe(true);
    expect(toAs.map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(['/register', '/token']));
    expect(toAs.some((r) => r.headers.has('x-tenant'))).toBe(false);
    // Requests after the first authorization carry the token; the AS never sees it as a bearer.
    expect(toMcp.at(-1)!.headers.get('authorization')).toMatch(/^Bearer /);
    expect(toAs.some((r) => /^Bearer /.test(r.headers.get('authorization') ?? ''))).toBe(false);
  });
});
