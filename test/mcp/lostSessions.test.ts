import { afterEach, describe, expect, it } from 'vitest';
import type { Manager, ManagerOptions } from '../../src/mcp/manager.js';
import { ON_DEMAND_ATTEMPT_SPACING_MS } from '../../src/mcp/session.js';
import { startHttpMcpServer, type HttpMcpServer, type HttpMcpServerOptions, type LostSessionAnswer } from '../helpers/httpMcpServer.js';
import { testManager } from './fixtures.js';

const managers: Manager[] = [];
const servers: HttpMcpServer[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: HttpMcpServerOptions = {}) {
  const s = await startHttpMcpServer(options);
  servers.push(s);
  return s;
}

const manager = (options: Partial<ManagerOptions> = {}) => testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 }, options);
const remote = (url: string) => ({ kind: 'streamable-http' as const, name: 'remote', url, headers: {}, disabledTools: [] });

describe('a session the server no longer knows (as servers in the field say it)', () => {
  const flavours: LostSessionAnswer[] = ['spec-404', 'everything-400', 'sdk-restarted', 'invalid-401'];
  for (const flavour of flavours) {
    it(`${flavour}: a new session is started and the call retried once, running once`, async () => {
      const upstream = await server({ lostSession: flavour });
      const { m } = manager();
      m.start([remote(upstream.url)]);
      await m.settled();
      await m.get('remote')!.callTool('echo', { message: 'one' });
      upstream.forgetSessions();
      const result = await m.get('remote')!.callTool('echo', { message: 'two' });
      expect(result.content).toEqual([{ type: 'text', text: 'two' }]);
      expect(upstream.runs.get('echo')).toBe(2);
      expect(upstream.counts.initializations).toBe(2);
      expect(m.get('remote')!.status().state).toBe('connected');
    });
  }

  it('everything-400 on the event stream: the session is replaced before any call needs it', async () => {
    const upstream = await server({ lostSession: 'everything-400' });
    const { m, logger } = manager();
    m.start([remote(upstream.url)]);
    await m.settled();
    await expect.poll(() => upstream.counts.gets).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server has registered the stream
    // A restart: the stream drops, and the session is unknown when the client comes back (after its 1 s delay).
    upstream.endEventStreams();
    upstream.forgetSessions();
    await expect.poll(() => upstream.counts.initializations, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => m.get('remote')!.status().state).toBe('connected');
    expect(logger.lines.some((l) => l.includes('the server ended the session'))).toBe(true);
    expect((await m.get('remote')!.callTool('echo', { message: 'after' })).content).toEqual([{ type: 'text', text: 'after' }]);
    expect(upstream.runs.get('echo')).toBe(1);
  });

  it('many calls that find the session lost at once open one new session, and each runs once', async () => {
    const upstream = await server({ lostSession: 'everything-400' });
    const { m } = manager();
    m.start([remote(upstream.url)]);
    await m.settled();
    upstream.forgetSessions();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => m.get('remote')!.callTool('echo', { message: String(i) })));
    expect(results.map((r) => (r.content as { text: string }[])[0]!.text)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(upstream.runs.get('echo')).toBe(20);
    expect(upstream.counts.initializations).toBe(2);
  });
});

