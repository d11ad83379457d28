/**
 * The connections page of a running mcpo (issue #16): run() with the example OAuth server as authorization and
 * resource server, real HTTP on 127.0.0.1, a fetch "browser" that keeps cookies. Connect binds the clicking browser
 * and sends it to the authorization server in one answer; the callback on mcpo's port completes the login;
 * Disconnect revokes and deletes the tokens. Who may use the page and which POSTs are its own are checked too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Running, RunOptions } from '../../../src/run.js';
import { createLogger } from '../../../src/log/logger.js';
import { CookieJar, freePort, idleBrowser, oauthEntry, oauthSupport, runOnLoopback, startServer, tempHome } from './harness.js';
import type { OAuthExampleServer } from '../../../examples/oauth-server/index.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { requestThrough } from '../../server/setup.js';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

interface Started {
  mcpo: Running;
  base: string;
  server: OAuthExampleServer;
  logs: string[];
  term: () => string;
  /** The access token saved for the server, read from its token file. */
  savedToken: () => Promise<string | undefined>;
}

async function start(options: Partial<RunOptions> & { publicPath?: string; oauthOptions?: Parameters<typeof oauthEntry>[2] } = {}): Promise<Started> {
  const server = await startServer({ autoApprove: true });
  const home = await tempHome();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  const { support, term } = oauthSupport(home, idleBrowser(), { logger });
  const { publicPath, oauthOptions, ...rest } = options;
  const port = await freePort();
  const publicUrl = publicPath === undefined ? undefined : `http://127.0.0.1:${port}${publicPath}`;
  const mcpo = await runOnLoopback({
    servers: [oauthEntry(server.mcpUrl, {}, oauthOptions)],
    port,
    logger,
    oauth: support,
    ...(publicUrl ? { publicUrl } : {}),
    ...rest,
  });
  running.push(mcpo);
  const entry = oauthEntry(server.mcpUrl, {}, oauthOptions);
  const savedToken = async () => (await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) }).load())?.tokens?.access_token;
  return { mcpo, base: publicUrl ?? mcpo.url, server, logs, term: term.text, savedToken };
}

/** The page and its form token. */
async function page(url: string, headers: Record<string, string> = {}): Promise<{ status: number; html: string; token: string }> {
  const res = await fetch(url, { headers });
  const html = await res.text();
  return { status: res.status, html, token: /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '' };
}

function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function health(base: string): Promise<{ servers: Record<string, { state: string; authorizationUrl?: string; connectionsUrl?: string }> }> {
  return (await fetch(`${base}/healthz`)).json() as never;
}

