/**
 * Security review: a whole OAuth life (first login with a confidential client, calls, a refresh, a
 * revoked grant and the new login) with every logger at debug level: no log line and no server status
 * (what /healthz and /docs show) ever contains an access or refresh token, an authorization code, the
 * PKCE verifier or the client secret.
 */
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { Manager } from '../../../src/mcp/manager.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { fetchBrowser, freePort, oauthEntry, oauthSupport, recordingFetch, startServer, tempHome, text } from './harness.js';

const SECRET = 'client-secret-never-shown';

describe('secrets never shown', () => {
  it('keeps tokens, codes, the PKCE verifier and the client secret out of debug logs and server status', async () => {
    let now = Date.now();
    const clock = () => now;
    const port = await freePort();
    const server = await startServer({
      now: clock,
      clients: [{ client_id: 'conf', client_secret: SECRET, redirect_uris: [`http://127.0.0.1:${port}/callback`], token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
    });
    const home = await tempHome();
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const recorder = recordingFetch();
    const browser = fetchBrowser();
    const entry = oauthEntry(server.mcpUrl, {}, { callbackPort: port, clientId: 'conf', clientSecret: SECRET, clientMetadata: { tokenEndpointAuthMethod: 'client_secret_post' } });
    const { support, term } = oauthSupport(home, browser, { fetch: recorder, logger, now: clock, sleep: async () => {} });
    const manager = new Manager({ logger, parentEnv: {}, clientInfo: { name: 't', version: '0' }, backoff: { initialMs: 50, maxMs: 200 }, transportFor: support.transportFor });
    const statuses: string[] = [];
    const snapshot = () => statuses.push(JSON.stringify(manager.get('secure')?.status()));
    manager.start([entry]);
    try {
      await vi.waitFor(() => { snapshot(); expect(manager.get('secure')?.status().state).toBe('connected'); }, { timeout: 10_000 });
      expect(text(await manager.get('secure')!.callTool('echo', { message: 'one' }))).toBe('one');
      now += 2 * 3_600_000; // expired: refreshed before the next call
      expect(text(await manager.get('secure')!.callTool('echo', { message: 'two' }))).toBe('two');
      snapshot();

      const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
      const held = (await store.load())!.tokens!;
      const secrets = new Set<string>([SECRET, held.access_token, held.refresh_token!]);
      for (const request of recorder.requests.filter((r) => r.url.endsWith('/token'))) {
        const form = new URLSearchParams(request.body);
        for (const key of ['code', 'code_verifier', 'refresh_token', 'client_secret']) if (form.get(key)) secrets.add(form.get(key)!);
      }
      expect(secrets.size).toBeGreaterThanOrEqual(6); // secret, 2 live tokens, code, verifier, the first refresh token
      const shown = [...lines, ...statuses, term.text()].join('\n');
      expect(lines.some((l) => l.includes('access token refreshed'))).toBe(true);
      for (const secret of secrets) expect(shown).not.toContain(secret);
    } finally {
      await manager.stop();
    }
  });
});
