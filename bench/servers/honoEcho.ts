/**
 * The HTTP layer's upper bound: a bare Hono JSON echo route on @hono/node-server, nothing else
 * (no middleware, no validation, no MCP). POST /echo answers with the JSON it was sent.
 * Prints `{"port":N}` on stdout once listening; stops on SIGTERM.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
app.post('/echo', async (c) => c.json(await c.req.json()));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  process.stdout.write(JSON.stringify({ port: info.port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
