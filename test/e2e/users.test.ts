/**
 * Users (issue #17) as an operator meets them: `mcpo users add` writes a key's hash into the config file and prints
 * the key, `mcpo users hash` hashes one made elsewhere, the served mcpo takes those keys (and, with --hot-reload,
 * users added while it runs), and a front-end with the API key names its users in --user-header / MCPO_USER_HEADER.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { run, type Running } from '../../src/run.js';
import { capturingLogger } from '../helpers/logs.js';
import { BIN, REPO, runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const SERVERS = { mcpServers: { demo: { command: 'node', args: [DEMO] } } };
const processes: McpoProcess[] = [];
const proxies: Running[] = [];
afterEach(async () => {
  await Promise.all([...processes.splice(0).map((p) => p.stop('SIGKILL')), ...proxies.splice(0).map((p) => p.close())]);
});

function configFile(config: object | string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mcpo-users-')), 'config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

/** Runs `mcpo users …` with `stdin` as its input. */
function users(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'users', ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const call = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/demo/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message: 'hi' }) });

describe('mcpo users', () => {
  it('add prints a new key once and writes its hash into the file, which users hash reproduces; the served mcpo takes the key', async () => {
    const file = configFile('{\n  // servers\n  "mcpServers": {\n    "demo": { "command": "node", "args": [' + JSON.stringify(DEMO) + '] }\n  }\n}\n');
    chmodSync(file, 0o640);
    const added = await users(['add', 'alice', '--config', file]);
    expect(added.code, added.stderr).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(added.stderr).toContain('added user "alice"');
    expect(added.stderr).not.toContain(key);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('// servers');
    expect(text).not.toContain(key);
    expect(statSync(file).mode & 0o777).toBe(0o640);

    const hashed = await users(['hash'], `${key}\n`);
    expect(hashed.code, hashed.stderr).toBe(0);
    const config = await loadConfig(file, { env: {}, warn: () => {} });
    expect(config.users).toEqual([{ name: 'alice', keyHash: hashed.stdout.trim() }]);

    const again = await users(['add', 'alice', '--config', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already has a user "alice": give --force');
    expect(readFileSync(file, 'utf8')).toBe(text);

    const mcpo = await startMcpo(['--config', file, '--port', '0']);
    processes.push(mcpo);
    expect((await call(mcpo.url)).status).toBe(401);
    expect((await call(mcpo.url, { Authorization: 'Bearer not-the-key' })).status).toBe(401);
    const res = await call(mcpo.url, { Authorization: `Bearer ${key}` });
    expect(res.status, await res.clone().text()).toBe(200);
    await expect.poll(() => mcpo.output()).toMatch(/http request method=POST path=\/demo\/echo status=200 ms=\S+ user=alice/);
    expect(mcpo.output()).not.toContain(key);

    const forced = await users(['add', 'alice', '--force', '--config', file]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.trim()).not.toBe(key);
  });

  it('hash refuses an empty stdin; add refuses a bad name and a missing config, with exit code 2', async () => {
    expect((await users(['hash'], '\n')).code).toBe(2);
    const file = configFile(SERVERS);
    const bad = await users(['add', 'al ice', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('may only use letters, digits');
    expect((await users(['add', 'alice'])).stderr).toContain('-c/--config FILE is required');
  });

  it('refuses --user-header without --api-key as a usage error', async () => {
    const file = configFile(SERVERS);
    const result = await runMcpo(['--config', file, '--port', '0', '--user-header', 'X-OpenWebUI-User-Email']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--user-header needs --api-key');
    const fromEnv = await runMcpo(['--config', file, '--port', '0'], { env: { MCPO_USER_HEADER: 'X-OpenWebUI-User-Email' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('MCPO_USER_HEADER needs --api-key');
  });

  it('believes MCPO_USER_HEADER on requests with the API key only', async () => {
    const file = configFile(SERVERS);
    const mcpo = await startMcpo(['--config', file, '--port', '0'], { env: { MCPO_API_KEY: 'front-end-key', MCPO_USER_HEADER: 'X-OpenWebUI-User-Email' } });
    processes.push(mcpo);
    expect((await call(mcpo.url, { 'X-OpenWebUI-User-Email': 'alice@example.com' })).status).toBe(401);
    expect((await call(mcpo.url, { Authorization: 'Bearer front-end-key', 'X-OpenWebUI-User-Email': 'alice@example.com' })).status).toBe(200);
    await expect.poll(() => mcpo.output()).toContain('user=alice@example.com');
  });

  it('with --hot-reload, takes a user added to the file while running, and drops one removed', async () => {
    const file = configFile(SERVERS);
    const logger = capturingLogger('info');
    const load = () => loadConfig(file, { env: process.env, warn: () => {} });
    const initial = await load();
    const proxy = await run({
      servers: initial.servers,
      users: initial.users,
      host: '127.0.0.1',
      port: 0,
      logger,
      parentEnv: process.env,
      info: { title: 'users', version: '1' },
      hotReload: { file, load, debounceMs: 50 },
    });
    proxies.push(proxy);
    await proxy.manager.settled();
    expect((await call(proxy.url)).status).toBe(200);

    const added = await users(['add', 'bob', '--config', file]);
    expect(added.code, added.stderr).toBe(0);
    const key = added.stdout.trim();
    await expect.poll(() => logger.lines.some((l) => l.includes('config reloaded') && l.includes('users=1')), { timeout: 10_000 }).toBe(true);
    expect((await call(proxy.url)).status).toBe(401);
    expect((await call(proxy.url, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect(logger.lines.find((l) => l.includes('http request') && l.includes('status=200') && l.includes('user=bob'))).toBeDefined();

    writeFileSync(file, JSON.stringify({ ...SERVERS, users: { bob: { keyHash: 'not a hash' } } }));
    await expect.poll(() => logger.lines.some((l) => l.includes('config not reloaded') && l.includes('users.bob.keyHash')), { timeout: 10_000 }).toBe(true);
    expect((await call(proxy.url, { Authorization: `Bearer ${key}` })).status).toBe(200);

    writeFileSync(file, JSON.stringify(SERVERS));
    await expect.poll(() => logger.lines.filter((l) => l.includes('config reloaded')).length, { timeout: 10_000 }).toBe(2);
    expect((await call(proxy.url, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call(proxy.url)).status).toBe(200);
  });
});
