/**
 * The loopback flow in a real headless Chromium: mcpo "opens the browser" on the example server's consent
 * page, the user clicks Approve, the browser follows the redirect to mcpo's loopback receiver, and the
 * session connects. Fails, rather than skips, when /usr/bin/chromium is missing.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';


describe('loopback authorization in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('connects after the user clicks Approve on the consent page and shows the success page', async () => {
    const server = await startServer({ autoApprove: false });
    const home = await tempHome();
    const page: Page = await (await browser.newContext()).newPage();
    const opened: string[] = [];
    const { support } = oauthSupport(home, async (url) => {
      opened.push(url);
      await page.goto(url);
    });
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);

    await vi.waitFor(() => expect(opened).toHaveLength(1), { timeout: 10_000 });
    await page.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('h1').innerText()).toContain('Authorize');
    expect(manager.get('secure')!.status().state).toBe('needs_authorization');
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 10_000 });
    expect(await page.locator('h1').innerText()).toBe('mcpo is authorized');
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'clicked' }))).toBe('clicked');
  }, 30_000);

  // Issue #14 item 7: a page navigating the browser to the callback with a forged state (or a forged
  // error=access_denied) sent the server to 'failed' with no retry.
  it('keeps waiting when a hostile page sends the browser to the callback with a forged state, then completes', async () => {
    const server = await startServer({ autoApprove: false });
    const home = await tempHome();
    const port = await freePort();
    const hostile = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<script>location = 'http://127.0.0.1:${port}/callback?error=access_denied&state=forged'</script>`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, 'localhost', resolve));
    try {
      const page: Page = await (await browser.newContext()).newPage();
      const opened: string[] = [];
      const { support } = oauthSupport(home, async (url) => {
        opened.push(url);
        await page.goto(url);
      });
      const manager = startManager(support, [oauthEntry(server.mcpUrl, {}, { callbackPort: port })]);
      await page.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
      const consent = page.url();

      // The user wanders off to a hostile page in the same browser (it carries mcpo's login cookie).
      await page.goto(`http://localhost:${(hostile.address() as AddressInfo).port}/`);
      await page.waitForURL(/\/callback\?error=access_denied&state=forged$/, { timeout: 10_000 });
      expect(await page.locator('h1').innerText()).toBe('mcpo authorization refused');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(manager.get('secure')!.status().state).toBe('needs_authorization');

      // Back to the consent page: the real login completes.
      await page.goto(consent);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 10_000 });
      expect(await page.locator('h1').innerText()).toBe('mcpo is authorized');
      await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
      await manager.stop();
    } finally {
      await new Promise((resolve) => hostile.close(resolve));
    }
  }, 30_000);

  // Issue #14 item 2: the callback reached 127.0.0.1:PORT with the cookie mcpo's link set, in a real browser.
  // A browser without it bringing back the right state means someone else took part: the login is cancelled.
  it('binds the browser that opened the login link: another browser with the right state cancels the login, unsaved', async () => {
    const server = await startServer({ autoApprove: false });
    const home = await tempHome();
    const operator: Page = await (await browser.newContext()).newPage();
    const { support } = oauthSupport(home, async (url) => {
      await operator.goto(url);
    });
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await operator.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
    const cookies = await operator.context().cookies('http://127.0.0.1/');
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax', domain: '127.0.0.1' });

    // Someone who learned the consent URL approves in their own browser: the callback refuses their code
    // and ends the login, so neither their code nor the operator's later approval of that state is used.
    const intruder: Page = await (await browser.newContext()).newPage();
    await intruder.goto(operator.url());
    await intruder.getByRole('button', { name: 'Approve' }).click();
    await intruder.waitForURL(/\/callback\?/, { timeout: 10_000 });
    expect(await intruder.locator('h1').innerText()).toBe('mcpo login cancelled');
    await vi.waitFor(() => expect(manager.get('secure')!.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toContain('The login was cancelled');
    expect(server.stats().authorizationCodeRequests).toBe(0);
    await manager.stop();
  }, 30_000);

  // What moving the callback onto mcpo's own port (issue #16) relies on, and why today's login link is
  // served by the callback's own listener: cookies are per host name, not per port, and `localhost` is
  // another host than 127.0.0.1.
  it('sends a cookie set by 127.0.0.1 on one port to 127.0.0.1 on another port, but not to localhost', async () => {
    const seen: string[] = [];
    const servers = [0, 1].map(() =>
      createServer((req, res) => {
        if (req.url !== '/favicon.ico') seen.push(`${req.headers.host} ${req.headers.cookie ?? '(none)'}`);
        res.writeHead(200, { 'content-type': 'text/plain', ...(req.url === '/set' ? { 'set-cookie': 'probe=1; Path=/; HttpOnly; SameSite=Lax' } : {}) });
        res.end('ok');
      }),
    );
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    try {
      const [a, b] = servers.map((s) => (s.address() as AddressInfo).port);
      const page: Page = await (await browser.newContext()).newPage();
      await page.goto(`http://127.0.0.1:${a}/set`);
      await page.goto(`http://127.0.0.1:${b}/other-port`);
      await page.goto(`http://localhost:${b}/other-host`);
      expect(seen).toEqual([`127.0.0.1:${a} (none)`, `127.0.0.1:${b} probe=1`, `localhost:${b} (none)`]);
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }, 30_000);
});
