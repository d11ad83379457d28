/**
 * httpFetch's NodeBodyResponse (what `withNodeBody` requests get) as code written for the fetch API sees
 * it, side by side with the Response the global fetch returns for the same answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { unfollowedRedirect } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readChallenge } from '../../src/oauth/scopes.js';
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

  it('shows what the OAuth fetch and the SDK redirect helpers read of a Response as fetch does', async () => {
    handler = (req, res) => {
      if (req.url === '/mcp') return void res.writeHead(307, { Location: '/elsewhere?q=1', 'X-Twice': ['a', 'b'] }).end('moved');
      res.writeHead(401, 'Nope', { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="a b", resource_metadata="http://x/.well-known/r"' }).end();
    };
    const seen = (r: Response) => ({
      status: r.status,
      statusText: r.statusText,
      ok: r.ok,
      url: r.url,
      type: r.type,
      redirected: r.redirected,
      location: r.headers.get('LOCATION'),
      twice: r.headers.get('x-twice'),
      has: r.headers.has('x-twice'),
      unfollowed: unfollowedRedirect(r, new URL(`${base}/mcp`)),
      bodyUsed: r.bodyUsed,
    });
    const redirect = await both();
    expect(seen(redirect.node)).toEqual(seen(redirect.web));
    const request: RequestInit = { method: 'POST', body: '{}', redirect: 'manual' };
    const node = await httpFetch(`${base}/401`, withNodeBody(request));
    const web = await fetch(`${base}/401`, request);
    expect({ ...seen(node), url: undefined, challenge: readChallenge(node) }).toEqual({ ...seen(web), url: undefined, challenge: readChallenge(web) });
  });

  it('counts a body as used when it is read or cancelled, not when it is only looked at, as fetch does', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    const states = async (r: Response) => {
      const states: unknown[] = [r.bodyUsed, r.body === null];
      states.push(r.bodyUsed, await r.text(), r.bodyUsed);
      return states;
    };
    const looked = await both();
    expect(await states(looked.node)).toEqual(await states(looked.web));
    const cancelled = await both();
    const afterCancel = async (r: Response) => {
      await r.body!.cancel();
      return [r.bodyUsed, await r.text().then(() => 'read', (e: unknown) => (e as Error).name)];
    };
    expect(await afterCancel(cancelled.node)).toEqual(await afterCancel(cancelled.web));
  });
});
