// Review: a server's `retry: 0` (or 1) makes mcpo reopen the GET stream with no delay, for ever: the count of
// reconnections is not kept for a stream that carried `retry`, and the delay has no floor (eventStreams.ts reconnect()).
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { closeAll, connect, listen, sse } from '../mcp/streamableHttpFixtures.js';

afterEach(closeAll);

it('a server that sends retry: 0 and closes is not polled in a hot loop', async () => {
  let gets = 0;
  const server = await listen((req, res, body) => {
    if (req.method === 'GET') {
      gets++;
      sse(res);
      return void res.end('retry: 0\n\n');
    }
    const message = body as { id?: unknown; method?: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: { name: 'r0', version: '1' } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  });
  await connect(server.url);
  await new Promise((r) => setTimeout(r, 1_000));
  // retry is honoured down to MIN_SERVER_RETRY_MS (250 ms): at most 5 GETs in one second, not hundreds.
  expect(gets).toBeLessThanOrEqual(5);
}, 10_000);
