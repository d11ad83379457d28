import { afterEach, describe, expect, it } from 'vitest';
import { McpoError } from '../../src/errors.js';
import type { Manager, ManagerOptions } from '../../src/mcp/manager.js';
import type { ChangeKind } from '../../src/mcp/types.js';
import { EVERYTHING_ENTRY, startEverything, type RunningEverything } from '../helpers/everything.js';
import { processesWith } from '../helpers/processes.js';
import { DEMO_SERVER, demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
const peers: RunningEverything[] = [];

// Retries far in the future unless a test asks otherwise: states stay put while a test looks at them.
const manager = (options: Partial<ManagerOptions> = {}) => testManager(managers, { backoff: { initialMs: 600_000 } }, options);

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe('Manager', () => {
  it('connects a stdio child and serves its tools, without the disabled ones', async () => {
    const { m } = manager();
    m.start([demoEntry({ disabledTools: ['fail'] })]);
    await m.settled();
    const demo = m.get('demo')!;
    expect(demo.status()).toMatchObject({ name: 'demo', state: 'connected', transport: 'stdio' });
    const names = demo.tools().map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('fail');
    expect(demo.status().tools).toBe(names.length);
  });

  it('reports a server that cannot start as reconnecting (with its error) while the others connect', async () => {
    const { m, logger } = manager();
    m.start([demoEntry(), demoEntry({ name: 'broken', command: '/nonexistent/mcp-server' })]);
    await m.settled();
    expect(m.get('demo')!.status().state).toBe('connected');
    const broken = m.get('broken')!.status();
    expect(broken).toMatchObject({ state: 'reconnecting', attempt: 1, nextAttemptAt: expect.any(String) });
    expect(broken.error).toMatch(/ENOENT|nonexistent|closed/);
    expect(logger.lines.some((l) => l.includes('server state changed') && l.includes('server=broken') && l.includes('state=reconnecting'))).toBe(true);
  });

  it('a server that never answers initialize is retried after the connect timeout and its child is ended', async () => {
    const { m } = manager({ connectTimeoutMs: 500 });
    // `sleep` reads stdin and never answers: a stand-in for a hung server.
    m.start([demoEntry({ name: 'hung', command: 'sleep', args: ['30'] })]);
    await m.settled();
    expect(m.get('hung')!.status()).toMatchObject({ state: 'reconnecting', error: expect.stringMatching(/longer than 0.5 s/) });
  });

  it('multiplexes calls: a quick call finishes while a slow one on the same session is still running', async () => {
    const { m } = manager();
    m.start([demoEntry()]);
    await m.settled();
    const demo = m.get('demo')!;
    const order: string[] = [];
    const slow = demo.callTool('sleep', { ms: 1500 }).then(() => order.push('slow'));
    const quick = demo.callTool('echo', { message: 'hi' }).then((r) => {
      order.push('quick');
      return r;
    });
    expect((await quick).content).toEqual([{ type: 'text', text: 'hi' }]);
    await slow;
    expect(order).toEqual(['quick', 'slow']);
  });

  it('a call past its timeout fails with TIMEOUT and the server is told to cancel it', async () => {
    const { m, logger } = manager();
    m.start([demoEntry({ timeoutMs: 300 })]);
    await m.settled();
    const error = await m.get('demo')!.callTool('sleep', { ms: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpoError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    // The demo server writes this line to stderr when it receives notifications/cancelled.
    await expect.poll(() => logger.lines.some((l) => l.includes('sleep cancelled after abort'))).toBe(true);
  });

  it('an aborted signal cancels the upstream call and fails with CANCELLED', async () => {
    const { m, logger } = manager();
    m.start([demoEntry()]);
    await m.settled();
    const controller = new AbortController();
    const call = m.get('demo')!.callTool('sleep', { ms: 10_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => logger.lines.some((l) => l.includes('sleep cancelled after abort'))).toBe(true);
  });

  it('returns isError results as they are, and maps a JSON-RPC error to UPSTREAM_ERROR', async () => {
    const { m } = manager();
    m.start([demoEntry()]);
    await m.settled();
    const demo = m.get('demo')!;
    expect(await demo.callTool('fail', { reason: 'x' })).toMatchObject({ isError: true });
    await expect(demo.callTool('no_such_tool', {})).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
  });

  it('refuses calls with SERVER_UNAVAILABLE and Retry-After while a server is not connected', async () => {
    const { m } = manager();
    m.start([demoEntry({ name: 'broken', command: '/nonexistent/mcp-server' })]);
    await m.settled();
    const error = await m.get('broken')!.callTool('echo', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SERVER_UNAVAILABLE', headers: { 'Retry-After': expect.any(String) } });
  });

  it('gives stdio children only a safe environment plus their own env', async () => {
    const { m } = manager({ parentEnv: { ...process.env, AWS_SECRET_ACCESS_KEY: 'parent-secret' } });
    m.start([
      demoEntry({
        name: 'everything',
        args: [EVERYTHING_ENTRY, 'stdio'],
        env: { GIVEN_TO_CHILD: 'yes' },
      }),
    ]);
    await m.settled();
    const result = await m.get('everything')!.callTool('get-env', {});
    const text = JSON.stringify(result.content);
    expect(text).toContain('GIVEN_TO_CHILD');
    expect(text).toContain('PATH');
    expect(text).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(text).not.toContain('parent-secret');
  });

  it('connects to a real peer over streamable HTTP, SSE, and auto-detects SSE for a url without type', async () => {
    const http = await startEverything('streamableHttp');
    const sse = await startEverything('sse');
    peers.push(http, sse);
    const { m } = manager();
    const common = { headers: {}, disabledTools: [] };
    m.start([
      { ...common, kind: 'streamable-http', name: 'http', url: http.url },
      { ...common, kind: 'sse', name: 'sse', url: sse.url },
      { ...common, kind: 'auto', name: 'auto-http', url: http.url },
      { ...common, kind: 'auto', name: 'auto-sse', url: sse.url },
    ]);
    await m.settled();
    expect(m.get('http')!.status()).toMatchObject({ state: 'connected', transport: 'streamable-http' });
    expect(m.get('sse')!.status()).toMatchObject({ state: 'connected', transport: 'sse' });
    expect(m.get('auto-http')!.status()).toMatchObject({ state: 'connected', transport: 'streamable-http' });
    expect(m.get('auto-sse')!.status()).toMatchObject({ state: 'connected', transport: 'sse' });
    for (const name of ['http', 'sse', 'auto-sse']) {
      const result = await m.get(name)!.callTool('get-sum', { a: 2, b: 3 });
      expect(JSON.stringify(result.content)).toContain('5');
    }
  });

  it('stop() ends every stdio child: no orphan processes', async () => {
    const marker = `--mcpo-test-marker=${Math.random().toString(36).slice(2)}`;
    const { m } = manager();
    m.start([demoEntry({ name: 'a', args: [DEMO_SERVER, marker] }), demoEntry({ name: 'b', args: [DEMO_SERVER, marker] })]);
    await m.settled();
    expect(await processesWith(marker)).toHaveLength(2);
    await m.stop();
    expect(await processesWith(marker)).toHaveLength(0);
  });

  it('emits added, status and tools changes, and removed when a server stops', async () => {
    const { m } = manager();
    const seen: Array<[string, ChangeKind]> = [];
    m.onChange((server, kind) => seen.push([server, kind]));
    m.start([demoEntry()]);
    await m.settled();
    await m.remove('demo');
    expect(seen[0]).toEqual(['demo', 'added']);
    expect(seen).toContainEqual(['demo', 'tools']);
    expect(seen).toContainEqual(['demo', 'status']);
    expect(seen.at(-1)).toEqual(['demo', 'removed']);
    expect(m.get('demo')).toBeUndefined();
  });
});
