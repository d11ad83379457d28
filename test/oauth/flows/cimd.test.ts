/**
 * Client ID Metadata Documents end to end: the example server advertises client_id_metadata_document_supported,
 * mcpo presents its client_metadata_url as client_id (no registration), the server fetches the document the
 * test serves on 127.0.0.1, checks it, and the login completes with tokens bound to that client.
 */
import { describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { documentServer, fetchBrowser, freePort, oauthEntry, oauthSupport, recordingFetch, startManager, startServer, tempHome, text } from './harness.js';

describe('a client identified by a Client ID Metadata Document', () => {
  it('logs in with client_metadata_url as client_id, without registering, and calls tools', async () => {
    const port = await freePort();
    const redirect = `http://127.0.0.1:${port}/callback`;
    const origin = await documentServer((o) => ({
      '/mcpo/client.json': [200, {}, { client_id: `${o}/mcpo/client.json`, client_name: 'mcpo', redirect_uris: [redirect], token_endpoint_auth_method: 'none' }],
    }));
    const cimd = `${origin}/mcpo/client.json`;
    const server = await startServer({ clientIdMetadataDocuments: true });
    const home = await tempHome();
    const recorder = recordingFetch();
    const entry = oauthEntry(server.mcpUrl, {}, { callbackPort: port, clientMetadataUrl: cimd });
    const { support } = oauthSupport(home, fetchBrowser(), { fetch: recorder });
    const manager = startManager(support, [entry]);

    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'cimd' }))).toBe('cimd');
    expect(server.stats().registrations).toBe(0);
    const token = recorder.requests.find((r) => r.url === `${server.url}/token`)!;
    expect(new URLSearchParams(token.body).get('client_id')).toBe(cimd);
    const stored = await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) }).load();
    expect(stored?.tokens).toBeDefined();
    expect(stored?.client).toBeUndefined(); // configuration, not state
  });

  it('is refused when the document names another client_id', async () => {
    const port = await freePort();
    const redirect = `http://127.0.0.1:${port}/callback`;
    const origin = await documentServer(() => ({
      '/mcpo/client.json': [200, {}, { client_id: 'https://elsewhere.example/client.json', redirect_uris: [redirect] }],
    }));
    const server = await startServer({ clientIdMetadataDocuments: true });
    const res = await fetch(
      `${server.url}/authorize?${new URLSearchParams({
        client_id: `${origin}/mcpo/client.json`,
        redirect_uri: redirect,
        response_type: 'code',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
        state: 's',
      })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/client/i);
  });
});
