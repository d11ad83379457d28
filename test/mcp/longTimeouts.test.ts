/**
 * Entries whose `timeout` is near the largest a timer can hold (MAX_TIMEOUT_SECONDS, about 24.8 days):
 * what the session derives from it (the idle limit of HTTP requests, the wait for a turn) must stay a
 * long wait, never overflow into Node's "fire after 1 ms".
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { MAX_TIMEOUT_SECONDS } from '../../src/config/schema.js';
import type { Manager } from '../../src/mcp/manager.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
const servers: HttpMcpServer[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('an entry with the longest timeout the config allows', () => {
  it('connects to a streamable-HTTP server and answers its calls, without a timer overflow warning on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const server = await startHttpMcpServer();
    servers.push(server);
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([{ kind: 'streamable-http', name: 'patient', url: server.url, headers: {}, disabledTools: [], timeoutMs: MAX_TIMEOUT_SECONDS * 1000 }]);
    await m.settled();
    expect(m.get('patient')!.status()).toMatchObject({ state: 'connected' });
    expect((await m.get('patient')!.callTool('echo', { message: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});

describe('a default timeout beyond what a timer can hold (--timeout is not capped)', () => {
  it('still lets calls run and wait for a turn, rather than timing them out at once', async () => {
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } }, { defaultTimeoutMs: 3_000_000 * 1000 });
    m.start([demoEntry({ maxConcurrentCalls: 1 })]);
    await m.settled();
    const server = m.get('demo')!;
    const busy = server.callTool('sleep', { ms: 300 });
    const queued = server.callTool('echo', { message: 'after' });
    await expect(busy).resolves.toHaveProperty('content');
    expect((await queued).content).toEqual([{ type: 'text', text: 'after' }]);
  });
});