describe('a server that cannot be reached', () => {
  it('answers calls with 503 and Retry-After at once, leaves connected, and works again when the server is back', async () => {
    const upstream = await server();
    const { m } = manager();
    m.start([remote(upstream.url)]);
    await m.settled();
    await m.get('remote')!.callTool('echo', { message: 'before' });
    await upstream.close();
    const started = performance.now();
    await expect(m.get('remote')!.callTool('echo', { message: 'down' })).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect.poll(() => m.get('remote')!.status().state).toBe('reconnecting');
    expect(m.get('remote')!.status()).toMatchObject({ error: expect.stringMatching(/ECONNREFUSED|cannot be reached/), nextAttemptAt: expect.any(String) });
    // While it stays down, a call waits for one attempt at most, then answers 503.
    const whileDown = performance.now();
    await expect(m.get('remote')!.callTool('echo', { message: 'still down' })).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect(performance.now() - whileDown).toBeLessThan(2_000);

    const back = await server({ port: upstream.port });
    await expect.poll(() => m.get('remote')!.status().state, { timeout: 10_000 }).toBe('connected');
    expect((await m.get('remote')!.callTool('echo', { message: 'after' })).content).toEqual([{ type: 'text', text: 'after' }]);
    expect(back.runs.get('echo')).toBe(1);
  });

  it('a call to a server that is back does not wait for a long backoff: it starts an attempt and is served', async () => {
    const probe = await startHttpMcpServer();
    await probe.close();
    const { m } = manager({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
    m.start([remote(probe.url)]);
    await m.settled();
    expect(m.get('remote')!.status()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    await server({ port: probe.port });
    // The first attempt began just now: on demand, attempts are at least ON_DEMAND_ATTEMPT_SPACING_MS apart.
    await expect(m.get('remote')!.callTool('echo', { message: 'soon' })).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    await new Promise((resolve) => setTimeout(resolve, ON_DEMAND_ATTEMPT_SPACING_MS));
    expect((await m.get('remote')!.callTool('echo', { message: 'served' })).content).toEqual([{ type: 'text', text: 'served' }]);
    expect(m.get('remote')!.status().state).toBe('connected');
  });

  it('a call the server may have run when the connection broke is answered 503 and never retried', async () => {
    const upstream = await server();
    upstream.addTool('crash');
    const { m } = manager();
    m.start([remote(upstream.url)]);
    await m.settled();
    await expect(m.get('remote')!.callTool('crash', {})).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect(upstream.runs.get('crash')).toBe(1);
    // The server itself is fine: the ping that followed found it, and calls go on.
    expect((await m.get('remote')!.callTool('echo', { message: 'fine' })).content).toEqual([{ type: 'text', text: 'fine' }]);
    expect(m.get('remote')!.status().state).toBe('connected');
  });
});

describe('idle sessions are checked with ping', () => {
  it.each(['spec-404', 'everything-400'] as const)('%s: a session the server dropped while idle is replaced before the next call, which then runs without a retry', async (flavour) => {
    const upstream = await server({ lostSession: flavour, noEventStream: true });
    const { m, logger } = manager({ pingIntervalMs: 200 });
    m.start([remote(upstream.url)]);
    await m.settled();
    upstream.forgetSessions();
    await expect.poll(() => upstream.counts.initializations, { timeout: 5_000 }).toBe(2);
    await expect.poll(() => m.get('remote')!.status().state).toBe('connected');
    expect((await m.get('remote')!.callTool('echo', { message: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(logger.lines.some((l) => l.includes('retrying the call once'))).toBe(false);
  });

  it('a server that vanished while idle is reconnecting without any call, and connected again when it is back', async () => {
    const upstream = await server({ noEventStream: true });
    const { m } = manager({ pingIntervalMs: 200 });
    m.start([remote(upstream.url)]);
    await m.settled();
    await upstream.close();
    await expect.poll(() => m.get('remote')!.status().state, { timeout: 5_000 }).toBe('reconnecting');
    expect(m.get('remote')!.status().error).toMatch(/ping failed|ECONNREFUSED/);
    await server({ port: upstream.port, noEventStream: true });
    await expect.poll(() => m.get('remote')!.status().state, { timeout: 10_000 }).toBe('connected');
  });

  it('a busy session is not pinged, an idle one is, and pingInterval 0 never pings', async () => {
    const pinged = await server({ noEventStream: true });
    const quiet = await server({ noEventStream: true });
    const { m } = manager({ pingIntervalMs: 150 });
    m.start([remote(pinged.url), { ...remote(quiet.url), name: 'quiet', pingIntervalMs: 0 }]);
    await m.settled();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(pinged.counts.pings).toBeGreaterThanOrEqual(2);
    expect(quiet.counts.pings).toBe(0);
  });
});
