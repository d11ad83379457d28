/**
 * Issue #14 item 3, legacy SSE: the SDK's SSE client transport parses its stream with the `eventsource` package,
 * which keeps an unfinished event without limit. A server that streams one event for ever grew mcpo without bound;
 * the stream is now given up once an event passes maxEventBytes, and the session starts over (that server alone).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createParser } from 'eventsource-parser';
import { eventSizeGuard, type TighterEventBound } from '../../src/mcp/http/eventSizeGuard.js';
import type { Manager } from '../../src/mcp/manager.js';
import { demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve).closeAllConnections())));
});

async function guarded(chunks: string[], max: number): Promise<string> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  }).pipeThrough(eventSizeGuard({ maxEventBytes: max }));
  return new Response(stream).text();
}

describe('eventSizeGuard', () => {
  it('passes events of up to the bound through unchanged, whatever their line ends and chunking', async () => {
    const chunks = ['data: 12345\n', '\n', 'data: 1234\r', '\r', 'event: x\r\ndata: 1\r\n\r\n', 'data: 123', '45\n\n'];
    expect(await guarded(chunks, 16)).toBe(chunks.join(''));
  });

  it('errors the stream once one event passes the bound, split over chunks and lines or not', async () => {
    await expect(guarded(['data: 12345', '67890', '12345\n\n'], 16)).rejects.toThrow('the server sent an event larger than 16 bytes');
    await expect(guarded(['data: 1234\ndata: 1234\ndata: 1234\n\n'], 16)).rejects.toThrow('larger than 16 bytes');
    await expect(guarded(['data: 1234\r\n\r\ndata: 1234\r\n\r\n'], 16)).resolves.toContain('data: 1234');
  });
});

describe('eventSizeGuard with a tighter bound (issue #14: one huge tools/list page)', () => {
  /** The events an EventSource reads from the guarded stream (the `eventsource` package parses with eventsource-parser). */
  async function events(chunks: string[], tighter: TighterEventBound): Promise<Array<{ event: string | undefined; data: string }>> {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    }).pipeThrough(eventSizeGuard({ maxEventBytes: 1000, tighter }));
    const seen: Array<{ event: string | undefined; data: string }> = [];
    const parser = createParser({ onEvent: (event) => void seen.push({ event: event.event, data: event.data }) });
    parser.feed(await new Response(stream).text());
    return seen;
  }

  it('replaces an event past it with the refusal and passes the events around it, whatever the chunking', async () => {
    let cuts = 0;
    const tighter: TighterEventBound = { bound: () => 16, cut: () => `data: refused ${++cuts}\n\n` };
    const huge = 'x'.repeat(200);
    const expected = [
      { event: undefined, data: 'small' },
      { event: 'mcpo-discarded', data: 'xxxxxxxxxx' },
      { event: undefined, data: 'refused 1' },
      { event: undefined, data: 'after' },
    ];
    expect(await events([`data: small\n\ndata: ${huge}\n\ndata: after\n\n`], tighter)).toEqual(expected);
    cuts = 0;
    expect(await events(['data: small\r\n\r\ndata: ', huge.slice(0, 50), huge.slice(50), '\r\n', '\r\ndata: after\r\n\r\n'], tighter)).toEqual(expected);
  });

  it('applies only while set: without it, events up to maxEventBytes pass', async () => {
    const tighter: TighterEventBound = { bound: () => undefined, cut: () => 'data: refused\n\n' };
    expect(await events([`data: ${'x'.repeat(900)}\n\n`], tighter)).toEqual([{ event: undefined, data: 'x'.repeat(900) }]);
  });
});

/**
 * A real SDK server over legacy SSE (SSEServerTransport) whose `flood` tool writes one endless event (`data: xxx…`
 * without a line end) on the session's stream until the client goes away.
 */
async function floodingSseServer(): Promise<{ url: string; floods: () => number }> {
  const transports = new Map<string, SSEServerTransport>();
  let floods = 0;
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      const mcp = new McpServer({ name: 'flooding-sse', version: '1.0.0' });
      mcp.registerTool('flood', { description: 'Streams one event that never ends' }, () => {
        floods++;
        void flood(res);
        return new Promise(() => {});
      });
      await mcp.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (!transport) return void res.writeHead(404).end();
    await transport.handlePostMessage(req, res);
  });
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`, floods: () => floods };
}

async function flood(res: ServerResponse): Promise<void> {
  const piece = 'x'.repeat(64 * 1024);
  res.write('event: message\ndata: ');
  while (!res.destroyed && !res.writableEnded) {
    if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
  }
}

describe('a legacy SSE server that streams an endless event', () => {
  it('has its stream given up at maxEventBytes and its session started over; the others keep working', async () => {
    const upstream = await floodingSseServer();
    const { m, logger } = testManager(managers, { backoff: { initialMs: 100, maxMs: 100 } }, { transportFor: () => ({ maxEventBytes: 4 * 1024 * 1024 }) });
    m.start([demoEntry(), { kind: 'sse', name: 'flooder', url: upstream.url, headers: {}, disabledTools: [] }]);
    await m.settled();
    expect(m.get('flooder')!.status().state).toBe('connected');
    const before = process.memoryUsage().rss;
    const call = m.get('flooder')!.callTool('flood', {}, { timeoutMs: 20_000 }).catch((error: unknown) => error);
    const deadline = Date.now() + 10_000;
    while (!logger.lines.some((line) => line.includes('SSE stream dropped')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(logger.lines.find((line) => line.includes('server state changed') && line.includes('reconnecting'))).toMatch(
      /SSE stream dropped: .*the server sent an event larger than 4194304 bytes/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    expect(await call).toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect(upstream.floods()).toBe(1);
    await m.settled();
    expect(m.get('demo')!.status().state).toBe('connected');
    expect((await m.get('demo')!.callTool('add', { a: 1, b: 2 })).isError).toBeFalsy();
  }, 30_000);
});
