/**
 * The login relay between replicas against a real redis-server: a callback for a login another replica holds is
 * judged there; a holder that is gone or silent leaves the browser with "unknown", quickly and with nothing saved.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PendingLogins, stateKey } from '../../../src/oauth/pendingLogins.js';
import { RedisLoginRelay } from '../../../src/oauth/store/redis/loginRelay.js';
import { RedisConnection } from '../../../src/oauth/store/redis/redisConnection.js';
import { parseStoreUrl } from '../../../src/oauth/store/redis/storeUrl.js';
import type { CallbackVerdict } from '../../../src/oauth/serverPages.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { captureLogger } from '../storeHelpers.js';

let redis: TestRedis;
const opened: RedisConnection[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await redis?.dispose();
});

async function replica(timeoutMs = 2_000) {
  const { logger, lines } = captureLogger();
  const connection = await RedisConnection.open({ address: parseStoreUrl(redis.url, '--store'), prefix: 'relay:', logger });
  opened.push(connection);
  const logins = new PendingLogins({ connectionsUrl: () => 'http://mcpo.example/oauth' });
  const relay = new RedisLoginRelay(connection, logger, timeoutMs);
  logins.useRelay(relay);
  return { connection, logins, relay, lines };
}

describe('RedisLoginRelay', () => {
  it('hands a callback to the replica holding the login and answers with its verdict', async () => {
    const holder = await replica();
    const other = await replica();
    const seen: string[] = [];
    const key = stateKey('the-state');
    holder.logins.register({ key, answer: (params, cookie): CallbackVerdict => (seen.push(`${params.get('code')} ${cookie}`), { kind: 'completed' }) });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the claim is written in the background
    const page = await other.logins.callback(new URLSearchParams({ state: 'the-state', code: 'abc' }), { cookie: 'c=1' });
    expect(page.status).toBe(200);
    expect(page.html).toContain('mcpo is authorized');
    expect(seen).toEqual(['abc c=1']);
  });

  it('answers "unknown" at once when the holder is gone, and after the timeout when it is silent', async () => {
    const other = await replica(300);
    const client = await redis.client();
    // Gone: the claim names a replica nobody listens for.
    await client.set(`relay:login:${stateKey('gone')}`, 'nobody-listens');
    let started = Date.now();
    let page = await other.logins.callback(new URLSearchParams({ state: 'gone', code: 'x' }));
    expect(page.status).toBe(400);
    expect(page.html).toContain('does not belong to a login mcpo is waiting for');
    expect(Date.now() - started).toBeLessThan(250);
    // Silent: something listens on the holder's channel but never answers.
    const silent = client.duplicate();
    await silent.connect();
    await silent.subscribe('relay:callback:silent', () => {});
    await client.set(`relay:login:${stateKey('silent')}`, 'silent');
    started = Date.now();
    page = await other.logins.callback(new URLSearchParams({ state: 'silent', code: 'x' }));
    expect(page.status).toBe(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(other.lines.join('\n')).toContain('the replica holding a login did not answer its callback');
    await silent.quit();
    await client.quit();
  });

  it('drops handed-over callbacks that are not well formed or too long', async () => {
    const holder = await replica();
    let judged = 0;
    const key = stateKey('s');
    holder.logins.register({ key, answer: () => (judged++, { kind: 'unbound' }) });
    const client = await redis.client();
    for (const message of ['not json', '{"rid":1}', JSON.stringify({ rid: 'r', key, query: 'x'.repeat(40_000), from: 'f' })]) {
      await client.publish(`relay:callback:${holder.connection.id}`, message);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(judged).toBe(0);
    await client.quit();
  });
});
