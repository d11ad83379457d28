/**
 * A call's timeout covers everything before its answer: the wait for a turn, the wait for a (re)connecting
 * server, and the request. A call whose time ran out before it could be sent is not sent at all.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { startHttpMcpServer } from '../helpers/httpMcpServer.js';
import { DEMO_SERVER, demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

/** The demo server, starting 1.5 s late (a server that is slow to come up). */
const slowStarter = () => demoEntry({ args: ['-e', `setTimeout(() => import(${JSON.stringify(pathToFileURL(DEMO_SERVER).href)}), 1500);`] });

describe('a call with a timeout shorter than the server takes to connect', () => {
  it('is answered when its timeout is up, and the server never runs it', async () => {
    const { m, logger } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([slowStarter()]);
    const server = m.get('demo')!;
    expect(server.status().state).toBe('connecting');
    const started = performance.now();
    const error = await server.callTool('sleep', { ms: 5_000 }, { timeoutMs: 300 }).catch((e: unknown) => e);
    const took = performance.now() - started;
    // 503 with Retry-After: the server is still coming up, worth a retry.
    expect(error).toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect((error as Error).message).toContain('still connecting');
    expect(took).toBeLessThan(1_000);
    await m.settled();
    expect(server.status().state).toBe('connected');
    // Had the call been sent late, the server would have started it and then logged its cancellation.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logger.lines.join("\n")).not.toContain('sleep cancelled');
  });
});

/**
 * A front for `upstream` that holds every initialize request after the first for `delayMs`: a server that
 * is slow to open a new session.
 */
async function slowToReinitialize(upstream: string, delayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  let initializes = 0;
  const front = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (body.includes('"method":"initialize"') && initializes++ > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version'].includes(name))) as Record<string, string>;
      const answer = await fetch(upstream, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) });
      const answerHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => void (answerHeaders[name] = value));
      res.writeHead(answer.status, answerHeaders);
      if (!answer.body) return void res.end();
      // An event stream ends abruptly when either side closes: nothing to report.
      const stream = Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy());
      stream.pipe(res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/mcp`,
    close: () => new Promise<void>((resolve) => (front.closeAllConnections(), front.close(() => resolve()))),
  };
}

describe('a call whose session expired', () => {
  it('is not retried once its timeout has run out while a new session was opened', async () => {
    const server = await startHttpMcpServer();
    const front = await slowToReinitialize(server.url, 800);
    onTestFinished(async () => {
      await front.close();
      await server.close();
    });
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([{ kind: 'streamable-http', name: 'http', url: front.url, headers: {}, disabledTools: [], timeoutMs: 400 }]);
    await m.settled();
    await m.get('http')!.callTool('echo', { message: 'one' });
    server.forgetSessions();
    const error = await m.get('http')!.callTool('echo', { message: 'two' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(server.runs.get('echo')).toBe(1);
    // The new session (slow to open: 800 ms) works for the next call once it is there.
    await expect.poll(() => m.get('http')!.status().state).toBe('connected');
    expect((await m.get('http')!.callTool('echo', { message: 'three' })).content).toEqual([{ type: 'text', text: 'three' }]);
  });
});

describe('a call waiting for its server to connect', () => {
  it('is given up at once when its client leaves, and its turn goes to the next call', async () => {
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([{ ...slowStarter(), maxConcurrentCalls: 1 }]);
    const server = m.get('demo')!;
    const controller = new AbortController();
    const left = server.callTool('echo', { message: 'gone' }, { signal: controller.signal }).catch((e: unknown) => e);
    const next = server.callTool('echo', { message: 'next' });
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    expect(await left).toMatchObject({ code: 'CANCELLED' });
    expect(performance.now() - started).toBeLessThan(700);
    expect(server.status()).toMatchObject({ state: 'connecting', calls: { inFlight: 1, waiting: 0 } });
    expect((await next).content).toEqual([{ type: 'text', text: 'next' }]);
  });
});
