/**
 * CallLimiter (src/mcp/callLimiter.ts) on its own, and through a real session to the demo stdio server:
 * at most N calls in flight per server, the rest wait in arrival order, a waiting call whose client left
 * is dropped unsent, and the wait counts towards the call's timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallLimiter, CallQueueTimeoutError } from '../../src/mcp/callLimiter.js';
import type { Manager } from '../../src/mcp/manager.js';
import { demoEntry, testManager } from './fixtures.js';

describe('CallLimiter', () => {
  it('lets `limit` calls through at once and the rest in arrival order as turns end', async () => {
    const limiter = new CallLimiter(2);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const take = (id: number) => limiter.acquire().then((release) => (order.push(id), releases.push(release)));
    await Promise.all([take(1), take(2)]);
    const waiting = [take(3), take(4), take(5)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([1, 2]);
    expect(limiter.load).toEqual({ inFlight: 2, waiting: 3 });
    releases[1]!();
    releases[1]!(); // a second release of the same turn changes nothing
    await waiting[0];
    expect(order).toEqual([1, 2, 3]);
    releases[0]!();
    releases[2]!();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(limiter.load).toEqual({ inFlight: 2, waiting: 0 });
  });

  it('drops a waiting call whose signal aborts, rejecting with the reason, and gives its turn to the next', async () => {
    const limiter = new CallLimiter(1);
    const first = await limiter.acquire();
    const controller = new AbortController();
    const dropped = limiter.acquire({ signal: controller.signal });
    const next = limiter.acquire();
    controller.abort(new Error('client went away'));
    await expect(dropped).rejects.toThrow('client went away');
    expect(limiter.load).toEqual({ inFlight: 1, waiting: 1 });
    first();
    await next;
    expect(limiter.load).toEqual({ inFlight: 1, waiting: 0 });
  });

  it('gives up waiting after maxWaitMs with CallQueueTimeoutError naming the limit', async () => {
    const limiter = new CallLimiter(1);
    await limiter.acquire();
    const error = await limiter.acquire({ maxWaitMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallQueueTimeoutError);
    expect(error).toMatchObject({ limit: 1 });
    expect(limiter.load).toEqual({ inFlight: 1, waiting: 0 });
  });

  it('fails every waiting call and every later one once closed, while the turns in flight end as usual', async () => {
    const limiter = new CallLimiter(1);
    const first = await limiter.acquire();
    const waiting = [limiter.acquire(), limiter.acquire({ maxWaitMs: 60_000 })];
    const stopped = new Error('server stopped');
    limiter.close(stopped);
    for (const call of waiting) await expect(call).rejects.toBe(stopped);
    await expect(limiter.acquire()).rejects.toBe(stopped);
    expect(limiter.load).toEqual({ inFlight: 1, waiting: 0 });
    first();
    expect(limiter.load).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('refuses a limit that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new CallLimiter(bad)).toThrow(RangeError);
  });
});

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

async function demo(maxConcurrentCalls: number) {
  const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
  m.start([demoEntry({ maxConcurrentCalls })]);
  await m.settled();
  return m.get('demo')!;
}

describe('maxConcurrentCalls on a real session', () => {
  it('holds a call beyond the limit until a call in flight finishes, then runs it', async () => {
    const server = await demo(2);
    const order: string[] = [];
    const short = server.callTool('sleep', { ms: 400 }).then(() => order.push('short'));
    const long = server.callTool('sleep', { ms: 3000 }).then(() => order.push('long'));
    // Without the limit this quick call would finish first.
    const quick = server.callTool('echo', { message: 'hi' }).then(() => order.push('quick'));
    await Promise.all([short, long, quick]);
    expect(order).toEqual(['short', 'quick', 'long']);
  });

  it('answers CANCELLED at once for a waiting call whose client left, and never spends a turn on it', async () => {
    const server = await demo(1);
    const busy = server.callTool('sleep', { ms: 1500 });
    const controller = new AbortController();
    const started = performance.now();
    const left = server.callTool('echo', { message: 'never sent' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(left).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(performance.now() - started).toBeLessThan(1000);
    await busy;
    await expect(server.callTool('echo', { message: 'next' })).resolves.toMatchObject({ content: [{ type: 'text', text: 'next' }] });
  });

  it('reports the calls in flight and waiting in its status (what /healthz shows)', async () => {
    const server = await demo(1);
    const busy = server.callTool('sleep', { ms: 800 });
    const queued = server.callTool('echo', { message: 'x' });
    await expect.poll(() => server.status().calls).toEqual({ inFlight: 1, waiting: 1, limit: 1 });
    await Promise.all([busy, queued]);
    expect(server.status().calls).toEqual({ inFlight: 0, waiting: 0, limit: 1 });
  });

  it('counts the wait for a turn towards the timeout: 504 TIMEOUT naming maxConcurrentCalls', async () => {
    const server = await demo(1);
    const busy = server.callTool('sleep', { ms: 1500 });
    const error = await server.callTool('echo', { message: 'late' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { server: 'demo', tool: 'echo', maxConcurrentCalls: 1 } });
    expect((error as Error).message).toContain('maxConcurrentCalls');
    await busy;
  });
});
