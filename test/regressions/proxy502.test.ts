// Review: the usual deployment of a remote MCP server is behind a reverse proxy (nginx, Caddy, a cloud LB). While the
// server is down, the proxy answers 502/503/504 instead of refusing the connection. mcpo treats that as an answered
// error: calls get 502 UPSTREAM_ERROR (not 503 SERVER_UNAVAILABLE + Retry-After) and /healthz stays "connected" —
// the issue #12 symptom ("While the server was down, /healthz also said connected") for the proxied case.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { testManager } from '../mcp/fixtures.js';

const managers: Manager[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function proxyTo(backend: HttpMcpServer) {
  let up = true;
  const proxy = createServer((req, res) => {
    if (!up) return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
    const upstream = request({ host: '127.0.0.1', port: backend.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end('Bad Gateway'));
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { proxy.closeAllConnections(); proxy.close(() => r()); }));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`, down: () => (up = false) };
}

it('a server whose proxy answers 502 while it is down is unavailable (503 + Retry-After), not connected', async () => {
  const backend = await startHttpMcpServer();
  closers.push(() => backend.close());
  const proxy = await proxyTo(backend);
  const { m } = testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 });
  m.start([{ kind: 'streamable-http', name: 'remote', url: proxy.url, headers: {}, disabledTools: [] }]);
  await m.settled();
  await m.get('remote')!.callTool('echo', { message: 'up' });
  proxy.down(); // the backend is being redeployed
  const error = (await m.get('remote')!.callTool('echo', { message: 'down' }).catch((e: unknown) => e)) as { code?: string; status?: number };
  expect(error.code).toBe('SERVER_UNAVAILABLE');
  // Between the retries (backoff 100-300 ms) it is reconnecting; during one, connecting: never connected again.
  await expect.poll(() => m.get('remote')!.status().state).toBe('reconnecting');
}, 15_000);
