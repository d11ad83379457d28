/**
 * The session code loads on the Manager's first start() (issue #15, start-up): until it has, a configured
 * server is a StartingServer. What /healthz and a caller see in that window must be the truth: connecting, no
 * tools, and a call that waits for the session rather than failing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import type { ChangeKind } from '../../src/mcp/types.js';
import { capturingLogger } from '../helpers/logs.js';
import { processesWith } from '../helpers/processes.js';
import { demoEntry } from './fixtures.js';

const managers: Manager[] = [];

/** A Manager from a fresh module graph, so its session code is not loaded yet (as in a freshly started mcpo). */
async function freshManager(): Promise<Manager> {
  vi.resetModules();
  const { Manager: FreshManager } = await import('../../src/mcp/manager.js');
  const m = new FreshManager({ logger: capturingLogger(), parentEnv: process.env, clientInfo: { name: 'mcpo-test', version: '0' }, backoff: { initialMs: 600_000 } });
  managers.push(m);
  return m;
}

beforeEach(() => {
  managers.length = 0;
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

describe('a server whose session code is still loading', () => {
  it('is listed at once as connecting, with no tools and its call limit, then becomes its session', async () => {
    const m = await freshManager();
    const changes: [string, ChangeKind][] = [];
    m.onChange((server, kind) => changes.push([server, kind]));
    m.start([demoEntry({ maxConcurrentCalls: 3 })]);
    const starting = m.get('demo')!;
    expect(starting.constructor.name).toBe('StartingServer');
    expect(starting.status()).toMatchObject({ name: 'demo', state: 'connecting', transport: 'stdio', tools: 0, calls: { inFlight: 0, waiting: 0, limit: 3 } });
    expect(starting.tools()).toEqual([]);
    expect(m.list().map((h) => h.name)).toEqual(['demo']);
    await m.settled();
    expect(m.get('demo')).not.toBe(starting);
    expect(m.get('demo')!.status().state).toBe('connected');
    // A caller still holding the first handle sees the session's state and tools, not 'connecting' for ever.
    expect(starting.status().state).toBe('connected');
    expect(starting.tools().length).toBeGreaterThan(0);
    // Added once; the handle behind the name changed without the server leaving.
    expect(changes.filter(([, kind]) => kind === 'added' || kind === 'removed')).toEqual([['demo', 'added']]);
  });

  it('answers a call made through it once the session is there', async () => {
    const m = await freshManager();
    m.start([demoEntry()]);
    const result = await m.get('demo')!.callTool('echo', { message: 'early' });
    expect(result.content).toEqual([{ type: 'text', text: 'early' }]);
  });

  it('removed before its session exists, starts no child and answers its waiting call 503', async () => {
    const marker = `--marker-${process.pid}-${Date.now()}`;
    const m = await freshManager();
    m.start([demoEntry({ args: [...demoEntry().args, marker] })]);
    const call = m.get('demo')!.callTool('echo', { message: 'never' });
    await m.remove('demo');
    await m.settled();
    const error = await call.then(() => undefined, (e: unknown) => e);
    // From the fresh module graph: its McpoError class, not this file's.
    expect(error).toMatchObject({ name: 'McpoError', code: 'SERVER_UNAVAILABLE', headers: { 'Retry-After': '5' } });
    expect((error as Error).message).toBe('Server demo is unavailable: the server was stopped');
    expect(m.get('demo')).toBeUndefined();
    expect(await processesWith(marker)).toEqual([]);
  });

  it('once the code is loaded, later servers get their session at once', async () => {
    const m = await freshManager();
    m.start([demoEntry()]);
    await m.settled();
    m.start([demoEntry({ name: 'second' })]);
    expect(m.get('second')!.constructor.name).toBe('Session');
    await m.settled();
  });
});
