import { describe, expect, it, vi } from 'vitest';
import { fetchBrowser, freePort, idleBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome } from './harness.js';

describe('several servers needing authorization', () => {
  it('prompts for pasted codes one server at a time, each URL under its server name', async () => {
    const server = await startServer();
    const home = await tempHome();
    const { support, term } = oauthSupport(home, idleBrowser());
    const manager = startManager(support, [
      oauthEntry(server.mcpUrl, { name: 'first' }, { useLoopback: false }),
      oauthEntry(server.sseUrl, { name: 'second', kind: 'sse' }, { useLoopback: false }),
    ]);

    // Copy/paste URLs go to the terminal only (they carry `state`); the status says which server is asking.
    const printed = () => term.text().split('\n').filter((line) => line.startsWith(`${server.url}/authorize`));
    await vi.waitFor(() => expect(printed()).toHaveLength(1), { timeout: 10_000 });
    const current = { name: /server "(first|second)" needs authorization/.exec(term.text())![1]! };
    const other = current.name === 'first' ? 'second' : 'first';
    expect(manager.get(other)!.status().state).toBe('needs_authorization'); // waiting its turn, no URL yet
    expect(term.text().match(/needs authorization/g)).toHaveLength(1);
    expect(term.text()).toContain(`server "${current!.name}" needs authorization`);

    expect(manager.list().every((h) => h.status().authorizationUrl === undefined)).toBe(true);
    term.input.write(`${(await fetch(printed()[0]!, { redirect: 'manual' })).headers.get('location')}\n`);
    await vi.waitFor(() => expect(manager.get(current.name)!.status().state).toBe('connected'), { timeout: 10_000 });
    await vi.waitFor(() => expect(printed()).toHaveLength(2), { timeout: 10_000 });
    expect(term.text()).toContain(`server "${other}" needs authorization`);
    term.input.write(`${(await fetch(printed()[1]!, { redirect: 'manual' })).headers.get('location')}\n`);
    await vi.waitFor(() => expect(manager.get(other)!.status().state).toBe('connected'), { timeout: 10_000 });
  });

  it('takes turns on a shared callback_port instead of failing with port in use', async () => {
    const server = await startServer();
    const home = await tempHome();
    const port = await freePort();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [
      oauthEntry(server.mcpUrl, { name: 'first' }, { callbackPort: port }),
      oauthEntry(server.sseUrl, { name: 'second', kind: 'sse' }, { callbackPort: port }),
    ]);
    await vi.waitFor(() => expect(manager.list().map((h) => h.status().state)).toEqual(['connected', 'connected']), { timeout: 10_000 });
    expect(browser.opened).toHaveLength(2);
    const authorizeUrls = browser.jar.visited.filter((u) => u.startsWith(`${server.url}/authorize`));
    expect(authorizeUrls).toHaveLength(2);
    expect(authorizeUrls.every((u) => new URL(u).searchParams.get('redirect_uri') === `http://127.0.0.1:${port}/callback`)).toBe(true);
  });
});
