/**
 * Per-user OAuth servers (issue #17) in a running mcpo: run() with the example OAuth server, a public URL, and calls
 * made for users through the registry's handle (CallOptions.user, what the HTTP layer passes once it knows who
 * calls). Each user connects their own account (the login their own ServerAuth starts, as the confirm page does),
 * and gets their own session and token file; a user who has not connected gets 401 with their own link.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { runAuthCli } from '../../../src/cli/auth.js';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallerNeedsAuthorizationError, McpoError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import type { ServerHandle } from '../../../src/mcp/types.js';
import type { OAuthSupport } from '../../../src/oauth/setup.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import type { Running } from '../../../src/run.js';
import { errorAnswer, httpStatus } from '../../../src/server/answer.js';
import { freePort, idleBrowser, oauthEntry, oauthSupport, runOnLoopback, startServer, tempHome, text } from './harness.js';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(perUser: { idleTimeoutMs?: number; maxSessions?: number } = {}, autoApprove = true) {
  const server = await startServer({ autoApprove });
  const home = await tempHome();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  const { support } = oauthSupport(home, idleBrowser(), { logger });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entry = oauthEntry(server.mcpUrl, {}, { perUser: { idleTimeoutMs: 60_000, maxSessions: 10, ...perUser } });
  const mcpo = await runOnLoopback({ servers: [entry], port, logger, oauth: support, publicUrl: base });
  running.push(mcpo);
  const handle = () => mcpo.manager.get('secure')!;
  return { server, home, logs, support, base, entry, mcpo, handle };
}

/** `user` connects their account: their ServerAuth's login, followed by a browser (auto-approve) back to mcpo. */
async function connectAs(support: OAuthSupport, entry: ReturnType<typeof oauthEntry>, user: string): Promise<void> {
  const auth = support.forEntry(entry, user)!;
  const outcome = await auth.connect();
  if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
  const back = await fetch(outcome.binding.location, { redirect: 'manual' });
  const landed = await fetch(back.headers.get('location')!, { headers: { cookie: outcome.binding.setCookie.split(';')[0]! } });
  expect(await landed.text()).toContain('mcpo is authorized');
  // The page is answered as the code arrives; the tokens are saved once it is exchanged.
  await vi.waitFor(async () => expect(await auth.hasCredentials()).toBe(true), { timeout: 5_000 });
}

async function failure(promise: Promise<unknown>): Promise<McpoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof McpoError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const echo = (handle: ServerHandle, user: string | undefined, message = 'hi') => handle.callTool('echo', { message }, user === undefined ? {} : { user });

