/**
 * The shutdown sequence (src/shutdown.ts) through run(): a real proxy, a real stdio server, real HTTP. A call in
 * flight and a call waiting for a connecting server's tool list are both answered 503 when mcpo stops waiting.
 * The bounds are shortened here; test/e2e/shutdown.test.ts checks the real ones on the CLI.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { run, type Running } from '../src/run.js';
import { capturingLogger } from './helpers/logs.js';
import { processesWith } from './helpers/processes.js';
import { DEMO_SERVER, demoEntry } from './mcp/fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

let logger = capturingLogger('debug');

async function proxy(servers: Parameters<typeof run>[0]['servers']): Promise<Running> {
  logger = capturingLogger('debug');
  const running = await run({
    servers,
    host: '127.0.0.1',
    port: 0,
    logger,
    parentEnv: process.env,
    info: { title: 'shutdown', version: '1' },
    shutdown: { graceMs: 300, answerMs: 100, stopMs: 1_200 },
  });
  cleanup.push(() => running.close());
  return running;
}

const post = (running: Running, path: string, body: unknown) =>
  fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const SHUTTING_DOWN = { error: { code: 'SERVER_UNAVAILABLE', message: 'mcpo is shutting down' } };

describe('closing the proxy', () => {
  it('answers a call in flight 503 once the grace is over, and tells the server to cancel it', async () => {
    const marker = `--marker=${Math.random().toString(36).slice(2)}`;
    const running = await proxy([demoEntry({ args: [DEMO_SERVER, marker] })]);
    await running.manager.settled();
    const call = post(running, '/demo/sleep', { ms: 30_000 });
    await expect.poll(() => running.manager.get('demo')!.status().calls?.inFlight).toBe(1);
    const started = performance.now();
    await running.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    const res = await call;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual(SHUTTING_DOWN);
    // The demo server writes this to stderr (logged at debug) when a call is cancelled.
    expect(logger.lines.some((line) => line.includes('sleep cancelled after abort'))).toBe(true);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('answers a call waiting for the tool list of a server still connecting 503 too', async () => {
    // The demo server, started two seconds late: the call waits for its tool list.
    const late = demoEntry({ args: ['-e', `setTimeout(() => import(${JSON.stringify(DEMO_SERVER)}), 2000)`] });
    const running = await proxy([late]);
    const call = post(running, '/demo/echo', { message: 'too late' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await running.close();
    const res = await call;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual(SHUTTING_DOWN);
  });
});
