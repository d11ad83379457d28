/**
 * `mcpo auth` with token keys (issue #18, encryption at rest), against the example OAuth server: login seals the
 * token file, status and logout read it with the key, and `mcpo auth rotate-key` moves every file to a new key
 * so the old one can be dropped.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runAuthCli, type AuthCliDeps } from '../../../src/cli/auth.js';
import type { OAuthExampleServer } from '../../../examples/oauth-server/index.js';
import { fetchBrowser, startServer, tempHome, terminal } from './harness.js';

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('hex');

const servers: OAuthExampleServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const server = await startServer();
  servers.push(server);
  const home = await tempHome();
  const config = path.join(home, 'config.json');
  await writeFile(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } } } }));
  const term = terminal();
  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const deps: AuthCliDeps = {
      env: { MCPO_HOME: home, ...env },
      stdout,
      stderr: term.output,
      oauth: { io: { output: term.output, input: term.input, isTTY: false, openBrowser: fetchBrowser() } },
    };
    const code = await runAuthCli(['node', 'mcpo', 'auth', ...args], deps);
    return { code, out };
  };
  const tokenFile = async () => {
    const names = (await readdir(path.join(home, 'tokens'))).filter((name) => name.endsWith('.json'));
    expect(names).toHaveLength(1);
    return path.join(home, 'tokens', names[0]!);
  };
  return { server, home, config, cli, term, tokenFile };
}

describe('mcpo auth with token keys', () => {
  it('login seals the token file; without the key status says which variable to set, logout refuses, the file stays', async () => {
    const { cli, config, term, tokenFile } = await setup();
    expect((await cli({ MCPO_TOKEN_KEY: OLD_KEY }, 'login', 'secure', '--config', config)).code).toBe(0);
    const file = await tokenFile();
    const sealed = await readFile(file, 'utf8');
    expect(JSON.parse(sealed)).toMatchObject({ mcpoEncrypted: 1 });
    expect(sealed).not.toContain('access_token');

    const status = await cli({ MCPO_TOKEN_KEY: OLD_KEY }, 'status', '--config', config);
    expect(status).toMatchObject({ code: 0, out: expect.stringMatching(/^secure: authorized /) });
    const keyless = await cli({}, 'status', '--config', config);
    expect(keyless).toEqual({ code: 1, out: `secure: encrypted with key id ${(JSON.parse(sealed) as { kid: string }).kid}, not configured (set MCPO_TOKEN_KEY)  storage ${file}\n` });
    const logout = await cli({}, 'logout', 'secure', '--config', config);
    expect(logout.code).toBe(1);
    expect(term.text()).toContain(`mcpo: Token file ${file} is encrypted with key id`);
    expect(term.text()).toContain('set MCPO_TOKEN_KEY (or --token-key-file / MCPO_TOKEN_KEY_FILE)');
    expect(await readFile(file, 'utf8')).toBe(sealed);
  });

  it('rotate-key: re-writes with the new key reading the old, reports counts; then the new key alone reads and logs out', async () => {
    const { cli, config, server, tokenFile, home } = await setup();
    await cli({ MCPO_TOKEN_KEY: OLD_KEY }, 'login', 'secure', '--config', config);
    const file = await tokenFile();
    const before = await readFile(file, 'utf8');
    await writeFile(path.join(home, 'tokens', `${'f'.repeat(64)}.json`), '{"not": "a record"}');
    await chmod(path.join(home, 'tokens', `${'f'.repeat(64)}.json`), 0o600);

    const rotated = await cli({ MCPO_TOKEN_KEY: `${NEW_KEY},${OLD_KEY}` }, 'rotate-key');
    expect(rotated.code).toBe(1); // one file could not be read
    expect(rotated.out).toMatch(/^token files re-written with key id [0-9a-f]{16}: 1; already current: 0; unreadable: 1\n/);
    expect(rotated.out).toContain(`  unreadable: ${path.join(home, 'tokens', `${'f'.repeat(64)}.json`)} (not a token record)\n`);
    const after = await readFile(file, 'utf8');
    expect(after).not.toBe(before);
    expect((JSON.parse(after) as { kid: string }).kid).not.toBe((JSON.parse(before) as { kid: string }).kid);

    const again = await cli({ MCPO_TOKEN_KEY: `${NEW_KEY},${OLD_KEY}` }, 'rotate-key');
    expect(again.out).toMatch(/: 0; already current: 1; unreadable: 1\n/);

    expect((await cli({ MCPO_TOKEN_KEY: NEW_KEY }, 'status', '--config', config)).out).toMatch(/^secure: authorized /);
    expect((await cli({ MCPO_TOKEN_KEY: OLD_KEY }, 'status', '--config', config)).code).toBe(1);
    const logout = await cli({ MCPO_TOKEN_KEY: NEW_KEY }, 'logout', 'secure', '--config', config);
    expect(logout).toEqual({ code: 0, out: 'secure: logged out (tokens revoked at the server; saved tokens deleted)\n' });
    expect(server.stats().revocationRequests).toBe(2);
  });

  it('rotate-key reads keys from --token-key-file, and without any key is a usage error', async () => {
    const { cli, config, home, term, tokenFile } = await setup();
    await cli({}, 'login', 'secure', '--config', config); // plaintext, from before keys
    const keys = path.join(home, 'keys');
    await writeFile(keys, `# new key first\n${NEW_KEY}\n`, { mode: 0o600 });
    expect((await cli({}, 'rotate-key', '--token-key-file', keys)).out).toMatch(/: 1; already current: 0; unreadable: 0\n$/);
    expect(JSON.parse(await readFile(await tokenFile(), 'utf8'))).toMatchObject({ mcpoEncrypted: 1 });
    expect((await cli({ MCPO_TOKEN_KEY_FILE: keys }, 'status', '--config', config)).out).toMatch(/^secure: authorized /);

    expect((await cli({}, 'rotate-key')).code).toBe(2);
    expect(term.text()).toContain('mcpo: rotate-key needs the token keys: set MCPO_TOKEN_KEY="new,old"');
    expect((await cli({ MCPO_TOKEN_KEY: 'short' }, 'rotate-key')).code).toBe(2);
    expect(term.text()).toContain('mcpo: MCPO_TOKEN_KEY: the key is 3 bytes, not 32');
  });
});
