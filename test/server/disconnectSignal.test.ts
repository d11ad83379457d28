import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, expect, it } from 'vitest';
import type { CallSignal } from '../../src/mcp/types.js';
import { disconnectSignal } from '../../src/server/disconnectSignal.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(app: Hono): Promise<string> {
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false })).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('aborts, with listeners called once, when the client disconnects before the response is written', async () => {
  let signal: CallSignal | undefined;
  let calls = 0;
  const aborted = deferred();
  const reached = deferred();
  const app = new Hono().post('/', async (c) => {
    signal = disconnectSignal(c);
    signal.addEventListener('abort', () => {
      calls++;
      aborted.resolve();
    });
    reached.resolve();
    await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
    return c.text('late');
  });
  const url = await serve(app);
  const req = request(url, { method: 'POST' });
  req.on('error', () => {});
  req.end('{}');
  await reached.promise;
  expect(signal?.aborted).toBe(false);
  expect(() => signal?.throwIfAborted()).not.toThrow();
  req.destroy();
  await aborted.promise;
  expect(signal?.aborted).toBe(true);
  expect(() => signal?.throwIfAborted()).toThrow(/prematurely closed/);
  expect(calls).toBe(1);
});

it('does not abort when the response completes normally', async () => {
  let signal: CallSignal | undefined;
  const app = new Hono().post('/', (c) => {
    signal = disconnectSignal(c);
    return c.text('done');
  });
  const url = await serve(app);
  const res = await fetch(url, { method: 'POST', body: '{}' });
  expect(await res.text()).toBe('done');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(signal?.aborted).toBe(false);
});

it("outside @hono/node-server (app.request) it is the request's own signal", async () => {
  let same = false;
  const app = new Hono().post('/', (c) => {
    same = disconnectSignal(c) === c.req.raw.signal;
    return c.text('ok');
  });
  await app.request('/', { method: 'POST', body: '{}' });
  expect(same).toBe(true);
});
