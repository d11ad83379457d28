import { afterEach, describe, expect, it, vi } from 'vitest';
import { McpoError } from '../../../src/errors.js';
import { startHttpMcpServer, type HttpMcpServer } from '../../helpers/httpMcpServer.js';
import { CookieJar, idleBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';
import { httpStatus } from '../../../src/server/answer.js';

let plain: HttpMcpServer | undefined;
afterEach(async () => {
  await plain?.close();
  plain = undefined;
});

describe('a server waiting for authorization', () => {
  it('does not block another server, shows needs_authorization with the URL, and answers calls with 503 until approved', async () => {
    const server = await startServer();
    plain = await startHttpMcpServer();
    const home = await tempHome();
    const browser = idleBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [
      oauthEntry(server.mcpUrl),
      { kind: 'streamable-http', name: 'plain', url: plain.url, headers: {}, disabledTools: [] },
    ]);

    await vi.waitFor(() => expect(manager.get('plain')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('plain')!.callTool('echo', { message: 'still served' }))).toContain('still served');

    await vi.waitFor(() => expect(manager.get('secure')?.status().authorizationUrl).toBeDefined(), { timeout: 10_000 });
    const status = manager.get('secure')!.status();
    expect(status.state).toBe('needs_authorization');
    // Issue #14: the status publishes mcpo's login page without its ticket, and so does the command line of the
    // browser mcpo launches (on Linux, where the receiver tells who connects and serves only mcpo's own user).
    expect(status.authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/);
    expect(browser.opened[0]).toBe(status.authorizationUrl);

    const refused = await manager.get('secure')!.callTool('echo', { message: 'x' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(McpoError);
    expect((refused as McpoError).code).toBe('NEEDS_AUTHORIZATION');
    expect(httpStatus(refused as McpoError)).toBe(503);
    expect((refused as McpoError).details?.authorizationUrl).toBe(status.authorizationUrl);

    // The user approves in the browser now.
    await (await new CookieJar().fetch(browser.opened[0]!)).text();
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().authorizationUrl).toBeUndefined();
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'now' }))).toBe('now');
  });

  it('is marked failed with a clear error when the user never comes back, and a later call starts a new authorization', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = idleBrowser();
    const { support } = oauthSupport(home, browser, { callbackTimeoutMs: 300 });
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);

    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toMatch(/authorization failed: Timed out after \d+ s waiting for the authorization callback/);
    expect(manager.get('secure')!.status().nextAttemptAt).toBeUndefined();
    expect(browser.opened).toHaveLength(1);

    const refused = await manager.get('secure')!.callTool('echo', { message: 'x' }).catch((e: unknown) => e);
    expect((refused as McpoError).code).toBe('NEEDS_AUTHORIZATION');
    await vi.waitFor(() => expect(browser.opened).toHaveLength(2));
    expect(browser.opened[1]).not.toBe(browser.opened[0]);
  });

  it('fails with an error naming callback_port when the port is taken', async () => {
    const server = await startServer();
    const blocker = await startHttpMcpServer();
    const port = Number(new URL(blocker.url).port);
    try {
      const home = await tempHome();
      const { support } = oauthSupport(home, idleBrowser());
      const manager = startManager(support, [oauthEntry(server.mcpUrl, {}, { callbackPort: port })]);
      await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('failed'), { timeout: 10_000 });
      expect(manager.get('secure')!.status().error).toContain(`callback_port ${port} is in use`);
    } finally {
      await blocker.close();
    }
  });
});
