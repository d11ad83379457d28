import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('loopback authorization', () => {
  it('authorizes through the browser on first start, then serves the protected tools', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support, term } = oauthSupport(home, browser);
    const entry = oauthEntry(server.mcpUrl);
    const manager = startManager(support, [entry]);

    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    const result = await manager.get('secure')!.callTool('echo', { message: 'hello' });
    expect(text(result)).toBe('hello');

    expect(browser.opened).toHaveLength(1);
    // The browser is sent to mcpo's login link, which leads it to the authorization URL. Issue #14: a launched
    // browser's command line is readable by every local user, so where the kernel tells who connects (Linux)
    // its link carries no ticket; the console's does.
    expect(browser.opened[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/);
    const url = new URL(browser.jar.visited[1]!);
    expect(url.origin + url.pathname).toBe(`${server.url}/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);
    expect(url.searchParams.get('resource')).toBe(server.mcpUrl);
    expect(url.searchParams.get('scope')).toBe('tools:list tools:execute');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    // The URL is printed on a line of its own, naming the server.
    expect(term.text()).toContain('server "secure" needs authorization');
    expect(term.text().split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^${browser.opened[0]!.replace(/\./g, '\\.')}\\?ticket=[\\w-]{43}$`)));
    expect(term.text()).not.toContain(url.searchParams.get('state'));

    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(store.location))).mode & 0o777).toBe(0o700);
    const saved = await store.load();
    expect(saved?.tokens?.refresh_token).toBeDefined();
    expect(saved?.tokens?.expires_at).toBeGreaterThan(Date.now());
    expect(saved?.client?.client_id).toBeDefined();
    expect(saved?.discovery?.resourceMetadata?.resource).toBe(server.mcpUrl);
  });

  it('reuses the saved tokens after a restart without prompting', async () => {
    const server = await startServer();
    const home = await tempHome();
    const first = fetchBrowser();
    const one = oauthSupport(home, first);
    const managerOne = startManager(one.support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(managerOne.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    await managerOne.stop();

    const second = fetchBrowser();
    const two = oauthSupport(home, second);
    const before = server.stats();
    const managerTwo = startManager(two.support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(managerTwo.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await managerTwo.get('secure')!.callTool('sum', { a: 2, b: 3 }))).toContain('5');
    expect(second.opened).toEqual([]);
    expect(two.term.text()).toBe('');
    expect(server.stats().authorizationRequests).toBe(before.authorizationRequests);
    expect(server.stats().registrations).toBe(before.registrations);
  });
});
