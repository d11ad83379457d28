/**
 * --hot-reload with real files, real child processes and real HTTP: edits in place and atomic renames add,
 * remove and change servers; unchanged servers keep their session and their calls in flight; an invalid
 * file is refused and the running configuration stays.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { run, type Running } from '../../src/run.js';
import { capturingLogger } from '../helpers/logs.js';
import { processesWith } from '../helpers/processes.js';
import { REPO } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const proxies: Running[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

const server = (marker: string, extra: Record<string, unknown> = {}) => ({ command: 'node', args: [DEMO, `--${marker}`], ...extra });

async function startWithConfig(config: object) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-reload-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const logger = capturingLogger('info');
  const load = async () => loadConfig(file, { env: process.env, warn: () => {} });
  const proxy = await run({
    servers: (await load()).servers,
    host: '127.0.0.1',
    port: 0,
    logger,
    parentEnv: process.env,
    info: { title: 'reload', version: '1' },
    hotReload: { file, load, debounceMs: 50 },
  });
  proxies.push(proxy);
  await proxy.manager.settled();
  // Each reload attempt, good or refused, ends with one log line.
  const reloaded = async (count: number) =>
    expect.poll(() => logger.lines.filter((l) => l.includes('config reloaded') || l.includes('config not reloaded')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
  return { dir, file, proxy, logger, reloaded };
}

const health = async (proxy: Running) =>
  ((await (await fetch(`${proxy.url}/healthz`)).json()) as { servers: Record<string, { state: string }> }).servers;
const post = (proxy: Running, path: string, body: unknown) =>
  fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('hot reload', () => {
  it('adds, removes and changes servers on an in-place edit; unchanged ones keep their process and calls', async () => {
    const id = Math.random().toString(36).slice(2);
    const t = await startWithConfig({ mcpServers: { keep: server(`keep-${id}`), drop: server(`drop-${id}`), change: server(`change-${id}`) } });
    const keepPid = (await processesWith(`keep-${id}`))[0];
    const changePid = (await processesWith(`change-${id}`))[0];
    const inFlight = post(t.proxy, '/keep/sleep', { ms: 1500 });
    await new Promise((r) => setTimeout(r, 100));

    writeFileSync(
      t.file,
      JSON.stringify({ mcpServers: { keep: server(`keep-${id}`), change: server(`change-${id}`, { disabledTools: ['fail'] }), added: server(`added-${id}`) } }),
    );
    await t.reloaded(1);
    await expect.poll(async () => Object.keys(await health(t.proxy)).sort()).toEqual(['added', 'change', 'keep']);
    await expect.poll(async () => (await health(t.proxy)).added?.state, { timeout: 10_000 }).toBe('connected');
    await expect.poll(async () => (await health(t.proxy)).change?.state, { timeout: 10_000 }).toBe('connected');

    expect((await inFlight).status).toBe(200);
    expect(await processesWith(`keep-${id}`)).toEqual([keepPid]);
    expect(await processesWith(`drop-${id}`)).toEqual([]);
    expect(await processesWith(`change-${id}`)).not.toContain(changePid);
    expect((await post(t.proxy, '/drop/echo', { message: 'x' })).status).toBe(404);
    expect((await post(t.proxy, '/change/fail', {})).status).toBe(404);
    expect((await post(t.proxy, '/added/echo', { message: 'new' })).status).toBe(200);
    const doc = (await (await fetch(`${t.proxy.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toContain('/added/echo');
    expect(Object.keys(doc.paths)).not.toContain('/drop/echo');
  });

  it('follows an editor that saves by writing a new file and renaming it over the config', async () => {
    const id = Math.random().toString(36).slice(2);
    const t = await startWithConfig({ mcpServers: { one: server(`one-${id}`) } });
    const temp = join(t.dir, '.config.json.swp');
    writeFileSync(temp, JSON.stringify({ mcpServers: { one: server(`one-${id}`), two: server(`two-${id}`) } }));
    renameSync(temp, t.file);
    await t.reloaded(1);
    await expect.poll(async () => (await health(t.proxy)).two?.state, { timeout: 10_000 }).toBe('connected');
    // The watch survives the rename: a second change is seen too.
    writeFileSync(t.file, JSON.stringify({ mcpServers: { two: server(`two-${id}`) } }));
    await expect.poll(async () => Object.keys(await health(t.proxy)), { timeout: 10_000 }).toEqual(['two']);
    // The server leaves /healthz when its removal starts; its child then ends (stdin closed), not at the same instant.
    await expect.poll(() => processesWith(`one-${id}`), { timeout: 10_000 }).toEqual([]);
  });

  it('refuses an invalid new config with the start-up message and keeps the running servers', async () => {
    const id = Math.random().toString(36).slice(2);
    const t = await startWithConfig({ mcpServers: { one: server(`one-${id}`) } });
    writeFileSync(t.file, JSON.stringify({ mcpServers: { one: { url: 'not a url' } } }));
    await t.reloaded(1);
    const line = t.logger.lines.find((l) => l.includes('config not reloaded'))!;
    expect(line).toContain(t.file);
    expect(line).toContain('mcpServers.one.url');
    expect((await health(t.proxy)).one?.state).toBe('connected');
    expect((await post(t.proxy, '/one/echo', { message: 'still here' })).status).toBe(200);
    writeFileSync(t.file, '{ "mcpServers": ');
    await t.reloaded(2);
    expect((await post(t.proxy, '/one/echo', { message: 'still here' })).status).toBe(200);
  });
});
