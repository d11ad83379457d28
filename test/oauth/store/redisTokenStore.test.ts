/**
 * The shared token store against a real redis-server: what replicas rely on (one lock between connections, fenced
 * writes, announcements), and what a store that goes away does (503, nothing written, back when it is).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { refreshStoredTokens } from '../../../src/oauth/refresh.js';
import type { StoredAuth } from '../../../src/oauth/store/schema.js';
import { TokenFileEncryptedError } from '../../../src/oauth/errors.js';
import { StoreLockLostError, StoreUnavailableError, StoreUnreachableError } from '../../../src/oauth/store/redis/errors.js';
import { createRecordCodec, type RecordCodec } from '../../../src/oauth/store/codec/recordCodec.js';
import { parseTokenKeys, splitKeyList } from '../../../src/oauth/store/codec/tokenKeys.js';
import { RedisConnection } from '../../../src/oauth/store/redis/redisConnection.js';
import { RedisTokenStore } from '../../../src/oauth/store/redis/redisTokenStore.js';
import { parseStoreUrl } from '../../../src/oauth/store/redis/storeUrl.js';
import { freePort } from '../../helpers/ports.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { captureLogger, sampleState } from '../storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
let redis: TestRedis;
const opened: RedisConnection[] = [];

async function connection(prefix = 'mcpo:', extra: { commandTimeoutMs?: number } = {}): Promise<RedisConnection> {
  const made = await RedisConnection.open({ address: parseStoreUrl(redis.url, '--store'), prefix, logger: captureLogger().logger, ...extra });
  opened.push(made);
  return made;
}

function store(conn: RedisConnection, lock?: { leaseMs?: number; timeoutMs?: number }): RedisTokenStore {
  return new RedisTokenStore({ connection: conn, serverUrl: SERVER, clientIdentity: 'dynamic', ...(lock ? { lock } : {}) });
}

function raw() {
  return redis.client();
}

beforeAll(async () => {
  redis = await startRedis({ password: 'store-secret-pw' });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await redis?.dispose();
});

describe('RedisTokenStore', () => {
  it('keeps a record under a hashed key that names neither the URL nor the client, and reads it back', async () => {
    const conn = await connection('team-a:mcpo:');
    const s = store(conn);
    expect(await s.load()).toBeUndefined();
    await s.save(sampleState(SERVER));
    expect(await store(await connection('team-a:mcpo:')).load()).toEqual(sampleState(SERVER));
    const client = await raw();
    const keys = await client.keys('*');
    await client.quit();
    expect(keys).toContain(s.key);
    expect(s.key).toMatch(/^team-a:mcpo:tokens:[0-9a-f]{64}$/);
    expect(keys.join(' ')).not.toContain('mcp.example');
    expect(s.location).not.toContain('store-secret-pw');
    await s.clear();
    expect(await s.load()).toBeUndefined();
  });

  it('lets one holder at a time through the lock, across connections (replicas)', async () => {
    const stores = [store(await connection()), store(await connection()), store(await connection())];
    const spans: Array<[number, number]> = [];
    await Promise.all(
      stores.flatMap((s) =>
        [0, 1].map(() =>
          s.withLock(async () => {
            const start = performance.now();
            await new Promise((resolve) => setTimeout(resolve, 30));
            spans.push([start, performance.now()]);
          }),
        ),
      ),
    );
    spans.sort((a, b) => a[0] - b[0]);
    expect(spans).toHaveLength(6);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('takes over a lock whose holder died once its lease ran out', async () => {
    const s = store(await connection(), { leaseMs: 30_000, timeoutMs: 5_000 });
    const client = await raw();
    await client.set(`mcpo:lock:${s.key.split(':').pop()}`, 'dead-holder', { expiration: { type: 'PX', value: 400 } });
    await client.quit();
    const started = Date.now();
    await s.withLock(async () => {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('keeps a lock alive past its lease while the holder works (renewal)', async () => {
    const a = store(await connection(), { leaseMs: 300, timeoutMs: 5_000 });
    const b = store(await connection(), { leaseMs: 300, timeoutMs: 5_000 });
    let bGotIt = 0;
    let aDone = 0;
    const first = a.withLock(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      aDone = Date.now();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await b.withLock(async () => {
      bGotIt = Date.now();
    });
    await first;
    expect(bGotIt).toBeGreaterThanOrEqual(aDone);
  });

  it('refuses a write from a holder whose lock was lost, and leaves the newer record alone', async () => {
    const s = store(await connection());
    await s.save(sampleState(SERVER, 'at-old'));
    const client = await raw();
    const lockKey = s.key.replace(':tokens:', ':lock:');
    const attempt = s.withLock(async () => {
      // Meanwhile the lease ran out and another replica took the lock and refreshed.
      await client.set(lockKey, 'another-replica');
      await client.set(s.key, JSON.stringify(sampleState(SERVER, 'at-newer')));
      await s.save(sampleState(SERVER, 'at-stale'));
    });
    await expect(attempt).rejects.toBeInstanceOf(StoreLockLostError);
    expect((await s.load())?.tokens?.access_token).toBe('at-newer');
    expect(await client.get(lockKey)).toBe('another-replica'); // not released by the loser
    await client.del(lockKey);
    await client.quit();
  });

  it('confirms the lock before a credential goes out: renewed while held, refused once another holder has it', async () => {
    const s = store(await connection(), { leaseMs: 2_000 });
    const client = await raw();
    const lockKey = s.key.replace(':tokens:', ':lock:');
    await s.withLock(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await s.confirmLock();
      expect(await client.pTTL(lockKey)).toBeGreaterThan(1_800);
      await client.set(lockKey, 'another-replica');
      await expect(s.confirmLock()).rejects.toBeInstanceOf(StoreLockLostError);
    });
    await client.del(lockKey);
    await client.quit();
  });

  it('never presents a refresh token once its lock lapsed to another replica: the refresh fails as 503, the token endpoint hears nothing', async () => {
    let tokenRequests = 0;
    const as = createServer((req, res) => {
      tokenRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at-new', token_type: 'Bearer', refresh_token: 'rt-new', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => as.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(as.address() as { port: number }).port}`;
    try {
      const s = store(await connection());
      const discovery = {
        authorizationServerUrl: base,
        authorizationServerMetadata: { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'] },
        fetchedAt: 1,
      };
      const record: StoredAuth = {
        version: 1,
        serverUrl: SERVER,
        clientIdentity: 'dynamic',
        client: { client_id: 'c' },
        discovery,
        tokens: { access_token: 'at-old', token_type: 'Bearer', refresh_token: 'rt-old', expires_at: 1_000 },
      };
      await s.save(record);
      const client = await raw();
      const lockKey = s.key.replace(':tokens:', ':lock:');
      const attempt = refreshStoredTokens({
        store: s,
        config: { callbackPort: 0, useLoopback: true, storageType: 'file' },
        fetch: (url, init) => fetch(url, init),
        now: Date.now,
        sleep: async () => {},
        logger: captureLogger().logger,
        serverName: 'secure',
        // Runs under the lock, just before the refresh: meanwhile this replica's lease lapsed and another took it.
        liveDiscovery: async () => {
          await client.set(lockKey, 'another-replica');
          return discovery;
        },
      });
      await expect(attempt).rejects.toBeInstanceOf(StoreLockLostError);
      expect(tokenRequests).toBe(0);
      expect((await s.load())?.tokens?.refresh_token).toBe('rt-old');
      await client.del(lockKey);
      await client.quit();
    } finally {
      as.close();
    }
  });

  it('tells the other replicas of every save and clear, and not the replica that made them', async () => {
    const writerConnection = await connection();
    const writer = store(writerConnection);
    const reader = store(await connection());
    const unrelated = new RedisTokenStore({ connection: await connection(), serverUrl: 'https://other.example/mcp', clientIdentity: 'dynamic' });
    let heard = 0;
    let heardByUnrelated = 0;
    let heardByWriter = 0;
    reader.onExternalChange(() => heard++);
    unrelated.onExternalChange(() => heardByUnrelated++);
    writer.onExternalChange(() => heardByWriter++);
    await writer.save(sampleState(SERVER));
    await writer.clear();
    await expect.poll(() => heard).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heardByUnrelated).toBe(0);
    expect(heardByWriter).toBe(0);
  });

  it('copies a corrupt record aside and reads it as absent', async () => {
    const { logger, lines } = captureLogger();
    const conn = await connection();
    const s = new RedisTokenStore({ connection: conn, serverUrl: SERVER, clientIdentity: 'dynamic', logger });
    const client = await raw();
    await client.set(s.key, '{"version":1,"tokens":');
    expect(await s.load()).toBeUndefined();
    const aside = await client.keys(`${s.key}:corrupt:*`);
    expect(aside).toHaveLength(1);
    expect(await client.get(aside[0]!)).toBe('{"version":1,"tokens":');
    expect(await client.ttl(aside[0]!)).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain('Token record is corrupt');
    await client.del([s.key, aside[0]!]);
    await client.quit();
  });
});

describe('records encrypted with a token key', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  const codec = (value: string): RecordCodec => createRecordCodec(value === '' ? [] : parseTokenKeys(splitKeyList(value), 'MCPO_TOKEN_KEY'));
  const sealed = (conn: RedisConnection, c: RecordCodec, serverUrl = SERVER) => new RedisTokenStore({ connection: conn, serverUrl, clientIdentity: 'dynamic', codec: c });

  it('keeps no token text in Redis, reads it back with the key, and is refused without it', async () => {
    const conn = await connection('enc1:');
    const s = sealed(conn, codec(keyA));
    await s.save(sampleState(SERVER));
    const client = await raw();
    const text = (await client.get(s.key))!;
    expect(text).toContain('"mcpoEncrypted":1');
    expect(text).not.toContain('at-very-secret-value');
    expect(text).not.toContain('rt-secret');
    expect(await s.load()).toEqual(sampleState(SERVER));
    // A replica without the key, or with another one: a clear error, and the record is neither read nor replaced.
    for (const without of [sealed(conn, codec('')), sealed(conn, codec(keyB))]) {
      await expect(without.load()).rejects.toBeInstanceOf(TokenFileEncryptedError);
      await expect(without.load()).rejects.toThrow(/Token record .* is encrypted with key id [0-9a-f]{16}/);
      await expect(without.save(sampleState(SERVER, 'at-plain'))).rejects.toBeInstanceOf(TokenFileEncryptedError);
    }
    expect(await client.get(s.key)).toBe(text);
    // Rotation: the new key first, the old one still reads; the next write seals with the new key.
    const rotated = sealed(conn, codec(`${keyB},${keyA}`));
    expect(await rotated.load()).toEqual(sampleState(SERVER));
    await rotated.save(sampleState(SERVER, 'at-rotated'));
    await expect(sealed(conn, codec(keyA)).load()).rejects.toBeInstanceOf(TokenFileEncryptedError);
    expect((await sealed(conn, codec(keyB)).load())?.tokens?.access_token).toBe('at-rotated');
    await client.quit();
  });

  it('rotate-key re-seals every record, and lists one whose lock stays taken without stopping', async () => {
    const { rotateSharedKeys } = await import('../../../src/oauth/store/redis/rotateSharedKeys.js');
    const conn = await connection('enc3:');
    const first = sealed(conn, codec(keyA));
    const second = sealed(conn, codec(keyA), 'https://other.example/mcp');
    await first.save(sampleState(SERVER));
    await second.save(sampleState('https://other.example/mcp', 'at-other'));
    const client = await raw();
    await client.set(first.key.replace(':tokens:', ':lock:'), 'a-hung-refresh', { expiration: { type: 'PX', value: 60_000 } });
    const report = await rotateSharedKeys(conn, codec(`${keyB},${keyA}`), { timeoutMs: 300 });
    expect(report).toEqual({ rewritten: [second.key], current: [], unreadable: [{ file: first.key, why: 'io' }] });
    expect((await sealed(conn, codec(keyB), 'https://other.example/mcp').load())?.tokens?.access_token).toBe('at-other');
    await client.del(first.key.replace(':tokens:', ':lock:'));
    await client.quit();
  });

  it('refuses a tampered record, and one copied over another server\'s key, keeping a copy aside', async () => {
    const conn = await connection('enc2:');
    const c = codec(keyA);
    const s = sealed(conn, c);
    const other = sealed(conn, c, 'https://other.example/mcp');
    await s.save(sampleState(SERVER));
    await other.save(sampleState('https://other.example/mcp', 'at-other'));
    const client = await raw();
    const text = (await client.get(s.key))!;
    const envelope = JSON.parse(text) as { data: string };
    const flipped = Buffer.from(envelope.data, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    await client.set(s.key, JSON.stringify({ ...envelope, data: flipped.toString('base64') }));
    expect(await s.load()).toBeUndefined();
    await client.set(s.key, (await client.get(other.key))!);
    expect(await s.load()).toBeUndefined();
    expect(await client.keys(`${s.key}:corrupt:*`)).toHaveLength(2);
    await client.quit();
  });
});

describe('a store that is not there', () => {
  it('refuses to start, naming the address without its password', async () => {
    const port = await freePort();
    const address = parseStoreUrl(`redis://:hunter2@127.0.0.1:${port}/3`, '--store');
    const error = await RedisConnection.open({ address, prefix: 'mcpo:', logger: captureLogger().logger, connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toContain(`redis://127.0.0.1:${port}/3`);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('answers 503 with Retry-After while Redis is down, writes nothing, and works again once it is back', async () => {
    const { logger, lines } = captureLogger();
    const conn = await RedisConnection.open({ address: parseStoreUrl(redis.url, '--store'), prefix: 'mcpo:', logger, commandTimeoutMs: 500 });
    opened.push(conn);
    const s = store(conn);
    await s.save(sampleState(SERVER, 'at-before'));
    await redis.stop();
    try {
      const started = Date.now();
      const failure = await s.load().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as StoreUnavailableError).code).toBe('SERVER_UNAVAILABLE');
      expect((failure as StoreUnavailableError).headers?.['Retry-After']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(s.save(sampleState(SERVER, 'at-during'))).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.withLock(async () => 'ran')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(lines.filter((l) => l.includes('the shared store is unreachable'))).toHaveLength(1);
    } finally {
      await redis.start();
    }
    // A restarted Redis without persistence is empty; the connection comes back by itself.
    await expect.poll(async () => s.load().then(() => 'ok', (e: Error) => e.message), { timeout: 10_000 }).toBe('ok');
    await s.save(sampleState(SERVER, 'at-after'));
    expect((await s.load())?.tokens?.access_token).toBe('at-after');
    expect(lines.some((l) => l.includes('the shared store is reachable again'))).toBe(true);
  });
});
