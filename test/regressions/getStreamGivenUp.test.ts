// Review: a GET stream that a proxy cuts shortly before maxDelayMs (AWS API Gateway cuts at 29-30 s; mcpo's default
// maxDelayMs is 30 s) is given up after maxRetries and never reopened for the rest of the session, though every
// stream worked while it was open and calls still work: tools/list_changed (and every server notification) is lost
// for as long as the session lives. Scaled: maxDelayMs 300 ms, the proxy cuts each idle stream at 250 ms.
import type { ServerResponse } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { StreamSlowedError } from '../../src/mcp/http/eventStreams.js';
import { closeAll, connect, listen, sse } from '../mcp/streamableHttpFixtures.js';

afterEach(closeAll);

it('a GET stream cut by a proxy idle timeout just under maxDelayMs is still reopened later', async () => {
  const gets: number[] = [];
  const server = await listen((req, res, body) => {
    if (req.method === 'GET') {
      gets.push(performance.now());
      const r: ServerResponse = res;
      sse(r);
      setTimeout(() => r.end(), 250); // the proxy's idle timeout
      return;
    }
    const message = body as { id?: unknown; method?: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    const result = message.method === 'initialize' ? { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: { name: 'p', version: '1' } } : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  });
  const { client, errors } = await connect(server.url, {}, { reconnection: { initialDelayMs: 20, maxDelayMs: 300, growFactor: 1.5, maxRetries: 2 } });
  await expect.poll(() => errors.some((e) => e instanceof StreamSlowedError), { timeout: 5_000 }).toBe(true);
  const afterGiveUp = gets.length;
  await client.ping(); // the session works
  await new Promise((r) => setTimeout(r, 3_000)); // ten times maxDelayMs
  expect(gets.length, 'GETs after the stream was given up').toBeGreaterThan(afterGiveUp);
}, 15_000);
