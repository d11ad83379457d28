/**
 * The callback on mcpo's own port (issue #16): a real flow (discovery, dynamic registration, PKCE, token exchange)
 * against the example OAuth server, whose browser comes back to mcpo's HTTP app at {base}/oauth/callback, where
 * the process's PendingLogins answers it. A "browser" is bound the way the connections page's Connect binds one
 * (bindBrowser's redirect and cookie). Forged, reused, expired and unbound callbacks get a page, store nothing,
 * and leave the real login waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../../src/server/app.js';
import type { OAuthEndpoints } from '../../../src/server/oauthRoutes.js';
import { listen, type Listening } from '../../../src/server/listen.js';
import { silentLogger } from '../../../src/log/logger.js';
import { runInteractiveAuthorization } from '../../../src/oauth/interactive.js';
import type { BrowserBinding, PublishedLogin } from '../../../src/oauth/codeReceiver.js';
import { PendingLogins } from '../../../src/oauth/pendingLogins.js';
import { startServerReceiver } from '../../../src/oauth/serverReceiver.js';
import { MemoryTokenStore } from '../../../src/oauth/store/memoryTokenStore.js';
import type { OAuthConfig } from '../../../src/config/types.js';
import { createInProcessRegistry } from '../../helpers/inProcessRegistry.js';
import { recordingFetch, startServer, terminal } from './harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** mcpo's HTTP app (no MCP servers) answering {prefix}/oauth/callback from `logins`, on a real port. */
async function mcpoApp(logins: PendingLogins, pathPrefix = '', extra: Partial<AppOptions> = {}): Promise<{ base: string; listening: Listening }> {
  const registry = await createInProcessRegistry({});
  // Only the callback is under test here: the connections page's side of the endpoints answers nothing.
  const oauth: OAuthEndpoints = {
    callback: (params, request) => logins.callback(params, request),
    pageHeaders: logins.pageHeaders,
    connectionsPageHeaders: logins.pageHeaders,
    connect: async () => undefined,
    disconnect: async () => undefined,
    renderPage: async () => '',
    userGrant: () => ({ ok: false, why: 'invalid' }),
    renderRefusedLink: () => '',
    connectUser: async () => undefined,
    disconnectUser: async () => undefined,
    renderUserPage: async () => '',
  };
  const { app, toolRoute, close } = createApp({ registry, logger: silentLogger, info: { title: 't', version: '1' }, oauth, pathPrefix, ...extra });
  const listening = await listen(app, { host: '127.0.0.1', port: 0, toolRoute });
  cleanups.push(async () => {
    close();
    await listening.close();
    await registry.close();
  });
  return { base: `${listening.url}${pathPrefix}`, listening };
}

const CONFIG: OAuthConfig = { callbackPort: 0, useLoopback: true, storageType: 'memory' };

interface Flow {
  done: Promise<unknown>;
  store: MemoryTokenStore;
  published: Promise<PublishedLogin>;
  term: ReturnType<typeof terminal>;
}

function startFlow(server: { mcpUrl: string }, logins: PendingLogins, base: string, options: { timeoutMs?: number; signal?: AbortSignal; fetch?: (url: string | URL, init?: RequestInit) => Promise<Response> } = {}): Flow {
  const store = new MemoryTokenStore();
  const term = terminal();
  let publish!: (login: PublishedLogin) => void;
  const published = new Promise<PublishedLogin>((resolve) => (publish = resolve));
  const done = runInteractiveAuthorization({
    serverName: 'secure',
    serverUrl: server.mcpUrl,
    config: CONFIG,
    store,
    identity: { serverUrl: server.mcpUrl, clientIdentity: 'dynamic' },
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    now: Date.now,
    io: { output: term.output, input: term.input, isTTY: false, openBrowser: () => { throw new Error('no browser is launched for a login on mcpo\'s port'); } },
    logger: silentLogger,
    reason: 'test',
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    startReceiver: (expected) => startServerReceiver({ logins, base, expectedState: expected.state, expectedIssuer: expected.issuer, timeoutMs: expected.timeoutMs, ...(expected.signal ? { signal: expected.signal } : {}) }),
    onPublished: publish,
  });
  done.catch(() => {});
  return { done, store, published, term };
}

/** The authorization server's redirect back (auto-approve): the callback URL with code, state and iss. */
async function approve(binding: BrowserBinding): Promise<URL> {
  const res = await fetch(binding.location, { redirect: 'manual' });
  await res.text();
  return new URL(res.headers.get('location')!);
}

function cookieOf(binding: BrowserBinding): string {
  return binding.setCookie.split(';')[0]!;
}

