/**
 * [slow] Replicas sharing a real Redis (--store): two and three bin/mcpo.js processes, each with its own MCPO_HOME, in
 * front of the example OAuth server, whose refresh tokens rotate and whose replays revoke the whole grant. One login
 * serves all; an expired token is refreshed once between them; a Redis that stops answering costs only the calls
 * that need it; any replica completes a login started on another.
 */
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { randomBytes } from 'node:crypto';
import { runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { CookieJar } from '../oauth/flows/harness.js';

const running: McpoProcess[] = [];
const servers: OAuthExampleServer[] = [];
const redises: TestRedis[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(redises.splice(0).map((r) => r.dispose()));
});

type Health = { servers: Record<string, { state: string; authorizationUrl?: string }> };

async function state(mcpo: McpoProcess): Promise<string | undefined> {
  return ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.state;
}

function echo(mcpo: McpoProcess, message: string): Promise<Response> {
  return fetch(`${mcpo.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
}

async function replica(redis: TestRedis, config: string, name: string, extraEnv: Record<string, string> = {}, args: string[] = ['--port', '0']): Promise<{ mcpo: McpoProcess; home: string }> {
  const home = mkdtempSync(join(tmpdir(), `mcpo-replica-${name}-`));
  const env = { MCPO_HOME: home, MCPO_STORE: redis.url, MCPO_STORE_PREFIX: 'e2e:', BROWSER: 'true', DISPLAY: '', WAYLAND_DISPLAY: '', ...extraEnv };
  const mcpo = await startMcpo(['--config', config, ...args, '--no-browser', '--log-level', 'info'], { env });
  running.push(mcpo);
  return { mcpo, home };
}

describe('[slow] mcpo replicas sharing a Redis store', () => {
  it('[slow] log in through one, call through all three; one refresh between them; a stalled Redis costs only the calls that need it', async () => {
    const redis = await startRedis();
    redises.push(redis);
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true, accessTokenTtlSeconds: 6});
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-replicas-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } } } }));
    const a = await replica(redis, config, 'a');
    const b = await replica(redis, config, 'b');
    const c = await replica(redis, config, 'c');
    expect(a.mcpo.output()).toContain('tokens are kept in the shared store');
    expect(a.mcpo.output()).toContain('OAUTH TOKENS IN THE SHARED STORE ARE NOT ENCRYPTED'); // no MCPO_TOKEN_KEY here
    expect(a.mcpo.output()).not.toContain('store=redis://:'); // never a password (there is none here; the form is checked in the unit tests)

    await expect.poll(async () => [await state(a.mcpo), await state(b.mcpo), await state(c.mcpo)], { timeout: 15_000 }).toEqual(['needs_authorization', 'needs_authorization', 'needs_authorization']);
    // The user approves the login A printed; B and C drop their own logins and connect with the same tokens.
    let link: string | undefined;
    await expect.poll(() => (link = a.mcpo.output().split('\n').find((line) => /^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=/.test(line))), { timeout: 15_000 }).toBeDefined();
    await (await new CookieJar().fetch(link!)).text();
    await expect.poll(async () => [await state(a.mcpo), await state(b.mcpo), await state(c.mcpo)], { timeout: 15_000 }).toEqual(['connected', 'connected', 'connected']);
    expect(b.mcpo.output()).toContain('authorized by another mcpo sharing the store');
    expect(c.mcpo.output()).toContain('authorized by another mcpo sharing the store');
    expect((await echo(b.mcpo, 'through b')).status).toBe(200);
    expect(server.stats().authorizationRequests).toBe(1);
    // Nothing was written to either replica's token folder: the tokens live in Redis.
    for (const home of [a.home, b.home, c.home]) expect(existsSync(join(home, 'tokens')) ? readdirSync(join(home, 'tokens')).filter((f) => f.endsWith('.json')) : []).toEqual([]);

    // The access token expires; the three replicas are called at once: one refresh (a replay would revoke the grant).
    const refreshesBefore = server.stats().refreshRequests;
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    const answers = await Promise.all([0, 1, 2].flatMap((i) => [echo(a.mcpo, `a${i}`), echo(b.mcpo, `b${i}`), echo(c.mcpo, `c${i}`)]));
    expect(answers.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(server.stats().refreshRequests - refreshesBefore).toBe(1);

    // Redis stalls: a call with the token held still works; once it expires, calls answer 503 with Retry-After.
    redis.pause();
    try {
      expect((await echo(a.mcpo, 'held token')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      const stalled = await echo(a.mcpo, 'needs a refresh');
      expect(stalled.status).toBe(503);
      expect(stalled.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await stalled.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('SERVER_UNAVAILABLE');
      expect(body.error.message).toContain('shared store');
    } finally {
      redis.resume();
    }
    // Back: the next calls refresh (once) and succeed on both.
    await expect.poll(async () => (await echo(a.mcpo, 'back')).status, { timeout: 15_000 }).toBe(200);
    expect((await echo(b.mcpo, 'back on b')).status).toBe(200);
    expect(server.stats().refreshRequests - refreshesBefore).toBe(2);
    expect(a.mcpo.output()).toContain('the shared store is unreachable');
    expect(a.mcpo.output()).toContain('the shared store is reachable again');
  }, 90_000);

  it('[slow] the auth commands act on the shared records: status, rotate-key, logout (which revokes)', async () => {
    const redis = await startRedis();
    redises.push(redis);
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-replicas-cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ store: redis.url, mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } } } }));
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    // The store comes from the config file here (no MCPO_STORE); the key prefix is the default.
    const { mcpo, home } = await replica(redis, config, 'cli', { MCPO_STORE: '', MCPO_STORE_PREFIX: '', MCPO_TOKEN_KEY: oldKey });
    expect(mcpo.output()).not.toContain('NOT ENCRYPTED');
    await expect.poll(() => state(mcpo), { timeout: 15_000 }).toBe('needs_authorization');
    const linkOf = (process: McpoProcess) => process.output().split('\n').find((line) => /^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=/.test(line));
    await expect.poll(() => linkOf(mcpo), { timeout: 15_000 }).toBeDefined();
    await (await new CookieJar().fetch(linkOf(mcpo)!)).text();
    await expect.poll(() => state(mcpo), { timeout: 15_000 }).toBe('connected');
    await mcpo.stop('SIGTERM');
    running.splice(running.indexOf(mcpo), 1);

    const env = { MCPO_HOME: home };
    const status = await runMcpo(['auth', 'status', '--config', config], { env: { ...env, MCPO_TOKEN_KEY: oldKey } });
    expect(status.stdout).toMatch(new RegExp(`^secure: authorized .*storage redis://127\\.0\\.0\\.1:${redis.port}/0 mcpo:tokens:[0-9a-f]{64}\\n$`));
    const locked = await runMcpo(['auth', 'status', '--config', config], { env });
    expect(locked.code).toBe(1);
    expect(locked.stdout).toMatch(/^secure: encrypted with key id [0-9a-f]{16}, not configured \(set MCPO_TOKEN_KEY\)/);

    const rotate = await runMcpo(['auth', 'rotate-key', '--config', config], { env: { ...env, MCPO_TOKEN_KEY: `${newKey},${oldKey}` } });
    expect(rotate.stdout).toContain(`token records in redis://127.0.0.1:${redis.port}/0 re-written with key id`);
    expect(rotate.stdout).toContain(': 1; already current: 0; unreadable: 0');
    expect(rotate.code).toBe(0);
    expect((await runMcpo(['auth', 'status', '--config', config], { env: { ...env, MCPO_TOKEN_KEY: oldKey } })).code).toBe(1);
    expect((await runMcpo(['auth', 'status', '--config', config], { env: { ...env, MCPO_TOKEN_KEY: newKey } })).stdout).toMatch(/^secure: authorized /);

    const revokedBefore = server.stats().revocationRequests;
    const logout = await runMcpo(['auth', 'logout', 'secure', '--config', config], { env: { ...env, MCPO_TOKEN_KEY: newKey } });
    expect(logout.stdout).toBe('secure: logged out (tokens revoked at the server; saved tokens deleted)\n');
    expect(server.stats().revocationRequests - revokedBefore).toBe(2);
    const client = await redis.client();
    expect(await client.keys('mcpo:tokens:*')).toEqual([]);
    await client.quit();
  }, 60_000);

  it('[slow] a login started on one replica is completed by the callback that reaches another', async () => {
    const redis = await startRedis();
    redises.push(redis);
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-replicas-relay-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: {} } } }));
    // The "load balancer" sends every browser to A: the public URL is A's address. Connect is clicked on B.
    const portA = await freePort();
    const publicUrl = `http://127.0.0.1:${portA}`;
    const key = 'relay-test-key';
    const env = { MCPO_API_KEY: key, MCPO_PUBLIC_URL: publicUrl };
    const a = await replica(redis, config, 'a', env, ['--port', String(portA)]);
    const b = await replica(redis, config, 'b', env);
    await expect.poll(async () => [await state(a.mcpo), await state(b.mcpo)], { timeout: 15_000 }).toEqual(['needs_authorization', 'needs_authorization']);

    const auth = { authorization: `Bearer ${key}` };
    const page = await (await fetch(`${b.mcpo.url}/oauth`, { headers: auth })).text();
    const token = /name="token" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const connect = await fetch(`${b.mcpo.url}/oauth/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', origin: publicUrl, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ server: 'secure', token }).toString(),
    });
    expect(connect.status).toBe(303);
    const cookie = connect.headers.get('set-cookie')!.split(';')[0]!;
    const back = await fetch(connect.headers.get('location')!, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    expect(callback.startsWith(`${publicUrl}/oauth/callback?`)).toBe(true);

    // Without the browser's binding cookie, A hands it to B, which refuses it: B's login keeps waiting.
    const unbound = await fetch(callback);
    expect(unbound.status).toBe(403);
    expect(await unbound.text()).toContain('Not the browser that started this login');
    // The browser that clicked Connect: A hands the callback to B, B exchanges the code; both replicas connect.
    const landed = await fetch(callback, { headers: { cookie } });
    expect(await landed.text()).toContain('mcpo is authorized');
    expect(landed.status).toBe(200);
    await expect.poll(async () => [await state(a.mcpo), await state(b.mcpo)], { timeout: 15_000 }).toEqual(['connected', 'connected']);
    const called = await fetch(`${a.mcpo.url}/secure/echo`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"message":"via a"}' });
    expect(called.status).toBe(200);
    expect(server.stats().authorizationCodeRequests).toBe(1); // one exchange, by B, the holder of the verifier
    // The state is single-use across replicas too.
    const again = await fetch(callback, { headers: { cookie } });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('Already finished');
  }, 60_000);
});
