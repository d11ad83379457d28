/**
 * Recovery and bounds as a REST client sees them, through the whole proxy over real HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { run, type Running } from '../../src/run.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { capturingLogger } from '../helpers/logs.js';
import { processesWith } from '../helpers/processes.js';
import { DEMO_SERVER, demoEntry } from '../mcp/fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** Debug level: the demo server's stderr ("sleep cancelled after abort") shows the upstream cancellation. */
let logger = capturingLogger('debug');
const cancelledUpstream = () => logger.lines.some((l) => l.includes('sleep cancelled after abort'));

async function proxyFor(servers: Parameters<typeof run>[0]['servers']): Promise<Running> {
  logger = capturingLogger('debug');
  const proxy = await run({
    servers,
    host: '127.0.0.1',
    port: 0,
    logger,
    parentEnv: process.env,
    info: { title: 'resilience', version: '1' },
  });
  cleanup.unshift(() => proxy.close());
  await proxy.manager.settled();
  return proxy;
}

const post = (proxy: Running, path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });

describe('through the proxy', () => {
  it('a tool that does not answer in time gets 504 TIMEOUT, and the server is told to cancel', async () => {
    const proxy = await proxyFor([demoEntry({ timeoutMs: 300 })]);
    const res = await post(proxy, '/demo/sleep', { ms: 30_000 });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { code: 'TIMEOUT', details: { timeoutSeconds: 0.3 } } });
    await expect.poll(cancelledUpstream, { timeout: 10_000 }).toBe(true);
    // The session is still usable afterwards.
    expect((await post(proxy, '/demo/echo', { message: 'ok' })).status).toBe(200);
  });

  it('a crashed child answers 503 with Retry-After while it is down, then works again', async () => {
    const marker = `--marker=${Math.random().toString(36).slice(2)}`;
    const proxy = await proxyFor([demoEntry({ args: [DEMO_SERVER, marker] })]);
    const [pid] = await processesWith(marker);
    const inFlight = post(proxy, '/demo/sleep', { ms: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid!, 'SIGKILL');
    const failed = await inFlight;
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await failed.json()).toMatchObject({ error: { code: 'SERVER_UNAVAILABLE' } });
    await expect.poll(async () => (await post(proxy, '/demo/echo', { message: 'back' })).status, { timeout: 15_000 }).toBe(200);
  });

  it('a tool added on the server (tools/list_changed) gets a route and appears in the documents', async () => {
    const upstream: HttpMcpServer = await startHttpMcpServer();
    cleanup.push(() => upstream.close());
    const proxy = await proxyFor([{ kind: 'streamable-http', name: 'live', url: upstream.url, headers: {}, disabledTools: [] }]);
    expect((await post(proxy, '/live/fresh', {})).status).toBe(404);
    upstream.addTool('fresh');
    await expect.poll(async () => (await post(proxy, '/live/fresh', {})).status).toBe(200);
    const doc = (await (await fetch(`${proxy.url}/live/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/echo', '/fresh']));
  });

  it('a REST client that goes away cancels its call upstream', async () => {
    const proxy = await proxyFor([demoEntry()]);
    const controller = new AbortController();
    const call = post(proxy, '/demo/sleep', { ms: 30_000 }, { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await call).toBeInstanceOf(Error);
    await expect.poll(cancelledUpstream, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => logger.lines.some((l) => l.includes('path=/demo/sleep status=499')), { timeout: 10_000 }).toBe(true);
    // The session stays healthy.
    expect((await post(proxy, '/demo/echo', { message: 'next' })).status).toBe(200);
  });
});

describe('a call that arrives while its server is still connecting', () => {
  it('is validated once the tool list arrives, not sent upstream unchecked', async () => {
    // The demo server, started one second late: the proxy is up long before the server is.
    const late = demoEntry({ args: ['-e', `setTimeout(() => import(${JSON.stringify(DEMO_SERVER)}), 1000)`] });
    logger = capturingLogger('debug');
    const proxy = await run({ servers: [late], host: '127.0.0.1', port: 0, logger, parentEnv: process.env, info: { title: 't', version: '1' } });
    cleanup.unshift(() => proxy.close());
    const res = await post(proxy, '/demo/add', { a: '1', b: 2 });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { problems: [{ path: '/a' }] } } });
    expect(await (await post(proxy, '/demo/add', { a: 1, b: 2 })).json()).toEqual({ sum: 3 });
  });
});
