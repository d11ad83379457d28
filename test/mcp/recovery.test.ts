import { afterEach, describe, expect, it } from 'vitest';
import type { Manager, ManagerOptions } from '../../src/mcp/manager.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { processesWith } from '../helpers/processes.js';
import { DEMO_SERVER, demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
const servers: HttpMcpServer[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const manager = (options: Partial<ManagerOptions> = {}) => testManager(managers, { backoff: { initialMs: 50, maxMs: 400 } }, options);

const remote = (name: string, url: string) => ({ kind: 'streamable-http' as const, name, url, headers: {}, disabledTools: [] });

describe('session recovery', () => {
  it('restarts a stdio child killed between calls, and calls work again', async () => {
    const marker = `--marker=${Math.random().toString(36).slice(2)}`;
    const { m } = manager();
    m.start([demoEntry({ args: [DEMO_SERVER, marker] })]);
    await m.settled();
    const [pid] = await processesWith(marker);
    process.kill(pid!, 'SIGKILL');
    await expect.poll(async () => (await processesWith(marker)).filter((p) => p !== pid).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => m.get('demo')!.status().state, { timeout: 10_000 }).toBe('connected');
    expect((await m.get('demo')!.callTool('echo', { message: 'back' })).content).toEqual([{ type: 'text', text: 'back' }]);
  });

  it('a child killed mid-call fails that call with 503 (never retried: it may have run) and comes back', async () => {
    const marker = `--marker=${Math.random().toString(36).slice(2)}`;
    const { m } = manager();
    m.start([demoEntry({ args: [DEMO_SERVER, marker] })]);
    await m.settled();
    const call = m.get('demo')!.callTool('sleep', { ms: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    const [pid] = await processesWith(marker);
    process.kill(pid!, 'SIGKILL');
    await expect(call).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    await expect.poll(() => m.get('demo')!.status().state, { timeout: 10_000 }).toBe('connected');
  });

  it('a call made while the server restarts waits for it instead of failing', async () => {
    const marker = `--marker=${Math.random().toString(36).slice(2)}`;
    const { m } = manager({ backoff: { initialMs: 300, maxMs: 300 } });
    m.start([demoEntry({ args: [DEMO_SERVER, marker] })]);
    await m.settled();
    const [pid] = await processesWith(marker);
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => m.get('demo')!.status().state).toBe('reconnecting');
    expect(m.get('demo')!.status().nextAttemptAt).toBeDefined();
    const result = await m.get('demo')!.callTool('echo', { message: 'waited' });
    expect(result.content).toEqual([{ type: 'text', text: 'waited' }]);
  });

  it('a server that keeps crashing backs off with growing delays and shows its last stderr lines', async () => {
    const { m, logger } = manager({ backoff: { initialMs: 40, maxMs: 1000, random: () => 1 } });
    m.start([demoEntry({ name: 'crashy', command: process.execPath, args: ['-e', 'console.error("boom: missing API key"); process.exit(1)'] })]);
    await expect.poll(() => logger.lines.filter((l) => l.includes('reconnect scheduled')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const delays = logger.lines.filter((l) => l.includes('reconnect scheduled')).map((l) => Number(/inMs=(\d+)/.exec(l)![1]));
    expect(delays.slice(0, 4)).toEqual([40, 80, 160, 320]);
    const status = m.get('crashy')!.status();
    expect(['reconnecting', 'connecting']).toContain(status.state);
    await expect.poll(() => m.get('crashy')!.status().error ?? '').toContain('boom: missing API key');
  });

  it('a server that is down at start-up is retried in the background and connects when it appears', async () => {
    const probe = await startHttpMcpServer();
    const port = probe.port;
    await probe.close();
    const { m } = manager({ backoff: { initialMs: 100, maxMs: 200 } });
    m.start([remote('late', `http://127.0.0.1:${port}/mcp`)]);
    await m.settled();
    expect(m.get('late')!.status()).toMatchObject({ state: 'reconnecting', nextAttemptAt: expect.any(String) });
    servers.push(await startHttpMcpServer({ port }));
    await expect.poll(() => m.get('late')!.status().state, { timeout: 10_000 }).toBe('connected');
    expect((await m.get('late')!.callTool('echo', { message: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
  });

  it('an expired streamable-HTTP session (404) is re-initialized and the call retried once, running once', async () => {
    const server = await startHttpMcpServer();
    servers.push(server);
    const { m } = manager();
    m.start([remote('http', server.url)]);
    await m.settled();
    await m.get('http')!.callTool('echo', { message: 'one' });
    server.forgetSessions();
    const result = await m.get('http')!.callTool('echo', { message: 'two' });
    expect(result.content).toEqual([{ type: 'text', text: 'two' }]);
    expect(server.runs.get('echo')).toBe(2);
    expect(m.get('http')!.status().state).toBe('connected');
  });

  it('follows tools/list_changed: a tool added on the server becomes callable', async () => {
    const server = await startHttpMcpServer();
    servers.push(server);
    const { m } = manager();
    const changes: string[] = [];
    m.onChange((name, kind) => changes.push(`${name}:${kind}`));
    m.start([remote('http', server.url)]);
    await m.settled();
    expect(m.get('http')!.tools().map((t) => t.name)).toEqual(['echo']);
    server.addTool('fresh');
    await expect.poll(() => m.get('http')!.tools().map((t) => t.name)).toContain('fresh');
    expect(changes.filter((c) => c === 'http:tools').length).toBeGreaterThanOrEqual(2);
    expect((await m.get('http')!.callTool('fresh', {})).content).toEqual([{ type: 'text', text: 'fresh' }]);
  });
});

describe('failure messages', () => {
  it('say why a connection failed, not just "fetch failed"', async () => {
    const probe = await startHttpMcpServer();
    const port = probe.port;
    await probe.close();
    const { m } = manager({ backoff: { initialMs: 600_000 } });
    m.start([remote('down', `http://127.0.0.1:${port}/mcp`)]);
    await m.settled();
    expect(m.get('down')!.status().error).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });
});
