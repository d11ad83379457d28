/**
 * Disconnect while a token refresh is under way (issue #16): a running mcpo (run(), real HTTP on 127.0.0.1) with the
 * example OAuth server, whose token endpoint is made slow to answer. A tool call finds its access token expired and
 * refreshes; while the refresh waits for its answer, the connections page's Disconnect is clicked. The refresh must
 * neither save its tokens (which would silently connect the server again) nor hand them to the call.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runAuthCli } from '../../../src/cli/auth.js';
import { createLogger } from '../../../src/log/logger.js';
import type { Running } from '../../../src/run.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { fetchBrowser, freePort, idleBrowser, oauthEntry, oauthSupport, runOnLoopback, startServer, tempHome, terminal } from './harness.js';

const HOUR_MS = 3_600_000;

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function health(base: string): Promise<{ servers: Record<string, { state: string }> }> {
  return (await fetch(`${base}/healthz`)).json() as never;
}

describe('Disconnect during a token refresh', () => {
  it('keeps the server disconnected: the refresh saves nothing and its tokens serve no call', async () => {
    let now = Date.now();
    const clock = () => now;
    const server = await startServer({ autoApprove: true, now: clock });
    const home = await tempHome();
    const logger = createLogger({ level: 'warn', write: () => {} });
    // The loopback login completes by itself (the fetch browser approves), so mcpo starts connected.
    const { support } = oauthSupport(home, fetchBrowser(), { logger, now: clock });
    const entry = oauthEntry(server.mcpUrl);
    const mcpo = await runOnLoopback({
      servers: [entry],
      port: await freePort(),
      logger,
      oauth: support,
    });
    running.push(mcpo);
    const base = mcpo.url;
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('connected'), { timeout: 15_000 });
    const tokenFile = store.location;
    await access(tokenFile);

    // The access token expires; the next call refreshes, and the token endpoint's answer is held.
    now += HOUR_MS + 1000;
    let answer!: () => void;
    server.delayNextTokenAnswers(1, new Promise<void>((resolve) => (answer = resolve)));
    const call = fetch(`${base}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'during' }) });
    await vi.waitFor(() => expect(server.stats().refreshRequests).toBe(1), { timeout: 10_000 });

    const pageHtml = await (await fetch(`${base}/oauth`)).text();
    const token = /name="token" value="([^"]+)"/.exec(pageHtml)![1]!;
    const disconnect = await fetch(`${base}/oauth/disconnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ server: 'secure', token }).toString(),
    });
    expect(disconnect.status).toBe(200);
    // Now the token endpoint answers the refresh with its new tokens (the grant still stands at the server).
    answer();

    const during = await call;
    expect(await during.text()).not.toContain('"during"');
    expect(during.status).toBe(503);
    // The refresh holds the token file's lock until it is over: taking it waits for whatever it would still do.
    await store.withLock(async () => {});
    await expect(access(tokenFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('needs_authorization'), { timeout: 10_000 });
    const later = await fetch(`${base}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'later' }) });
    expect(later.status).toBe(503);
    expect(((await later.json()) as { error: { code: string } }).error.code).toBe('NEEDS_AUTHORIZATION');
    expect(server.stats().refreshRequests).toBe(1);
    await expect(access(tokenFile)).rejects.toMatchObject({ code: 'ENOENT' });

    // Restarted on the same home, mcpo is still disconnected: a login waits (nobody approves it this time).
    await running.pop()!.close();
    const again = await runOnLoopback({
      servers: [entry],
      port: await freePort(),
      logger,
      oauth: oauthSupport(home, idleBrowser(), { logger, now: clock }).support,
    });
    running.push(again);
    await vi.waitFor(async () => expect((await health(again.url)).servers.secure?.state).toBe('needs_authorization'), { timeout: 10_000 });
    expect((await fetch(`${again.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"x"}' })).status).toBe(503);
  });

  it('`mcpo auth logout` meanwhile (another mcpo on the same tokens) waits for the refresh, then revokes and deletes its tokens', async () => {
    // Regression: logOut did not take the token file's lock, so it deleted the old tokens while the refresh was out
    // and the refresh then saved new ones: the next start was connected again, with tokens nobody revoked.
    let now = Date.now();
    const clock = () => now;
    const server = await startServer({ autoApprove: true, now: clock });
    const home = await tempHome();
    const logger = createLogger({ level: 'warn', write: () => {} });
    const issued: string[] = [];
    const watching = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const res = await fetch(url, init);
      if (new URL(String(url)).pathname === '/token' && res.ok) issued.push(((await res.clone().json()) as { access_token: string }).access_token);
      return res;
    };
    const { support } = oauthSupport(home, fetchBrowser(), { logger, now: clock, fetch: watching });
    const entry = oauthEntry(server.mcpUrl);
    const mcpo = await runOnLoopback({ servers: [entry], port: await freePort(), logger, oauth: support });
    running.push(mcpo);
    await vi.waitFor(async () => expect((await health(mcpo.url)).servers.secure?.state).toBe('connected'), { timeout: 15_000 });
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });

    now += HOUR_MS + 1000;
    let answer!: () => void;
    server.delayNextTokenAnswers(1, new Promise<void>((resolve) => (answer = resolve)));
    const call = fetch(`${mcpo.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'during' }) });
    await vi.waitFor(() => expect(server.stats().refreshRequests).toBe(1), { timeout: 10_000 });

    const config = path.join(home, 'config.json');
    await writeFile(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } } } }));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const cliTerm = terminal();
    const logout = runAuthCli(['node', 'mcpo', 'auth', 'logout', 'secure', '--config', config], {
      env: { MCPO_HOME: home },
      stdout,
      stderr: cliTerm.output,
      oauth: { io: { output: cliTerm.output, input: cliTerm.input, isTTY: false, openBrowser: idleBrowser() } },
    });
    // Room for a logout that does not wait to get ahead of the refresh's answer.
    await Promise.race([logout, new Promise((resolve) => setTimeout(resolve, 1000))]);
    answer();
    expect(await logout).toBe(0);
    expect(out).toContain('tokens revoked at the server');
    expect(await (await call).text()).toContain('during'); // the refresh was this mcpo's own: its call went through

    await store.withLock(async () => {});
    await expect(access(store.location)).rejects.toMatchObject({ code: 'ENOENT' });
    // What the logout revoked was the refreshed grant: the refresh's access token is refused at the server.
    expect(issued).toHaveLength(2);
    const ping = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued[1]}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(ping.status).toBe(401);
  });
});
