/**
 * Issue #14 item 3: a hostile server's tools/list must not exhaust mcpo. Regression: an endless cursor chain of
 * large pages was followed for ever (RSS grew to 4.2 GB and the process died with every server), and a refresh
 * after list_changed had neither bounds nor a queue. Each server here is a real SDK server over stdio
 * (test/helpers/hostileToolsServer.mjs) beside the well-behaved demo server, which must keep working.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { StdioEntry } from '../../src/config/types.js';
import { liveChildren } from '../../src/mcp/liveChildren.js';
import type { Manager, ManagerOptions } from '../../src/mcp/manager.js';
import { DEFAULT_MAX_TOOL_PAGES } from '../../src/mcp/toolList.js';
import type { ServerStatus } from '../../src/mcp/types.js';
import { demoEntry, testManager } from './fixtures.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostileToolsServer.mjs', import.meta.url));

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

function hostile(mode: string, overrides: Partial<StdioEntry> = {}): StdioEntry {
  return demoEntry({ name: 'hostile', args: [HOSTILE, mode], cwd: process.cwd(), ...overrides });
}

/** Starts the demo server and a hostile one; a long backoff keeps a failed server from being retried during the test. */
function start(entry: StdioEntry, options: Partial<ManagerOptions> = {}) {
  const { m, logger } = testManager(managers, { backoff: { initialMs: 60_000, maxMs: 60_000 }, ...options });
  m.start([demoEntry(), entry]);
  return { m, logger };
}

async function until<T>(check: () => T | undefined, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function failed(m: Manager): ServerStatus | undefined {
  const status = m.get('hostile')!.status();
  return status.state === 'reconnecting' ? status : undefined;
}

async function expectDemoWorks(m: Manager): Promise<void> {
  await m.settled();
  expect(m.get('demo')!.status().state).toBe('connected');
  const result = await m.get('demo')!.callTool('add', { a: 2, b: 3 });
  expect(result.isError).toBeFalsy();
}

describe('a tool list that does not end', () => {
  it('of large pages fails that server within the bytes bound while RSS stays bounded; the others keep working', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      const { m } = start(hostile('endless-pages'));
      const status = await until(() => failed(m), 15_000);
      expect(status.error).toMatch(/the tool definitions of server "hostile" exceed 33554432 bytes \(its maxToolListBytes\); raise "maxToolListBytes"/);
      expect(status.tools).toBe(0);
      await expectDemoWorks(m);
    } finally {
      clearInterval(sampler);
    }
    // 32 MiB of definitions, parsed once by the SDK: well under this; the unbounded loop went through it in seconds.
    expect(peak - before).toBeLessThan(400 * 1024 * 1024);
  }, 30_000);

  it('of small pages fails after DEFAULT_MAX_TOOL_PAGES pages', async () => {
    const { m } = start(hostile('many-pages'));
    const status = await until(() => failed(m), 10_000);
    expect(status.error).toContain(`the tool list of server "hostile" goes on past ${DEFAULT_MAX_TOOL_PAGES} pages (its maxToolPages)`);
    await expectDemoWorks(m);
  });

  it('that repeats a cursor fails at once', async () => {
    const { m } = start(hostile('repeated-cursor'));
    const status = await until(() => failed(m), 5_000);
    expect(status.error).toContain('the tool list of server "hostile" repeats the cursor of an earlier page after 2 pages');
    await expectDemoWorks(m);
  });

  it('is ended by the connect timeout, not only abandoned', async () => {
    const { m } = start(hostile('many-pages', { maxToolPages: 1_000_000 }), { connectTimeoutMs: 2_500 });
    const status = await until(() => failed(m), 5_000);
    expect(status.error).toMatch(/took longer than 2.5 s/);
    await expectDemoWorks(m);
    // The listing stopped and its child was ended (it went on in the background, the child alive, filling memory).
    await until(() => (liveChildren.pids().length === 1 ? true : undefined), 3_000);
  });
});

describe('the bounds of one server', () => {
  it('are set in its config entry: maxTools, maxToolPages, maxToolListBytes', async () => {
    const { m } = start(hostile('many-tools', { maxTools: 19 }));
    expect((await until(() => failed(m), 5_000)).error).toContain('server "hostile" lists more than 19 tools (its maxTools); raise "maxTools" in the server\'s config entry');
    const pages = start(hostile('many-pages', { maxToolPages: 3 }));
    expect((await until(() => failed(pages.m), 5_000)).error).toContain('goes on past 3 pages');
    const bytes = start(hostile('many-tools', { maxToolListBytes: 100 }));
    expect((await until(() => failed(bytes.m), 5_000)).error).toContain('the tools/list answer of server "hostile" passed 100 bytes');
    const enough = start(hostile('many-tools', { maxTools: 20 }));
    await enough.m.settled();
    expect(enough.m.get('hostile')!.status()).toMatchObject({ state: 'connected', tools: 20 });
  });
});

