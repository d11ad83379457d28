/**
 * Command lines written for the Python mcpo, and the MCPO_* variables, against the real CLI: the
 * document, the key and HTTPS as a client sees them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

async function start(args: string[], env: Record<string, string> = {}): Promise<McpoProcess> {
  const p = await startMcpo(args, { env });
  running.push(p);
  return p;
}

const echo = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message: 'hi' }) });

describe('a command line written for the Python mcpo', () => {
  it('-h HOST -p -k -n -d -v VALUE --type --log-level INFO (Python spellings): served as they say', async () => {
    const mcpo = await start([
      '-h', '127.0.0.1', '-p', '0', '-k', 'py-secret', '-n', 'Team tools', '-d', 'Tools for the team', '-v', '9.9.9',
      '--type', 'stdio', '--log-level', 'INFO', '--', 'node', DEMO,
    ]);
    const doc = (await (await fetch(`${mcpo.url}/openapi.json`)).json()) as { info: Record<string, string> };
    expect(doc.info).toMatchObject({ title: 'Team tools', description: expect.stringContaining('Tools for the team'), version: '9.9.9' });
    await expect.poll(async () => (await echo(mcpo.url, { authorization: 'Bearer py-secret' })).status, { timeout: 15_000 }).toBe(200);
    expect((await echo(mcpo.url)).status).toBe(401);
  });

  it('-t/-K serve HTTPS like --ssl-certfile/--ssl-keyfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const mcpo = await start(['-t', join(dir, 'cert.pem'), '-K', join(dir, 'key.pem'), '-p', '0', '--', 'node', DEMO]);
    expect(mcpo.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dir, 'cert.pem'));
    const status = await new Promise<number>((resolve, reject) => {
      httpsRequest(`${mcpo.url}/openapi.json`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).toBe(200);
  });

  it('--version, -v and -V alone print the version; -h alone and --help print the help with the auth commands', async () => {
    for (const flag of ['--version', '-v', '-V']) {
      const { code, stdout } = await runMcpo([flag]);
      expect(code, flag).toBe(0);
      expect(stdout.trim(), flag).toMatch(/^\d+\.\d+\.\d+/);
    }
    for (const flag of ['-h', '--help']) {
      const { code, stdout } = await runMcpo([flag]);
      expect(code, flag).toBe(0);
      expect(stdout).toContain('mcpo auth login <server>');
      expect(stdout).toContain('Examples:');
    }
  });
});

describe('MCPO_* variables', () => {
  it('set the key and strict auth without either on the command line; a flag beats its variable', async () => {
    const mcpo = await start(['--name', 'From the flag', '--', 'node', DEMO], {
      MCPO_API_KEY: 'env-secret-1234',
      MCPO_STRICT_AUTH: 'true',
      MCPO_PORT: '0',
      MCPO_NAME: 'From the variable',
    });
    expect((await fetch(`${mcpo.url}/openapi.json`)).status).toBe(401);
    const doc = (await (await fetch(`${mcpo.url}/openapi.json`, { headers: { authorization: 'Bearer env-secret-1234' } })).json()) as { info: { title: string } };
    expect(doc.info.title).toBe('From the flag');
    await expect.poll(async () => (await echo(mcpo.url, { authorization: 'Bearer env-secret-1234' })).status, { timeout: 15_000 }).toBe(200);
    // The key is in mcpo's environment, not its command line (what `ps` shows).
    const cmdline = readFileSync(`/proc/${mcpo.child.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('From the flag');
    expect(cmdline).not.toContain('env-secret-1234');
  });

  it('a bad value exits 2 naming the variable', async () => {
    const port = await runMcpo(['--', 'node', DEMO], { env: { MCPO_PORT: 'eighty' } });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('MCPO_PORT must be a whole number from 0 to 65535, got "eighty"');
    const strict = await runMcpo(['--', 'node', DEMO], { env: { MCPO_STRICT_AUTH: 'maybe' } });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('MCPO_STRICT_AUTH must be true or false');
  });
});
