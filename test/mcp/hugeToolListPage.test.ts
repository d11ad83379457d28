/**
 * Issue #14 item 3, one huge page: a tools/list answer past the server's maxToolListBytes is cut as it arrives,
 * before it is parsed, on every transport. Regression: the bound was checked only once the whole answer had been
 * parsed, so a single page of ~200 MiB of tiny tools over streamable HTTP (inside the 256 MiB event bound) held
 * every route of every server for 12-27 s (by the machine's load) and ~2 GB on each reconnect. The pages here are
 * smaller and the bounds low: what is measured is how much of the page mcpo took before it stopped reading. (stdio:
 * hostileToolList.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../src/config/types.js';
import type { Manager } from '../../src/mcp/manager.js';
import type { ServerStatus } from '../../src/mcp/types.js';
import { startHugeToolListServer, type HugeToolListServer } from '../helpers/hugeToolList.js';
import { demoEntry, testManager } from './fixtures.js';

const MiB = 1024 * 1024;

const managers: Manager[] = [];
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  for (const fn of cleanup.splice(0)) await fn();
});

async function until<T>(check: () => T | undefined, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function refused(m: Manager, name: string): ServerStatus | undefined {
  const status = m.get(name)!.status();
  return status.state === 'reconnecting' ? status : undefined;
}

async function expectDemoWorks(m: Manager): Promise<void> {
  await m.settled();
  expect((await m.get('demo')!.callTool('add', { a: 2, b: 3 })).isError).toBeFalsy();
}

const REFUSAL = (server: string, bytes: number) =>
  `tool list refused: the tools/list answer of server "${server}" passed ${bytes} bytes (its maxToolListBytes) and was not read further; ` +
  `raise "maxToolListBytes" in the server's config entry to accept more; a server whose tool list was refused is retried less often`;

describe.each(['sse', 'json'] as const)('a streamable-HTTP server whose one tools/list answer is 64 MiB (%s), with maxToolListBytes 1 MiB', (mode) => {
  it('has its answer cut just past the bound, unparsed, and fails alone with the bound and how to raise it', async () => {
    const upstream: HugeToolListServer = await startHugeToolListServer({ mode, bytes: 64 * MiB });
    cleanup.push(() => upstream.close());
    const { m } = testManager(managers, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    const huge: ServerEntry = { kind: 'streamable-http', name: 'huge', url: upstream.url, headers: {}, disabledTools: [], maxToolListBytes: MiB };
    m.start([demoEntry(), huge]);
    const status = await until(() => refused(m, 'huge'), 15_000);
    expect(status.error).toContain(REFUSAL('huge', MiB));
    const [list, ...more] = await upstream.lists();
    expect(more).toEqual([]);
    expect(list!.complete).toBe(false);
    // What the server got rid of before mcpo closed the connection: the bound, and what the two sockets' buffers
    // hold on loopback (a few MiB), not the page (the whole 64 MiB was read and parsed before).
    expect(list!.sent).toBeLessThan(8 * MiB);
    await expectDemoWorks(m);
  }, 30_000);
});

/**
 * A real SDK server over legacy SSE (the low-level Server on SSEServerTransport): at first it lists `big` (whose
 * result is 256 KiB of text) and `grow`, which makes every later tools/list one page of ~4 MiB and sends list_changed.
 */
async function growingSseServer(): Promise<string> {
  let huge = false;
  const transports = new Map<string, SSEServerTransport>();
  const http: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      const server = new McpServer({ name: 'growing-sse', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
      server.setRequestHandler(ListToolsRequestSchema, async () => ({
        tools: huge
          ? Array.from({ length: 80_000 }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' as const } }))
          : [
              { name: 'big', inputSchema: { type: 'object' as const } },
              { name: 'grow', inputSchema: { type: 'object' as const } },
            ],
      }));
      server.setRequestHandler(CallToolRequestSchema, async (request) => {
        if (request.params.name === 'grow') {
          huge = true;
          void server.sendToolListChanged();
          return { content: [{ type: 'text', text: 'grown' }] };
        }
        return { content: [{ type: 'text', text: 'x'.repeat(256 * 1024) }] };
      });
      await server.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (!transport) return void res.writeHead(404).end();
    await transport.handlePostMessage(req, res);
  });
  cleanup.push(() => new Promise((resolve) => http.close(resolve).closeAllConnections()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`;
}

describe('a legacy SSE server, with maxToolListBytes 64 KiB', () => {
  it('answers tool calls larger than the bound, and has a tools/list answer past it cut on the shared stream', async () => {
    const url = await growingSseServer();
    const { m, logger } = testManager(managers, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    m.start([demoEntry(), { kind: 'sse', name: 'growing', url, headers: {}, disabledTools: [], maxToolListBytes: 64 * 1024 }]);
    await m.settled();
    const session = m.get('growing')!;
    expect(session.status()).toMatchObject({ state: 'connected', tools: 2 });
    // The bound is a tools/list answer's: a tool's result on the same stream, with no list in flight, is not cut.
    const result = await session.callTool('big', {});
    expect((result.content as Array<{ text: string }>)[0]!.text).toHaveLength(256 * 1024);
    await session.callTool('grow', {});
    const status = await until(() => refused(m, 'growing'), 10_000);
    expect(status.error).toContain(REFUSAL('growing', 64 * 1024));
    // Refused through the stream, not given up with it: no "SSE stream dropped".
    expect(logger.lines.filter((line) => line.includes('SSE stream dropped'))).toEqual([]);
    await expectDemoWorks(m);
  }, 30_000);
});