describe('one tools/list answer past maxToolListBytes', () => {
  it('is cut on the stdio line before it is parsed: that server fails with the bound and how to raise it', async () => {
    const { m } = start(hostile('huge-page', { maxToolListBytes: 64 * 1024 }));
    const status = await until(() => failed(m), 10_000);
    // Not the count after parsing ("the tool definitions of … exceed"): the ~4 MiB line was never held whole.
    expect(status.error).toContain(
      'tool list refused: the tools/list answer of server "hostile" passed 65536 bytes (its maxToolListBytes) and was not read further; ' +
        'raise "maxToolListBytes" in the server\'s config entry to accept more; a server whose tool list was refused is retried less often',
    );
    await expectDemoWorks(m);
  });

  it('in a refresh delays the next attempt, and calls in the meantime do not start one sooner', async () => {
    const { m, logger } = start(hostile('well-behaved', { maxToolListBytes: 64 * 1024 }), {
      backoff: { initialMs: 100, maxMs: 100 },
      refusedListBackoff: { initialMs: 3_000, maxMs: 3_000, random: () => 1 },
      callWaitMs: 100,
    });
    await m.settled();
    const session = m.get('hostile')!;
    await session.callTool('turn', { to: 'huge-page' });
    const refusedAt = Date.now();
    const status = await until(() => failed(m), 5_000);
    expect(status.error).toMatch(/passed 65536 bytes .* retried less often: the next attempt 3 s after this refusal$/);
    const attempts = () => logger.lines.filter((l) => l.includes('server=hostile state=connecting')).length;
    const before = attempts();
    // Calls to a reconnecting server start an attempt every 2 s (ON_DEMAND_ATTEMPT_SPACING_MS), but not after a refused list.
    while (Date.now() - refusedAt < 2_600) {
      await expect(session.callTool('turn', { to: 'well-behaved' })).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(attempts()).toBe(before);
    // The new child starts well-behaved (its argv): the attempt after the delay connects it.
    await until(() => (session.status().state === 'connected' ? true : undefined), 5_000);
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(2_900);
    await expectDemoWorks(m);
  });
});

describe('list_changed', () => {
  it('a flood of notifications costs one refresh in flight and one queued, and the list ends current', async () => {
    const { m } = start(hostile('well-behaved'));
    await m.settled();
    const session = m.get('hostile')!;
    await session.callTool('turn', { to: 'many-tools', notifications: 1000 });
    await until(() => (session.tools().length === 20 ? true : undefined), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The control tools are gone with the refresh; a new session (a fresh child) would list them again: ask the demo instead.
    expect(session.status().state).toBe('connected');
    await expectDemoWorks(m);
    const { lists } = await listsSeen(m);
    expect(lists).toBeLessThanOrEqual(3);
  });

  it('a refresh that goes over the bounds fails that server alone, with the reason in its state', async () => {
    const { m, logger } = start(hostile('well-behaved'));
    await m.settled();
    await m.get('hostile')!.callTool('turn', { to: 'endless-pages' });
    await until(() => (logger.lines.some((l) => l.includes('tool list refused')) ? true : undefined), 15_000);
    expect(logger.lines.find((l) => l.includes('server state changed') && l.includes('reconnecting'))).toMatch(
      /tool list refused: the tool definitions of server \\"hostile\\" exceed 33554432 bytes/,
    );
    await expectDemoWorks(m);
  }, 30_000);

  it('a refresh the server never answers ends at the deadline and keeps the list it had', async () => {
    const { m, logger } = start(hostile('well-behaved'), { connectTimeoutMs: 2_000 });
    await m.settled();
    const session = m.get('hostile')!;
    await session.callTool('turn', { to: 'silent' });
    await until(() => (logger.lines.some((l) => l.includes('could not refresh the tool list')) ? true : undefined), 5_000);
    expect(logger.lines.find((l) => l.includes('could not refresh the tool list'))).toMatch(/listing tools took longer than 2 s/);
    expect(session.status()).toMatchObject({ state: 'connected', tools: 2 });
  });
});

/** How many tools/list requests the hostile server has seen, asked through a second, well-behaved tool list. */
async function listsSeen(m: Manager): Promise<{ lists: number }> {
  const result = await m.get('hostile')!.callTool('stats', {});
  return JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as { lists: number };
}
