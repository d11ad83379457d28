import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { processesWith } from '../helpers/processes.js';
import { REPO, runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

function writeConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

async function start(args: string[]) {
  // Before `--`: after it, the flag would be part of the server's command and mcpo would take port 8000.
  const split = args.indexOf('--');
  const withPort = split < 0 ? [...args, '--port', '0'] : [...args.slice(0, split), '--port', '0', ...args.slice(split)];
  const p = await startMcpo(withPort);
  running.push(p);
  return p;
}

async function waitConnected(url: string, servers: string[]) {
  await expect
    .poll(async () => {
      const health = (await (await fetch(`${url}/healthz`)).json()) as { servers: Record<string, { state: string }> };
      return servers.every((s) => health.servers[s]?.state === 'connected');
    }, { timeout: 15_000 })
    .toBe(true);
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('mcpo CLI end to end', () => {
  it('serves a config file: tools callable over HTTP, validation, health, documents', async () => {
    const marker = `--marker-${Math.random().toString(36).slice(2)}`;
    const config = writeConfig({ mcpServers: { demo: { command: 'node', args: [DEMO, marker] } } });
    const mcpo = await start(['--config', config]);
    await waitConnected(mcpo.url, ['demo']);

    const echo = await post(`${mcpo.url}/demo/echo`, { message: 'hello' });
    expect(echo.status).toBe(200);
    expect(await echo.json()).toBe('hello');

    const add = await post(`${mcpo.url}/demo/add`, { a: 2, b: 3 });
    expect(await add.json()).toEqual({ sum: 5 });

    const coerced = await post(`${mcpo.url}/demo/add`, { a: '2', b: 3 });
    expect(coerced.status).toBe(422);
    const problem = (await coerced.json()) as { error: { code: string; details: { problems: Array<{ path: string }> } } };
    expect(problem.error.code).toBe('VALIDATION_FAILED');
    expect(problem.error.details.problems[0]!.path).toBe('/a');

    expect((await post(`${mcpo.url}/demo/now`, '')).status).toBe(200);
    expect((await post(`${mcpo.url}/demo/missing`, {})).status).toBe(404);
    expect((await post(`${mcpo.url}/demo/fail`, {})).status).toBe(424);

    const doc = await (await fetch(`${mcpo.url}/openapi.json`)).json();
    const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const serverDoc = (await (await fetch(`${mcpo.url}/demo/openapi.json`)).json()) as { servers: Array<{ url: string }>; paths: object };
    expect(serverDoc.servers[0]!.url).toBe('/demo');
    expect(Object.keys(serverDoc.paths)).toContain('/echo');

    // One log line per request, never the arguments.
    expect(mcpo.output()).toMatch(/method=POST path=\/demo\/echo status=200/);
    expect(mcpo.output()).not.toContain('hello');

    expect(await processesWith(marker)).toHaveLength(1);
    expect(await mcpo.stop('SIGTERM')).toBe(0);
    expect(await processesWith(marker)).toHaveLength(0);
  });

  it('SIGTERM lets a call in flight finish, ends the children and exits 0', async () => {
    const marker = `--marker-${Math.random().toString(36).slice(2)}`;
    const config = writeConfig({ mcpServers: { demo: { command: 'node', args: [DEMO, marker] } } });
    const mcpo = await start(['--config', config]);
    await waitConnected(mcpo.url, ['demo']);
    const inFlight = post(`${mcpo.url}/demo/sleep`, { ms: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    const exit = mcpo.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toBe('slept 1000 ms');
    expect(await exit).toBe(0);
    expect(await processesWith(marker)).toHaveLength(0);
  });

  it('single-server mode serves a stdio command at the root', async () => {
    const mcpo = await start(['--', 'node', DEMO]);
    await expect.poll(async () => (await post(`${mcpo.url}/echo`, { message: 'root' })).status, { timeout: 15_000 }).toBe(200);
    expect(await (await post(`${mcpo.url}/add`, { a: 1, b: 1 })).json()).toEqual({ sum: 2 });
    const doc = (await (await fetch(`${mcpo.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toContain('/echo');
  });

  it('protects tool routes with --api-key (Bearer or Basic) and leaves docs public', async () => {
    const config = writeConfig({ mcpServers: { demo: { command: 'node', args: [DEMO] } } });
    const mcpo = await start(['--config', config, '--api-key', 's3cret']);
    await waitConnected(mcpo.url, ['demo']);
    expect((await post(`${mcpo.url}/demo/echo`, { message: 'x' })).status).toBe(401);
    expect((await post(`${mcpo.url}/demo/echo`, { message: 'x' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(`${mcpo.url}/demo/echo`, { message: 'x' }, { authorization: 'Bearer s3cret' })).status).toBe(200);
    const basic = `Basic ${Buffer.from('any:s3cret').toString('base64')}`;
    expect((await post(`${mcpo.url}/demo/echo`, { message: 'x' }, { authorization: basic })).status).toBe(200);
    expect((await fetch(`${mcpo.url}/docs`)).status).toBe(200);
    expect(mcpo.output()).not.toContain('s3cret');
  });

  it('serves under --path-prefix, with per-server documents whose server URL (with --root-path) joins to each tool', async () => {
    const config = writeConfig({ mcpServers: { demo: { command: 'node', args: [DEMO] } } });
    const mcpo = await start(['--config', config, '--path-prefix', '/api/', '--root-path', '/ext']);
    await expect
      .poll(async () => ((await (await fetch(`${mcpo.url}/api/healthz`)).json()) as { status: string }).status, { timeout: 15_000 })
      .toBe('ok');
    const doc = (await (await fetch(`${mcpo.url}/api/demo/openapi.json`)).json()) as { servers: Array<{ url: string }>; paths: object };
    expect(doc.servers).toEqual([{ url: '/ext/api/demo' }]);
    // A reverse proxy strips /ext: the document's server URL without it, joined with a path, is the route.
    const base = `${mcpo.url}${doc.servers[0]!.url.slice('/ext'.length)}`;
    expect(Object.keys(doc.paths)).toContain('/add');
    const add = await post(`${base}/add`, { a: 20, b: 22 });
    expect(await add.json()).toEqual({ sum: 42 });
    expect((await post(`${mcpo.url}/demo/add`, { a: 1, b: 1 })).status).toBe(404);
    const page = await (await fetch(`${mcpo.url}/api/docs`)).text();
    expect(page).toContain('data-openapi-url="/ext/api/openapi.json"');
  });

  it('with --strict-auth also guards health, documents and docs, and --cors-allow-origins answers preflights', async () => {
    const config = writeConfig({ mcpServers: { demo: { command: 'node', args: [DEMO] } } });
    const mcpo = await start(['--config', config, '--api-key', 'k3y', '--strict-auth', '--cors-allow-origins', 'https://app.example']);
    const auth = { authorization: 'Bearer k3y' };
    await expect.poll(async () => (await fetch(`${mcpo.url}/healthz`, { headers: auth })).status, { timeout: 15_000 }).toBe(200);
    for (const path of ['/healthz', '/openapi.json', '/docs', '/demo/openapi.json']) {
      const res = await fetch(`${mcpo.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toContain('Bearer');
    }
    const preflight = await fetch(`${mcpo.url}/demo/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${mcpo.url}/demo/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves HTTPS with --ssl-certfile/--ssl-keyfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const mcpo = await start(['--ssl-certfile', join(dir, 'cert.pem'), '--ssl-keyfile', join(dir, 'key.pem'), '--', 'node', DEMO]);
    expect(mcpo.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dir, 'cert.pem'));
    const echo = () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${mcpo.url}/echo`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ message: 'over tls' }));
      });
    await expect.poll(async () => (await echo()).status, { timeout: 15_000 }).toBe(200);
    expect(JSON.parse((await echo()).body)).toBe('over tls');
  });

  it('exits 2 naming the file and JSON path for an invalid config', async () => {
    const config = writeConfig({ mcpServers: { github: { url: 'not a url' } } });
    const { code, stderr } = await runMcpo(['--config', config]);
    expect(code).toBe(2);
    expect(stderr).toContain(config);
    expect(stderr).toContain('mcpServers.github.url');
  });

  it('exits 2 for bad usage, 0 for --help and --version', async () => {
    expect((await runMcpo(['--no-such-flag'])).code).toBe(2);
    expect((await runMcpo([])).code).toBe(2);
    expect((await runMcpo(['--port', 'eighty', '--', 'node', DEMO])).code).toBe(2);
    const refusals: Array<[string[], string]> = [
      [['--hot-reload'], '--hot-reload needs --config'],
      [['--allowed-hosts', 'http://example.com:80'], '--allowed-hosts'],
      [['--max-body-size', 'huge'], '--max-body-size'],
      [['--timeout', '3000000'], '--timeout must be at most 2147483 seconds'],
      [['--max-concurrent-calls', '0'], '--max-concurrent-calls must be a whole number from 1 to'],
    ];
    for (const [flags, message] of refusals) {
      const refused = await runMcpo([...flags, '--', 'node', DEMO]);
      expect(refused.code, flags.join(' ')).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    const help = await runMcpo(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--config');
    const version = await runMcpo(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
