import { describe, expect, it, vi } from 'vitest';
import { idleBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('copy/paste authorization (use_loopback false)', () => {
  it('prints the URL, reads the redirected URL from the input, and connects', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = idleBrowser();
    const { support, term } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.mcpUrl, {}, { useLoopback: false })]);

    let url = '';
    await vi.waitFor(() => expect((url = term.text().split('\n').find((l) => l.startsWith(`${server.url}/authorize`)) ?? '')).not.toBe(''), { timeout: 10_000 });
    // Issue #14: the URL carries `state`; it goes to the operator's terminal only, never into the status.
    expect(manager.get('secure')!.status().state).toBe('needs_authorization');
    expect(manager.get('secure')!.status().authorizationUrl).toBeUndefined();
    expect(term.text()).toContain('server "secure" needs authorization');
    expect(new URL(url).searchParams.get('redirect_uri')).toBe('http://127.0.0.1:3030/callback');
    expect(browser.opened).toEqual([]); // nothing listens on the redirect URI: the browser is not opened

    // The user approves elsewhere; the browser lands on an unreachable redirect URI whose address they copy.
    const approved = await fetch(url, { redirect: 'manual' });
    term.input.write(`${approved.headers.get('location')}\n`);

    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'pasted' }))).toBe('pasted');
  });

  it('fails clearly, without waiting, when there is no input to read from', async () => {
    const server = await startServer();
    const home = await tempHome();
    const { support, term } = oauthSupport(home, idleBrowser());
    term.input.end();
    term.input.resume();
    await new Promise((resolve) => term.input.once('end', resolve));
    const manager = startManager(support, [oauthEntry(server.mcpUrl, {}, { useLoopback: false })]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toContain('No terminal input to read the authorization code from');
  });
});
