/**
 * [slow] mcpo run as a service (issue #16), end to end: the real CLI, the example OAuth server as authorization
 * and resource server, a real nginx serving mcpo under /tools/mcpo/, and headless Chromium as the user's browser.
 * The browser opens the connections page through nginx, clicks Connect, approves on the example server's consent
 * page and lands back on mcpo's callback; a request through nginx then calls the tool; a restarted mcpo is still
 * connected; Disconnect revokes, and the example server refuses the old token. The same without nginx, and with an
 * API key. Fails, rather than skips, when Chromium or nginx is missing.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { freePort } from '../oauth/flows/harness.js';


const processes: McpoProcess[] = [];
const proxies: Nginx[] = [];
const servers: OAuthExampleServer[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(proxies.splice(0).map((n) => n.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Service {
  server: OAuthExampleServer;
  home: string;
  start(): Promise<McpoProcess>;
}

/** The example OAuth server (consent page on) and an mcpo config for it; start() spawns mcpo with `args`. */
async function service(args: (port: number) => string[], port: number): Promise<Service> {
  const server = await startOAuthExampleServer({ port: 0, autoApprove: false });
  servers.push(server);
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-service-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: {} } } }));
  const home = join(dir, 'home');
  return {
    server,
    home,
    start: async () => {
      // A container has no display: mcpo launches no browser, and nothing here would open one.
      const mcpo = await startMcpo(['--config', config, '--port', String(port), ...args(port)], { env: { MCPO_HOME: home, DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: 'true' } });
      processes.push(mcpo);
      return mcpo;
    },
  };
}

/** The access token mcpo saved (its only token file). */
function savedAccessToken(home: string): string {
  const dir = join(home, 'tokens');
  const [file] = readdirSync(dir).filter((name) => name.endsWith('.json'));
  return (JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { tokens: { access_token: string } }).tokens.access_token;
}

async function state(base: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const res = await fetch(`${base}/healthz`, { headers });
  return ((await res.json()) as { servers: Record<string, { state: string }> }).servers.secure?.state;
}

function callEcho(base: string, message: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message }) });
}

/** What a user does: open the connections page, click Connect, approve, land on mcpo's callback. */
async function connectInBrowser(page: Page, base: string): Promise<void> {
  const opened = await page.goto(`${base}/oauth`);
  expect(opened?.status()).toBe(200);
  await expect.poll(() => page.locator('h2').first().innerText()).toMatch(/^secure\s+needs authorization$/);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${base}/oauth/callback?`), { timeout: 10_000 });
  expect(await page.locator('h1').innerText()).toBe('mcpo is authorized');
}

/** Disconnect on the page; the old token is refused by the example server afterwards. */
async function disconnectInBrowser(page: Page, base: string, svc: Service): Promise<void> {
  const token = savedAccessToken(svc.home);
  const ping = (bearer: string) =>
    fetch(svc.server.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
  expect((await ping(token)).status).not.toBe(401);
  await page.goto(`${base}/oauth`);
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect.poll(() => page.locator('.notice').innerText()).toBe('secure disconnected (tokens revoked at the server; saved tokens deleted).');
  expect((await ping(token)).status).toBe(401);
  await expect.poll(() => page.reload().then(() => page.locator('h2').first().innerText())).toMatch(/needs authorization$/);
}

describe('mcpo as a service, in a browser [slow]', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('behind nginx under /tools/mcpo/: Connect, a call through the proxy, still connected after a restart, Disconnect revokes', async () => {
    const mcpoPort = await freePort();
    const nginxPort = await freePort();
    const base = `http://127.0.0.1:${nginxPort}/tools/mcpo`;
    const svc = await service(() => ['--public-url', base], mcpoPort);
    const mcpo = await svc.start();
    proxies.push(await startNginx({ port: nginxPort, location: '/tools/mcpo/', upstream: `http://127.0.0.1:${mcpoPort}/` }));
    expect(mcpo.output()).toContain(`publicUrl=${base}`);
    await expect.poll(() => state(base)).toBe('needs_authorization');
    expect(mcpo.output()).toContain(`server needs authorization: connect it on the connections page server=secure url=${base}/oauth`);

    const page = await (await browser.newContext()).newPage();
    await connectInBrowser(page, base);
    await expect.poll(() => state(base)).toBe('connected');
    const called = await callEcho(base, 'through nginx');
    expect(called.status).toBe(200);
    expect(await called.json()).toEqual({ message: 'through nginx' });
    const documents = (await (await fetch(`${base}/openapi.json`)).json()) as { servers: { url: string }[] };
    expect(documents.servers).toEqual([{ url: base }]);
    const registered = svc.server.stats();
    expect(registered.registrations).toBe(1);

    // Restarted (a container recreated with its volume): the saved tokens connect it, nobody clicks anything.
    await mcpo.stop('SIGTERM');
    const again = await svc.start();
    await expect.poll(() => state(base), { timeout: 15_000 }).toBe('connected');
    expect((await callEcho(base, 'after restart')).status).toBe(200);
    expect(again.output()).not.toContain('needs authorization');

    await disconnectInBrowser(page, base, svc);
    expect((await callEcho(base, 'x')).status).toBe(503);
  }, 90_000);

  it('without a proxy, on mcpo\'s own port', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const svc = await service(() => ['--public-url', base], port);
    await svc.start();
    await expect.poll(() => state(base)).toBe('needs_authorization');
    const page = await (await browser.newContext()).newPage();
    await connectInBrowser(page, base);
    await expect.poll(() => state(base)).toBe('connected');
    expect(await (await callEcho(base, 'direct')).json()).toEqual({ message: 'direct' });
    await disconnectInBrowser(page, base, svc);
  }, 60_000);

  it('with an API key: the page is refused without it and works with it given as the browser\'s Basic password', async () => {
    const port = await freePort();
    const nginxPort = await freePort();
    const base = `http://127.0.0.1:${nginxPort}/tools/mcpo`;
    const svc = await service(() => ['--public-url', base, '--api-key', 'service-key'], port);
    await svc.start();
    proxies.push(await startNginx({ port: nginxPort, location: '/tools/mcpo/', upstream: `http://127.0.0.1:${port}/` }));
    await expect.poll(() => state(base)).toBe('needs_authorization');

    const refused = await fetch(`${base}/oauth`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="mcpo"/);
    // A browser without the key is asked for it: Playwright cancels the prompt, which Chromium reports so.
    const anonymous = await (await browser.newContext()).newPage();
    await expect(anonymous.goto(`${base}/oauth`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);

    const page = await (await browser.newContext({ httpCredentials: { username: 'me', password: 'service-key' } })).newPage();
    await connectInBrowser(page, base);
    await expect.poll(() => state(base)).toBe('connected');
    expect((await callEcho(base, 'no key')).status).toBe(401);
    expect(await (await callEcho(base, 'keyed', { authorization: 'Bearer service-key' })).json()).toEqual({ message: 'keyed' });
  }, 60_000);
});
