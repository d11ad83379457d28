/**
 * Issue #14 item 5: with MCPO_HOME on a shared folder, a token file planted by another user was used
 * without a word, and its stored token_endpoint received the configured client secret (and the refresh
 * token) on refresh. The planting is done by a real second Unix user (see test/helpers/otherUser.ts); the
 * "attacker's token endpoint" is a server of ours that records what reaches it.
 */
import { chmod, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import type { StoredAuth } from '../../../src/oauth/store/schema.js';
import { captureLogger } from '../storeHelpers.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../../helpers/otherUser.js';
import type { OAuthEntry } from '../../../src/oauth/setup.js';
import { fetchBrowser, freePort, oauthEntry, oauthSupport, startManager, startServer } from './harness.js';

const SECRET = 'victim-client-secret';
const user = otherUser();
const closers: Server[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The attacker's token endpoint: records every request body and Authorization header. */
async function attackerTokenEndpoint(): Promise<{ origin: string; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(`${req.headers.authorization ?? ''} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'attacker-at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'attacker-rt' }));
    });
  });
  closers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A token file whose saved authorization server is the attacker's, with an expired token to refresh. */
function plantedState(entry: OAuthEntry, attacker: string): StoredAuth {
  return {
    version: 1,
    serverUrl: entry.url,
    clientIdentity: storeIdentity(entry).clientIdentity,
    tokens: { access_token: 'planted-at', token_type: 'Bearer', refresh_token: 'planted-rt', expires_at: Date.now() - 60_000 },
    discovery: {
      authorizationServerUrl: attacker,
      authorizationServerMetadata: {
        issuer: attacker,
        authorization_endpoint: `${attacker}/authorize`,
        token_endpoint: `${attacker}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      },
      fetchedAt: Date.now(),
    },
  };
}

async function confidentialServer() {
  const port = await freePort();
  const server = await startServer({
    clients: [
      {
        client_id: 'mcpo-static',
        client_secret: SECRET,
        redirect_uris: [`http://127.0.0.1:${port}/callback`],
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  });
  const entry = oauthEntry(server.mcpUrl, {}, { callbackPort: port, clientId: 'mcpo-static', clientSecret: SECRET, clientMetadata: { tokenEndpointAuthMethod: 'client_secret_post' } });
  return { server, entry };
}

const PLANT = `
import { mkdirSync, writeFileSync } from 'node:fs';
const { DIR, FILE, CONTENT, DIR_MODE } = process.env;
mkdirSync(DIR, { recursive: true, mode: Number(DIR_MODE) });
writeFileSync(FILE, CONTENT, { mode: 0o600 });
`;

describe.skipIf(!user)(`token files planted by another user (${user ? user.name : NOT_ROOT})`, () => {
  it.each([
    ['a shared MCPO_HOME (mode 1777) where the other user made the tokens folder', 'attacker-dir'],
    ['a tokens folder of ours that others may write to (mode 0777)', 'open-dir'],
  ] as const)('refuses, naming the file or folder, in %s, and sends the other user nothing', async (_case, layout) => {
    const { entry } = await confidentialServer();
    const attacker = await attackerTokenEndpoint();
    const home = await mkdtemp(path.join(tmpdir(), 'mcpo-shared-'));
    await chmod(home, 0o1777);
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    const tokens = path.dirname(store.location);
    if (layout === 'open-dir') {
      await mkdir(tokens, { mode: 0o777 });
      await chmod(tokens, 0o777);
    }
    const planted = await runNodeAs(user!, PLANT, { DIR: tokens, FILE: store.location, CONTENT: JSON.stringify(plantedState(entry, attacker.origin)), DIR_MODE: String(0o755) });
    expect(planted.stderr).toBe('');

    const { support } = oauthSupport(home, fetchBrowser());
    const manager = startManager(support, [entry]);
    // Retried with backoff (the user may fix the folder), never used meanwhile.
    await vi.waitFor(() => expect(manager.get('secure')?.status().error ?? '').toContain('Refusing to use'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().state).not.toBe('connected');
    const error = manager.get('secure')!.status().error ?? '';
    expect(error).toContain(layout === 'attacker-dir' ? `${tokens}, which is owned by uid ${user!.uid}` : `${tokens}, which is writable by others`);
    expect(attacker.received).toEqual([]);
    // The planted file is left as it was: it is evidence, and not ours to delete.
    expect(JSON.parse(await readFile(store.location, 'utf8')).tokens.access_token).toBe('planted-at');
  });
});

describe('a token file whose saved authorization server differs from the live one', () => {
  it('sends neither the refresh token nor the client secret to the saved token endpoint, and logs in afresh', async () => {
    const { server, entry } = await confidentialServer();
    const attacker = await attackerTokenEndpoint();
    const home = await mkdtemp(path.join(tmpdir(), 'mcpo-edited-'));
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    await store.save(plantedState(entry, attacker.origin)); // ours on disk, but its contents were chosen by someone else
    const browser = fetchBrowser();
    const { logger, lines } = captureLogger();
    const { support } = oauthSupport(home, browser, { logger });
    const manager = startManager(support, [entry]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(attacker.received).toEqual([]);
    expect(browser.opened).toHaveLength(1);
    expect(server.stats().authorizationCodeRequests).toBe(1);
    expect(lines.join('\n')).toContain('the saved authorization server is not the one the server names now');
    const saved = await store.load();
    expect(saved?.discovery?.authorizationServerMetadata?.token_endpoint).toBe(`${server.url}/token`);
  });
});
