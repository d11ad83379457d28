import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { CallSignal } from '../../src/mcp/types.js';
import { responseCloseSignal } from '../../src/server/disconnectSignal.js';
import { ShuttingDown } from '../../src/server/shuttingDown.js';

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

/** A node:http server handing each response to `handle`; its URL. */
async function serve(handle: (outgoing: ServerResponse) => void): Promise<string> {
  const server = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on('end', () => handle(outgoing));
  }).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('aborts, with listeners called once, when the client disconnects before the response is written', async () => {
  let signal: CallSignal | undefined;
  let calls = 0;
  const aborted = deferred();
  const reached = deferred();
  const url = await serve((outgoing) => {
    signal = responseCloseSignal(outgoing);
    signal.addEventListener('abort', () => {
      calls++;
      aborted.resolve();
    });
    reached.resolve();
  });
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
  const url = await serve((outgoing) => {
    signal = responseCloseSignal(outgoing);
    outgoing.end('done');
  });
  const res = await fetch(url, { method: 'POST', body: '{}' });
  expect(await res.text()).toBe('done');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(signal?.aborted).toBe(false);
});

it('aborts with the shutdown answer when mcpo stops the calls in flight, and the connection is not kept', async () => {
  const shutdown = new ShuttingDown();
  let signal: CallSignal | undefined;
  const reached = deferred();
  const url = await serve((outgoing) => {
    signal = responseCloseSignal(outgoing, shutdown);
    signal.addEventListener('abort', () => outgoing.end('stopped'));
    reached.resolve();
  });
  const answer = fetch(url, { method: 'POST', body: '{}' });
  await reached.promise;
  shutdown.stopCalls();
  const res = await answer;
  expect(await res.text()).toBe('stopped');
  expect(res.headers.get('connection')).toBe('close');
  expect(signal?.reason).toMatchObject({ code: 'SERVER_UNAVAILABLE', message: 'mcpo is shutting down' });
});
