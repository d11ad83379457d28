/**
 * What an adversarial review of issue #18 (shared store on Redis, tokens encrypted at rest) broke, each restated as
 * the behaviour the feature promises: a save that fails after a refresh, a forced login cut short, a planted
 * plaintext record, announcements missed during a blip, a huge planted value, glob prefixes, passwords in errors.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRecordCodec } from '../../../src/oauth/store/codec/recordCodec.js';
import { parseTokenKeys, splitKeyList } from '../../../src/oauth/store/codec/tokenKeys.js';
import { RedisConnection } from '../../../src/oauth/store/redis/redisConnection.js';
import { RedisTokenStore } from '../../../src/oauth/store/redis/redisTokenStore.js';
import { parseStoreUrl } from '../../../src/oauth/store/redis/storeUrl.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { captureLogger, sampleState } from '../storeHelpers.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from '../flows/harness.js';

const HOUR_MS = 3_600_000;
let redis: TestRedis;
const opened: RedisConnection[] = [];

async function connection(prefix: string, commandTimeoutMs?: number): Promise<RedisConnection> {
  const made = await RedisConnection.open({
    address: parseStoreUrl(redis.url, '--store'),
    prefix,
    logger: captureLogger().logger,
    ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
  });
  opened.push(made);
  return made;
}

function raw() {
  return redis.client();
}

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  redis.resume();
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await redis?.dispose();
});

describe('review #18: a refresh whose save fails', () => {
  it('does not present the rotated (already spent) refresh token again when Redis stalls during the save', async () => {
    let now = Date.now();
    const clock = () => now;
    const server = await startServer({ now: clock });
    const home = await tempHome();
    const conn = await connection('r18a:', 300);
    const harness = oauthSupport(home, fetchBrowser(), { now: clock, sleep: async () => {}, sharedStore: conn });
    const entry = oauthEntry(server.mcpUrl);
    const manager = startManager(harness.support, [entry]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    const session = manager.get('secure')!;
    expect(server.stats().authorizationRequests).toBe(1);

    now += HOUR_MS + 1_000;
    let release!: () => void;
    server.delayNextTokenAnswers(1, new Promise<void>((resolve) => (release = resolve)));
    const call = session.callTool('echo', { message: 'after expiry' }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    // The refresh request reached the token endpoint (the old refresh token is spent now); Redis stalls before the save.
    await vi.waitFor(() => expect(server.stats().refreshRequests).toBe(1), { timeout: 10_000 });
    redis.pause();
    release();
    const outcome = await call;
    redis.resume();
    // Whatever the call's answer (503 is fine), the spent refresh token must not be presented a second time: with a
    // rotating server that revokes the grant on replay, that logs every replica out.
    expect.soft(server.stats().refreshRequests).toBe(1);
    // And once Redis is back, the grant still works without a new login.
    await vi.waitFor(async () => expect(text(await session.callTool('echo', { message: 'back' }))).toBe('back'), { timeout: 10_000 });
    expect.soft(server.stats().authorizationRequests).toBe(1);
    void outcome;
  }, 30_000);
});

describe('review #18: a login in progress when another replica writes the record', () => {
  it('a forced login (mcpo auth login --force, Connect over valid tokens) is not cut short by another replica merely refreshing', async () => {
    let now = Date.now();
    const clock = () => now;
    const server = await startServer({ now: clock });
    const entry = oauthEntry(server.mcpUrl);
    // A approves its first login, then leaves the forced one waiting for the user.
    const approve = fetchBrowser();
    const opened: string[] = [];
    const browserA = Object.assign(async (url: string) => {
      opened.push(url);
      if (opened.length === 1) await approve(url);
    }, { opened });
    const a = oauthSupport(await tempHome(), browserA, { now: clock, sleep: async () => {}, sharedStore: await connection('r18b:') });
    const managerA = startManager(a.support, [entry]);
    await vi.waitFor(() => expect(managerA.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    const b = oauthSupport(await tempHome(), fetchBrowser(), { now: clock, sleep: async () => {}, sharedStore: await connection('r18b:') });
    const managerB = startManager(b.support, [entry]);
    await vi.waitFor(() => expect(managerB.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });

    let settled: string | undefined;
    const forced = a.support.forEntry(entry)!.login(true).then((r) => (settled = r), (e: Error) => (settled = `error ${e.message}`));
    await vi.waitFor(() => expect(opened).toHaveLength(2), { timeout: 10_000 }); // the user has the new login's page open

    // Meanwhile B's access token expires and B refreshes: no one logged in anywhere.
    now += HOUR_MS + 1_000;
    expect(text(await managerB.get('secure')!.callTool('echo', { message: 'b refreshes' }))).toBe('b refreshes');
    expect(server.stats().refreshRequests).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The forced login must still be waiting for the user, not "authorized" by B's refresh.
    expect(settled).toBeUndefined();
    expect(server.stats().authorizationCodeRequests).toBe(2 - 1); // only A's first login exchanged a code
    void forced;
  }, 30_000);
});

describe('review #18: records in Redis with a token key', () => {
  const SERVER = 'https://mcp.example/mcp';
  const codec = createRecordCodec(parseTokenKeys(splitKeyList(randomBytes(32).toString('base64')), 'MCPO_TOKEN_KEY'));

  it('refuses a plaintext record planted by another Redis client (no key needed to forge one)', async () => {
    const conn = await connection('r18c:');
    const store = new RedisTokenStore({ connection: conn, serverUrl: SERVER, clientIdentity: 'dynamic', codec });
    await store.save(sampleState(SERVER, 'at-the-operators'));
    const client = await raw();
    // Whoever can write this Redis (but has no key) replaces the sealed record with plaintext naming their own tokens.
    await client.set(store.key, JSON.stringify(sampleState(SERVER, 'at-the-attackers')));
    await client.quit();
    const loaded = await store.load().catch((e: unknown) => e);
    // "A tampered record is refused": the attacker's token must not be what every replica's calls now carry.
    expect((loaded as { tokens?: { access_token?: string } } | undefined)?.tokens?.access_token).not.toBe('at-the-attackers');
  });
});

describe('review #18: announcements lost while a replica is cut off from Redis', () => {
  it('a replica cut off from Redis for a moment still learns of a login finished meanwhile', async () => {
    const SERVER = 'https://mcp.example/mcp';
    const proxy = await cuttableProxy(redis.port);
    try {
      const writer = new RedisTokenStore({ connection: await connection('r18d:'), serverUrl: SERVER, clientIdentity: 'dynamic' });
      const readerConnection = await RedisConnection.open({ address: parseStoreUrl(`redis://127.0.0.1:${proxy.port}/0`, '--store'), prefix: 'r18d:', logger: captureLogger().logger });
      opened.push(readerConnection);
      const reader = new RedisTokenStore({ connection: readerConnection, serverUrl: SERVER, clientIdentity: 'dynamic' });
      let heard = 0;
      reader.onExternalChange(() => heard++);
      // Replica B's network to Redis drops for two seconds; meanwhile a login finishes on replica A.
      await proxy.cut();
      await writer.save(sampleState(SERVER, 'at-login-elsewhere'));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      proxy.restore();
      await vi.waitFor(() => expect(readerConnection.available).toBe(true), { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // B cannot know what it missed: it must re-read (ServerAuth waiting for Connect otherwise waits for ever).
      expect(heard).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  }, 20_000);
});

/** A TCP proxy to Redis whose connections can be cut (and new ones refused) for a while: one replica's network blip. */
async function cuttableProxy(target: number) {
  const { createServer, connect } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let up = true;
  const server = createServer((socket) => {
    if (!up) return void socket.destroy();
    const upstream = connect(target, '127.0.0.1');
    sockets.add(socket);
    sockets.add(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => { socket.destroy(); upstream.destroy(); };
    socket.on('error', end); upstream.on('error', end); socket.on('close', end); upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    async cut() { up = false; for (const s of sockets) s.destroy(); sockets.clear(); },
    restore() { up = true; },
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe('review #18: a huge value planted under a record key, and forged announcements', () => {
  it('does not pull a 32 MiB value into every replica each time someone PUBLISHes the key', async () => {
    const SERVER = 'https://mcp.example/mcp';
    const conn = await connection('r18e:');
    const store = new RedisTokenStore({ connection: conn, serverUrl: SERVER, clientIdentity: 'dynamic' });
    let reads = 0;
    // What ServerAuth does on an announcement: load() again, with no single flight.
    store.onExternalChange(() => void store.load().then(() => reads++, () => reads++));
    const client = await raw();
    await client.set(store.key, 'x'.repeat(32 * 1024 * 1024));
    const before = Number(/total_net_output_bytes:(\d+)/.exec(await client.info('stats'))![1]);
    // Another client of this Redis (no key, no password beyond the Redis one) publishes ten forged announcements.
    for (let i = 0; i < 10; i++) await client.publish('r18e:changed', `forged ${store.key}`);
    await vi.waitFor(() => expect(reads).toBe(10), { timeout: 15_000 });
    const sent = Number(/total_net_output_bytes:(\d+)/.exec(await client.info('stats'))![1]) - before;
    await client.del(store.key);
    await client.quit();
    // A token record is a few KiB; reading more than 1 MiB for ten announcements means the size is not bounded.
    expect(sent).toBeLessThan(1024 * 1024);
  }, 30_000);
});

describe('review #18: a key prefix with glob characters', () => {
  it('rotate-key under prefix "team?:" leaves deployment "teamA:" alone', async () => {
    const { rotateSharedKeys } = await import('../../../src/oauth/store/redis/rotateSharedKeys.js');
    const SERVER = 'https://mcp.example/mcp';
    // Deployment teamA: keeps plaintext records (no token key).
    const teamA = new RedisTokenStore({ connection: await connection('teamA:'), serverUrl: SERVER, clientIdentity: 'dynamic' });
    await teamA.save(sampleState(SERVER, 'at-team-a'));
    // Another deployment, prefix "team?:" (accepted by parseStorePrefix), rotates its own records to its key.
    const codec = createRecordCodec(parseTokenKeys(splitKeyList(randomBytes(32).toString('base64')), 'MCPO_TOKEN_KEY'));
    const report = await rotateSharedKeys(await connection('team?:'), codec);
    expect(report.rewritten).toEqual([]);
    expect((await teamA.load())?.tokens?.access_token).toBe('at-team-a');
    // And such a prefix is refused where users give one.
    const { parseStorePrefix } = await import('../../../src/oauth/store/redis/storeUrl.js');
    expect(() => parseStorePrefix('team?:', '--store-prefix')).toThrow('without spaces or * ? [ ]');
  });
});

describe('review #18: the store URL in error messages', () => {
  it('never shows a password, even one with a "/" the user forgot to percent-encode', () => {
    const message = (() => {
      try {
        parseStoreUrl('redis://:s3cret/pw@redis.internal:6379/0', '--store');
        return 'parsed';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toBe('parsed');
    expect(message).not.toContain('s3cret');
  });
});