async function callEcho(base: string, message: string): Promise<Response> {
  return fetch(`${base}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
}

describe('the connections page with a public URL', () => {
  it('connects on Connect, reports the server everywhere, and Disconnect revokes so the server refuses the old token', async () => {
    const { base, server, logs, term, savedToken } = await start({ publicPath: '' });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('needs_authorization'), { timeout: 10_000 });
    const waiting = (await health(base)).servers.secure!;
    expect(waiting).toMatchObject({ authorizationUrl: `${base}/oauth`, connectionsUrl: `${base}/oauth` });
    expect(logs.some((line) => line.includes('server needs authorization: connect it on the connections page') && line.includes(`${base}/oauth`))).toBe(true);
    expect(term()).toBe(''); // nothing starts by itself: no login URL anywhere yet
    const refused = await callEcho(base, 'x');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'NEEDS_AUTHORIZATION', message: `Server secure needs authorization; open ${base}/oauth`, details: { connectionsUrl: `${base}/oauth` } } });
    const docs = (await (await fetch(`${base}/openapi.json`)).json()) as { info: { description: string } };
    expect(docs.info.description).toContain(`[connections page](${base}/oauth)`);

    const before = await page(`${base}/oauth`);
    expect(before.status).toBe(200);
    expect(before.html).toContain('needs authorization');
    expect(before.html).toContain('no saved tokens');
    const connect = await post(`${base}/oauth/connect`, { server: 'secure', token: before.token }, { origin: base, 'sec-fetch-site': 'same-origin' });
    expect(connect.status).toBe(303);
    const location = new URL(connect.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${server.url}/authorize`);
    expect(location.searchParams.get('redirect_uri')).toBe(`${base}/oauth/callback`);
    const cookie = connect.headers.get('set-cookie')!;
    expect(cookie).toMatch(/; Path=\/oauth\/callback; HttpOnly; SameSite=Lax;/);

    // The browser follows the redirect; the example server approves at once and sends it back to mcpo.
    const back = await fetch(location, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    expect(callback.startsWith(`${base}/oauth/callback?`)).toBe(true);
    const landed = await fetch(callback, { headers: { cookie: cookie.split(';')[0]! } });
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('connected'), { timeout: 10_000 });
    expect(await (await callEcho(base, 'connected')).json()).toEqual({ message: 'connected' });
    const after = await page(`${base}/oauth`);
    expect(after.html).toMatch(/scopes: tools:list tools:execute; access token expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; issued /);
    expect(after.html).toContain('>Disconnect</button>');
    expect(after.html).not.toContain('>Connect</button>');

    // Disconnect: revoked at the server (both tokens), the old access token no longer works there.
    const oldToken = (await savedToken())!;
    const mcpRequest = (token: string) =>
      fetch(server.mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    expect((await mcpRequest(oldToken)).status).not.toBe(401);
    const tokenBefore = server.stats().revocationRequests;
    const disconnect = await post(`${base}/oauth/disconnect`, { server: 'secure', token: after.token }, { 'sec-fetch-site': 'same-origin' });
    expect(disconnect.status).toBe(200);
    expect(await disconnect.text()).toContain('secure disconnected (tokens revoked at the server; saved tokens deleted).');
    expect(server.stats().revocationRequests - tokenBefore).toBe(2);
    expect((await mcpRequest(oldToken)).status).toBe(401);
    expect(await savedToken()).toBeUndefined();
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('needs_authorization'), { timeout: 10_000 });
    expect((await callEcho(base, 'x')).status).toBe(503);
    expect(term()).toContain('Open the connections page and click Connect');
  });

  it('refuses cross-site and forged POSTs, and a form that is not the page\'s', async () => {
    // Behind a proxy that strips /tools/mcpo: mcpo serves /oauth, and the page names the browser's paths.
    const { base } = await start({ publicPath: '/tools/mcpo' });
    const { token, html } = await page(`${base.replace('/tools/mcpo', '')}/oauth`);
    expect(html).toContain('action="/tools/mcpo/oauth/connect"');
    const url = `${base.replace('/tools/mcpo', '')}/oauth/connect`;
    const cases: Array<[Record<string, string>, Record<string, string>, number, string]> = [
      [{ server: 'secure', token }, { 'sec-fetch-site': 'cross-site' }, 403, 'a cross-site request'],
      [{ server: 'secure', token }, { 'sec-fetch-site': 'same-site' }, 403, 'a same-site request'],
      [{ server: 'secure', token }, { origin: 'http://evil.example' }, 403, 'from http://evil.example'],
      [{ server: 'secure', token }, { origin: 'null' }, 403, 'from null'],
      [{ server: 'secure' }, {}, 403, 'did not come from this mcpo'],
      [{ server: 'secure', token: 'x'.repeat(43) }, {}, 403, 'did not come from this mcpo'],
    ];
    for (const [form, headers, status, message] of cases) {
      const res = await post(url, form, headers);
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(message) });
    }
    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server: 'secure', token }) });
    expect(json.status).toBe(415);
    const unknown = await post(url, { server: 'nope', token }, { origin: 'http://127.0.0.1:' + new URL(base).port });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No OAuth server named &#34;nope&#34; is served.');
  });

  it('answers a callback for a login whose server was removed meanwhile with a page, storing nothing', async () => {
    const { base, mcpo } = await start({ publicPath: '' });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('needs_authorization'), { timeout: 10_000 });
    const { token } = await page(`${base}/oauth`);
    const connect = await post(`${base}/oauth/connect`, { server: 'secure', token });
    const cookie = connect.headers.get('set-cookie')!.split(';')[0]!;
    const callback = (await fetch(connect.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    await mcpo.manager.remove('secure'); // hot reload removed it
    const landed = await fetch(callback, { headers: { cookie } });
    expect(landed.status).toBe(400);
    expect(await landed.text()).toContain('<h1>Login cancelled</h1>');
  });
});

