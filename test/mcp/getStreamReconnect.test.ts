/**
 * The GET stream of a streamable-HTTP server that ends it at once, every time: reconnections in a row are
 * counted across clean ends, so it is slowed to once per maxDelayMs after maxRetries instead of being polled
 * every initialDelayMs for ever (issue #12; the SDK's transport has the bug: modelcontextprotocol/typescript-sdk#2682).
 * The count restarts after a stream that delivered a message or stayed open for maxDelayMs, and a server
 * that sends `retry` is polled at its pace for as long as it likes (SSE polling, MCP 2025-11-25).
 */
import type { ServerResponse } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamGivenUpError, StreamSlowedError, type ReconnectionOptions } from '../../src/mcp/http/eventStreams.js';
import { closeAll, connect, event, listen, sse } from './streamableHttpFixtures.js';

afterEach(closeAll);

const RECONNECTION: ReconnectionOptions = { initialDelayMs: 20, maxDelayMs: 80, growFactor: 2, maxRetries: 4 };

/** A server whose every GET stream is written by `stream`; initialize and notifications answered plainly. Records when each GET came. */
async function closingServer(stream: (res: ServerResponse) => void) {
  const gets: number[] = [];
  const server = await listen((req, res, body) => {
    if (req.method === 'GET') {
      gets.push(performance.now());
      return stream(sse(res));
    }
    const message = body as { id?: unknown; method?: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: { name: 'closing', version: '1' } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  });
  return { ...server, gets };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the GET stream of a server that ends it at once', () => {
  it('is reopened with growing delays, then once per maxDelayMs after maxRetries in a row (never given up), and that is reported once', async () => {
    // A long maxDelayMs, so that no stream of this server can pass for one that stayed open that long.
    const reconnection = { ...RECONNECTION, maxDelayMs: 200 };
    const server = await closingServer((res) => res.end());
    const { errors } = await connect(server.url, {}, { reconnection });
    await expect.poll(() => errors.some((e) => e instanceof StreamSlowedError), { timeout: 5_000 }).toBe(true);
    await pause(700); // 35 of the old code's reconnections
    const gaps = server.gets.slice(1).map((at, i) => at - server.gets[i]!);
    // 20, 40, 80, 160, then 200 each (timers never fire early; 2 ms for clock granularity); the old code reopened it every 20 ms.
    [20, 40, 80, 160, 200, 200].forEach((delay, i) => expect(gaps[i], `gap ${i}`).toBeGreaterThanOrEqual(delay - 2));
    expect(server.gets.length).toBeLessThanOrEqual(1 + RECONNECTION.maxRetries + 5);
    expect(errors.filter((e) => e instanceof StreamSlowedError)).toHaveLength(1);
    expect(errors.filter((e) => e instanceof StreamGivenUpError)).toEqual([]);
  });

  it('keeps being reopened, at the first delay, while each stream delivers a message', async () => {
    const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'still here' } };
    const server = await closingServer((res) => res.end(event(log)));
    const { errors } = await connect(server.url, {}, { reconnection: RECONNECTION });
    await expect.poll(() => server.gets.length, { timeout: 5_000 }).toBeGreaterThan(RECONNECTION.maxRetries + 3);
    expect(errors.filter((e) => e instanceof StreamGivenUpError)).toEqual([]);
  });

  it('keeps being reopened when each stream stayed open for maxDelayMs (an idle timeout), not given up', async () => {
    const server = await closingServer((res) => {
      res.flushHeaders(); // the stream is open from here on
      setTimeout(() => res.end(), RECONNECTION.maxDelayMs + 40);
    });
    const { errors } = await connect(server.url, {}, { reconnection: RECONNECTION });
    await expect.poll(() => server.gets.length, { timeout: 5_000 }).toBeGreaterThan(RECONNECTION.maxRetries + 3);
    expect(errors.filter((e) => e instanceof StreamGivenUpError)).toEqual([]);
  });

  it('is polled at the pace of the server\'s retry field for as long as it sends one (SSE polling)', async () => {
    const server = await closingServer((res) => res.end('retry: 50\n\n'));
    const { errors } = await connect(server.url, {}, { reconnection: RECONNECTION });
    await expect.poll(() => server.gets.length, { timeout: 5_000 }).toBeGreaterThan(RECONNECTION.maxRetries + 3);
    const gaps = server.gets.slice(1).map((at, i) => at - server.gets[i]!);
    // The first reconnection may come before the field arrived; every later one waits as asked.
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(48);
    expect(errors.filter((e) => e instanceof StreamGivenUpError)).toEqual([]);
  });
});
