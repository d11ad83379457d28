// Review: a task call whose tasks/get finds the session lost (server restart while the task runs) is retried
// from tools/call: the tool runs twice. sessionCalls.ts retries on any SessionLostError from request(), and for a task
// that error can come from tasks/get/tasks/result, after the task was created (ran).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { isInitializeRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Manager } from '../../src/mcp/manager.js';
import { testManager } from '../mcp/fixtures.js';

const managers: Manager[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function taskHttpServer() {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const store = new InMemoryTaskStore();
  let created = 0;
  const newServer = () => {
    const server = new McpServer({ name: 't', version: '1' }, { capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }, taskStore: store });
    server.experimental.tasks.registerToolTask(
      'charge-card',
      { inputSchema: { amount: z.number() }, execution: { taskSupport: 'required' } },
      {
        createTask: async (_a, extra) => {
          created++;
          return { task: await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 200 }) };
        },
        getTask: async (_a, extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (_a, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
      },
    );
    server.experimental.tasks.registerToolTask(
      'slow-poll',
      { inputSchema: { label: z.string() }, execution: { taskSupport: 'required' } },
      {
        createTask: async ({ label }, extra) => {
          created++;
          const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 3_000 });
          // Done after 300 ms: well inside the call's timeout.
          setTimeout(() => void store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text: `done: ${label}` }] }), 300);
          return { task };
        },
        getTask: async (_a, extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (_a, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
      },
    );
    return server;
  };
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const t = sessions.get(sid);
      if (!t) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return t.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, t) });
      await newServer().connect(t);
      return t.handleRequest(req, res, body);
    }
    res.writeHead(400).end();
  };
  const http = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { http.closeAllConnections(); http.close(() => r()); }));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, created: () => created, forget: () => sessions.clear() };
}

it('a task whose session is lost while it is polled is not created a second time', async () => {
  const upstream = await taskHttpServer();
  const { m } = testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 });
  m.start([{ kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], timeoutMs: 3_000 }]);
  await m.settled();
  const call = m.get('remote')!.callTool('charge-card', { amount: 100 }).catch((e: unknown) => e);
  await expect.poll(() => upstream.created()).toBe(1);
  upstream.forget(); // the server restarted (or expired the session) while the task runs: the next tasks/get gets 404
  await call;
  // The task was created (the tool ran): a second tools/call must not be sent.
  expect(upstream.created()).toBe(1);
}, 15_000);

it('a task whose pollInterval is not shorter than the time left is not failed at once with 504 (it completes in 300 ms)', async () => {
  const upstream = await taskHttpServer();
  const { m } = testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 });
  m.start([{ kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], timeoutMs: 3_000 }]);
  await m.settled();
  const started = performance.now();
  const outcome = await m.get('remote')!.callTool('slow-poll', { label: 'x' }).then(
    (r) => ({ ok: r.content }),
    (e: { code?: string; message?: string }) => ({ error: e.code, message: e.message, afterMs: Math.round(performance.now() - started) }),
  );
  // Today: { error: 'TIMEOUT', message: '... did not answer within 3 s', afterMs: ~20 } and the task is cancelled.
  expect(outcome).toEqual({ ok: [{ type: 'text', text: 'done: x' }] });
}, 15_000);