describe('who may use the connections page', () => {
  it('without a key or a public URL: clients on this machine only, not through a proxy unless it is trusted', async () => {
    const { base } = await start({});
    expect((await page(`${base}/oauth`)).status).toBe(200);
    const proxied = await fetch(`${base}/oauth`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.status).toBe(403);
    expect(((await proxied.json()) as { error: { message: string } }).error.message).toContain('this request came through a proxy');

    const trusting = (await start({ forwardedAllowIps: ['127.0.0.1'] })).base;
    expect((await fetch(`${trusting}/oauth`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(403);
    expect((await fetch(`${trusting}/oauth`, { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
  });

  it('from a trusted proxy, a request with proxy headers but no usable X-Forwarded-For is not a local one', async () => {
    // Regression: from a peer in --forwarded-allow-ips, a missing, empty or unreadable X-Forwarded-For fell back to
    // the proxy's own (loopback) address, so anyone reaching the proxy got the page meant for this machine.
    const { mcpo } = await start({ forwardedAllowIps: ['127.0.0.1'] });
    const port = Number(new URL(mcpo.url).port);
    const status = async (headers: Record<string, string>) => (await requestThrough(port, '/oauth', { headers })).status;
    expect(await status({})).toBe(200); // the proxy's machine itself, no proxy in between
    expect(await status({ 'x-forwarded-for': '127.0.0.1' })).toBe(200);
    expect(await status({ 'x-forwarded-for': '203.0.113.7, 127.0.0.1' })).toBe(403);
    const unusable: Array<Record<string, string>> = [
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tools.example.com' },
      { 'x-real-ip': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7;proto=https' },
      { 'x-forwarded-for': '' },
      { 'x-forwarded-for': ' , ,' },
      { 'x-forwarded-for': 'unknown' },
      { 'x-forwarded-for': '127.000.0.1' },
      { 'x-forwarded-for': '127.0.0.1:4711' },
      { 'x-forwarded-for': '127.0.0.1 127.0.0.2' },
    ];
    for (const headers of unusable) {
      const res = await requestThrough(port, '/oauth', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message, JSON.stringify(headers)).toContain('this request came through a proxy');
    }
  });

  it('with an API key: refused without it (the browser is asked for it), served with it as the Basic password', async () => {
    const { base } = await start({ apiKey: 'k3y' });
    const refused = await fetch(`${base}/oauth`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="mcpo"/);
    const basic = `Basic ${Buffer.from('anyone:k3y').toString('base64')}`;
    const served = await page(`${base}/oauth`, { authorization: basic });
    expect(served.status).toBe(200);
    expect(served.html).toContain('<h2>secure');
    expect((await post(`${base}/oauth/disconnect`, { server: 'secure', token: served.token })).status).toBe(401);
    expect((await post(`${base}/oauth/disconnect`, { server: 'secure', token: served.token }, { authorization: basic })).status).toBe(200);
  });

  it('after Disconnect, a loopback server waits for Connect instead of starting a login by itself', async () => {
    const { base, term } = await start({ oauthOptions: { callbackPort: 0 } });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/), { timeout: 10_000 });
    const link = term().split('\n').find((line) => /\/start\?ticket=/.test(line))!;
    await (await new CookieJar().fetch(link)).text(); // the operator opens the console's link; auto-approve
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('connected'), { timeout: 10_000 });
    const printed = term().length;

    const { token } = await page(`${base}/oauth`);
    expect((await post(`${base}/oauth/disconnect`, { server: 'secure', token })).status).toBe(200);
    await vi.waitFor(async () => expect((await health(base)).servers.secure).toMatchObject({ state: 'needs_authorization', authorizationUrl: `${base}/oauth` }), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(term().slice(printed)).toBe('');
    const connect = await post(`${base}/oauth/connect`, { server: 'secure', token });
    expect(connect.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=/);
    await (await new CookieJar().fetch(connect.headers.get('location')!)).text();
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.state).toBe('connected'), { timeout: 10_000 });
  });

  it('sends a loopback login\'s Connect to mcpo\'s login link on 127.0.0.1', async () => {
    const { base, term } = await start({ oauthOptions: { callbackPort: 0 } });
    await vi.waitFor(async () => expect((await health(base)).servers.secure?.authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/), { timeout: 10_000 });
    const { token, html } = await page(`${base}/oauth`);
    expect(html).toContain('Connect (continue the login)');
    const connect = await post(`${base}/oauth/connect`, { server: 'secure', token });
    expect(connect.status).toBe(303);
    const link = connect.headers.get('location')!;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=[\w-]{43}$/);
    expect(term()).toContain(link);
  });
});
