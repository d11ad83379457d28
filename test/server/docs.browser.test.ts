/**
 * Swagger UI in a real Chromium against the real app on a loopback port: the page must render every
 * tool, never reach beyond localhost (mcpo runs on machines without internet), and "Try it out" must
 * call the tool. Fails, rather than skips, when /usr/bin/chromium is missing.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './setup.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TOOLS_PER_FIXTURE = 7;

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested. */
  requested: string[];
  /** Requests aimed beyond loopback (aborted). */
  external: string[];
  /** Console errors and uncaught exceptions (CSP violations show up here). */
  errors: string[];
}

describe('Swagger UI in Chromium', () => {
  let browser: Browser;
  const started: TestApp[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const t of started) await t.dispose();
  });

  async function start(options: Parameters<typeof createTestApp>[0] = {}): Promise<string> {
    return (await startApp(options)).url;
  }

  async function startApp(options: Parameters<typeof createTestApp>[0] = {}): Promise<{ url: string; t: TestApp }> {
    const t = await createTestApp(options);
    started.push(t);
    return { url: t.url, t };
  }

  async function open(url: string, httpCredentials?: { username: string; password: string }): Promise<Session> {
    const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    const session: Session = { context, page: await context.newPage(), requested: [], external: [], errors: [] };
    await context.route('**/*', async (route) => {
      const target = new URL(route.request().url());
      session.requested.push(target.href);
      if (LOOPBACK.has(target.hostname)) return route.continue();
      session.external.push(target.href);
      return route.abort('blockedbyclient');
    });
    session.page.on('console', (message) => {
      if (message.type() === 'error') session.errors.push(message.text());
    });
    session.page.on('pageerror', (error) => session.errors.push(error.message));
    await session.page.goto(url);
    await session.page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    return session;
  }

  async function tryItOut(page: Page, path: string, body: string): Promise<string> {
    const operation = page.locator('.opblock', { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    await operation.locator('textarea.body-param__text').fill(body);
    await operation.locator('button.execute').click();
    const response = operation.locator('.live-responses-table .response');
    await response.first().waitFor({ timeout: 10_000 });
    return response.first().innerText();
  }

  it('renders one operation per tool and a tag per server, calls a tool, and stays on localhost', async () => {
    const base = await start();
    const s = await open(`${base}/docs`);
    await expect.poll(() => s.page.locator('.opblock').count()).toBe(2 * TOOLS_PER_FIXTURE);
    const tags = await s.page.locator('.opblock-tag').allInnerTexts();
    expect(tags.some((t) => t.includes('alpha'))).toBe(true);
    expect(tags.some((t) => t.includes('beta'))).toBe(true);

    const shown = await tryItOut(s.page, '/alpha/echo', JSON.stringify({ text: 'from the browser' }));
    expect(shown).toContain('200');
    expect(shown).toContain('from the browser');
    await s.page.screenshot({ path: '/tmp/docs.png', fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1500 } });

    expect(s.requested.some((u) => u.endsWith('/alpha/echo'))).toBe(true);
    expect(s.external).toEqual([]);
    expect(s.errors).toEqual([]);
    await s.context.close();
  });

  it('renders a per-server page with only that server tools, callable from the page', async () => {
    const base = await start();
    const s = await open(`${base}/beta/docs`);
    await expect.poll(() => s.page.locator('.opblock').count()).toBe(TOOLS_PER_FIXTURE);
    const shown = await tryItOut(s.page, '/add', JSON.stringify({ a: 20, b: 22 }));
    expect(shown).toContain('42');
    expect(s.requested.some((u) => u === `${base}/beta/add`)).toBe(true);
    expect(s.external).toEqual([]);
    expect(s.errors).toEqual([]);
    await s.context.close();
  });

  it('works behind strictAuth through the browser login prompt (Basic) and behind a path prefix', async () => {
    const base = await start({ apiKey: 'browser-key', strictAuth: true, pathPrefix: '/api' });
    const s = await open(`${base}/api/docs`, { username: 'me', password: 'browser-key' });
    await expect.poll(() => s.page.locator('.opblock').count()).toBe(2 * TOOLS_PER_FIXTURE);
    const shown = await tryItOut(s.page, '/alpha/add', JSON.stringify({ a: 1, b: 2 }));
    expect(shown).toContain('200');
    expect(s.requested.some((u) => u === `${base}/api/alpha/add`)).toBe(true);
    expect(s.external).toEqual([]);
    await s.context.close();
  });

  it('shows "Authorization: Bearer <key>" in the Authorize dialog, <key> included', async () => {
    // Regression: the scheme's description said it in plain Markdown, where <key> is an HTML tag Swagger UI drops.
    const base = await start({ apiKey: 'browser-key' });
    const s = await open(`${base}/docs`);
    await s.page.locator('button.authorize').first().click();
    const dialog = s.page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Authorization: Bearer <key>');
    expect(s.external).toEqual([]);
    await s.context.close();
  });

  it('shows servers waiting for authorization on /docs with a link to authorize', async () => {
    const { url, t } = await startApp();
    const authorize = 'https://auth.example/authorize?client_id=mcpo&state=abc';
    t.registry.setState('beta', 'needs_authorization', { authorizationUrl: authorize });
    const s = await open(`${url}/docs`);
    const link = s.page.locator('.info a', { hasText: 'authorize in your browser' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(authorize);
    expect(await s.page.locator('.info').innerText()).toContain('needs authorization');
    expect(s.external).toEqual([]);
    await s.context.close();
  });
});
