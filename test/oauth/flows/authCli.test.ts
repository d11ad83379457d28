import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runAuthCli, type AuthCliDeps } from '../../../src/cli/auth.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { access } from 'node:fs/promises';
import { CookieJar, fetchBrowser, idleBrowser, oauthEntry, startServer, tempHome, terminal } from './harness.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import type { OpenBrowser } from '../../../src/oauth/prompts.js';

async function setup(openBrowser: OpenBrowser = fetchBrowser(), callbackTimeoutMs?: number) {
  const server = await startServer();
  const home = await tempHome();
  const config = path.join(home, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: {
        secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } },
        local: { command: 'node', args: ['x.js'] },
      },
    }),
  );
  const term = terminal();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const deps: AuthCliDeps = {
    env: { MCPO_HOME: home },
    stdout,
    stderr: term.output,
    oauth: { io: { output: term.output, input: term.input, isTTY: false, openBrowser }, ...(callbackTimeoutMs ? { callbackTimeoutMs } : {}) },
  };
  const cli = async (...args: string[]) => {
    out = '';
    const code = await runAuthCli(['node', 'mcpo', 'auth', ...args], deps);
    return { code, out };
  };
  const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(oauthEntry(server.mcpUrl)) });
  return { server, home, config, cli, term, store, browser: openBrowser, deps };
}

describe('mcpo auth', () => {
  it('logs in without starting the proxy, and says so when already logged in', async () => {
    const { cli, config, store, server } = await setup();
    const first = await cli('login', 'secure', '--config', config);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^secure: authorized \(access token expires \d{4}-\d\d-\d\dT/);
    expect((await store.load())?.tokens).toBeDefined();

    const again = await cli('login', 'secure', '--config', config);
    expect(again.out).toMatch(/^secure: already authorized/);
    expect(server.stats().authorizationRequests).toBe(1);
    const forced = await cli('login', 'secure', '--config', config, '--force');
    expect(forced.out).toMatch(/^secure: authorized/);
    expect(server.stats().authorizationRequests).toBe(2);
  });

  it('lists OAuth servers with state, expiry and scope, never token values', async () => {
    const { cli, config, store } = await setup();
    expect((await cli('status', '--config', config)).out).toMatch(/^secure: not authorized {2}storage .*\.json\n$/);
    await cli('login', 'secure', '--config', config);
    const { code, out } = await cli('status', '--config', config);
    expect(code).toBe(0);
    expect(out).toMatch(/^secure: authorized {2}expires \S+ {2}scope "tools:list tools:execute" {2}refresh token yes {2}storage /);
    const tokens = (await store.load())!.tokens!;
    expect(out).not.toContain(tokens.access_token);
    expect(out).not.toContain(tokens.refresh_token!);
    expect(out).not.toContain('local');
  });

  it('logs out: revokes at the server, whose token then stops working, and deletes the file', async () => {
    const { cli, config, store, server } = await setup();
    await cli('login', 'secure', '--config', config);
    const saved = (await store.load())!.tokens!;
    const { code, out } = await cli('logout', 'secure', '--config', config);
    expect(code).toBe(0);
    expect(out).toBe('secure: logged out (tokens revoked at the server; saved tokens deleted)\n');
    expect(server.stats().revocationRequests).toBe(2);
    await expect(access(store.location)).rejects.toThrow();
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${saved.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  // Issue #14 item 5: a token file's saved endpoints decide nothing about where tokens and secrets go.
  it('does not revoke at a saved revocation endpoint the server no longer names, says so, and still deletes the file', async () => {
    const { cli, config, store, server } = await setup();
    await cli('login', 'secure', '--config', config);
    const saved = (await store.load())!;
    const metadata = { ...saved.discovery!.authorizationServerMetadata!, revocation_endpoint: 'http://127.0.0.1:9/revoke' };
    await store.save({ ...saved, discovery: { ...saved.discovery!, authorizationServerMetadata: metadata } });
    const { code, out } = await cli('logout', 'secure', '--config', config);
    expect(code).toBe(1);
    expect(out).toBe(`secure: logged out (not revoked: the saved revocation_endpoint (http://127.0.0.1:9/revoke) is not the server's (${server.url}/revoke); saved tokens deleted)\n`);
    expect(server.stats().revocationRequests).toBe(0);
    await expect(access(store.location)).rejects.toThrow();
  });

  it('reads the config file from MCPO_CONFIG when -c is not given, as serving does', async () => {
    const { config, deps } = await setup();
    let out = '';
    const stdout = new PassThrough();
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await runAuthCli(['node', 'mcpo', 'auth', 'status'], { ...deps, stdout, env: { ...deps.env, MCPO_CONFIG: config } });
    expect(code).toBe(0);
    expect(out).toMatch(/^secure: not authorized/);
  });

  it('exits 2 for an unknown server or one without oauth, and 1 when the authorization fails', async () => {
    const { cli, config, term } = await setup(idleBrowser(), 200);
    expect((await cli('login', 'nope', '--config', config)).code).toBe(2);
    expect((await cli('login', 'local', '--config', config)).code).toBe(2);
    expect((await cli('status')).code).toBe(2); // --config (or MCPO_CONFIG) is required
    expect(term.text()).toContain('mcpo: -c/--config FILE is required (or set MCPO_CONFIG)');
    expect((await cli('login', 'secure', '--config', config)).code).toBe(1);
    expect(term.text()).toContain('mcpo: Timed out after');
  });

  it('with --no-browser, prints the URL without opening a browser, and logs in once the user opens it', async () => {
    const browser = fetchBrowser();
    const { cli, config, term, store } = await setup(browser);
    const login = cli('login', 'secure', '--config', config, '--no-browser');
    let url = '';
    await expect.poll(() => (url = /^(http:\/\/127\.0\.0\.1:\d+\/start\?ticket=\S+)$/m.exec(term.text())?.[1] ?? '')).not.toBe('');
    expect(term.text()).toContain('mcpo: not opening a browser (--no-browser).');
    await (await new CookieJar().fetch(url)).text(); // the user opens mcpo's login link
    expect((await login).code).toBe(0);
    expect(browser.opened).toEqual([]);
    expect((await store.load())?.tokens).toBeDefined();
  });
});
