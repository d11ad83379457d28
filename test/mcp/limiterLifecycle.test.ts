/**
 * The call limiter across a session's life: calls waiting for a turn when their server is removed (hot
 * reload, shutdown) are answered at once, whatever the calls in flight ahead of them are doing.
 */
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { DEMO_SERVER, demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

/**
 * The demo server behind a launcher that leaves a helper process holding its stdout for 6 s, as a shell
 * script or package runner starting the real server can: the pipe stays open after the server is killed,
 * so the transport reports the connection closed only when the helper ends.
 */
const launchedDemo = () =>
  demoEntry({
    args: ['-e', `require('node:child_process').spawn('sleep', ['6'], { stdio: ['ignore', 'inherit', 'ignore'] }); import(${JSON.stringify(pathToFileURL(DEMO_SERVER).href)});`],
    maxConcurrentCalls: 1,
  });

describe('calls waiting for a turn', () => {
  it('are answered 503 at once when their server is removed, not when the calls ahead of them end', async () => {
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([launchedDemo()]);
    await m.settled();
    const server = m.get('demo')!;
    void server.callTool('sleep', { ms: 20_000 }, { timeoutMs: 8_000 }).catch(() => {});
    const waiting = server.callTool('echo', { message: 'queued' }).catch((e: unknown) => e);
    await expect.poll(() => server.status().calls).toMatchObject({ inFlight: 1, waiting: 1 });
    const started = performance.now();
    const removed = m.remove('demo');
    const error = await waiting;
    const took = performance.now() - started;
    expect(error).toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect((error as Error).message).toContain('stopped');
    expect(took).toBeLessThan(1_000);
    // A call on the removed server's handle (a request that looked it up just before) is refused at once too.
    await expect(server.callTool('echo', { message: 'late' })).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    await removed;
  });
});
