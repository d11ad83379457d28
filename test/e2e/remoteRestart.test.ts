/**
 * The field failure behind the reliability issue: a remote server (the reference server-everything) is restarted
 * on the same port while mcpo runs. Through the real CLI and real HTTP, as a REST client and a supervisor see it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEverything, type RunningEverything } from '../helpers/everything.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function everything(transport: 'sse' | 'streamableHttp', port = 0): Promise<RunningEverything> {
  const server = await startEverything(transport, port);
  cleanup.push(() => server.close());
  return server;
}

async function mcpoFor(url: string, type: string): Promise<McpoProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpo-restart-'));
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ mcpServers: { everything: { type, url } } }));
  const mcpo = await startMcpo(['--config', config, '--port', '0']);
  cleanup.unshift(() => mcpo.stop());
  return mcpo;
}

const echo = (mcpo: McpoProcess, message: string) =>
  fetch(`${mcpo.url}/everything/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });

const health = async (mcpo: McpoProcess) =>
  (await (await fetch(`${mcpo.url}/healthz`)).json()) as { status: string; servers: { everything: { state: string; error?: string } } };

describe.each([
  ['streamableHttp', 'streamable-http'],
  ['sse', 'sse'],
] as const)('server-everything over %s, restarted on the same port', (transport, type) => {
  it('answers 503 with Retry-After while it is down, /healthz says degraded, and calls work again within seconds', async () => {
    const first = await everything(transport);
    const mcpo = await mcpoFor(first.url, type);
    await expect.poll(async () => (await health(mcpo)).status).toBe('ok');
    expect((await echo(mcpo, 'one')).status).toBe(200);

    await first.close();
    const down = await echo(mcpo, 'down');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await down.json()).toMatchObject({ error: { code: 'SERVER_UNAVAILABLE' } });
    await expect.poll(async () => (await health(mcpo)).status).toBe('degraded');
    expect((await health(mcpo)).servers.everything.state).not.toBe('connected');

    // Down a while: the backoff has grown past its first steps.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await everything(transport, first.port);
    const restarted = performance.now();
    await expect.poll(async () => (await echo(mcpo, 'back')).status, { timeout: 15_000, interval: 200 }).toBe(200);
    const recoveryMs = performance.now() - restarted;
    expect(recoveryMs).toBeLessThan(5_000);
    const body = (await (await echo(mcpo, 'again')).json()) as unknown;
    expect(JSON.stringify(body)).toContain('again');
    await expect.poll(async () => (await health(mcpo)).status).toBe('ok');
  });
});
