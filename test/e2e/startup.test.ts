/**
 * What mcpo loads at start-up (issues #6 and #15): modules that serving stdio servers does not need are loaded
 * only when something needs them, so the servers are spawned (and connected) sooner, and what only sessions
 * need (the SDK's client) loads after mcpo listens, so /healthz answers sooner.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const RECORDER = pathToFileURL(join(REPO, 'test/helpers/recordModules.mjs')).href;
const DIST = pathToFileURL(join(REPO, 'dist')).href;

const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

/** Starts mcpo with `config` and returns the modules it loaded by the time it listens (mcpo's own, relative to dist/). */
async function modulesLoadedBy(config: unknown, extraArgs: string[] = []): Promise<{ own: string[]; all: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-startup-'));
  const file = join(dir, 'config.json');
  const log = join(dir, 'modules.log');
  writeFileSync(file, JSON.stringify(config));
  writeFileSync(log, '');
  const mcpo = await startMcpo(['--config', file, '--port', '0', ...extraArgs], {
    env: { NODE_OPTIONS: `--import=${RECORDER}`, MCPO_TEST_MODULE_LOG: log, MCPO_HOME: dir },
  });
  running.push(mcpo);
  const all = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const own = all.filter((url) => url.startsWith(`${DIST}/`)).map((url) => url.slice(DIST.length + 1));
  return { own, all };
}

describe('mcpo start-up', () => {
  it('serving stdio servers only, loads none of the OAuth modules (nor the `open` package)', async () => {
    const { own, all } = await modulesLoadedBy({ mcpServers: { demo: { command: 'node', args: [DEMO] } } });
    expect(own).toContain('run.js');
    expect(own.filter((path) => path.startsWith('oauth/') || path === 'cli/auth.js')).toEqual([]);
    expect(all.filter((url) => url.includes('/node_modules/open/'))).toEqual([]);
  });

  it('listens before it loads the SDK, which it loads for the sessions right after, before the OpenAPI code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-startup-'));
    const file = join(dir, 'config.json');
    const log = join(dir, 'modules.log');
    writeFileSync(file, JSON.stringify({ mcpServers: { demo: { command: 'node', args: [DEMO] } } }));
    writeFileSync(log, '');
    const mcpo = await startMcpo(['--config', file, '--port', '0'], { env: { NODE_OPTIONS: `--import=${RECORDER}`, MCPO_TEST_MODULE_LOG: log, MCPO_HOME: dir } });
    running.push(mcpo);
    await expect.poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as { status: string }).status).toBe('ok');
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const listening = lines.indexOf('listening');
    expect(listening).toBeGreaterThan(0);
    const sdk = (url: string) => url.includes('/node_modules/@modelcontextprotocol/sdk/');
    expect(lines.slice(0, listening).filter(sdk)).toEqual([]);
    expect(lines.slice(listening).some(sdk)).toBe(true);
    // The session code spawns the servers: the OpenAPI code (ajv) loads after it, while they boot.
    expect(lines.findIndex(sdk)).toBeLessThan(lines.findIndex((url) => url.endsWith('/dist/openapi/catalog.js')));
  });

  it('loads the OAuth modules when an entry has an oauth block', async () => {
    // Nothing listens on this port: the entry fails to connect, which does not matter here.
    const { own } = await modulesLoadedBy({ mcpServers: { remote: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp', oauth: {} } } }, ['--no-browser']);
    expect(own).toContain('oauth/defaults.js');
  });
});
