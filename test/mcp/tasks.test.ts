import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { run } from '../../src/run.js';
import { capturingLogger } from '../helpers/logs.js';
import { EVERYTHING_ENTRY } from '../helpers/everything.js';
import { demoEntry, testManager } from './fixtures.js';

const TASK_SERVER = fileURLToPath(new URL('../helpers/taskServer.mjs', import.meta.url));

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

const text = (result: { content: unknown }) => (result.content as { type: string; text: string }[]).map((c) => c.text).join('');

describe('tools that must run as MCP tasks (execution.taskSupport "required")', () => {
  it("server-everything's simulate-research-query is created as a task, polled and its result returned", async () => {
    const { m } = testManager(managers, {});
    m.start([demoEntry({ name: 'everything', args: [EVERYTHING_ENTRY, 'stdio'] })]);
    await m.settled();
    const result = await m.get('everything')!.callTool('simulate-research-query', { topic: 'tides' });
    expect(text(result)).toContain('# Research Report: tides');
    // The report says the task went working -> completed, i.e. it really ran as a task.
    expect(text(result)).toContain('Status progressed: `working` → `completed`');
  }, 30_000);

  it('a task that completes after polls returns its result; polls honour pollInterval', async () => {
    const { m } = testManager(managers, {});
    m.start([demoEntry({ name: 'tasks', args: [TASK_SERVER] })]);
    await m.settled();
    const started = performance.now();
    const result = await m.get('tasks')!.callTool('quick', { label: 'x' });
    expect(text(result)).toBe('done: x');
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 150 - 20);
    const seen = JSON.parse(text(await m.get('tasks')!.callTool('tasks-seen', {}))) as { polls: number; tasks: { status: string }[] };
    expect(seen).toMatchObject({ polls: 2, tasks: [{ status: 'completed' }] });
  });

  it('a task that never finishes times out with 504 within the call timeout, is cancelled, and was not polled in a busy loop', async () => {
    const { m } = testManager(managers, {});
    m.start([demoEntry({ name: 'tasks', args: [TASK_SERVER], timeoutMs: 1_000 })]);
    await m.settled();
    const started = performance.now();
    await expect(m.get('tasks')!.callTool('never-ends', { label: 'y' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(1_500);
    await expect
      .poll(async () => JSON.parse(text(await m.get('tasks')!.callTool('tasks-seen', {}))) as { polls: number; tasks: { status: string }[] })
      .toMatchObject({ tasks: [{ status: 'cancelled' }] });
    const { polls } = JSON.parse(text(await m.get('tasks')!.callTool('tasks-seen', {}))) as { polls: number };
    // pollInterval 0 is raised to MIN_POLL_INTERVAL_MS (100 ms): about 9 polls in 1 s, not thousands.
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(10);
  });

  it('a task whose REST client leaves is cancelled', async () => {
    const { m } = testManager(managers, {});
    m.start([demoEntry({ name: 'tasks', args: [TASK_SERVER] })]);
    await m.settled();
    const controller = new AbortController();
    const call = m.get('tasks')!.callTool('never-ends', { label: 'z' }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort(new Error('client left'));
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect
      .poll(async () => JSON.parse(text(await m.get('tasks')!.callTool('tasks-seen', {}))) as { tasks: { status: string }[] })
      .toMatchObject({ tasks: [{ status: 'cancelled' }] });
  });
});

describe('task tools through REST', () => {
  it('the document says the tool runs as a task, and a POST answers with the task result', async () => {
    const proxy = await run({
      servers: [demoEntry({ name: 'tasks', args: [TASK_SERVER] })],
      host: '127.0.0.1',
      port: 0,
      logger: capturingLogger(),
      parentEnv: process.env,
      info: { title: 'tasks', version: '1' },
    });
    try {
      await proxy.manager.settled();
      const doc = (await (await fetch(`${proxy.url}/tasks/openapi.json`)).json()) as { paths: Record<string, { post: Record<string, unknown> }> };
      expect(doc.paths['/quick']!.post).toMatchObject({ 'x-mcp-task-support': 'required', description: expect.stringContaining('Runs as an MCP task') });
      expect(doc.paths['/tasks-seen']!.post.description ?? '').not.toContain('MCP task');
      const res = await fetch(`${proxy.url}/tasks/quick`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"label":"rest"}' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('done: rest');
    } finally {
      await proxy.close();
    }
  });
});
