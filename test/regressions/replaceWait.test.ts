// Review: a call that finds its session lost waits for the whole new connect attempt (host.replace awaits
// Session.connect(), bounded only by the 30 s connect timeout), ignoring its own timeout and its caller's abort.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Manager } from '../../src/mcp/manager.js';
import { testManager } from '../mcp/fixtures.js';

const managers: Manager[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

export async function slowInitServer() {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let initDelayMs = 0;
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
      if (initDelayMs) await new Promise((r) => setTimeout(r, initDelayMs)); // a server still warming up after its restart
      const server = new McpServer({ name: 's', version: '1' });
      server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, t) });
      await server.connect(t);
      return t.handleRequest(req, res, body);
    }
    res.writeHead(400).end();
  };
  const http = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { http.closeAllConnections(); http.close(() => r()); }));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, forget: () => sessions.clear(), slowInit: (ms: number) => (initDelayMs = ms) };
}

it('a call with a 2 s timeout whose session is lost answers within its timeout, and when its caller leaves', async () => {
  const upstream = await slowInitServer();
  const { m } = testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 });
  m.start([{ kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], timeoutMs: 2_000 }]);
  await m.settled();
  upstream.forget();
  upstream.slowInit(8_000);
  const caller = new AbortController();
  setTimeout(() => caller.abort(), 500); // the REST client leaves after 0.5 s
  const started = performance.now();
  const outcome = await m.get('remote')!.callTool('echo', { message: 'x' }, { signal: caller.signal }).then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
  const elapsed = performance.now() - started;
  expect({ outcome, within: elapsed < 2_500 }).toEqual({ outcome: 'CANCELLED', within: true });
}, 20_000);
