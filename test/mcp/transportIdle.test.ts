/**
 * The idle limit of an entry's HTTP requests follows its call timeout through every layer between the SDK
 * transports and the fetch underneath (the SDK's init copies, redirect wrappers, the OAuth fetch): here the
 * fetch underneath gives requests up after 150 ms of silence, and servers stay silent for 400 ms.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../../src/mcp/httpFetch.js';
import { createTransport } from '../../src/mcp/transport.js';
import type { SessionAuth } from '../../src/mcp/types.js';
import type { RemoteEntry } from '../../src/config/types.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An SSE server whose event stream says nothing for `silentMs`, then names its message endpoint. */
async function slowSseServer(silentMs: number): Promise<string> {
  server = createServer((req, res) => {
    if (req.method !== 'GET') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    setTimeout(() => res.write('event: endpoint\ndata: /messages\n\n'), silentMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/sse`;
}

const sseEntry = (url: string): RemoteEntry => ({ kind: 'sse', name: 'slow', url, headers: { 'x-extra': '1' }, disabledTools: [] });
/** The OAuth fetch as the transport sees it: only `fetch` is used there. */
const authOver = (fetch: SessionAuth['fetch']) => ({ fetch }) as unknown as SessionAuth;

describe('the idle limit of an SSE entry whose calls may run longer than the fetch allows', () => {
  it("keeps the event stream's silent start open, through the OAuth fetch", async () => {
    const url = await slowSseServer(400);
    const strict = createHttpFetch({ requestIdleMs: 150 });
    const patient = createTransport(sseEntry(url), 'sse', { parentEnv: {}, auth: authOver(strict), callTimeoutMs: 600_000 });
    await expect(patient.start()).resolves.toBeUndefined();
    await patient.close();
  });

  it('gives the silent stream up when the call timeout is short (the fetch keeps its own limit)', async () => {
    const url = await slowSseServer(400);
    const strict = createHttpFetch({ requestIdleMs: 150 });
    const hasty = createTransport(sseEntry(url), 'sse', { parentEnv: {}, auth: authOver(strict), callTimeoutMs: 1_000 });
    await expect(hasty.start()).rejects.toThrow(/sent nothing/);
    await hasty.close();
  });
});

describe('the idle limit of a streamable-HTTP entry whose calls may run longer than the fetch allows', () => {
  it("waits for a POST's slow answer, through the OAuth fetch", async () => {
    server = createServer((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(202).end(), 400);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const entry: RemoteEntry = { kind: 'streamable-http', name: 'slow', url, headers: {}, disabledTools: [] };
    const strict = createHttpFetch({ requestIdleMs: 150 });
    const note = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
    const patient = createTransport(entry, 'streamable-http', { parentEnv: {}, auth: authOver(strict), callTimeoutMs: 600_000 });
    await patient.start();
    await expect(patient.send(note)).resolves.toBeUndefined();
    await patient.close();
    const hasty = createTransport(entry, 'streamable-http', { parentEnv: {}, auth: authOver(strict), callTimeoutMs: 1_000 });
    await hasty.start();
    await expect(hasty.send(note)).rejects.toThrow();
    await hasty.close();
  });
});
