/**
 * Issue #14 (local attackers): when someone other than the operator's browser took part in a loopback login
 * (here: a browser without mcpo's cookie brings back the login's state with their code), mcpo only warned
 * and waited on, bound to a state that had leaked. The login is now cancelled: their code is never
 * exchanged, the server says why, and the next call starts a fresh login with a new state and link.
 */
import { describe, expect, it, vi } from 'vitest';
import { McpoError } from '../../../src/errors.js';
import { authorizationUrlBehind, CookieJar, idleBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('a login someone else took part in', () => {
  it('is cancelled, nothing of it is saved, and the next call starts a fresh login with a new state and link', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = idleBrowser();
    const { support, term } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(browser.opened).toHaveLength(1), { timeout: 10_000 });

    // The intruder has the authorization URL (state included), approves, and brings their code back without mcpo's cookie.
    const first = await authorizationUrlBehind(browser.opened[0]!);
    const approved = await fetch(first, { redirect: 'manual' });
    await approved.text();
    const callback = approved.headers.get('location')!;
    expect(callback).toContain('code=');
    const delivered = await fetch(callback);
    expect(delivered.status).toBe(403);
    expect(await delivered.text()).toContain('mcpo login cancelled');

    await vi.waitFor(() => expect(manager.get('secure')!.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toContain('The login was cancelled: a browser that did not open');
    expect(server.stats().authorizationCodeRequests).toBe(0);

    // The next call starts over: a new link on the console and a new state behind it.
    const refused = await manager.get('secure')!.callTool('echo', { message: 'x' }).catch((e: unknown) => e);
    expect((refused as McpoError).code).toBe('NEEDS_AUTHORIZATION');
    await vi.waitFor(() => expect(browser.opened).toHaveLength(2), { timeout: 10_000 });
    const links = term.text().match(/^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=[\w-]+$/gm) ?? [];
    expect(links).toHaveLength(2);
    expect(links[1]).not.toBe(links[0]);
    const jar = new CookieJar();
    await (await jar.fetch(links[1]!)).text();
    const second = new URL(jar.visited[1]!);
    expect(second.searchParams.get('state')).not.toBe(first.searchParams.get('state'));
    await vi.waitFor(() => expect(manager.get('secure')!.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'operator' }))).toBe('operator');
    expect(server.stats().authorizationCodeRequests).toBe(1);
  }, 30_000);
});
