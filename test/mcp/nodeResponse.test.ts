/**
 * httpFetch's NodeBodyResponse (what `withNodeBody` requests get) as code written for the fetch API sees
 * it, side by side with the Response the global fetch returns for the same answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withNodeBody } from '../../src/mcp/http/nodeResponse.js';
import { createHttpFetch } from '../../src/mcp/httpFetch.js';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
const httpFetch = createHttpFetch({ fallback: () => Promise.reject(new Error('fallback used')) });

beforeEach(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The same request through httpFetch as a NodeBodyResponse and through the global fetch. */
async function both(init: RequestInit = {}): Promise<{ node: Response; web: Response }> {
  const request: RequestInit = { method: 'POST', body: '{}', redirect: 'manual', ...init };
  return { node: await httpFetch(`${base}/mcp`, withNodeBody(request)), web: await fetch(`${base}/mcp`, request) };
}

describe('NodeBodyResponse', () => {
  it('reads a body that starts with a UTF-8 byte-order mark as fetch does: without it (regression: json() threw)', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":"✓"}')]));
    const { node, web } = await both();
    expect(await node.json()).toEqual(await web.json());
    const again = await both();
    expect(await again.node.text()).toBe(await again.web.text());
  });

  it('does not crash the process when a compressed body nobody reads is aborted', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        const gzip = createGzip();
        gzip.pipe(res);
        gzip.write(': open\n\n');
        gzip.flush(zlibConstants.Z_SYNC_FLUSH);
      };
      const controller = new AbortController();
      const response = await httpFetch(`${base}/mcp`, withNodeBody({ method: 'POST', body: '{}', redirect: 'manual', signal: controller.signal }));
      expect(response.status).toBe(200);
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });
});
