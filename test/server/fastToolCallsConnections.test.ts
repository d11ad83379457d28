/**
 * The tool-call fast path and the connection: a refused body closes it, a client that leaves mid-body or mid-call
 * is a cancelled request (upstream call cancelled), pipelined calls are answered in turn. Same pairs of listeners
 * as fastToolCalls.test.ts: with and without the fast path, which must behave alike.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureServer } from '../helpers/inProcessRegistry.js';
import { disposePairs, leaveMidBody, pair, pipeline, rawCall, sendWithoutEnd } from './fastPathPair.js';

afterEach(disposePairs);

describe('the tool-call fast path and the connection', () => {
  it('closes the connection after refusing a chunked body over the limit, rather than reading the rest of it', async () => {
    const p = await pair({ bodyLimitBytes: 64 });
    for (const port of [p.fast.port, p.plain.port]) {
      expect(await sendWithoutEnd(port), String(port)).toEqual({ status: 413, connection: 'close', socketClosed: true });
    }
    expect(p.taken).toEqual([true]);
  });

  // Regression: the app read a body cut short by the client as an unexpected failure (an ERROR line with a stack,
  // status 500) while the fast path logged it as cancelled (499).
  it('logs a client that leaves mid-body as a cancelled request on both paths, not as an internal error', async () => {
    const p = await pair({ logLevel: 'info' });
    const declared = 'POST /alpha/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100';
    const chunked = 'POST /alpha/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked';
    const lines = async (port: number) => {
      await leaveMidBody(port, declared, '{"text":');
      await leaveMidBody(port, chunked, '8\r\n{"text":\r\n');
      await expect.poll(() => p.t.logs.filter((l) => l.includes('http request')).length).toBe(2);
      return p.t.logs.splice(0).map((l) => l.replace(/^\S+ /, '').replace(/ms=[\d.]+/, 'ms=0'));
    };
    const viaFast = await lines(p.fast.port);
    const viaApp = await lines(p.plain.port);
    expect(p.taken).toEqual([true, true]);
    expect(viaFast).toEqual(viaApp);
    expect(viaFast).toEqual(Array(2).fill('INFO  http request method=POST path=/alpha/echo status=499 ms=0'));
  });

  // Regression: a pipelined request's response has no socket until the ones before it are written, and the
  // disconnect signal read that as a client already gone: the call was cancelled (499) before it started.
  it('answers pipelined calls in turn, and cancels the waiting ones only when the client goes away', async () => {
    let started = 0;
    let aborted = 0;
    const fixture = createFixtureServer({ onSlowStart: () => started++, onSlowAbort: () => aborted++ });
    const p = await pair({ servers: { alpha: fixture } });
    for (const port of [p.fast.port, p.plain.port]) {
      const { received } = pipeline(port, [rawCall('/alpha/slow', '{"ms":100}'), rawCall('/alpha/echo', '{"text":"second"}', 'Connection: close\r\n')]);
      const answers = (await received).split('HTTP/1.1 ').slice(1);
      expect(answers.map((a) => a.slice(0, 3)), String(port)).toEqual(['200', '200']);
      expect(answers[1]!.endsWith('"second"'), answers[1]).toBe(true);
    }
    for (const port of [p.fast.port, p.plain.port]) {
      [started, aborted] = [0, 0];
      const { socket, received } = pipeline(port, [rawCall('/alpha/slow', '{"ms":30000}'), rawCall('/alpha/slow', '{"ms":30000}')]);
      await expect.poll(() => started, { timeout: 5_000 }).toBe(2);
      socket.destroy();
      await received;
      await expect.poll(() => aborted, { timeout: 5_000 }).toBe(2);
    }
    expect(p.taken).toEqual([true, true, true, true]);
  });

  it('cancels the upstream call when the client goes away', async () => {
    let aborted = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const p = await pair({ servers: { alpha: createFixtureServer({ onSlowStart: () => started(), onSlowAbort: () => aborted++ }) } });
    const outgoing = request({ host: '127.0.0.1', port: p.fast.port, method: 'POST', path: '/alpha/slow', headers: { 'content-type': 'application/json' } });
    outgoing.on('error', () => {});
    outgoing.end('{"ms":30000}');
    await running;
    expect(p.taken).toEqual([true]);
    outgoing.destroy();
    await expect.poll(() => aborted, { timeout: 5_000 }).toBe(1);
  });

  it('lets many pipelined calls wait on one connection without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const p = await pair();
      // Behind a slow first call, 14 more wait for their turn; the last one closes the connection once answered.
      const waiting = Array.from({ length: 14 }, (_, i) => rawCall('/alpha/echo', `{"text":"${i}"}`));
      const calls = [rawCall('/alpha/slow', '{"ms":200}'), ...waiting, rawCall('/alpha/echo', '{"text":"last"}', 'Connection: close\r\n')];
      const { received } = pipeline(p.fast.port, calls);
      const answers = (await received).split('HTTP/1.1 ').slice(1);
      expect(answers.map((a) => a.slice(0, 3))).toEqual(Array(16).fill('200'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(p.taken).toEqual(Array(16).fill(true));
    } finally {
      process.off('warning', onWarning);
    }
  });
});
