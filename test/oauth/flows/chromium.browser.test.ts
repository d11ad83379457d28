/**
 * The loopback flow in a real headless Chromium: mcpo "opens the browser" on the example server's consent
 * page, the user clicks Approve, the browser follows the redirect to mcpo's loopback receiver, and the
 * session connects. Fails, rather than skips, when /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('loopback authorization in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed for the browser test`).toBe(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
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
});
