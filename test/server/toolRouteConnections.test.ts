/**
 * The tool route and the connection: a refused body closes it, a client that leaves mid-body or mid-call is a
 * cancelled request (upstream call cancelled), pipelined calls are answered in turn.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { leaveMidBody, pipeline, rawCall, sendWithoutEnd } from './rawHttp.js';
import { createTestApp, type TestApp, type TestAppOptions } from './setup.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.dispose();
});

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestApp(options);
  apps.push(t);
  return t;
}

describe('the tool route and the connection', () => {
  it('closes the connection after refusing a chunked body over the limit, rather than reading the rest of it', async () => {
    const t = await start({ bodyLimitBytes: 64 });
    expect(await sendWithoutEnd(t.port)).toEqual({ status: 413, connection: 'close', socketClosed: true });
  });

  // Regression: a body cut short by the client was read as an unexpected failure (an ERROR line with a stack, 500).
  it('logs a client that leaves mid-body as a cancelled request, not as an internal error', async () => {
    const t = await start({ logLevel: 'info' });
    const declared = 'POST /alpha/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100';
    const chunked = 'POST /alpha/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked';
    await leaveMidBody(t.port, declared, '{"text":');
    await leaveMidBody(t.port, chunked, '8\r\n{"text":\r\n');
    await expect.poll(() => t.logs.filter((l) => l.includes('http request')).length).toBe(2);
    const lines = t.logs.map((l) => l.replace(/^\S+ /, '').replace(/ms=[\d.]+/, 'ms=0'));
    expect(lines).toEqual(Array(2).fill('INFO  http request method=POST path=/alpha/echo status=499 ms=0'));
  });

  // Regression: a pipelined request's response has no socket until the ones before it are written, and the
  // disconnect signal read that as a client already gone: the call was cancelled (499) before it started.
  it('answers pipelined calls in turn, and cancels the waiting ones only when the client goes away', async () => {
    let started = 0;
    let aborted = 0;
    const fixture = createFixtureServer({ onSlowStart: () => started++, onSlowAbort: () => aborted++ });
    const t = await start({ servers: { alpha: fixture } });
    const { received: both } = pipeline(t.port, [rawCall('/alpha/slow', '{"ms":100}'), rawCall('/alpha/echo', '{"text":"second"}', 'Connection: close\r\n')]);
    const answers = (await both).split('HTTP/1.1 ').slice(1);
    expect(answers.map((a) => a.slice(0, 3))).toEqual(['200', '200']);
    expect(answers[1]!.endsWith('"second"'), answers[1]).toBe(true);
    [started, aborted] = [0, 0];
    const { socket, received } = pipeline(t.port, [rawCall('/alpha/slow', '{"ms":30000}'), rawCall('/alpha/slow', '{"ms":30000}')]);
    await expect.poll(() => started, { timeout: 5_000 }).toBe(2);
    socket.destroy();
    await received;
    await expect.poll(() => aborted, { timeout: 5_000 }).toBe(2);
  });

  it('cancels the upstream call when the client goes away', async () => {
    let aborted = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const t = await start({ servers: { alpha: createFixtureServer({ onSlowStart: () => started(), onSlowAbort: () => aborted++ }) } });
    const outgoing = request({ host: '127.0.0.1', port: t.port, method: 'POST', path: '/alpha/slow', headers: { 'content-type': 'application/json' } });
    outgoing.on('error', () => {});
    outgoing.end('{"ms":30000}');
    await running;
    outgoing.destroy();
    await expect.poll(() => aborted, { timeout: 5_000 }).toBe(1);
  });

  it('lets many pipelined calls wait on one connection without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const t = await start();
      // Behind a slow first call, 14 more wait for their turn; the last one closes the connection once answered.
      const waiting = Array.from({ length: 14 }, (_, i) => rawCall('/alpha/echo', `{"text":"${i}"}`));
      const calls = [rawCall('/alpha/slow', '{"ms":200}'), ...waiting, rawCall('/alpha/echo', '{"text":"last"}', 'Connection: close\r\n')];
      const { received } = pipeline(t.port, calls);
      const answers = (await received).split('HTTP/1.1 ').slice(1);
      expect(answers.map((a) => a.slice(0, 3))).toEqual(Array(16).fill('200'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