describe('a per-user OAuth server', () => {
  it('answers a user who has not connected 401 with their own link and a message for the chat model, opening no session', async () => {
    const { handle, base, logs } = await start();
    const error = await failure(echo(handle(), 'alice'));
    expect(error).toBeInstanceOf(CallerNeedsAuthorizationError);
    expect(httpStatus(error)).toBe(401);
    expect(errorAnswer(error).status).toBe(401);
    expect(error.code).toBe('NEEDS_AUTHORIZATION');
    const url = error.details?.authorizationUrl as string;
    expect(url).toMatch(new RegExp(`^${base}/oauth/user\\?server=secure&user=alice&expires=\\d+&sig=[\\w-]{43}$`));
    expect(error.message).toBe(`To use secure, open ${url} and approve access, then ask again.`);
    expect(handle().status().perUser).toEqual({ sessions: 0, limit: 10 });
    expect(logs.join('\n')).not.toContain('user session opened');
  });

  it('gives each user their own session and token file; the operator\'s stays its own, and no user reaches another\'s', async () => {
    const { handle, home, support, entry, server, base } = await start();
    const documented = async () => Object.keys(((await (await fetch(`${base}/secure/openapi.json`)).json()) as { paths: object }).paths);
    expect(handle().tools()).toEqual([]);
    await connectAs(support, entry, 'alice');
    expect(text(await echo(handle(), 'alice', 'from alice'))).toBe('from alice');
    // Documented from Alice's session, the operator's being unconnected; her calls are checked against her own list.
    expect(handle().status().state).toBe('connected');
    expect(await documented()).toEqual(expect.arrayContaining(['/echo', '/sum']));
    expect((await failure(handle().callTool('nope', {}, { user: 'alice' }))).code).toBe('TOOL_NOT_FOUND');
    // Bob has not connected: Alice's session and tokens are not his.
    expect(httpStatus(await failure(echo(handle(), 'bob')))).toBe(401);
    // The operator never connected: their call waits for the operator's own authorization, as for any OAuth server.
    const operator = await failure(echo(handle(), undefined));
    expect(operator.code).toBe('NEEDS_AUTHORIZATION');
    expect(httpStatus(operator)).toBe(503);

    await connectAs(support, entry, 'bob');
    expect(text(await echo(handle(), 'bob', 'from bob'))).toBe('from bob');
    expect(handle().status().perUser).toEqual({ sessions: 2, limit: 10 });
    expect(server.sessionCounts().streamableHttp).toBe(2);

    const tokenOf = async (user?: string) => (await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, user) }).load())?.tokens?.access_token;
    const [alice, bob, operatorToken] = await Promise.all([tokenOf('alice'), tokenOf('bob'), tokenOf()]);
    expect(alice).toBeDefined();
    expect(bob).toBeDefined();
    expect(alice).not.toBe(bob);
    expect(operatorToken).toBeUndefined();
    expect((await readdir(path.join(home, 'tokens'))).filter((name) => name.endsWith('.json'))).toHaveLength(2);
  });

  it('opens one session for concurrent first calls of one user', async () => {
    const { handle, support, entry, server, logs } = await start();
    await connectAs(support, entry, 'carol');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => echo(handle(), 'carol', `m${i}`)));
    expect(results.map(text)).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`));
    expect(logs.filter((line) => line.includes('user session opened'))).toHaveLength(1);
    expect(server.sessionCounts().streamableHttp).toBe(1);
  });

  it('closes a session after the idle timeout, and the next call opens a new one with the saved tokens', async () => {
    const { handle, support, entry, server } = await start({ idleTimeoutMs: 300 });
    await connectAs(support, entry, 'dave');
    expect(text(await echo(handle(), 'dave', 'one'))).toBe('one');
    expect(handle().status().perUser?.sessions).toBe(1);
    const listed = handle().tools().map((tool) => tool.name);
    expect(listed).toContain('echo');
    await vi.waitFor(() => expect(handle().status().perUser?.sessions).toBe(0), { timeout: 5_000 });
    await vi.waitFor(() => expect(server.sessionCounts().streamableHttp).toBe(0), { timeout: 5_000 });
    // No session is open, and the operator never connected: the tools stay documented and served (a front-end that
    // offers only documented tools must still be able to call, which reopens the session).
    expect(handle().tools().map((tool) => tool.name)).toEqual(listed);
    expect(handle().status()).toMatchObject({ state: 'connected', tools: listed.length, perUser: { sessions: 0 } });
    expect(text(await echo(handle(), 'dave', 'two'))).toBe('two');
    expect(handle().status().perUser?.sessions).toBe(1);
  });

  it('closes the least recently used idle session for a new user at the limit, and answers 503 when all are busy', async () => {
    const { handle, support, entry, logs } = await start({ maxSessions: 2 });
    for (const user of ['u1', 'u2', 'u3']) await connectAs(support, entry, user);
    await echo(handle(), 'u1');
    await echo(handle(), 'u2');
    await echo(handle(), 'u1'); // u2 is now the least recently used
    await echo(handle(), 'u3');
    expect(logs.some((line) => line.includes('user session closed') && line.includes('user=u2 ') && line.includes('least recently used'))).toBe(true);
    expect(handle().status().perUser?.sessions).toBe(2);

    // Both sessions have a call in flight (started first; each takes an HTTP round trip, while u2's credentials are
    // read from memory): a third user gets 503 with Retry-After rather than closing a session under a call.
    const inFlight = [echo(handle(), 'u1', 'a'), echo(handle(), 'u3', 'b')];
    const refused = await failure(echo(handle(), 'u2'));
    expect(refused.code).toBe('SERVER_UNAVAILABLE');
    expect(refused.headers?.['Retry-After']).toBe('2');
    expect(refused.message).toContain('all 2 user sessions (perUserMaxSessions) have calls in flight');
    expect((await Promise.all(inFlight)).map(text)).toEqual(['a', 'b']);
  });
});

/** The page's forms: action → fields. */
function forms(html: string): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const match of html.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/g)) {
    const fields = Object.fromEntries([...match[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&')]));
    found.set(match[1]!, fields);
  }
  return found;
}

function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/** Follows a user's link like a browser: their page, Connect, the consent page approving as `subject`, back to mcpo. */
async function connectThroughLink(link: string, subject: string, base: string): Promise<string> {
  const html = await (await fetch(link)).text();
  const connect = forms(html).get('/oauth/user/connect')!;
  const started = await postForm(`${base}/oauth/user/connect`, connect);
  expect(started.status).toBe(303);
  const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
  const consent = await (await fetch(started.headers.get('location')!)).text();
  const requestId = /name="request_id" value="([^"]+)"/.exec(consent)![1]!;
  const consentUrl = new URL('/consent', started.headers.get('location')!).href;
  const approved = await postForm(consentUrl, { request_id: requestId, decision: 'approve', subject }, {});
  const landed = await fetch(approved.headers.get('location')!, { headers: { cookie } });
  return landed.text();
}

describe('a user\'s own connections page, from the link of their 401', () => {
  it('connects each user as the subject they approved as; whoami answers each with their own', async () => {
    const { handle, base } = await start({}, false);
    const linkOf = async (user: string) => (await failure(handle().callTool('whoami', {}, { user }))).details!.authorizationUrl as string;
    const aliceLink = await linkOf('alice');
    const page = await (await fetch(aliceLink)).text();
    expect(page).toContain('linked to the mcpo user <strong id="mcpo-user">alice</strong>');
    expect(page).toContain('>Connect secure as alice</button>');
    expect(await connectThroughLink(aliceLink, 'alice@example', base)).toContain('mcpo is authorized');
    expect(await connectThroughLink(await linkOf('bob'), 'bob@example', base)).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect(text(await handle().callTool('whoami', {}, { user: 'alice' }))).toBe('alice@example'), { timeout: 5_000 });
    await vi.waitFor(async () => expect(text(await handle().callTool('whoami', {}, { user: 'bob' }))).toBe('bob@example'), { timeout: 5_000 });
    const again = await Promise.all(['alice', 'bob', 'alice', 'bob'].map((user) => handle().callTool('whoami', {}, { user })));
    expect(again.map(text)).toEqual(['alice@example', 'bob@example', 'alice@example', 'bob@example']);

    // Alice disconnects from her page: her next call needs a new link; Bob's connection is untouched.
    const after = await (await fetch(await linkOf('carol'))).text();
    expect(after).toContain('mcpo-user">carol<');
    const alicePage = await (await fetch(aliceLink)).text();
    expect(alicePage).toContain('secure <small>connected</small>');
    const disconnect = await postForm(`${base}/oauth/user/disconnect`, forms(alicePage).get('/oauth/user/disconnect')!);
    expect(await disconnect.text()).toContain('secure disconnected');
    expect(httpStatus(await failure(handle().callTool('whoami', {}, { user: 'alice' })))).toBe(401);
    expect(text(await handle().callTool('whoami', {}, { user: 'bob' }))).toBe('bob@example');
  });

  it('refuses a changed or forged link, and a POST that is not the page\'s own', async () => {
    const { handle, base } = await start();
    const link = (await failure(echo(handle(), 'alice'))).details!.authorizationUrl as string;
    const tampered = link.replace('user=alice', 'user=mallory');
    expect((await fetch(tampered)).status).toBe(403);
    expect(await (await fetch(tampered)).text()).toContain('This link is not valid');
    const fields = forms(await (await fetch(link)).text()).get('/oauth/user/connect')!;
    expect((await postForm(`${base}/oauth/user/connect`, fields, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await postForm(`${base}/oauth/user/connect`, { ...fields, token: 'x'.repeat(43) }, {})).status).toBe(403);
    expect((await postForm(`${base}/oauth/user/connect`, { ...fields, user: 'mallory' })).status).toBe(403);
  });

  it('shows a forwarded link\'s page naming the user it was made for, and connecting through it links that user only', async () => {
    const { handle, base, support, entry } = await start();
    const aliceLink = (await failure(echo(handle(), 'alice'))).details!.authorizationUrl as string;
    // Bob opens the link Alice forwarded: the page says the account goes to alice, and never offers Bob's name.
    const page = await (await fetch(aliceLink)).text();
    expect(page).toContain('mcpo-user">alice<');
    expect(page).toContain('If you are not alice (this link was forwarded to you), close this page');
    expect(page).not.toContain('bob');
    await connectThroughLinkAutoApproved(aliceLink, base);
    await vi.waitFor(async () => expect(await support.forEntry(entry, 'alice')!.hasCredentials()).toBe(true), { timeout: 5_000 });
    expect(await support.forEntry(entry, 'bob')!.hasCredentials()).toBe(false);
    expect(httpStatus(await failure(echo(handle(), 'bob')))).toBe(401);
  });
});

async function connectThroughLinkAutoApproved(link: string, base: string): Promise<void> {
  const connect = forms(await (await fetch(link)).text()).get('/oauth/user/connect')!;
  const started = await postForm(`${base}/oauth/user/connect`, connect);
  const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
  const back = await fetch(started.headers.get('location')!, { redirect: 'manual' });
  expect(await (await fetch(back.headers.get('location')!, { headers: { cookie } })).text()).toContain('mcpo is authorized');
}

describe('mcpo auth --user', () => {
  it('shows and logs out one user\'s own tokens of per-user servers, leaving everyone else\'s', async () => {
    const { support, entry, home, server } = await start();
    await connectAs(support, entry, 'alice');
    await connectAs(support, entry, 'bob');
    const config = path.join(home, 'config.json');
    await writeFile(config, JSON.stringify({ mcpServers: { secure: { url: server.mcpUrl, oauth: { perUser: true, redirect: 'server' } }, plain: { url: server.mcpUrl, oauth: {} } } }));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const cli = async (...args: string[]) => {
      out = '';
      const code = await runAuthCli(['node', 'mcpo', 'auth', ...args, '--config', config], { env: { MCPO_HOME: home }, stdout, stderr: new PassThrough() });
      return { code, out };
    };
    expect((await cli('status', '--user', 'alice')).out).toMatch(/^secure: authorized .*\n$/);
    expect((await cli('status', '--user', 'carol')).out).toMatch(/^secure: not authorized/);
    expect((await cli('status')).out).toMatch(/^secure: not authorized.*\nplain: not authorized/);
    expect((await cli('logout', 'plain', '--user', 'alice')).code).toBe(2);
    const logout = await cli('logout', 'secure', '--user', 'alice');
    expect(logout.out).toContain('secure (user alice): logged out');
    const tokens = (user: string) => new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, user) }).load();
    expect(await tokens('alice')).toBeUndefined();
    expect((await tokens('bob'))?.tokens).toBeDefined();
  });
});
