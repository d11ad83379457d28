/**
 * Token files encrypted at rest (issue #18), through the real CLI (bin/mcpo.js) and the example OAuth server: a
 * login under MCPO_TOKEN_KEY leaves a sealed file; mcpo started again without the key reports, for that server, the
 * error naming the variable (health, log, 503 answers) and leaves the file alone while other servers serve; with the
 * key it connects without a new login.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { REPO, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { CookieJar } from '../oauth/flows/harness.js';

const running: McpoProcess[] = [];
const servers: OAuthExampleServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Health = { servers: Record<string, { state: string; authorizationUrl?: string; error?: string }> };
const health = async (mcpo: McpoProcess) => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers;

describe('token files encrypted at rest, end to end', () => {
  it('seals the login; without the key that server reports an error naming MCPO_TOKEN_KEY and the file stays; with it, no new login', async () => {
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-keys-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } },
          demo: { command: process.execPath, args: [join(REPO, 'examples/stdio-demo/server.mjs')] },
        },
      }),
    );
    const env = { MCPO_HOME: join(dir, 'home'), BROWSER: 'true', DISPLAY: '', WAYLAND_DISPLAY: '' };
    const key = randomBytes(32).toString('base64');
    const args = ['--config', config, '--port', '0', '--no-browser'];

    const first = await startMcpo(args, { env: { ...env, MCPO_TOKEN_KEY: key } });
    running.push(first);
    let url = '';
    await expect.poll(async () => (url = (await health(first)).secure?.authorizationUrl ?? ''), { timeout: 15_000 }).not.toBe('');
    const link = first.output().split('\n').find((line) => line.startsWith(`${url}?ticket=`)) ?? '';
    await (await new CookieJar().fetch(link)).text();
    await expect.poll(async () => (await health(first)).secure?.state, { timeout: 15_000 }).toBe('connected');
    expect(first.output()).toMatch(/token files are encrypted at rest keyId=[0-9a-f]{16} keys=1/);
    expect(first.output()).not.toContain(key);
    await first.stop('SIGTERM');

    const tokens = join(env.MCPO_HOME, 'tokens');
    const [name] = readdirSync(tokens).filter((f) => f.endsWith('.json'));
    const file = join(tokens, name!);
    const sealed = readFileSync(file, 'utf8');
    expect(JSON.parse(sealed)).toMatchObject({ mcpoEncrypted: 1 });
    expect(sealed).not.toMatch(/access_token|refresh_token|127\.0\.0\.1/);
    const mtime = statSync(file).mtimeMs;

    const keyless = await startMcpo(args, { env });
    running.push(keyless);
    // The session keeps the error and retries with backoff (a removed file, or a logout, lets it log in afresh).
    await expect.poll(async () => (await health(keyless)).secure?.error ?? '', { timeout: 15_000 }).toContain(`Token file ${file} is encrypted with key id`);
    expect((await health(keyless)).secure?.error).toContain('no token key is configured: set MCPO_TOKEN_KEY');
    const refused = await fetch(`${keyless.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"x"}' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('set MCPO_TOKEN_KEY');
    await expect.poll(async () => (await health(keyless)).demo?.state, { timeout: 15_000 }).toBe('connected');
    expect(keyless.output()).toContain(`error="Token file ${file} is encrypted`);
    await keyless.stop('SIGTERM');
    expect(readFileSync(file, 'utf8')).toBe(sealed);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(tokens).filter((f) => f.includes('corrupt'))).toEqual([]);

    const authorizations = server.stats().authorizationRequests;
    const again = await startMcpo(args, { env: { ...env, MCPO_TOKEN_KEY: key } });
    running.push(again);
    await expect.poll(async () => (await health(again)).secure?.state, { timeout: 15_000 }).toBe('connected');
    const call = await fetch(`${again.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"sealed"}' });
    expect(call.status).toBe(200);
    expect(server.stats().authorizationRequests).toBe(authorizations);
  }, 90_000);
});