async function open(url: URL | string, cookie?: string, headers: Record<string, string> = {}): Promise<{ status: number; title: string }> {
  const res = await fetch(url, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  const html = await res.text();
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  return { status: res.status, title: /<h1>(.*?)<\/h1>/.exec(html)?.[1] ?? html };
}

describe('the OAuth callback on mcpo\'s own port', () => {
  it('completes for the bound browser, registers {base}/oauth/callback, and refuses the same response a second time', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins, '/api');
    const recorder = recordingFetch();
    const flow = startFlow(server, logins, base, { fetch: recorder });
    const login = await flow.published;
    expect(login.publicLink).toBe(`${base}/oauth`);
    expect(flow.term.text()).toContain(`Open the connections page and click Connect:\n${base}/oauth\n`);
    const registration = recorder.requests.find((r) => r.url.endsWith('/register'))!;
    expect(JSON.parse(registration.body!).redirect_uris).toEqual([`${base}/oauth/callback`]);

    const binding = login.bindBrowser!();
    expect(binding.setCookie).toMatch(/^mcpo_oauth_[A-Za-z0-9]{16}=[A-Za-z0-9_-]{43}; Path=\/api\/oauth\/callback; HttpOnly; SameSite=Lax; Max-Age=300$/);
    const callback = await approve(binding);
    expect(callback.origin + callback.pathname).toBe(`${base}/oauth/callback`);
    expect(await open(callback, cookieOf(binding))).toEqual({ status: 200, title: 'mcpo is authorized' });
    await flow.done;
    expect((await flow.store.load())?.tokens?.access_token).toBeTruthy();
    expect(logins.size).toBe(0);
    expect(await open(callback, cookieOf(binding))).toEqual({ status: 409, title: 'Already finished' });
  });

  it('answers a forged state, another browser and a background request with a page, and the real login still completes', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins);
    const flow = startFlow(server, logins, base);
    const binding = (await flow.published).bindBrowser!();
    const callback = await approve(binding);

    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged');
    forged.searchParams.set('error', 'access_denied');
    forged.searchParams.delete('code');
    expect(await open(forged, cookieOf(binding))).toEqual({ status: 400, title: 'mcpo authorization refused' });
    expect(await open(`${base}/oauth/callback?code=x`)).toEqual({ status: 400, title: 'mcpo authorization refused' });
    expect(await open(callback)).toEqual({ status: 403, title: 'Not the browser that started this login' });
    expect(await open(callback, 'mcpo_oauth_x=y; other=1')).toEqual({ status: 403, title: 'Not the browser that started this login' });
    expect(await open(callback, cookieOf(binding), { 'sec-fetch-dest': 'image' })).toEqual({ status: 403, title: 'Not found' });
    expect(logins.size).toBe(1);
    expect(await flow.store.load().then((s) => s?.tokens)).toBeUndefined();

    expect(await open(callback, `stale=1; ${cookieOf(binding)}`)).toEqual({ status: 200, title: 'mcpo is authorized' });
    await flow.done;
  });

  it('binds the browser that clicked Connect last: the one before can no longer complete', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins);
    const flow = startFlow(server, logins, base);
    const login = await flow.published;
    const first = login.bindBrowser!();
    const second = login.bindBrowser!();
    const callback = await approve(first);
    expect(await open(callback, cookieOf(first))).toEqual({ status: 403, title: 'Not the browser that started this login' });
    expect(await open(callback, cookieOf(second))).toEqual({ status: 200, title: 'mcpo is authorized' });
    await flow.done;
  });

  it('ends the login on the user\'s refusal or a response without a code, storing no tokens', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins);
    for (const change of [(u: URL) => u.searchParams.delete('code'), (u: URL) => (u.searchParams.delete('code'), u.searchParams.set('error', 'access_denied'))]) {
      const flow = startFlow(server, logins, base);
      const binding = (await flow.published).bindBrowser!();
      const callback = await approve(binding);
      change(callback);
      expect(await open(callback, cookieOf(binding))).toEqual({ status: 400, title: 'mcpo authorization failed' });
      await expect(flow.done).rejects.toMatchObject({ reason: callback.searchParams.has('error') ? 'access_denied' : 'no_code' });
      expect((await flow.store.load())?.tokens).toBeUndefined();
      expect(await open(callback, cookieOf(binding))).toEqual({ status: 409, title: 'Already finished' });
    }
  });

  it('says a login expired or was cancelled when its response comes too late', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins);
    const expiring = startFlow(server, logins, base, { timeoutMs: 300 });
    const late = await approve((await expiring.published).bindBrowser!());
    await expect(expiring.done).rejects.toMatchObject({ reason: 'callback_timeout' });
    expect(await open(late)).toEqual({ status: 400, title: 'Login expired' });

    const controller = new AbortController();
    const cancelled = startFlow(server, logins, base, { signal: controller.signal });
    const binding = (await cancelled.published).bindBrowser!();
    const callback = await approve(binding);
    controller.abort();
    await expect(cancelled.done).rejects.toMatchObject({ reason: 'cancelled' });
    expect(await open(callback, cookieOf(binding))).toEqual({ status: 400, title: 'Login cancelled' });
    expect(logins.size).toBe(0);
  });

  it('answers browsers without the API key, even under --strict-auth: the state and the cookie guard the callback', async () => {
    const server = await startServer({ autoApprove: true });
    const logins = new PendingLogins();
    const { base } = await mcpoApp(logins, '', { apiKey: 'k3y', strictAuth: true });
    expect((await fetch(`${base}/healthz`)).status).toBe(401);
    const flow = startFlow(server, logins, base);
    const binding = (await flow.published).bindBrowser!();
    expect(await open(await approve(binding), cookieOf(binding))).toEqual({ status: 200, title: 'mcpo is authorized' });
    await flow.done;
  });

  it('marks the binding cookie Secure under an https public URL', async () => {
    const logins = new PendingLogins();
    const receiver = startServerReceiver({ logins, base: 'https://tools.example.com/mcpo', expectedState: 's'.repeat(43) });
    expect(receiver.redirectUri).toBe('https://tools.example.com/mcpo/oauth/callback');
    const binding = receiver.publish(new URL('https://as.example/authorize?state=x')).bindBrowser!();
    expect(binding.setCookie).toMatch(/; Path=\/mcpo\/oauth\/callback; HttpOnly; SameSite=Lax; Max-Age=300; Secure$/);
    await receiver.close();
    await expect(receiver.result).rejects.toMatchObject({ reason: 'cancelled' });
  });
});
